"""Publishing: each status list of the registry as a signed BitstringStatusListCredential.

A list credential is written at the path its URL names under the output folder, so the
folder can be served as it is. ``validUntil`` and ``ttl`` tell verifiers how long to cache it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import dates, strict_json
from ..errors import BpvcError
from ..files import write_atomic
from ..jsonld.contexts import CREDENTIALS_V2
from .registry import Registry, RegistryError

DEFAULT_VALIDITY = timedelta(days=1)
DEFAULT_TTL_MS = 300_000


def list_credential(
    registry: Registry,
    list_id: str,
    *,
    issuer: str,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl_ms: int = DEFAULT_TTL_MS,
) -> dict[str, Any]:
    """The unsigned list credential for ``list_id`` with its current bits."""
    info = next((lst for lst in registry.lists() if lst.id == list_id), None)
    if info is None:
        raise RegistryError(f"no status list {list_id}")
    return {
        "@context": [CREDENTIALS_V2],
        "id": info.url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": dates.format_instant(now),
        "validUntil": dates.format_instant(now + validity),
        "credentialSubject": {
            "id": f"{info.url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": info.purpose,
            "encodedList": registry.bitstring(list_id).encode(),
            "ttl": ttl_ms,
        },
    }


def path_for(url: str, out_dir: Path) -> Path:
    """Where a list credential goes under ``out_dir``: the URL's path, kept inside the folder."""
    path = urlsplit(url).path.lstrip("/")
    target = (out_dir / path).resolve()
    if out_dir.resolve() not in target.parents:
        raise RegistryError(f"status list URL {url} does not map to a file inside {out_dir}")
    return target


RENEW_FRACTION = 0.1  # a published list within the last tenth of its validity is due for renewal


def published_state(target: Path, encoded_list: str, now: datetime) -> str | None:
    """Why the list published at ``target`` must be written again ("missing", "changed", "expiring",
    "expired", "unreadable"), or None when it still carries ``encoded_list`` and has time left."""
    try:
        document = strict_json.load_file(target)
        subject = document["credentialSubject"]
        start = dates.parse(document["validFrom"], field="validFrom")
        end = dates.parse(document["validUntil"], field="validUntil")
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError, KeyError, TypeError, BpvcError):
        return "unreadable"
    if not isinstance(subject, dict) or subject.get("encodedList") != encoded_list:
        return "changed"
    instant = dates.from_datetime(now)
    if instant >= end:
        return "expired"
    if end - instant <= (end - start) * Decimal(str(RENEW_FRACTION)):
        return "expiring"
    return None


def publish(
    registry: Registry,
    sign: Callable[[dict[str, Any]], dict[str, Any] | str],
    out_dir: Path,
    *,
    issuer: str,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl_ms: int = DEFAULT_TTL_MS,
    if_changed: bool = False,
    skipped: list[Path] | None = None,
) -> list[Path]:
    """Sign and write every list this issuer owns; files appear whole or not at all.

    With ``if_changed`` a list whose published copy still holds the same bits and is not in the
    last tenth of its validity is left as it is (and appended to ``skipped``): run it from cron as
    often as revocations must show, and the lists never lapse. ``out_dir`` and the folders the
    lists' URL paths name inside it are made as needed. Raises ``OSError`` when a file cannot be
    written.
    """
    written = []
    for info in registry.lists():
        if info.issuer != issuer:
            continue  # another issuer's list: only its own key may sign it
        unsigned = list_credential(registry, info.id, issuer=issuer, now=now, validity=validity, ttl_ms=ttl_ms)
        target = path_for(info.url, out_dir)
        if if_changed and published_state(target, unsigned["credentialSubject"]["encodedList"], now) is None:
            if skipped is not None:
                skipped.append(target)
            continue
        signed = sign(unsigned)
        text = signed if isinstance(signed, str) else json.dumps(signed, indent=2)
        target.parent.mkdir(parents=True, exist_ok=True)  # out_dir or inside it: path_for made sure of it
        write_atomic(target, text + "\n", mode=0o644)  # served as it is: world-readable whatever the umask
        written.append(target)
    return written
