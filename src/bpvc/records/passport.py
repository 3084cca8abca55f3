"""Battery passports: Catena-X BatteryPass 6.1.0 / 6.0.0 aspect documents.

Validation is the strict schema plus the checks JSON Schema cannot express (EU Battery
Regulation Art. 7 and Annex II for the carbon footprint, dates in order, rated values that
agree with each other). Each finding names its JSON path.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Any

from ..errors import MalformedError
from ..schema import PASSPORT_6_0, PASSPORT_6_1, SchemaRegistry, default_registry
from . import consortium, credential
from .report import Finding, ValidationReport

SPEC_VERSION_6_1 = "urn:io.catenax.battery.battery_pass:6.1.0"
STAGES = (
    "raw material acquisition and pre-processing",
    "main product production",
    "distribution",
    "end of life and recycling",
)


def record_from_subject(subject: dict[str, Any]) -> dict[str, Any]:
    """The BatteryPass record a credential subject carries (the subject less its id and type)."""
    return {k: v for k, v in subject.items() if k not in ("id", "type")}


MODELS = {
    "6.1.0": credential.RecordModel(
        "passport",
        "6.1.0",
        "BatteryPassportCredential",
        "BatteryPass",
        "https://w3id.org/bpvc/contexts/battery-pass/6.1.0",
        PASSPORT_6_1,
        record_from_subject,
    ),
    "6.0.0": credential.RecordModel(
        "passport",
        "6.0.0",
        "BatteryPassportCredential",
        "BatteryPass",
        "https://w3id.org/bpvc/contexts/battery-pass/6.0.0",
        PASSPORT_6_0,
        record_from_subject,
    ),
}


def detect_version(record: dict[str, Any]) -> str:
    """6.1.0 when ``specVersion`` says so; a record without it is read as 6.0.0 (6.1.0 added the field)."""
    spec = record.get("specVersion")
    if spec is None:
        return "6.0.0"
    if spec == SPEC_VERSION_6_1:
        return "6.1.0"
    raise MalformedError(
        f"specVersion {spec!r} is not a BatteryPass version bpvc knows ({SPEC_VERSION_6_1})", json_path="$.specVersion"
    )


def validate(
    record: Any,
    *,
    version: str | None = None,
    registry: SchemaRegistry | None = None,
    encoding_problem: str | None = None,
) -> ValidationReport:
    """Schema and domain checks of a passport record.

    A Battery Pass consortium 1.2.0 aspect (when no version is asked for) gets that model's checks
    instead. ``encoding_problem`` (from :func:`.consortium.read_record`) becomes an error.
    """
    if version is None and consortium.detect(record):
        return consortium.validate(record, encoding_problem=encoding_problem)
    report = _validate_batterypass(record, version=version, registry=registry)
    if encoding_problem:
        return replace(report, findings=(consortium.encoding_finding(encoding_problem), *report.findings))
    return report


def _validate_batterypass(record: Any, *, version: str | None, registry: SchemaRegistry | None) -> ValidationReport:
    if not isinstance(record, dict):
        return ValidationReport(
            "passport", version or "?", None, (Finding("error", "a passport record must be a JSON object", "$"),)
        )
    try:
        version = version or detect_version(record)
        model = MODELS[version]
    except MalformedError as err:
        return ValidationReport("passport", version or "?", None, (Finding("error", err.detail, err.json_path or "$"),))
    except KeyError:
        return ValidationReport(
            "passport",
            str(version),
            None,
            (Finding("error", f"unknown BatteryPass version {version!r} (6.0.0 or 6.1.0)", "$"),),
        )
    findings = [
        Finding("error", e.detail, e.json_path or "$")
        for e in (registry or default_registry()).errors(record, model.schema_id)
    ]
    findings += domain_findings(record)
    return ValidationReport("passport", version, record, tuple(findings))


def to_credential(
    record: dict[str, Any], *, issuer: str, version: str | None = None, credential_id: str | None = None
) -> dict[str, Any]:
    """The unsigned BatteryPassportCredential for a valid record."""
    model = MODELS[version or detect_version(record)]
    metadata = record.get("metadata", {})
    subject = {"id": f"urn:uuid:{metadata['passportIdentifier']}", "type": model.subject_type, **copy.deepcopy(record)}
    return credential.build(
        model,
        subject,
        issuer=issuer,
        valid_from=credential.date_start(metadata.get("issueDate")),
        valid_until=credential.date_end(metadata.get("expirationDate")),
        credential_id=credential_id,
    )


# -- domain checks ----------------------------------------------------------------------------------


def domain_findings(record: dict[str, Any]) -> list[Finding]:
    """The checks JSON Schema cannot express; safe to run on records that failed the schema."""
    return [*_carbon_footprint(record), *_dates(record), *_rated(record)]


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def lifecycle_stage(lifecycle: Any) -> str | None:
    """Which of the four declared life-cycle stages a carbonFootprint entry's ``lifecycle`` names."""
    text = re.sub(r"[^a-z ]", " ", str(lifecycle).lower())
    if "raw" in text:
        return STAGES[0]
    if "production" in text or "manufactur" in text:
        return STAGES[1]
    if "distribution" in text or "transport" in text:
        return STAGES[2]
    if "end of life" in text or "recycl" in text or "endoflife" in text.replace(" ", ""):
        return STAGES[3]
    if any(word in text.split() for word in ("total", "entire", "whole", "full", "overall")):
        return "total"
    return None


def _unit_findings(unit: Any, path: str) -> list[Finding]:
    norm = str(unit).lower().replace(" ", "").replace("₂", "2")
    findings = []
    if "co2" in norm and not re.search(r"co2-?e", norm) and "co2eq" not in norm:
        findings.append(
            Finding(
                "warning",
                f"unit {unit!r} reports kg CO2; a carbon footprint is in kg CO2e "
                "(CO2-equivalent, EU Battery Regulation Annex II)",
                path,
                "carbon-footprint-unit",
            )
        )
    if "/kwh" not in norm:
        findings.append(
            Finding(
                "warning",
                f"unit {unit!r} is not per kWh; the EU battery carbon footprint is "
                "kg CO2e per kWh of total energy over the service life",
                path,
                "carbon-footprint-unit",
            )
        )
    return findings


def _carbon_footprint(record: dict[str, Any]) -> list[Finding]:
    entries = _get(record, "sustainability", "carbonFootprint")
    if not isinstance(entries, list):
        return []
    findings: list[Finding] = []
    groups: dict[tuple[str, str], dict[str, tuple[float, int]]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        path = f"$.sustainability.carbonFootprint[{i}]"
        if "unit" in entry:
            findings += _unit_findings(entry["unit"], f"{path}.unit")
        stage = lifecycle_stage(entry.get("lifecycle"))
        value = entry.get("value")
        if stage is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        key = (str(entry.get("type")), str(entry.get("unit", "")).lower().replace(" ", ""))
        group = groups.setdefault(key, {})
        if stage in group:
            findings.append(
                Finding(
                    "error",
                    f"two carbon footprint entries for the stage {stage!r} ({key[0]})",
                    f"{path}.lifecycle",
                    "carbon-footprint-stages",
                )
            )
        group[stage] = (float(value), i)
    for (impact, _), group in groups.items():
        stages = [s for s in STAGES if s in group]
        if "total" in group and len(stages) == len(STAGES):
            total, index = group["total"]
            summed = sum(group[s][0] for s in STAGES)
            if abs(summed - total) > max(0.01, 0.005 * abs(total)):
                findings.append(
                    Finding(
                        "error",
                        f"the per-stage {impact} values sum to {summed:g} but the total is {total:g}",
                        f"$.sustainability.carbonFootprint[{index}].value",
                        "carbon-footprint-stages",
                    )
                )
        elif "total" in group and stages:
            missing = ", ".join(s for s in STAGES if s not in group)
            findings.append(
                Finding(
                    "warning",
                    f"{impact}: stage values are incomplete (missing {missing}), so they "
                    "cannot be checked against the total",
                    "$.sustainability.carbonFootprint",
                    "carbon-footprint-stages",
                )
            )
        elif stages and "total" not in group:
            findings.append(
                Finding(
                    "warning",
                    f"{impact}: stage values without a total",
                    "$.sustainability.carbonFootprint",
                    "carbon-footprint-stages",
                )
            )
    return findings


def _dates(record: dict[str, Any]) -> list[Finding]:
    pairs = [
        (("metadata", "issueDate"), ("metadata", "expirationDate"), "the passport expires before it is issued"),
        (("metadata", "issueDate"), ("metadata", "lastModification"), "lastModification is before issueDate"),
        (
            ("operation", "manufacturer", "manufacturingDate"),
            ("operation", "intoServiceDate"),
            "the battery was put into service before it was manufactured",
        ),
    ]
    findings = []
    for earlier, later, message in pairs:
        a, b = _get(record, *earlier), _get(record, *later)
        if isinstance(a, str) and isinstance(b, str) and len(a) == len(b) == 10 and b < a:
            findings.append(
                Finding(
                    "error",
                    f"{message} ({'.'.join(earlier)} {a}, {'.'.join(later)} {b})",
                    "$." + ".".join(later),
                    "dates-in-order",
                )
            )
    return findings


def _rated(record: dict[str, Any]) -> list[Finding]:
    rated = _get(record, "performance", "rated")
    capacity, voltage, energy = (
        _get(rated, "capacity", "value"),
        _get(rated, "voltage", "nominal"),
        _get(rated, "energy", "value"),
    )
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in (capacity, voltage, energy)):
        return []
    expected = capacity * voltage / 1000
    if abs(expected - energy) > 0.1 * energy:
        return [
            Finding(
                "warning",
                f"rated energy {energy:g} kWh disagrees with capacity x nominal voltage "
                f"({capacity:g} Ah x {voltage:g} V = {expected:.1f} kWh)",
                "$.performance.rated.energy.value",
                "rated-values",
            )
        ]
    return []
