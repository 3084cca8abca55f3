"""``relatedResource`` digests (VCDM 2.0 §5.3), checked against what bpvc holds offline.

A credential can bind the exact bytes of a resource it depends on (a context, a schema) with
``digestSRI`` (an SRI hash expression) or ``digestMultibase`` (a multibase multihash). bpvc never
fetches a related resource: the ones it holds (bundled or supplied contexts and schemas) are
checked, a wrong digest is an error, and any other resource is reported and left unchecked.
For the W3C contexts bpvc serves from re-serialized copies, the digests the specifications
publish for the original files stand in for the bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from .. import multibase
from ..errors import BpvcError, MalformedError
from ..errors import DigestMismatchError as DigestMismatchError
from ..jsonld.contexts import CREDENTIALS_V1, CREDENTIALS_V2

# SRI algorithms (W3C SRI §3.2) and multihash codes of the SHA-2 family.
_SRI = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
_MULTIHASH = {0x12: ("sha256", 32), 0x13: ("sha512", 64), 0x20: ("sha384", 48)}
MAX_DIGEST_CHARS = 200

# Published digests of the W3C context files (VCDM 2.0 §5.3 example, the Data Integrity, Bitstring
# Status List and Controlled Identifiers specifications), by algorithm.
PUBLISHED_DIGESTS: dict[str, dict[str, str]] = {
    CREDENTIALS_V2: {
        "sha256": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        "sha384": "97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18cb360133c221aa31d6896a6bf3e65b614",
    },
    CREDENTIALS_V1: {"sha256": "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc"},
    "https://w3id.org/security/data-integrity/v2": {
        "sha256": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
    },
    "https://w3id.org/security/multikey/v1": {
        "sha256": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"
    },
    "https://www.w3.org/ns/credentials/status/v1": {
        "sha256": "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7"
    },
    "https://www.w3.org/ns/cid/v1": {"sha256": "ea216ecc1cb02cd39b693dba2250141e270ba0bf95890be107dd9a9e8e43de85"},
}

Digests = Callable[[str], bytes | None]  # algorithm -> digest of the resource, None when not known


def _sri_matches(expression: object, digest: Digests, path: str) -> bool | None:
    """True when any hash of the SRI expression matches (SRI allows several, space-separated);
    None when none of its algorithms can be computed for this resource."""
    if not isinstance(expression, str) or not expression or len(expression) > MAX_DIGEST_CHARS * 3:
        raise MalformedError("digestSRI must be an SRI hash expression such as sha384-<base64>", json_path=path)
    supported = False
    computable = False
    for item in expression.split():
        algorithm, sep, value = item.partition("-")
        if not sep or algorithm not in _SRI:
            continue
        supported = True
        expected = digest(_SRI[algorithm])
        if expected is None:
            continue
        computable = True
        if base64.b64encode(expected).decode("ascii") == value:
            return True
    if not supported:
        raise MalformedError(f"digestSRI {expression[:60]!r} uses no supported hash (sha256/384/512)", json_path=path)
    return False if computable else None


def _multibase_matches(value: object, digest: Digests, path: str) -> bool | None:
    if not isinstance(value, str) or len(value) > MAX_DIGEST_CHARS:
        raise MalformedError("digestMultibase must be a multibase-encoded multihash", json_path=path)
    raw = multibase.decode(value)
    if len(raw) < 2 or raw[0] not in _MULTIHASH:
        raise MalformedError("digestMultibase is not a SHA-2 multihash", json_path=path)
    algorithm, size = _MULTIHASH[raw[0]]
    if raw[1] != size or len(raw) != size + 2:
        raise MalformedError("digestMultibase has a wrong multihash length", json_path=path)
    expected = digest(algorithm)
    return None if expected is None else expected == raw[2:]


def digests_of(data: bytes | None, url: str) -> Digests | None:
    """How to get a resource's digests: from its bytes, or from the published figures, or not at all."""
    if data is not None:
        return lambda algorithm: hashlib.new(algorithm, data).digest()
    published = PUBLISHED_DIGESTS.get(url)
    if published is None:
        return None
    return lambda algorithm: bytes.fromhex(published[algorithm]) if algorithm in published else None


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
        digest = digests_of(held(url), url)
        if digest is None:
            notes.append(MalformedError(f"related resource {url} is not held offline; its digest was not checked"))
            continue
        try:
            for member, matches in (("digestSRI", _sri_matches), ("digestMultibase", _multibase_matches)):
                if member not in item:
                    continue
                verdict = matches(item[member], digest, f"{path}.{member}")
                if verdict is False:
                    errors.append(
                        DigestMismatchError(
                            f"related resource {url} does not match its {member}", json_path=f"{path}.{member}"
                        )
                    )
                elif verdict is None:
                    notes.append(
                        MalformedError(f"related resource {url}: no known digest for its {member}; not checked")
                    )
        except BpvcError as err:
            errors.append(err)
    return errors, notes
