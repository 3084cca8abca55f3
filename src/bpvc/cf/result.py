"""The result of a carbon-footprint calculation: exact figures, rounded only when written out.

Every figure in :class:`CfResult` is an exact :class:`~decimal.Decimal` (to 50 significant
digits where a division does not terminate). :meth:`CfResult.to_dict` applies the profile's
rounding policy and writes decimals as JSON strings, as PACT v3 does, so no digit is lost to
binary floating point between the calculation, the declaration and a recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .profiles import STAGES, Profile

ZERO = Decimal(0)


@dataclass(frozen=True)
class Emissions:
    """kg CO2e: excluding and including biogenic uptake, the fossil part (None when not every line gives it)."""

    excluding: Decimal = ZERO
    including: Decimal = ZERO
    fossil: Decimal | None = ZERO

    @property
    def uptake(self) -> Decimal:
        return self.including - self.excluding

    def __add__(self, other: Emissions) -> Emissions:
        fossil = None if self.fossil is None or other.fossil is None else self.fossil + other.fossil
        return Emissions(self.excluding + other.excluding, self.including + other.including, fossil)

    def lead(self, indicator: str) -> Decimal:
        return self.including if indicator == "including_biogenic_uptake" else self.excluding


@dataclass(frozen=True)
class Quality:
    """Aggregated data quality: percentages and ratings (1 best .. 5 worst); None when not applicable."""

    pcf_as: Decimal
    pds: Decimal | None
    ter: Decimal | None
    tir: Decimal | None
    ger: Decimal | None
    verification_share: Decimal | None
    inputs_verification_share: Decimal | None  # before the broken-chain rule
    assurance: str  # "reasonable", "limited" or "none"


@dataclass(frozen=True)
class LineResult:
    """One inventory line's contribution and the quality figures it brings."""

    id: str
    path: str
    kind: str  # input | process | transport
    stage: str
    source: str  # credential | values | process | transport
    emissions: Emissions
    lead: Decimal
    pds: Decimal
    ter: Decimal
    tir: Decimal
    ger: Decimal
    verification_share: Decimal
    description: str = ""
    credential_id: str | None = None
    digest_sri: str | None = None
    outcome: str = "verified"  # for credential inputs: the verification outcome
    excluded: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CutOff:
    excluded_kg: Decimal
    included_kg: Decimal
    share_percent: Decimal | None
    threshold_percent: Decimal
    passed: bool | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class CfResult:
    """A calculation under one profile. ``decided`` is False when any figure could not be determined."""

    profile: Profile
    lines: tuple[LineResult, ...]
    stages: dict[str, Emissions]
    quality: Quality  # over the profile's declared stages
    gate_quality: Quality  # over cradle to gate, for the Catena-X PCF record
    cut_off: CutOff
    e_total_kwh: Decimal | None
    feqc_per_year: Decimal | None
    service_life_years: Decimal | None
    declared_kg: Decimal  # lead indicator summed over the profile's stages
    declared_per_kwh: Decimal | None
    stage_per_kwh: dict[str, Decimal]
    per_kwh_capacity: Decimal | None
    performance_class: str | None
    problems: tuple[str, ...] = ()  # why the result is undecided
    violations: tuple[str, ...] = ()  # rules of the profile the inventory breaks
    warnings: tuple[str, ...] = ()
    inventory_id: str = ""
    inventory_digest: str = ""
    reference_date: str = ""

    @property
    def decided(self) -> bool:
        return not self.problems

    @property
    def compliant(self) -> bool:
        return self.decided and not self.violations

    @property
    def declared(self) -> Emissions:
        total = Emissions()
        for stage in self.profile.stages:
            total = total + self.stages[stage]
        return total

    @property
    def four_stage(self) -> Emissions:
        total = Emissions()
        for stage in STAGES:
            total = total + self.stages[stage]
        return total

    @property
    def cradle_to_gate(self) -> Emissions:
        return self.stages["raw_material"] + self.stages["production"]

    @property
    def excluded_inputs(self) -> tuple[LineResult, ...]:
        return tuple(line for line in self.lines if line.excluded)

    def top_contributors(self, count: int = 10) -> list[LineResult]:
        included = [line for line in self.lines if not line.excluded]
        return sorted(included, key=lambda line: (-abs(line.lead), line.id))[:count]

    # -- output ----------------------------------------------------------------------------------

    def _r(self, value: Decimal | None, kind: str) -> str | None:
        if value is None:
            return None
        rounding = self.profile.rounding
        decimals = {
            "kg": rounding.kg_decimals,
            "declared": rounding.declared_value_decimals,
            "percent": rounding.percent_decimals,
            "dqr": rounding.dqr_decimals,
        }[kind]
        return format(rounding.quantize(value, decimals), "f")

    def _emissions(self, emissions: Emissions) -> dict[str, str | None]:
        return {
            "excluding_biogenic_uptake": self._r(emissions.excluding, "kg"),
            "including_biogenic_uptake": self._r(emissions.including, "kg"),
            "fossil": self._r(emissions.fossil, "kg"),
            "biogenic_uptake": self._r(emissions.uptake, "kg"),
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data: decimals as strings, rounded under the profile's policy.

        An undecided result carries no declared value: every figure that depends on the undecided
        inputs (totals, per-kWh values, PDS, DQR, verification share, the cut-off share) is null,
        and ``problems`` names every reason. Line contributions stay, for diagnosis.
        """
        decided = self.decided
        per_kwh = self.profile.per_kwh
        quality = self.quality
        unit = "kg CO2e/kWh" if per_kwh else "kg CO2e/piece"
        declared_value = self.declared_per_kwh if per_kwh else self.declared_kg
        stages = {}
        for stage in STAGES:
            emissions = self.stages[stage]
            stages[stage] = {
                "in_declared_value": stage in self.profile.stages,
                "kg_co2e": self._r(emissions.lead(self.profile.lead_indicator), "kg") if decided else None,
                "kg_co2e_per_kwh": self._r(self.stage_per_kwh.get(stage), "declared") if decided and per_kwh else None,
                **({"emissions_kg": self._emissions(emissions)} if decided else {}),
            }
        return {
            "profile": {"id": self.profile.id, "version": self.profile.version, "sha256": self.profile.digest},
            "decided": decided,
            "compliant": self.compliant,
            "declared_value": {"value": self._r(declared_value, "declared") if decided else None, "unit": unit},
            "declared_kg_co2e_per_kwh": self._r(self.declared_per_kwh, "declared") if decided and per_kwh else None,
            "e_total_kwh": self._r(self.e_total_kwh, "kg") if per_kwh else None,
            "feqc_per_year": self._r(self.feqc_per_year, "kg") if per_kwh else None,
            "service_life_years": self._r(self.service_life_years, "kg") if per_kwh else None,
            "total_kg_co2e": self._r(self.declared_kg, "kg") if decided else None,
            "lead_indicator": self.profile.lead_indicator,
            "emissions_kg": self._emissions(self.declared) if decided else None,
            "four_stage_total_kg_co2e": self._r(self.four_stage.lead(self.profile.lead_indicator), "kg")
            if decided
            else None,
            "cradle_to_gate_kg_co2e": self._r(self.cradle_to_gate.lead(self.profile.lead_indicator), "kg")
            if decided
            else None,
            "kg_co2e_per_kwh_capacity": self._r(self.per_kwh_capacity, "declared") if decided else None,
            "performance_class": self.performance_class,
            "stages": stages,
            "pcf_as_kg_co2e": self._r(quality.pcf_as, "kg") if decided else None,
            "pds": self._r(quality.pds, "percent") if decided else None,
            "dqr": {
                "ter": self._r(quality.ter, "dqr") if decided else None,
                "tir": self._r(quality.tir, "dqr") if decided else None,
                "ger": self._r(quality.ger, "dqr") if decided else None,
            },
            "verification_share": self._r(quality.verification_share, "percent") if decided else None,
            "inputs_verification_share": self._r(quality.inputs_verification_share, "percent") if decided else None,
            "assurance": quality.assurance if decided else None,
            "cut_off": {
                "excluded_kg_co2e": self._r(self.cut_off.excluded_kg, "kg"),
                "share_percent": self._r(self.cut_off.share_percent, "percent") if decided else None,
                "threshold_percent": self._r(self.cut_off.threshold_percent, "percent"),
                "passed": self.cut_off.passed if decided else None,
                "lines": list(self.cut_off.lines),
                "supplier_pcfs": "counted as fully covered",
            },
            "inputs": [self._line(line) for line in self.lines if line.kind == "input"],
            "own_lines": [self._line(line) for line in self.lines if line.kind != "input"],
            "excluded_inputs": [line.id for line in self.excluded_inputs],
            "problems": list(self.problems),
            "violations": list(self.violations),
            "warnings": list(self.warnings),
            "inventory": {
                "id": self.inventory_id,
                "sha256": self.inventory_digest,
                "reference_date": self.reference_date,
            },
        }

    def _line(self, line: LineResult) -> dict[str, Any]:
        out: dict[str, Any] = {"line": line.id, "stage": line.stage, "source": line.source}
        if line.kind == "input":
            out["credential_id"] = line.credential_id
            out["digest"] = line.digest_sri
            out["outcome"] = line.outcome
        elif line.kind != "process":
            out["kind"] = line.kind
        out["contribution_kg_co2e"] = self._r(line.lead, "kg")
        out["pds"] = self._r(line.pds, "percent")
        out["excluded"] = line.excluded
        if line.notes:
            out["notes"] = list(line.notes)
        return out


@dataclass(frozen=True)
class Comparison:
    """Several results for one inventory, side by side (one per profile)."""

    results: tuple[CfResult, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results]}
