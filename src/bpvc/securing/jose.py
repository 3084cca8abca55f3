"""VC-JOSE: credentials and presentations as compact JWS (``vc+jwt``, ``vp+jwt``), and VCDM 1.1 JWTs.

Signing builds the JWS itself so any :class:`~bpvc.keys.primitives.Signer` (a KMS key too) can sign;
verification goes through PyJWT's JWS layer with an explicit algorithm allowlist, after
bpvc has checked the header (``typ``, ``cty``, ``crit``) and resolved the key.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

from .. import data_model as model
from .. import multibase, strict_json
from ..did import Resolver, VerificationMethod, method_from_document
from ..errors import (
    BpvcError,
    MalformedError,
    ParsingError,
    ProofError,
    SignatureError,
    UnsupportedError,
    VerificationMethodError,
)
from ..jsonld.contexts import CREDENTIALS_V2
from ..keys.primitives import PublicKey, Signer

# JOSE algorithm -> the key type it needs. Never "none", never HMAC.
JOSE_ALGORITHMS = {"EdDSA": "ed25519", "Ed25519": "ed25519", "ES256": "p256", "ES384": "p384", "ES256K": "secp256k1"}
DEFAULT_ALLOWED_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES384"})
LEGACY_ALLOWED_ALGORITHMS = DEFAULT_ALLOWED_ALGORITHMS | {"ES256K"}
MAX_HEADER_BYTES = 8 * 1024
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
ENVELOPE_PREFIXES = {"vc": "data:application/vc+jwt,", "vp": "data:application/vp+jwt,"}
LEGACY_ENVELOPE_PREFIX = "data:application/jwt,"


@dataclass(frozen=True)
class DecodedJws:
    """A compact JWS split and parsed, not yet verified."""

    token: str
    header: dict[str, Any]
    payload: dict[str, Any]
    warnings: list[BpvcError] = field(default_factory=list)


def looks_like_jws(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2]) and text.strip()[:2] == "ey"


def decode(token: str) -> DecodedJws:
    """Split a compact JWS and parse its header and payload (no signature check)."""
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise ParsingError("not a compact JWS (expected three dot-separated parts)")
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not _B64URL.match(part):
            raise ParsingError(f"JWS {name} is not unpadded base64url (RFC 7515 §2)")
    try:
        header = strict_json.loads(multibase.b64url_decode(parts[0]), max_bytes=MAX_HEADER_BYTES)
        payload = strict_json.loads(multibase.b64url_decode(parts[1]))
    except (MalformedError, ValueError) as err:
        raise ParsingError(f"JWS header or payload is not acceptable base64url JSON: {err}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ParsingError("JWS header and payload must be JSON objects")
    return DecodedJws(token, header, payload)


def sign(document: dict[str, Any], signer: Signer, *, media: str = "vc", claims: dict[str, Any] | None = None) -> str:
    """Secure ``document`` as ``vc+jwt`` (or ``vp+jwt``); the payload is the document itself."""
    if signer.algorithm not in DEFAULT_ALLOWED_ALGORITHMS:
        raise ProofError(f"JOSE algorithm {signer.algorithm!r} is not supported for signing")
    header = {"alg": signer.algorithm, "typ": f"{media}+jwt", "cty": media, "kid": signer.verification_method}
    payload = dict(document)
    issuer = model.issuer_id(document) if media == "vc" else holder_of(document)
    if issuer:
        payload["iss"] = issuer
    payload.update(claims or {})
    signing_input = ".".join(
        multibase.b64url_encode(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode())
        for part in (header, payload)
    )
    return signing_input + "." + multibase.b64url_encode(signer.sign(signing_input.encode("ascii")))


def envelope(token: str, media: str = "vc") -> dict[str, Any]:
    """An EnvelopedVerifiableCredential (or Presentation) carrying ``token`` in a data: URL."""
    kind = "EnvelopedVerifiableCredential" if media == "vc" else "EnvelopedVerifiablePresentation"
    return {"@context": "https://www.w3.org/ns/credentials/v2", "id": ENVELOPE_PREFIXES[media] + token, "type": kind}


ENVELOPE_TYPES = ("EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation")
_ENVELOPE_MEMBERS = {"@context", "id", "type"}


def is_envelope(document: dict[str, Any]) -> bool:
    return any(t in ENVELOPE_TYPES for t in model.types_of(document))


def check_envelope(document: dict[str, Any]) -> None:
    """The wrapper itself (VCDM 2.0 §4.13): ``@context`` starting with the v2 context, and nothing but
    ``@context``, ``id`` and ``type`` — any other member would ride along unsigned beside the token."""
    ctx = document.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    if first != CREDENTIALS_V2:
        raise MalformedError(
            f"an enveloped credential or presentation needs an @context starting with {CREDENTIALS_V2}",
            json_path="$['@context']",
        )
    roles = [t for t in model.types_of(document) if t in model.ROLES]
    if len(roles) != 1:
        raise MalformedError(f"an envelope has exactly one role; its type names {', '.join(roles)}", json_path="$.type")
    extra = sorted(set(document) - _ENVELOPE_MEMBERS)
    if extra:
        raise MalformedError(
            f"an envelope carries only @context, id and type; {', '.join(extra)} would not be secured by the token",
            json_path=f"$.{extra[0]}",
        )


def unwrap_envelope(document: dict[str, Any]) -> tuple[str, str] | None:
    """``(media, token)`` when ``document`` is an enveloped credential or presentation, else None.

    ``data:application/jwt,`` carries a VCDM 1.1 JWT (the W3C VCDM 2.0 test suite sends one), whose
    ``vc`` or ``vp`` claim must match the envelope's type; the verifier maps its claims as for any
    VCDM 1.1 JWT.
    """
    if not is_envelope(document):
        return None
    check_envelope(document)
    ident = document.get("id")
    if isinstance(ident, str) and ident.startswith(LEGACY_ENVELOPE_PREFIX):
        return _legacy_envelope(document, unquote(ident[len(LEGACY_ENVELOPE_PREFIX) :]))
    for media, prefix in ENVELOPE_PREFIXES.items():
        if isinstance(ident, str) and ident.startswith(prefix):
            return media, unquote(ident[len(prefix) :])
    if isinstance(ident, str) and ident.startswith("data:") and "," in ident:
        media_type = ident[len("data:") :].split(",", 1)[0]
        raise UnsupportedError(
            f"enveloped media type {media_type!r} is not supported (bpvc verifies "
            "application/vc+jwt, application/vp+jwt and application/jwt)",
            json_path="$.id",
        )
    raise MalformedError("an enveloped credential's id must be a data: URL", json_path="$.id")


def _legacy_envelope(document: dict[str, Any], token: str) -> tuple[str, str]:
    role = next(t for t in model.types_of(document) if t in ENVELOPE_TYPES)
    media, other = ("vc", "vp") if role == "EnvelopedVerifiableCredential" else ("vp", "vc")
    try:
        decoded = decode(token)
    except BpvcError as err:
        raise MalformedError(
            f"the application/jwt in the envelope's id is not a JWT: {err.detail}", json_path="$.id"
        ) from None
    if (
        media_type(decoded.header.get("typ", "JWT")) != "jwt"
        or media not in decoded.payload
        or other in decoded.payload
    ):
        raise MalformedError(
            f"an {role} in a data:application/jwt URL carries a VCDM 1.1 JWT with a {media!r} claim "
            f"(typ JWT, no {other!r} claim)",
            json_path="$.id",
        )
    return media, token


def holder_of(document: dict[str, Any]) -> str | None:
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    return holder if isinstance(holder, str) else None


def media_type(value: object) -> str | None:
    """A ``typ``/``cty`` value as a media type without the optional ``application/`` prefix (RFC 7515 §4.1.9)."""
    if not isinstance(value, str):
        return None
    lowered = value.lower()
    return lowered[len("application/") :] if lowered.startswith("application/") else lowered


def check_header(decoded: DecodedJws, media: str, allowed: frozenset[str]) -> None:
    """VC-JOSE-COSE §3: ``typ`` names the media type, ``cty`` (if present) the content, no ``vc``/``vp`` claims."""
    header, payload = decoded.header, decoded.payload
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.startswith("HS"):
        raise ProofError(f"JWS alg {alg!r} is never accepted", json_path="$.header.alg")
    if alg not in allowed:
        raise ProofError(
            f"JWS alg {alg!r} is not allowed (allowed: {', '.join(sorted(allowed))})", json_path="$.header.alg"
        )
    if media_type(header.get("typ")) != f"{media}+jwt":
        raise ProofError(f"JWS typ must be {media}+jwt, found {header.get('typ')!r}", json_path="$.header.typ")
    if "cty" in header and media_type(header["cty"]) != media:
        raise ProofError(f"JWS cty must be {media!r}, found {header['cty']!r}", json_path="$.header.cty")
    if "crit" in header:
        raise ProofError(
            f"JWS has critical extensions bpvc does not understand: {header['crit']!r}", json_path="$.header.crit"
        )
    for claim in ("vc", "vp"):
        if claim in payload:
            raise ProofError(
                f"a {media}+jwt payload must not contain the {claim!r} claim (VCDM 1.1 style)", json_path=f"$.{claim}"
            )


def check_legacy_header(decoded: DecodedJws, allowed: frozenset[str]) -> None:
    """VCDM 1.1 §6.3.1 JWTs: ``alg`` required and allowed, ``typ`` (if present) ``JWT``, no ``crit``."""
    alg = decoded.header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.startswith("HS"):
        raise ProofError(f"JWT alg {alg!r} is never accepted", json_path="$.header.alg")
    if alg not in allowed:
        raise ProofError(
            f"JWT alg {alg!r} is not allowed (allowed: {', '.join(sorted(allowed))})", json_path="$.header.alg"
        )
    if media_type(decoded.header.get("typ", "JWT")) != "jwt":
        raise ProofError(
            f"a VCDM 1.1 JWT's typ must be JWT, found {decoded.header.get('typ')!r}", json_path="$.header.typ"
        )
    if "crit" in decoded.header:
        raise ProofError(
            f"JWT has critical extensions bpvc does not understand: {decoded.header['crit']!r}",
            json_path="$.header.crit",
        )


def resolve_key(header: dict[str, Any], issuer: str | None, resolver: Resolver) -> VerificationMethod:
    """Find the key: an absolute ``kid`` is a verification method URL; otherwise look in ``iss``'s document.

    A relative ``kid`` may be the method's fragment, its JWK ``kid`` or its RFC 7638 thumbprint
    (the W3C vc-jose-cose fixtures use thumbprints); with no ``kid`` the document must hold one key.
    """
    kid = header.get("kid")
    if isinstance(kid, str) and "#" in kid and ":" in kid.split("#", 1)[0]:
        return resolver.resolve(kid)
    if not issuer:
        raise VerificationMethodError(
            "JWS kid is not an absolute URL and there is no iss to look the key up in", verification_method=str(kid)
        )
    doc = resolver.controller_document(issuer)
    methods = [m for m in doc.get("verificationMethod") or [] if isinstance(m, dict)]
    candidates = methods if kid is None and len(methods) == 1 else [m for m in methods if _matches(m, issuer, kid)]
    if not candidates:
        raise VerificationMethodError(
            f"no key matching kid {kid!r} in the document of {issuer}", verification_method=f"{issuer}#{kid}"
        )
    return method_from_document(doc, _absolute_id(candidates[0], issuer))


def _absolute_id(method: dict[str, Any], issuer: str) -> str:
    mid = str(method.get("id", ""))
    return issuer + mid if mid.startswith("#") else mid


def _matches(method: dict[str, Any], issuer: str, kid: object) -> bool:
    if not isinstance(kid, str):
        return False
    if _absolute_id(method, issuer) in (kid, f"{issuer}#{kid}"):
        return True
    jwk = method.get("publicKeyJwk")
    return isinstance(jwk, dict) and (jwk.get("kid") == kid or thumbprint(jwk) == kid)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    members = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(str(jwk.get("kty")), ())
    data = json.dumps({k: jwk[k] for k in members if k in jwk}, separators=(",", ":"), sort_keys=True)
    return multibase.b64url_encode(hashlib.sha256(data.encode()).digest())


def verify_signature(token: str, key: PublicKey, alg: str) -> None:
    """Check the JWS signature with PyJWT, for exactly the algorithm the key type allows."""
    if JOSE_ALGORITHMS.get(alg) != key.key_type:
        raise SignatureError(f"JWS alg {alg} does not match the {key.key_type} key")
    try:
        jwt.PyJWS().decode_complete(token, key=key.key, algorithms=[alg])
    except InvalidSignatureError:
        raise SignatureError("JWS signature does not verify: the token was altered or signed by another key") from None
    except InvalidTokenError as err:
        raise ParsingError(f"JWS cannot be verified: {err}") from None


def verify_jws(decoded: DecodedJws, issuer: str | None, resolver: Resolver) -> VerificationMethod:
    """Resolve the key and check the signature; a ResolutionError means undecidable, not invalid."""
    method = resolve_key(decoded.header, issuer, resolver)
    verify_signature(decoded.token, method.public_key, str(decoded.header.get("alg")))
    return method


__all__ = ["DecodedJws", "decode", "envelope", "looks_like_jws", "sign", "unwrap_envelope", "verify_jws"]
