"""VCDM 1.1 JWT credentials and presentations (the ``vc``/``vp`` claim), as Catena-X wallets send them.

The registered claims are mapped onto the credential as VCDM 1.1 §6.3.1 says (``iss`` ->
issuer or holder, ``nbf`` -> issuanceDate, ``exp`` -> expirationDate, ``jti`` -> id,
``sub`` -> credentialSubject.id). Where both a claim and the property exist they must agree.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from .. import dates
from ..errors import MalformedError


def _iso(value: Any, claim: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedError(f"JWT {claim} must be a NumericDate, found {value!r}", json_path=f"$.{claim}")
    try:
        return dates.format_instant(datetime.fromtimestamp(value, tz=UTC))
    except (OverflowError, OSError, ValueError):
        raise MalformedError(f"JWT {claim} {value!r} is out of range", json_path=f"$.{claim}") from None


def _merge(doc: dict[str, Any], prop: str, value: Any, claim: str) -> None:
    if prop not in doc:
        doc[prop] = value
        return
    current = doc[prop].get("id") if isinstance(doc[prop], dict) and prop in ("issuer", "holder") else doc[prop]
    if current != value:
        raise MalformedError(
            f"JWT {claim} {value!r} contradicts the credential's {prop} {current!r}", json_path=f"$.{claim}"
        )


def from_legacy_claims(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The credential (``"vc"``) or presentation (``"vp"``) a VCDM 1.1 JWT carries, with its claims applied."""
    media = "vc" if "vc" in payload else "vp"
    inner = payload.get(media)
    if not isinstance(inner, dict):
        raise MalformedError(f"the JWT's {media} claim must be a JSON object", json_path=f"$.{media}")
    doc = copy.deepcopy(inner)
    if "jti" in payload:
        _merge(doc, "id", payload["jti"], "jti")
    if media == "vp":
        if "iss" in payload:
            _merge(doc, "holder", payload["iss"], "iss")
        return doc, media
    if "iss" in payload:
        _merge(doc, "issuer", payload["iss"], "iss")
    # Catena-X's profile sets iat as the issuance date when nbf is absent.
    start_claim = "nbf" if "nbf" in payload else "iat" if "iat" in payload else None
    if start_claim and "issuanceDate" not in doc:
        doc["issuanceDate"] = _iso(payload[start_claim], start_claim)
    if "exp" in payload and "expirationDate" not in doc:
        doc["expirationDate"] = _iso(payload["exp"], "exp")
    if "sub" in payload:
        subject = doc.get("credentialSubject")
        if isinstance(subject, dict):
            _merge(subject, "id", payload["sub"], "sub")
    return doc, media
