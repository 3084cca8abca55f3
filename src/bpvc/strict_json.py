"""Strict JSON parsing for input that crosses a trust boundary.

Python's ``json`` accepts what JSON does not: duplicate member names (where parsers disagree on
which one wins, a known way to make an issuer and a verifier see different data), ``NaN`` and
``Infinity``, and numbers that overflow a double. ``loads`` refuses all of them.
"""

from __future__ import annotations

import json
import math
from typing import Any


class StrictJsonError(ValueError):
    """The text is JSON Python would accept, but not JSON bpvc accepts (the message says why)."""


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


def loads(text: str | bytes) -> Any:
    """Parse JSON strictly; raises ``json.JSONDecodeError`` or :class:`StrictJsonError` (both ValueErrors)."""
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=_finite)
