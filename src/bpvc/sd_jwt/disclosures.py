"""SD-JWT disclosures (RFC 9901 §4.2): salted claims, their digests, and the compact serialization.

A disclosure is ``base64url(JSON [salt, name, value])`` (``[salt, value]`` for an array element).
Its digest is computed over the disclosure *string as received*, never over re-serialised JSON:
two encodings of the same claim are two different disclosures with two different digests.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import multibase, strict_json
from ..errors import DisclosureError as DisclosureError
from ..errors import MalformedError, ParsingError

# _sd_alg names (IANA "Named Information Hash Algorithm" registry) bpvc accepts; sha-256 is the default.
HASH_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
DEFAULT_HASH = "sha-256"
RESERVED_NAMES = frozenset({"_sd", "...", "_sd_alg"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
MAX_DISCLOSURE_LENGTH = 1 << 20  # one disclosure's encoded size: a whole record section fits easily


def b64url(data: bytes) -> str:
    return multibase.b64url_encode(data)


def b64url_decode(text: str, what: str) -> bytes:
    """Strict base64url without padding (RFC 9901 §4: no ``=``, only the URL-safe alphabet)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ParsingError(f"{what} is not base64url without padding")
    return multibase.b64url_decode(text)


def digest(text: str, alg: str = DEFAULT_HASH) -> str:
    """base64url(hash(ASCII bytes of ``text``)): a disclosure's digest, or a presentation's ``sd_hash``."""
    try:
        hasher = HASH_ALGORITHMS[alg]
    except KeyError:
        raise MalformedError(f"_sd_alg {alg!r} is not supported ({', '.join(HASH_ALGORITHMS)})") from None
    return b64url(hasher(text.encode("ascii")).digest())


def new_salt() -> str:
    """128 bits from the OS CSPRNG, as RFC 9901 §9.3 recommends."""
    return b64url(secrets.token_bytes(16))


def decoy_digest(alg: str = DEFAULT_HASH) -> str:
    """A digest of random bytes: indistinguishable from a real one, disclosed by nothing (RFC 9901 §4.2.5)."""
    return digest(b64url(secrets.token_bytes(32)), alg)


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: its encoded form (what is hashed) and the salt, name and value it carries."""

    encoded: str
    salt: str
    name: str | None  # None: an array element
    value: Any

    def digest(self, alg: str = DEFAULT_HASH) -> str:
        return digest(self.encoded, alg)

    @classmethod
    def create(cls, name: str | None, value: Any, *, salt: str | None = None) -> Disclosure:
        """A new disclosure, serialised the way RFC 9901's examples are (``", "`` separators, UTF-8)."""
        if name is not None and name in RESERVED_NAMES:
            raise DisclosureError(f"a claim named {name!r} cannot be made selectively disclosable")
        salt = salt if salt is not None else new_salt()
        array = [salt, value] if name is None else [salt, name, value]
        text = json.dumps(array, ensure_ascii=False)
        return cls(b64url(text.encode("utf-8")), salt, name, value)

    @classmethod
    def parse(cls, encoded: str) -> Disclosure:
        """Decode a received disclosure; the encoded string is kept as it came, for hashing."""
        if len(encoded) > MAX_DISCLOSURE_LENGTH:
            raise DisclosureError(f"a disclosure is longer than {MAX_DISCLOSURE_LENGTH} characters")
        try:
            raw = b64url_decode(encoded, "a disclosure")
            array = strict_json.loads(raw.decode("utf-8"))
        except ParsingError as err:
            raise DisclosureError(err.detail) from None
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            raise DisclosureError(f"a disclosure is not UTF-8 JSON: {err}") from None
        if not isinstance(array, list) or len(array) not in (2, 3):
            raise DisclosureError("a disclosure must be a JSON array of 2 (array element) or 3 (claim) items")
        salt = array[0]
        if not isinstance(salt, str):
            raise DisclosureError("a disclosure's salt must be a string")
        if len(array) == 2:
            return cls(encoded, salt, None, array[1])
        name = array[1]
        if not isinstance(name, str):
            raise DisclosureError("a disclosure's claim name must be a string")
        if name in RESERVED_NAMES:
            raise DisclosureError(f"a disclosure must not name the claim {name!r} (reserved by RFC 9901)")
        return cls(encoded, salt, name, array[2])


__all__ = [
    "DEFAULT_HASH",
    "HASH_ALGORITHMS",
    "Disclosure",
    "DisclosureError",
    "decoy_digest",
    "digest",
    "new_salt",
]
