"""Issuing an SD-JWT: conceal the chosen claims behind salted digests, add decoys, sign with a Signer.

Which claims are concealed is given as template paths over the claims: ``record.handling`` is the
``handling`` member of ``record``; ``a[].b`` the ``b`` member of every element of ``a``; ``a[]`` every
element of ``a`` (array-element disclosures). A concealed value may hold concealed claims itself.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import MalformedError, ProofError
from ..keys.primitives import Signer
from ..securing.jose import DEFAULT_ALLOWED_ALGORITHMS
from .compact import SdJwt
from .disclosures import DEFAULT_HASH, RESERVED_NAMES, Disclosure, b64url, decoy_digest, new_salt

SD_JWT_TYP = "dc+sd-jwt"


@dataclass(frozen=True)
class Issued:
    """An issued SD-JWT with every disclosure, and the template path each one conceals."""

    sd_jwt: SdJwt
    paths: tuple[tuple[str, Disclosure], ...]

    def serialize(self) -> str:
        return self.sd_jwt.serialize()


def _decoys(count: int | Callable[[], int]) -> int:
    return count() if callable(count) else count


def default_decoys() -> int:
    """1 to 3 decoys per object or array that conceals anything (RFC 9901 §4.2.5)."""
    return 1 + secrets.randbelow(3)


def conceal(
    claims: dict[str, Any],
    paths: Iterable[str],
    *,
    salt: Callable[[], str] = new_salt,
    decoys: int | Callable[[], int] = default_decoys,
    alg: str = DEFAULT_HASH,
) -> tuple[dict[str, Any], list[tuple[str, Disclosure]]]:
    """The claims with every ``paths`` member replaced by a digest, and the disclosures made (in order)."""
    wanted = set(paths)
    made: list[tuple[str, Disclosure]] = []
    found: set[str] = set()

    def walk(node: Any, template: str) -> Any:
        if isinstance(node, list):
            element = template + "[]"
            items: list[Any] = []
            for item in node:
                inner = walk(item, element)
                if element in wanted:
                    found.add(element)
                    d = Disclosure.create(None, inner, salt=salt())
                    made.append((element, d))
                    items.append({"...": d.digest(alg)})
                else:
                    items.append(inner)
            if element in wanted and node:
                items += [{"...": decoy_digest(alg)} for _ in range(_decoys(decoys))]
            return items
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        digests: list[str] = []
        for name, value in node.items():
            if name in RESERVED_NAMES:
                raise MalformedError(f"a claim must not be named {name!r} (reserved by RFC 9901)")
            path = f"{template}.{name}" if template else name
            inner = walk(value, path)
            if path in wanted:
                found.add(path)
                d = Disclosure.create(name, inner, salt=salt())
                made.append((path, d))
                digests.append(d.digest(alg))
            else:
                out[name] = inner
        if digests:
            digests += [decoy_digest(alg) for _ in range(_decoys(decoys))]
            out["_sd"] = sorted(digests)  # sorted: the order tells nothing about the claims
        return out

    concealed = walk(claims, "")
    return concealed, made


def sign_jwt(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    """A compact JWS signed by ``signer`` (any Signer: file key, KMS, HSM)."""
    if signer.algorithm not in DEFAULT_ALLOWED_ALGORITHMS:
        raise ProofError(f"JOSE algorithm {signer.algorithm!r} is not supported for signing")
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        for part in (header, payload)
    )
    return signing_input + "." + b64url(signer.sign(signing_input.encode("ascii")))


def issue(
    claims: dict[str, Any],
    paths: Iterable[str],
    signer: Signer,
    *,
    typ: str = SD_JWT_TYP,
    salt: Callable[[], str] = new_salt,
    decoys: int | Callable[[], int] = default_decoys,
    alg: str = DEFAULT_HASH,
) -> Issued:
    """Conceal ``paths`` of ``claims`` and sign the result; the SD-JWT carries every disclosure."""
    concealed, made = conceal(claims, paths, salt=salt, decoys=decoys, alg=alg)
    payload = {**concealed, "_sd_alg": alg}
    header = {"alg": signer.algorithm, "typ": typ, "kid": signer.verification_method}
    token = sign_jwt(header, payload, signer)
    return Issued(SdJwt(token, tuple(d.encoded for _, d in made)), tuple(made))


__all__ = ["SD_JWT_TYP", "Issued", "conceal", "issue", "sign_jwt"]
