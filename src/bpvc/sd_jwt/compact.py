"""The compact serialization: ``<issuer-signed JWT>~<disclosure>~...~<KB-JWT or nothing>`` (RFC 9901 §4)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParsingError
from ..securing import jose
from .disclosures import DEFAULT_HASH, digest

MAX_LENGTH = 8 << 20  # bytes of one SD-JWT: bounds before work
MAX_DISCLOSURES = 4096


def looks_like_sd_jwt(text: str) -> bool:
    """A compact JWS followed by ``~``: how the verifier tells an SD-JWT from other input."""
    stripped = text.strip()
    head, sep, _ = stripped.partition("~")
    return bool(sep) and stripped[:2] == "ey" and jose.looks_like_jws(head)


@dataclass(frozen=True)
class SdJwt:
    """An SD-JWT split into its parts; ``kb_jwt`` is ``""`` when there is no key binding."""

    jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str = ""

    @classmethod
    def parse(cls, text: str) -> SdJwt:
        text = text.strip()
        if len(text) > MAX_LENGTH:
            raise ParsingError(f"the SD-JWT is longer than {MAX_LENGTH} bytes")
        if "~" not in text:
            raise ParsingError("not an SD-JWT: no '~' after the issuer-signed JWT")
        parts = text.split("~")
        if len(parts) - 2 > MAX_DISCLOSURES:
            raise ParsingError(f"the SD-JWT carries more than {MAX_DISCLOSURES} disclosures")
        jwt, disclosures, kb_jwt = parts[0], tuple(parts[1:-1]), parts[-1]
        if not jose.looks_like_jws(jwt):
            raise ParsingError("the SD-JWT does not start with a compact JWS")
        if any(not d for d in disclosures):
            raise ParsingError("the SD-JWT has an empty disclosure ('~~')")
        if kb_jwt and not jose.looks_like_jws(kb_jwt):
            raise ParsingError("the part after the last '~' is neither empty nor a compact JWS (KB-JWT)")
        return cls(jwt, disclosures, kb_jwt)

    @property
    def without_kb(self) -> str:
        """The presentation up to and including the last ``~``: what ``sd_hash`` covers."""
        return "~".join((self.jwt, *self.disclosures)) + "~"

    def serialize(self) -> str:
        return self.without_kb + self.kb_jwt

    def sd_hash(self, alg: str = DEFAULT_HASH) -> str:
        return digest(self.without_kb, alg)


__all__ = ["SdJwt", "looks_like_sd_jwt"]
