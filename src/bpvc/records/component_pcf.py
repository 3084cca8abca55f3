"""Catena-X ``io.catenax.pcf_for_battery_component_supplier`` 1.0.0: a supplier's component PCF by stage.

An interim model (meant to be replaced once the EU battery carbon footprint delegated act is
final) with four life-cycle stage values and their total. bpvc validates it so that
``bpvc validate footprint`` names its defects, chiefly stages that do not add up to the total;
it cannot issue it, because bpvc issues footprints as Catena-X PCF 8.0.0 and has no importer
for this model. The rules are written here, not read from the published schema.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from .consortium import child, link_findings, number
from .report import Finding, ValidationReport

MODEL = "catena-x pcf_for_battery_component_supplier 1.0.0"
STAGES = (
    "stage1RawMaterialAquisitionPreProcessing",  # sic
    "stage2MainProductProduction",
    "stage3Distribution",
    "stage4EndOfLifeRecycling",
)
TOTAL = "absPcfValue"
DECLARED_UNITS = ("CO2KG/KG", "CO2KG/piece")
RATINGS = ("technologicalRepresentativeness", "geographicalRepresentativeness", "timerelatedRepresentativeness")
REQUIRED = (
    "pcfValues",
    "secondaryEmissionFactorSources",
    "customerPartId",
    *RATINGS,
    "dataQualityRating",
    "manufacturerPartId",
    "validityPeriod",
    "siteIdentifier",
    "legalidentifier",
    "productQualityParameter",
    "contentC02Metals",
)
TEXT_FIELDS = ("customerPartId", "manufacturerPartId")
TEXT_LISTS = ("secondaryEmissionFactorSources", "productQualityParameter", "contentC02Metals")
RATING_RANGE = (1.0, 5.0)
RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE = 0.005, 0.01  # stages vs total: 0.5 % or 0.01, whichever is larger

BPNL = re.compile(r"BPNL[A-Za-z0-9]{12}")
BPNS = re.compile(r"BPNS[A-Za-z0-9]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
# Keys only this model uses; "pcfValues" alone, or two of the others, recognise it.
_MARKERS = frozenset({"legalidentifier", "siteIdentifier", "timerelatedRepresentativeness", "contentC02Metals"})


def detect(record: Any) -> bool:
    """Whether ``record`` is a pcf_for_battery_component_supplier 1.0.0 record, by its keys."""
    if not isinstance(record, dict):
        return False
    values = record.get("pcfValues")
    return (isinstance(values, dict) and "sharesPerStage" in values) or len(_MARKERS & set(record)) >= 2


def validate(record: Any) -> ValidationReport:
    """The model's rules as findings, plus a warning that bpvc cannot issue it.

    The report carries no record: there is no canonical (PCF 8.0.0) record to issue.
    """
    if not isinstance(record, dict):
        return ValidationReport(
            "footprint", MODEL, None, (Finding("error", "a footprint record must be a JSON object", "$", "schema"),)
        )
    findings = [
        *_required(record),
        *_stages(record),
        *_identifiers(record),
        *_validity(record),
        *_shares_and_ratings(record),
        *_texts(record),
        *link_findings(record),
        Finding(
            "warning",
            "bpvc issues footprints as Catena-X PCF 8.0.0 credentials and has no importer for "
            "pcf_for_battery_component_supplier 1.0.0, so this record cannot be issued as a footprint credential",
            "$",
            "issuable",
        ),
    ]
    return ValidationReport("footprint", MODEL, None, tuple(findings))


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _required(record: dict[str, Any]) -> list[Finding]:
    return [
        Finding("error", f"{name} is required by the model", child("$", name), "required")
        for name in REQUIRED
        if name not in record
    ]


def _stage_value(shares: dict[str, Any], name: str) -> tuple[float | None, list[Finding]]:
    path = f"$.pcfValues.sharesPerStage.{name}"
    entry = shares.get(name)
    if entry is None:
        return None, [Finding("error", f"{name} is required", path, "required")]
    if not isinstance(entry, dict) or "stageValue" not in entry:
        return None, [Finding("error", f"{name} must be an object with a stageValue", path, "stage-values")]
    raw = entry["stageValue"]
    value = number(raw)
    path += ".stageValue"
    if value is None:
        return None, [Finding("error", f"{name}.stageValue must be a number, not {raw!r}", path, "stage-values")]
    if not math.isfinite(value) or value < 0:
        return None, [
            Finding("error", f"{name}.stageValue is {raw!r}; a PCF value is a finite number >= 0", path, "stage-values")
        ]
    return value, []


def _stages(record: dict[str, Any]) -> list[Finding]:
    values = record.get("pcfValues")
    if values is None:
        return []
    if not isinstance(values, dict):
        return [Finding("error", "pcfValues must be an object", "$.pcfValues", "stage-values")]
    shares = values.get("sharesPerStage")
    if not isinstance(shares, dict):
        return [Finding("error", "pcfValues.sharesPerStage (an object) is required", "$.pcfValues.sharesPerStage")]
    findings: list[Finding] = []
    stage_values: list[float] = []
    for name in STAGES:
        value, problems = _stage_value(shares, name)
        findings += problems
        if value is not None:
            stage_values.append(value)
    total, problems = _stage_value(shares, TOTAL)
    findings += problems
    unit = shares.get("declaredUnit")
    if unit not in DECLARED_UNITS:
        findings.append(
            Finding(
                "error",
                f"declaredUnit {unit!r} is not one of {', '.join(DECLARED_UNITS)}"
                if "declaredUnit" in shares
                else f"declaredUnit is required ({' or '.join(DECLARED_UNITS)})",
                "$.pcfValues.sharesPerStage.declaredUnit",
                "declared-unit",
            )
        )
    if total is None or len(stage_values) != len(STAGES):
        return findings
    summed = math.fsum(stage_values)
    unit_text = f" {unit}" if isinstance(unit, str) else ""
    if _close(summed, total):
        return findings
    if _close(summed, 100.0):
        # The model describes each stage as "the percentage of the absolute PCF value" but its
        # stageValue as "the PCF value of the parent stage measured in the declared unit".
        findings.append(
            Finding(
                "warning",
                f"the four stage values sum to {_fmt(summed)}, not to absPcfValue {_fmt(total)}{unit_text}: read as "
                "percentages of the total, which the model's stage descriptions allow but its stageValue does not",
                "$.pcfValues.sharesPerStage",
                "stage-sum",
            )
        )
        return findings
    findings.append(
        Finding(
            "error",
            f"the four stage values sum to {_fmt(summed)}{unit_text} but absPcfValue.stageValue is "
            f"{_fmt(total)}{unit_text}: the stages must add up to the total",
            f"$.pcfValues.sharesPerStage.{TOTAL}.stageValue",
            "stage-sum",
        )
    )
    return findings


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * abs(b))


def _identifiers(record: dict[str, Any]) -> list[Finding]:
    findings = []
    for key, pattern, what in (
        ("legalidentifier", BPNL, "a BPNL (BPNL + 12 letters or digits)"),
        ("siteIdentifier", BPNS, "a BPNS (BPNS + 12 letters or digits)"),
    ):
        value = record.get(key)
        if key in record and not (isinstance(value, str) and pattern.fullmatch(value)):
            findings.append(Finding("error", f"{key} {value!r} is not {what}", f"$.{key}", "business-partner-number"))
    return findings


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # the model allows a timestamp without an offset; read it as UTC to compare
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _validity(record: dict[str, Any]) -> list[Finding]:
    period = record.get("validityPeriod")
    if period is None:
        return []
    if not isinstance(period, dict):
        return [Finding("error", "validityPeriod must be an object", "$.validityPeriod", "validity-period")]
    findings = []
    moments: dict[str, datetime] = {}
    for key in ("validFrom", "validTo"):
        if key not in period:
            continue
        moment = _timestamp(period[key])
        if moment is None:
            findings.append(
                Finding(
                    "error",
                    f"{key} {period[key]!r} is not a date-time (YYYY-MM-DDThh:mm:ss with an optional offset)",
                    f"$.validityPeriod.{key}",
                    "validity-period",
                )
            )
        else:
            moments[key] = moment
    if len(moments) == 2 and moments["validTo"] < moments["validFrom"]:
        findings.append(
            Finding(
                "error",
                f"validTo {period['validTo']} is before validFrom {period['validFrom']}",
                "$.validityPeriod.validTo",
                "validity-period",
            )
        )
    return findings


def _in_range(record: dict[str, Any], key: str, low: float, high: float, what: str, check: str) -> list[Finding]:
    if key not in record:
        return []
    raw = record[key]
    value = number(raw)
    if value is None or not (math.isfinite(value) and low <= value <= high):
        return [Finding("error", f"{key} is {raw!r}; {what}", f"$.{key}", check)]
    return []


def _shares_and_ratings(record: dict[str, Any]) -> list[Finding]:
    findings = _in_range(record, "primaryDataShare", 0, 100, "a share is a percentage from 0 to 100", "percentage")
    low, high = RATING_RANGE
    for key in (*RATINGS, "dataQualityRating"):
        findings += _in_range(
            record, key, low, high, f"a data quality rating is a number from {low:g} to {high:g}", "data-quality"
        )
    return findings


def _texts(record: dict[str, Any]) -> list[Finding]:
    findings = []
    for key in TEXT_FIELDS:
        if key in record and not isinstance(record[key], str):
            findings.append(Finding("error", f"{key} must be a string", f"$.{key}", "schema"))
    for key in TEXT_LISTS:
        value = record.get(key)
        if key in record and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            findings.append(Finding("error", f"{key} must be a list of strings", f"$.{key}", "schema"))
    values = record.get("pcfValues")
    if (
        isinstance(values, dict)
        and "pcfPerformanceClass" in values
        and not isinstance(values["pcfPerformanceClass"], str)
    ):
        findings.append(
            Finding("error", "pcfPerformanceClass must be a string", "$.pcfValues.pcfPerformanceClass", "schema")
        )
    return findings
