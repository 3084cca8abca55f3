"""DID documents and verification-method resolution (did:key, did:web, supplied documents).

did:key resolves offline. did:web and any other controller document comes from a
mapping the caller supplies, or, only when the caller passes a fetcher, over https.
Resolution returns the verification method together with the relationships that
authorise it, so the verifier can bind the key to the issuer and the proof purpose.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import (
    INVALID_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD_URL,
    FetchError,
    MalformedError,
    ResolutionError,
    VerificationMethodError,
)
from .fetch import Fetcher
from .keys.primitives import PublicKey

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation", "keyAgreement")


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its key, its controller and what it is authorised for."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    relationships: frozenset[str] = field(default_factory=frozenset)


def did_key_document(multikey: str) -> dict[str, Any]:
    """The DID document of ``did:key:<multikey>`` (the key is listed under every relationship)."""
    did = "did:key:" + multikey
    vm_id = f"{did}#{multikey}"
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}],
    }
    for rel in RELATIONSHIPS[:4]:
        doc[rel] = [vm_id]
    return doc


def did_web_document(did: str, methods: list[dict[str, Any]], *, active: list[str]) -> dict[str, Any]:
    """A did:web document listing ``methods``; the ids in ``active`` sign (assertion + authentication)."""
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": list(active),
        "authentication": list(active),
    }


_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_SEGMENT_FORBIDDEN = re.compile(r"[/\\?#@%\s]")


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID document (did:web method spec §3.2).

    The host (with an optional ``%3A``-encoded port) must be a plain DNS name, and each path segment
    a plain name once percent-decoded: ``.``/``..`` segments, and segments that decode to ``/``, ``?``,
    ``#`` or ``%``, would make the URL point outside the DID's own path, so they are refused.
    """
    parts = did.split(":")
    if len(parts) < 3 or parts[:2] != ["did", "web"] or not parts[2]:
        raise MalformedError(f"{did!r} is not a did:web DID")
    host = urllib.parse.unquote(parts[2])
    if not _HOST.match(host) or ".." in host:
        raise MalformedError(f"{did!r} has an invalid host {host!r}")
    segments = [urllib.parse.unquote(p) for p in parts[3:]]
    for segment in segments:
        if not segment or segment in (".", "..") or _SEGMENT_FORBIDDEN.search(segment):
            raise MalformedError(f"{did!r} has an invalid path segment {segment!r}")
    path = "/".join(segments)
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def validate_did_web(did: str) -> str:
    did_web_url(did)
    return did


class Resolver:
    """Resolves verification method URLs; immutable and safe to share between threads."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]] | None = None, *, fetcher: Fetcher | None = None):
        self._documents = {str(k): dict(v) for k, v in (documents or {}).items()}
        self._fetcher = fetcher

    def with_documents(self, documents: Mapping[str, Mapping[str, Any]]) -> Resolver:
        return Resolver({**self._documents, **documents}, fetcher=self._fetcher)

    def controller_document(self, controller: str) -> dict[str, Any]:
        if controller in self._documents:
            return self._documents[controller]
        if controller.startswith("did:key:"):
            return did_key_document(controller[len("did:key:") :])
        if controller.startswith("did:web:") and self._fetcher is not None:
            url = did_web_url(controller)
            try:
                doc = self._fetcher.fetch_json(url)
            except FetchError as err:
                raise ResolutionError(f"cannot fetch the DID document of {controller}: {err.detail}") from err
            if not isinstance(doc, dict) or doc.get("id") != controller:
                raise ResolutionError(f"the document at {url} is not the DID document of {controller}")
            return doc
        how = (
            "supply its DID document (--did-doc)" if controller.startswith("did:") else "supply its controller document"
        )
        if controller.startswith("did:web:"):
            how += " or allow network resolution"
        raise ResolutionError(f"cannot resolve {controller} offline; {how}")

    def resolve(self, vm_url: object) -> VerificationMethod:
        if not isinstance(vm_url, str) or "#" not in vm_url or ":" not in vm_url:
            raise VerificationMethodError(
                f"verification method {vm_url!r} is not an absolute URL with a fragment",
                verification_method=str(vm_url),
                problem_type=INVALID_VERIFICATION_METHOD_URL,
            )
        controller = vm_url.split("#", 1)[0]
        try:
            doc = self.controller_document(controller)
        except MalformedError as err:
            raise VerificationMethodError(
                f"{vm_url}: {err.detail}", verification_method=vm_url, problem_type=INVALID_VERIFICATION_METHOD
            ) from err
        return method_from_document(doc, vm_url)


def _absolute(ref: object, base: str) -> object:
    return base + ref if isinstance(ref, str) and ref.startswith("#") else ref


def method_from_document(doc: Mapping[str, Any], vm_url: str) -> VerificationMethod:
    """Find ``vm_url`` in a controller document and decode its key."""
    doc_id = str(doc.get("id", ""))
    candidates: list[Any] = list(doc.get("verificationMethod") or [])
    relationships = set()
    for rel in RELATIONSHIPS:
        for entry in doc.get(rel) or []:
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if _absolute(ref, doc_id) == vm_url:
                relationships.add(rel)
                if isinstance(entry, dict):
                    candidates.append(entry)
    method = next((m for m in candidates if isinstance(m, dict) and _absolute(m.get("id"), doc_id) == vm_url), None)
    if method is None:
        # The controller's own document disowns this key (for example a retired did:web key): invalid, not undecided.
        raise VerificationMethodError(
            f"{vm_url} is not listed in the controller document {doc_id} (removed or retired?)",
            verification_method=vm_url,
            problem_type=INVALID_VERIFICATION_METHOD,
        )
    controller = method.get("controller")
    if controller != doc_id:
        raise VerificationMethodError(
            f"{vm_url}: its controller {controller!r} is not the document {doc_id!r}",
            verification_method=vm_url,
            problem_type=INVALID_VERIFICATION_METHOD,
        )
    vm_type = str(method.get("type", ""))
    try:
        if "publicKeyMultibase" in method and vm_type in ("Multikey", "Ed25519VerificationKey2020"):
            key = PublicKey.from_multikey(method["publicKeyMultibase"])
            if vm_type == "Ed25519VerificationKey2020" and key.key_type != "ed25519":
                raise MalformedError("Ed25519VerificationKey2020 must hold an Ed25519 key")
        elif "publicKeyJwk" in method and vm_type in ("JsonWebKey", "JsonWebKey2020"):
            jwk = method["publicKeyJwk"]
            if isinstance(jwk, dict) and "d" in jwk:
                raise MalformedError("publicKeyJwk contains private key material")
            key = PublicKey.from_jwk(jwk)
        else:
            raise MalformedError(f"unsupported verification method type {vm_type!r} or missing key")
    except MalformedError as err:
        raise VerificationMethodError(
            f"{vm_url}: {err.detail}", verification_method=vm_url, problem_type=INVALID_VERIFICATION_METHOD
        ) from err
    return VerificationMethod(vm_url, vm_type, doc_id, key, frozenset(relationships))
