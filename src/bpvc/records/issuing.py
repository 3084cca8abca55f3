"""Issue a battery passport or a carbon footprint from its record, in Python, as the CLI does.

``issue_passport(record, signer)`` validates the record (schema and domain checks), builds the
credential and secures it through the one issuing path (:func:`bpvc.issue.secure.secure_credential`).
An invalid record raises :class:`RecordRefusedError` carrying the validation report; nothing is signed.
Status entries need a registry: use ``bpvc issue ... --status`` or the service for those.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import RecordRefusedError
from ..issue.secure import secure_credential
from ..keys.primitives import Signer
from . import footprint, passport


def _issuer_of(signer: Signer) -> str:
    return signer.verification_method.split("#", 1)[0]


def issue_passport(
    record: dict[str, Any],
    signer: Signer,
    *,
    created: datetime | None = None,
    fmt: str = "di",
    cryptosuite: str | None = None,
    model_version: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any] | str:
    """The signed BatteryPassportCredential (Data Integrity) or its ``vc+jwt`` (``fmt="jwt"``)."""
    report = passport.validate(record, version=model_version)
    if not report.valid:
        raise RecordRefusedError("passport", report)
    unsigned = passport.to_credential(
        record, issuer=_issuer_of(signer), version=report.model, credential_id=credential_id
    )
    return secure_credential(unsigned, signer, fmt=fmt, cryptosuite=cryptosuite, created=created)


def issue_footprint(
    record: dict[str, Any],
    signer: Signer,
    *,
    created: datetime | None = None,
    fmt: str = "di",
    cryptosuite: str | None = None,
    source: str | None = None,
    credential_id: str | None = None,
) -> dict[str, Any] | str:
    """The signed ProductCarbonFootprintCredential for a PCF record (PACT or Catena-X, imported when needed)."""
    report = footprint.validate(record, source=source)
    if not report.valid:
        raise RecordRefusedError("footprint", report)
    assert report.record is not None  # a valid report always carries its record
    unsigned = footprint.to_credential(report.record, issuer=_issuer_of(signer), credential_id=credential_id)
    return secure_credential(unsigned, signer, fmt=fmt, cryptosuite=cryptosuite, created=created)
