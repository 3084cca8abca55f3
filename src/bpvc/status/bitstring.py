"""The bitstring of a status list: encoding, decoding and bit access (Bitstring Status List v1.0 §3).

``encodedList`` is ``u`` + base64url(GZIP(bits)) without padding (StatusList2021: no ``u``).
Index 0 is the most significant bit of byte 0; entry ``i`` occupies ``statusSize`` bits from
bit ``i * statusSize``. Decoding refuses output beyond a cap, so a gzip bomb costs nothing.
"""

from __future__ import annotations

import gzip
import zlib

from .. import multibase
from ..errors import MalformedError
from ..errors import StatusListLengthError as StatusListLengthError

MIN_ENTRIES = 131_072  # 16 KiB: the spec's minimum, for herd privacy
MAX_DECODED_BYTES = 16 << 20  # 16 MiB: far above any real list, far below a bomb


class Bitstring:
    """A mutable bitstring of ``entries * status_size`` bits."""

    def __init__(self, entries: int = MIN_ENTRIES, status_size: int = 1, data: bytes | None = None) -> None:
        if entries <= 0 or status_size <= 0:
            raise ValueError("entries and status_size must be positive")
        self.entries = entries
        self.status_size = status_size
        size = (entries * status_size + 7) // 8
        self._bytes = bytearray(data if data is not None else size)
        if len(self._bytes) != size:
            raise ValueError(f"expected {size} bytes, got {len(self._bytes)}")

    def get(self, index: int) -> int:
        """The status value of entry ``index``."""
        self._check(index)
        value = 0
        for bit in range(index * self.status_size, (index + 1) * self.status_size):
            value = (value << 1) | ((self._bytes[bit // 8] >> (7 - bit % 8)) & 1)
        return value

    def set(self, index: int, value: int) -> None:
        self._check(index)
        if not 0 <= value < (1 << self.status_size):
            raise ValueError(f"status value {value} does not fit in {self.status_size} bit(s)")
        for offset, bit in enumerate(range(index * self.status_size, (index + 1) * self.status_size)):
            shift = self.status_size - 1 - offset
            mask = 1 << (7 - bit % 8)
            if (value >> shift) & 1:
                self._bytes[bit // 8] |= mask
            else:
                self._bytes[bit // 8] &= ~mask & 0xFF

    def _check(self, index: int) -> None:
        if not 0 <= index < self.entries:
            raise IndexError(f"index {index} is outside the list (0..{self.entries - 1})")

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def encode(self, *, prefix: bool = True) -> str:
        """``encodedList``: GZIP with a fixed mtime, so the same bits always encode the same."""
        packed = gzip.compress(bytes(self._bytes), compresslevel=9, mtime=0)
        return ("u" if prefix else "") + multibase.b64url_encode(packed)


def decode(
    encoded: object,
    *,
    status_size: int = 1,
    legacy: bool = False,
    max_bytes: int = MAX_DECODED_BYTES,
    min_entries: int = MIN_ENTRIES,
) -> Bitstring:
    """Decode ``encodedList``; ``legacy`` reads StatusList2021 (no multibase prefix)."""
    if not isinstance(encoded, str) or not encoded:
        raise MalformedError("encodedList must be a non-empty string", json_path="$.credentialSubject.encodedList")
    if legacy:
        # StatusList2021 has plain base64url (GZIP data starts "H4sI"); tolerate a stray multibase
        # prefix and the padding some issuers add
        text = (encoded[1:] if encoded.startswith("uH4sI") else encoded).rstrip("=")
    else:
        if not encoded.startswith("u"):
            raise MalformedError(
                "encodedList must be multibase base64url ('u' prefix)", json_path="$.credentialSubject.encodedList"
            )
        text = encoded[1:]
    raw = multibase.b64url_decode(text)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as err:
        raise MalformedError(
            f"encodedList is not GZIP data: {err}", json_path="$.credentialSubject.encodedList"
        ) from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise MalformedError(
            f"encodedList decompresses to more than {max_bytes} bytes; refused (gzip bomb?)",
            json_path="$.credentialSubject.encodedList",
        )
    if not inflater.eof:
        raise MalformedError("encodedList is truncated GZIP data", json_path="$.credentialSubject.encodedList")
    entries = len(data) * 8 // status_size
    if entries < min_entries:
        raise StatusListLengthError(
            f"the status list has {entries} entries; at least {min_entries} are required",
            json_path="$.credentialSubject.encodedList",
        )
    return Bitstring(entries, status_size, data[: (entries * status_size + 7) // 8] if status_size > 1 else data)
