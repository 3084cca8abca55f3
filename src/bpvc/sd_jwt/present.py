"""Presenting an SD-JWT: keep only the disclosures the recipient may see, then bind it to the holder's key.

The holder keeps the full SD-JWT (every disclosure). A presentation is a subset of its
disclosures plus, when asked, a key-binding JWT over ``iat``, ``aud``, ``nonce`` and ``sd_hash``
signed with the key in ``cnf``. A withheld claim can be presented later from the same full
SD-JWT: its digest is already in the credential the recipient holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import MalformedError
from ..keys.primitives import Signer
from ..securing import jose
from .compact import SdJwt
from .issue import sign_jwt
from .verify import KB_JWT_TYP, unpack


def related(template: str, path: str) -> bool:
    """Whether disclosing ``path`` needs the disclosure at ``template``: it is the path, inside it, or under it."""

    def under(child: str, parent: str) -> bool:
        return child == parent or child.startswith(parent + ".") or child.startswith(parent + "[]")

    return under(template, path) or under(path, template)


def select(sd_jwt: SdJwt, paths: Iterable[str], *, exact: bool = False) -> SdJwt:
    """Only the disclosures needed to show ``paths`` (template paths such as ``record.handling``).

    With ``exact``, a disclosure is kept when its own path is listed, nothing else (a tier's units).
    A path that no disclosure and no plain claim matches is an error: it would disclose nothing.
    """
    payload = jose.decode(sd_jwt.jwt).payload
    unpacked = unpack(payload, sd_jwt.disclosures)
    wanted = list(paths)
    keep: list[str] = []
    matched: set[str] = set()
    for template, encoded in unpacked.templates:
        hits = [p for p in wanted if (template == p if exact else related(template, p))]
        if hits:
            keep.append(encoded)
            matched.update(hits)
    for path in wanted:
        if path not in matched and not exact and not _plain(unpacked.claims, path):
            raise MalformedError(f"nothing to disclose at {path}: no such claim in the credential")
    return SdJwt(sd_jwt.jwt, tuple(keep))


def _plain(claims: dict[str, Any], path: str) -> bool:
    node: Any = claims
    for part in path.replace("[]", "").split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def bind(sd_jwt: SdJwt, holder: Signer, *, audience: str, nonce: str, iat: int) -> SdJwt:
    """Add a key-binding JWT (RFC 9901 §4.3) signed by the holder; the credential's ``cnf`` must name its key."""
    payload = jose.decode(sd_jwt.jwt).payload
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise MalformedError("the credential has no cnf.jwk: it is not bound to a holder key", json_path="$.cnf")
    own = getattr(getattr(holder, "public_key", None), "jwk", None)
    if callable(own) and jose.thumbprint(own()) != jose.thumbprint(jwk):
        raise MalformedError("the holder key is not the key named in the credential's cnf", json_path="$.cnf.jwk")
    unbound = SdJwt(sd_jwt.jwt, sd_jwt.disclosures)
    alg = payload.get("_sd_alg", "sha-256")
    claims = {"iat": iat, "aud": audience, "nonce": nonce, "sd_hash": unbound.sd_hash(str(alg))}
    kb = sign_jwt({"alg": holder.algorithm, "typ": KB_JWT_TYP}, claims, holder)
    return SdJwt(sd_jwt.jwt, sd_jwt.disclosures, kb)


__all__ = ["bind", "related", "select"]
