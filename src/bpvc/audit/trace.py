"""What lets a person find a sampled credential's battery: passport identifier, serial, model and plant.

Read from the credential's subject as received (a JWT's payload decoded without checking its
signature): these values are for display and lookup only, never for a decision. Catena-X
BatteryPass 6.x names them under ``metadata``, ``identification`` and ``operation``; the Battery
Pass consortium 1.2.0 model at the top level. A credential that carries none of them (a PCF) has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Trace", "trace_of"]

_MAX = 200  # a displayed value is cut here: these come from unverified input


@dataclass(frozen=True)
class Trace:
    """The battery a credential describes, as far as the credential says."""

    passport_id: str | None = None
    serial: str | None = None
    battery_model: str | None = None
    plant: str | None = None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return (text[:_MAX] + "…" if len(text) > _MAX else text) or None


def _get(document: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(document, list) or len(document) <= step:
                return None
        elif not isinstance(document, dict):
            return None
        document = document[step] if isinstance(step, int) else document.get(step)
    return document


def _serial(subject: dict[str, Any]) -> str | None:
    entries = _get(subject, "identification", "identification", "serial")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("key") == "partInstanceId":
            return _text(entry.get("value"))
    return _text(subject.get("productIdentifier"))


def trace_of(document: dict[str, Any] | None) -> Trace:
    """The passport identifier, battery serial (``partInstanceId``), model and plant a credential names."""
    subject = _get(document, "credentialSubject")
    if not isinstance(subject, dict):
        return Trace()
    return Trace(
        passport_id=_text(_get(subject, "metadata", "passportIdentifier"))
        or _text(subject.get("batteryPassportIdentifier")),
        serial=_serial(subject),
        battery_model=_text(_get(subject, "identification", "identification", "type", "manufacturerPartId")),
        plant=_text(_get(subject, "operation", "manufacturer", "facility", 0, "facility"))
        or _text(subject.get("manufacturingPlace")),
    )
