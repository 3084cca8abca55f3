"""Supplier footprints: the figures of a received Catena-X PCF 8.0.0 record, and what verifying it found.

:func:`bpvc.cf.inputs.resolve` verifies each referenced credential and reads its record into a
:class:`SupplierFootprint`; :func:`bpvc.cf.calculation.compute` only reads these, so the
calculation stays a pure function of the inventory, the resolved inputs and the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..errors import MalformedError
from .inventory import Dqr
from .units import PCF_DECLARED_UNITS

VERIFIED, FAILED, UNDECIDED = "verified", "failed", "undecided"


@dataclass(frozen=True)
class SupplierFootprint:
    """A PCF per ``declared_amount`` x ``declared_unit`` (PACT v3 / Catena-X 8.0.0 semantics)."""

    pcf_id: str
    status: str
    excluding: Decimal
    including: Decimal
    fossil: Decimal | None
    declared_unit: str  # bpvc's unit name (kg, kWh, piece...), or the record's own text when bpvc has none
    declared_amount: Decimal
    mass_per_declared_amount_kg: Decimal | None
    pds: Decimal | None
    dqr: Dqr | None
    verification_share: Decimal | None
    validity_start: datetime | None
    validity_end: datetime | None
    exempted_percent: Decimal | None
    company_name: str = ""
    retrospective: bool = True


@dataclass(frozen=True)
class ResolvedInput:
    """One received supplier credential: its id and digest, the verification outcome and its figures."""

    credential_id: str
    digest_sri: str
    outcome: str  # verified | failed | undecided
    reasons: tuple[str, ...] = ()
    footprint: SupplierFootprint | None = None
    checks: tuple[tuple[str, str], ...] = field(default=())  # (check name, outcome) from the verifier
    source: str = ""

    @property
    def verified(self) -> bool:
        return self.outcome == VERIFIED


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        raise MalformedError(f"pcf.{name} must be a number", json_path=f"$.pcf.{name}")
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def footprint_from_record(record: dict[str, Any]) -> SupplierFootprint:
    """Read the figures of a canonical PCF 8.0.0 record (numbers as Decimal or int)."""
    pcf = record.get("pcf")
    if not isinstance(pcf, dict):
        raise MalformedError("the record has no pcf object", json_path="$.pcf")
    excluding = _decimal(pcf.get("pcfExcludingBiogenicUptake"), "pcfExcludingBiogenicUptake")
    amount = _decimal(pcf.get("declaredUnitAmount"), "declaredUnitAmount")
    if excluding is None or amount is None or amount <= 0:
        raise MalformedError("pcfExcludingBiogenicUptake and a positive declaredUnitAmount are required")
    including = _decimal(pcf.get("pcfIncludingBiogenicUptake"), "pcfIncludingBiogenicUptake")
    quality = pcf.get("dataQualityRating")
    dqr = (
        Dqr(
            _decimal(quality.get("technologicalDQR"), "dataQualityRating.technologicalDQR"),
            _decimal(quality.get("temporalDQR"), "dataQualityRating.temporalDQR"),
            _decimal(quality.get("geographicalDQR"), "dataQualityRating.geographicalDQR"),
        )
        if isinstance(quality, dict)
        else None
    )
    unit_text = str(pcf.get("declaredUnitOfMeasurement"))
    kind = record.get("retroOrProspectivePcfType")
    return SupplierFootprint(
        pcf_id=str(record.get("id", "")),
        status=str(record.get("status", "")),
        excluding=excluding,
        including=excluding if including is None else including,
        fossil=_decimal(pcf.get("fossilGhgEmissions"), "fossilGhgEmissions"),
        declared_unit=PCF_DECLARED_UNITS.get(unit_text, unit_text),
        declared_amount=amount,
        mass_per_declared_amount_kg=_decimal(pcf.get("productMassPerDeclaredUnit"), "productMassPerDeclaredUnit"),
        pds=_decimal(pcf.get("primaryDataShare"), "primaryDataShare"),
        dqr=dqr,
        verification_share=_decimal(pcf.get("productVerificationShare3rdParty"), "productVerificationShare3rdParty"),
        validity_start=_instant(record.get("validityPeriodStart")),
        validity_end=_instant(record.get("validityPeriodEnd")),
        exempted_percent=_decimal(pcf.get("exemptedEmissionsPercent"), "exemptedEmissionsPercent"),
        company_name=str(record.get("companyName", "")),
        retrospective=not (isinstance(kind, str) and kind.startswith("Prospective")),
    )
