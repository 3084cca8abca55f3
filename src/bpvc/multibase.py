"""Multibase (base58btc ``z``, base64url ``u``) and Multikey encodings.

Multikey = multibase(varint multicodec header || key bytes). The headers and key
lengths are the ones the Data Integrity cryptosuites and did:key allow.
"""

from __future__ import annotations

import base64

from .errors import MalformedError

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# base58 decoding is quadratic in the length (one big-integer multiply per character), so it is bounded
# before any work: the longest value a verifier meets is a P-384 signature (96 bytes, 132 characters).
MAX_B58_CHARS = 256
MULTIKEY_MAX_CHARS = 128
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str, *, max_chars: int = MAX_B58_CHARS) -> bytes:
    """Decode base58btc; text longer than ``max_chars`` is refused before any arithmetic."""
    if len(text) > max_chars:
        raise MalformedError(f"base58btc value of {len(text)} characters is longer than the limit of {max_chars}")
    n = 0
    for c in text:
        try:
            n = n * 58 + _B58_INDEX[c]
        except KeyError:
            raise MalformedError(f"invalid base58btc character {c!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if "=" in text or "+" in text or "/" in text:
        raise MalformedError("base64url text must be unpadded and use the URL-safe alphabet")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as err:
        raise MalformedError(f"invalid base64url text: {err}") from err


def encode(data: bytes, base: str = "z") -> str:
    """Multibase-encode ``data`` with base58btc (``z``) or base64url (``u``)."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise ValueError(f"unsupported multibase prefix {base!r}")


def decode(text: object, *, max_chars: int | None = None) -> bytes:
    """Decode a multibase string; only ``z`` and ``u`` are accepted, at most ``max_chars`` long."""
    if not isinstance(text, str) or len(text) < 2:
        raise MalformedError("multibase value must be a non-empty string")
    if max_chars is not None and len(text) > max_chars:
        raise MalformedError(f"multibase value of {len(text)} characters is longer than the limit of {max_chars}")
    if text[0] == "z":
        return b58decode(text[1:], max_chars=min(max_chars or MAX_B58_CHARS, MAX_B58_CHARS))
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise MalformedError(f"unsupported multibase prefix {text[0]!r} (expected 'z' or 'u')")


# multicodec name -> (varint header, key length)
PUBLIC_CODECS: dict[str, tuple[bytes, tuple[int, ...]]] = {
    "ed25519": (b"\xed\x01", (32,)),
    "p256": (b"\x80\x24", (33,)),
    "p384": (b"\x81\x24", (49,)),
    "secp256k1": (b"\xe7\x01", (33,)),
}
SECRET_CODECS: dict[str, tuple[bytes, tuple[int, ...]]] = {
    # The DI test suite's own Ed25519 secrets are seed||public (64 bytes).
    "ed25519": (b"\x80\x26", (32, 64)),
    "p256": (b"\x86\x26", (32,)),
    "p384": (b"\x87\x26", (48,)),
}


def encode_multikey(key_type: str, key_bytes: bytes, *, secret: bool = False) -> str:
    header, _ = (SECRET_CODECS if secret else PUBLIC_CODECS)[key_type]
    return encode(header + key_bytes, "z")


def decode_multikey(text: object, *, secret: bool = False) -> tuple[str, bytes]:
    """Return ``(key_type, key_bytes)``; the header and length must match a known codec."""
    raw = decode(text, max_chars=MULTIKEY_MAX_CHARS)
    table = SECRET_CODECS if secret else PUBLIC_CODECS
    for key_type, (header, lengths) in table.items():
        if raw.startswith(header):
            body = raw[len(header) :]
            if len(body) not in lengths:
                raise MalformedError(
                    f"{key_type} {'secret' if secret else 'public'} Multikey has {len(body)} key bytes, "
                    f"expected {' or '.join(map(str, lengths))}"
                )
            return key_type, body
    raise MalformedError(f"unsupported Multikey header {raw[:2].hex()}")
