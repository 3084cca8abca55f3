"""Strict, bounded JSON parsing for everything that crosses a trust boundary.

Python's ``json`` accepts what JSON does not: duplicate member names (where parsers disagree on
which one wins, a known way to make an issuer and a verifier see different data), ``NaN`` and
``Infinity``, numbers that overflow a double, and lone UTF-16 surrogates (I-JSON, RFC 7493 §2.1,
forbids them; they later fail to encode). It also recurses without limit and parses integers of
any length in quadratic time. ``loads`` refuses all of these, and measures the text before parsing:
size first, then nesting depth, integer length and string content in one iterative walk, so no
later recursive step (JSON-LD processing, schema validation) meets a document deeper than
:data:`MAX_DEPTH`.

Every credential, presentation, JWT payload and header, DID document, context, schema, status
list, policy and record file bpvc reads goes through here.
"""

from __future__ import annotations

import json
import math
import os
import re
from decimal import Decimal
from typing import Any

MAX_BYTES = 16 * 1024 * 1024  # the default size limit; callers with a tighter bound pass their own
MAX_DEPTH = 64  # arrays and objects nested within each other; real credentials stay under 15
# Integers get the same range as other numbers, a double's (~1.8e308, 309 digits); longer ones cost quadratic
# time to parse (Python's own limit is 4,300 digits) and no JSON peer reads them the same way.
MAX_INTEGER_DIGITS = 309
_SURROGATE = re.compile("[\ud800-\udfff]")


class StrictJsonError(ValueError):
    """The text is not JSON bpvc accepts (the message says why)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJsonError(f"duplicate member {key!r}")
            seen.add(key)
    return out


def _no_constants(name: str) -> Any:
    raise StrictJsonError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJsonError(f"the number {text[:30]} is beyond the range of a double")
    return value


def _finite_decimal(text: str) -> Decimal:
    _finite(text)  # the same range as in the float reading: a double's
    return Decimal(text)


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise StrictJsonError(f"an integer of {digits} digits is beyond the range of a double")
    value = int(text)
    if digits == MAX_INTEGER_DIGITS:
        try:
            float(value)
        except OverflowError:
            raise StrictJsonError(f"an integer of {digits} digits is beyond the range of a double") from None
    return value


def check_value(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed value nested deeper than ``max_depth`` or holding a lone surrogate (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise StrictJsonError("a string holds a lone UTF-16 surrogate (not Unicode text)")
        elif isinstance(item, dict):
            if depth >= max_depth:
                raise StrictJsonError(f"nested too deeply (more than {max_depth} levels)")
            for key, member in item.items():
                if _SURROGATE.search(key):
                    raise StrictJsonError("a member name holds a lone UTF-16 surrogate (not Unicode text)")
                stack.append((member, depth + 1))
        elif isinstance(item, list):
            if depth >= max_depth:
                raise StrictJsonError(f"nested too deeply (more than {max_depth} levels)")
            stack.extend((member, depth + 1) for member in item)


def loads(text: str | bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, decimals: bool = False) -> Any:
    """Parse JSON strictly and within bounds; with ``decimals`` fractions are read as exact ``Decimal``.

    Raises ``json.JSONDecodeError`` for text that is not JSON and :class:`StrictJsonError` for JSON
    bpvc refuses; both are ``ValueError``.
    """
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > max_bytes:
        raise StrictJsonError(f"{size} bytes is more than the limit of {max_bytes}")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=_finite_decimal if decimals else _finite,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise StrictJsonError(f"nested too deeply (more than {max_depth} levels)") from None
    except UnicodeDecodeError as err:
        raise StrictJsonError(f"not UTF-8 text ({err.reason})") from None
    check_value(value, max_depth=max_depth)
    return value


def describe(err: ValueError) -> str:
    """One line saying why text was refused, for either exception ``loads`` raises."""
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
    return str(err)


def read_bounded(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a file, refusing one larger than ``max_bytes`` before reading it all (``/dev/zero``).

    Raises ``OSError`` as ``open`` does, and :class:`StrictJsonError` for a file over the limit.
    """
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise StrictJsonError(f"the file is larger than the limit of {max_bytes} bytes")
    return data


def load_file(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Read and parse a JSON file strictly; a UTF-8 byte-order mark is tolerated.

    Raises ``OSError`` for a file that cannot be read and ``ValueError`` (see :func:`loads`) otherwise.
    """
    data = read_bounded(path, max_bytes=max_bytes)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StrictJsonError(f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    return loads(text, max_bytes=max_bytes, max_depth=max_depth)
