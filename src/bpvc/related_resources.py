"""``relatedResource`` digests (VCDM 2.0 §5.3), checked against what bpvc holds offline.

A credential can bind the exact bytes of a resource it depends on (a context, a schema) with
``digestSRI`` (an SRI hash expression) or ``digestMultibase`` (a multibase multihash). bpvc never
fetches a related resource: the ones it holds (bundled or supplied contexts and schemas) are
checked, a wrong digest is an error, and any other resource is reported and left unchecked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from . import multibase
from .errors import BpvcError, MalformedError

# SRI algorithms (W3C SRI §3.2) and multihash codes of the SHA-2 family.
_SRI = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
_MULTIHASH = {0x12: ("sha256", 32), 0x13: ("sha512", 64), 0x20: ("sha384", 48)}
MAX_DIGEST_CHARS = 200


class DigestMismatchError(MalformedError):
    """A related resource's bytes do not match the digest the credential binds."""

    title = "Related resource digest mismatch"


def _sri_matches(expression: object, data: bytes, path: str) -> bool:
    """True when any hash of the SRI expression matches (SRI §3.3.5 allows several, space-separated)."""
    if not isinstance(expression, str) or not expression or len(expression) > MAX_DIGEST_CHARS * 3:
        raise MalformedError("digestSRI must be an SRI hash expression such as sha384-<base64>", json_path=path)
    known = False
    for item in expression.split():
        algorithm, sep, value = item.partition("-")
        if not sep or algorithm not in _SRI:
            continue
        known = True
        if base64.b64encode(hashlib.new(_SRI[algorithm], data).digest()).decode("ascii") == value:
            return True
    if not known:
        raise MalformedError(f"digestSRI {expression[:60]!r} uses no supported hash (sha256/384/512)", json_path=path)
    return False


def _multibase_matches(value: object, data: bytes, path: str) -> bool:
    if not isinstance(value, str) or len(value) > MAX_DIGEST_CHARS:
        raise MalformedError("digestMultibase must be a multibase-encoded multihash", json_path=path)
    raw = multibase.decode(value)
    if len(raw) < 2 or raw[0] not in _MULTIHASH:
        raise MalformedError("digestMultibase is not a SHA-2 multihash", json_path=path)
    algorithm, size = _MULTIHASH[raw[0]]
    if raw[1] != size or len(raw) != size + 2:
        raise MalformedError("digestMultibase has a wrong multihash length", json_path=path)
    return hashlib.new(algorithm, data).digest() == raw[2:]


def check(document: dict[str, Any], held: Callable[[str], bytes | None]) -> tuple[list[BpvcError], list[BpvcError]]:
    """``(errors, notes)`` for the document's relatedResource entries; ``held(url)`` gives bytes bpvc holds."""
    errors: list[BpvcError] = []
    notes: list[BpvcError] = []
    value = document.get("relatedResource")
    if value is None:
        return errors, notes
    for i, item in enumerate(value if isinstance(value, list) else [value]):
        path = f"$.relatedResource[{i}]" if isinstance(value, list) else "$.relatedResource"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue  # the data-model check reports these
        url = item["id"]
        data = held(url)
        if data is None:
            notes.append(MalformedError(f"related resource {url} is not held offline; its digest was not checked"))
            continue
        try:
            for member, matches in (("digestSRI", _sri_matches), ("digestMultibase", _multibase_matches)):
                if member in item and not matches(item[member], data, f"{path}.{member}"):
                    errors.append(
                        DigestMismatchError(
                            f"related resource {url} does not match its {member}", json_path=f"{path}.{member}"
                        )
                    )
        except BpvcError as err:
            errors.append(err)
    return errors, notes
