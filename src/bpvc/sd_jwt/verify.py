"""Verifying an SD-JWT (RFC 9901 §7): the issuer's signature, every disclosure against its digest, key binding.

These are primitives: each raises a specific error. :mod:`bpvc.sd_jwt.vc` turns them into the
verifier's checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..did import Resolver, VerificationMethod
from ..errors import BpvcError, ChallengeError, DomainError, MalformedError, ProofError, RangeValueError
from ..errors import KeyBindingError as KeyBindingError
from ..keys.primitives import PublicKey
from ..securing import jose
from .compact import SdJwt
from .disclosures import DEFAULT_HASH, HASH_ALGORITHMS, Disclosure, DisclosureError

SD_JWT_TYPES = ("dc+sd-jwt", "vc+sd-jwt")  # vc+sd-jwt: the SD-JWT VC drafts before -06, still accepted
KB_JWT_TYP = "kb+jwt"
MAX_DEPTH = 64
DEFAULT_KB_MAX_AGE = 600.0  # seconds a key-binding JWT stays fresh


@dataclass(frozen=True)
class Unpacked:
    """The payload with every disclosed claim in place and every digest gone."""

    claims: dict[str, Any]
    disclosed: tuple[str, ...]  # JSON paths of the disclosed claims, in payload order
    hash_alg: str
    undisclosed: int  # digests nothing disclosed (withheld claims and decoys alike)
    templates: tuple[tuple[str, str], ...] = ()  # (template path such as a.b[].c, disclosure) per disclosure


def template_of(json_path: str) -> str:
    """``$.a[3].b`` -> ``a[].b``: the path with array indices left out, as classifications name fields."""
    return re.sub(r"\[\d+\]", "[]", json_path).removeprefix("$").removeprefix(".")


def check_header(header: dict[str, Any], allowed: frozenset[str]) -> None:
    """The issuer-signed JWT: an allowed asymmetric ``alg``, ``typ`` dc+sd-jwt, no ``crit``."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.startswith("HS"):
        raise ProofError(f"JWS alg {alg!r} is never accepted", json_path="$.header.alg")
    if alg not in allowed:
        raise ProofError(
            f"JWS alg {alg!r} is not allowed (allowed: {', '.join(sorted(allowed))})", json_path="$.header.alg"
        )
    if header.get("typ") not in SD_JWT_TYPES:
        raise ProofError(f"SD-JWT VC typ must be dc+sd-jwt, found {header.get('typ')!r}", json_path="$.header.typ")
    if "crit" in header:
        raise ProofError(f"JWS has critical extensions bpvc does not understand: {header['crit']!r}")


def verify_issuer_signature(
    decoded: jose.DecodedJws, resolver: Resolver, allowed: frozenset[str]
) -> VerificationMethod:
    """Resolve the issuer's key (``kid`` through the DID resolver, or ``iss``'s document) and check the JWS."""
    check_header(decoded.header, allowed)
    iss = decoded.payload.get("iss")
    return jose.verify_jws(decoded, iss if isinstance(iss, str) else None, resolver)


def unpack(
    payload: dict[str, Any], disclosures: Sequence[str], *, allowed_hashes: Sequence[str] = tuple(HASH_ALGORITHMS)
) -> Unpacked:
    """RFC 9901 §7.1: put every disclosure in the place of its digest; refuse anything ambiguous.

    Every disclosure must be referenced exactly once, no digest may appear twice, a disclosed name
    must not collide with a claim already there, and an array-element disclosure only fills an
    array element (a claim disclosure only an ``_sd`` entry).
    """
    alg = payload.get("_sd_alg", DEFAULT_HASH)
    if not isinstance(alg, str) or alg not in allowed_hashes:
        raise MalformedError(f"_sd_alg {alg!r} is not accepted ({', '.join(allowed_hashes)})", json_path="$._sd_alg")
    by_digest: dict[str, Disclosure] = {}
    keys: list[str] = []
    for i, encoded in enumerate(disclosures):
        disclosure = Disclosure.parse(encoded)
        key = disclosure.digest(alg)
        keys.append(key)
        if key in by_digest:
            raise DisclosureError(f"disclosure {i} is sent twice", json_path=f"$.disclosures[{i}]")
        by_digest[key] = disclosure
    seen: set[str] = set()
    used: set[str] = set()
    disclosed: list[str] = []
    templates: list[tuple[str, str]] = []
    undisclosed = 0

    def take(key: Any, where: str) -> Disclosure | None:
        nonlocal undisclosed
        if not isinstance(key, str):
            raise DisclosureError("a digest must be a string", json_path=where)
        if key in seen:
            raise DisclosureError(f"the digest {key} appears more than once in the credential", json_path=where)
        seen.add(key)
        found = by_digest.get(key)
        if found is None:
            undisclosed += 1
            return None
        used.add(key)
        return found

    def walk(node: Any, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise MalformedError(f"the credential nests deeper than {MAX_DEPTH} levels", json_path=path)
        if isinstance(node, list):
            out_list: list[Any] = []
            for i, item in enumerate(node):
                where = f"{path}[{i}]"
                if isinstance(item, dict) and "..." in item:
                    if len(item) != 1:
                        raise DisclosureError(
                            "an array element digest must be the only member ('...')", json_path=where
                        )
                    found = take(item["..."], where)
                    if found is None:
                        continue
                    if found.name is not None:
                        raise DisclosureError(
                            f"a claim disclosure ({found.name}) fills an array element", json_path=where
                        )
                    disclosed.append(f"{path}[{len(out_list)}]")
                    templates.append((template_of(f"{path}[0]"), found.encoded))
                    out_list.append(walk(found.value, f"{path}[{len(out_list)}]", depth + 1))
                else:
                    out_list.append(walk(item, f"{path}[{len(out_list)}]", depth + 1))
            return out_list
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for name, value in node.items():
            if name == "_sd" or (name == "_sd_alg" and depth == 0):
                continue
            out[name] = walk(value, f"{path}.{name}", depth + 1)
        digests = node.get("_sd", [])
        if not isinstance(digests, list):
            raise DisclosureError("_sd must be an array of digests", json_path=f"{path}._sd")
        for i, key in enumerate(digests):
            found = take(key, f"{path}._sd[{i}]")
            if found is None:
                continue
            if found.name is None:
                raise DisclosureError(
                    "an array-element disclosure is referenced from _sd", json_path=f"{path}._sd[{i}]"
                )
            if found.name in out:
                raise DisclosureError(
                    f"the disclosed claim {found.name!r} is already present", json_path=f"{path}.{found.name}"
                )
            disclosed.append(f"{path}.{found.name}")
            templates.append((template_of(f"{path}.{found.name}"), found.encoded))
            out[found.name] = walk(found.value, f"{path}.{found.name}", depth + 1)
        return out

    claims = walk(payload, "$", 0)
    unused = [i for i, key in enumerate(keys) if key not in used]
    if unused:
        raise DisclosureError(
            f"disclosure {unused[0]} is not referenced by this credential (it belongs to another one, or was altered)",
            json_path=f"$.disclosures[{unused[0]}]",
        )
    return Unpacked(claims, tuple(disclosed), alg, undisclosed, tuple(templates))


def verify_key_binding(
    sd_jwt: SdJwt,
    claims: dict[str, Any],
    *,
    hash_alg: str,
    allowed: frozenset[str],
    now: float,
    clock_skew: float,
    nonce: str | None = None,
    audience: str | list[str] | None = None,
    max_age: float = DEFAULT_KB_MAX_AGE,
) -> dict[str, Any]:
    """RFC 9901 §7.3: the KB-JWT is signed by the ``cnf`` key and binds ``iat``, ``aud``, ``nonce``, ``sd_hash``."""
    if not sd_jwt.kb_jwt:
        raise KeyBindingError("the presentation has no key-binding JWT, and this verifier requires holder binding")
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise KeyBindingError("a key-binding JWT is present but the credential has no cnf.jwk to check it with")
    try:
        decoded = jose.decode(sd_jwt.kb_jwt)
    except BpvcError as err:
        raise KeyBindingError(f"the key-binding JWT cannot be read: {err.detail}") from None
    header, payload = decoded.header, decoded.payload
    if header.get("typ") != KB_JWT_TYP:
        raise KeyBindingError(f"the key-binding JWT's typ must be kb+jwt, found {header.get('typ')!r}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed:
        raise KeyBindingError(f"the key-binding JWT's alg {alg!r} is not allowed")
    try:
        jose.verify_signature(decoded.token, PublicKey.from_jwk(jwk), alg)
    except BpvcError as err:
        raise KeyBindingError(f"the key-binding JWT is not signed by the holder's cnf key: {err.detail}") from None
    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        raise KeyBindingError("the key-binding JWT has no numeric iat", json_path="$.kb.iat")
    if iat > now + clock_skew:
        raise RangeValueError("the key-binding JWT was issued in the future (iat)", json_path="$.kb.iat")
    if iat < now - max_age - clock_skew:
        raise RangeValueError(
            f"the key-binding JWT is older than {max_age:g} s (iat); ask the holder for a fresh one",
            json_path="$.kb.iat",
        )
    if payload.get("sd_hash") != sd_jwt.sd_hash(hash_alg):
        raise KeyBindingError(
            "the key-binding JWT's sd_hash does not match this presentation (disclosures added, dropped or altered)",
            json_path="$.kb.sd_hash",
        )
    if nonce is not None and payload.get("nonce") != nonce:
        raise ChallengeError("the key-binding JWT's nonce is not the expected one", json_path="$.kb.nonce")
    if audience is not None:
        wanted = audience if isinstance(audience, list) else [audience]
        if payload.get("aud") not in wanted:
            raise DomainError(
                f"the key-binding JWT's aud {payload.get('aud')!r} is not the expected audience", json_path="$.kb.aud"
            )
    return payload


__all__ = [
    "KeyBindingError",
    "Unpacked",
    "check_header",
    "template_of",
    "unpack",
    "verify_issuer_signature",
    "verify_key_binding",
]
