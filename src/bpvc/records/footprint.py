"""Product carbon footprints: Catena-X PCF 8.0.0 (PACT v3 names) is the canonical record.

Other formats (PCF 7.0.0 / 9.0.0, PACT v2 / v3) are imported first (:mod:`.pcf_import`);
validation is then the strict 8.0.0 schema plus the rules JSON Schema cannot express.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from ..errors import MalformedError
from ..schema import FOOTPRINT_8_0, SchemaRegistry, default_registry
from . import component_pcf, consortium, credential, pcf_import
from .report import Finding, ValidationReport

MAX_VALIDITY_YEARS = 3  # PACT: validityPeriodEnd <= validityPeriodStart + 3 years
RULEBOOK_CUT_OFF_PERCENT = 3.0  # Catena-X PCF Rulebook: exempted emissions up to 3 %
TOLERANCE = 1e-6


def _record_from_subject(subject: dict[str, Any]) -> dict[str, Any]:
    """The subject id ``urn:uuid:<id>`` is the record's own ``id``."""
    record = {k: v for k, v in subject.items() if k not in ("id", "type")}
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id.startswith("urn:uuid:"):
        record = {"id": subject_id[len("urn:uuid:") :], **record}
    return record


MODEL = credential.RecordModel(
    "footprint",
    "8.0.0",
    "ProductCarbonFootprintCredential",
    "Pcf",
    "https://w3id.org/bpvc/contexts/pcf/8.0.0",
    FOOTPRINT_8_0,
    _record_from_subject,
)


def validate(
    record: Any,
    *,
    source: str | None = None,
    index: int = 0,
    registry: SchemaRegistry | None = None,
    encoding_problem: str | None = None,
) -> ValidationReport:
    """Import (when not already canonical), then schema and domain checks.

    A Catena-X pcf_for_battery_component_supplier record (when no source format is asked for) gets
    that model's checks and cannot be issued. ``encoding_problem`` (from
    :func:`.consortium.read_record`) becomes an error.
    """
    if source is None and component_pcf.detect(record):
        report = component_pcf.validate(record)
    else:
        report = _validate_pcf(record, source=source, index=index, registry=registry)
    if encoding_problem:
        return replace(report, findings=(consortium.encoding_finding(encoding_problem), *report.findings))
    return report


def _validate_pcf(record: Any, *, source: str | None, index: int, registry: SchemaRegistry | None) -> ValidationReport:
    if not isinstance(record, dict):
        return ValidationReport(
            "footprint", "8.0.0", None, (Finding("error", "a footprint record must be a JSON object", "$", "import"),)
        )
    try:
        imported = pcf_import.normalize(record, source, index=index)
    except MalformedError as err:
        return ValidationReport(
            "footprint", "8.0.0", None, (Finding("error", err.detail, err.json_path or "$", "import"),)
        )
    findings = [Finding("error", e.detail, e.json_path or "$", "import") for e in imported.errors]
    findings += [Finding("warning", w, "$", "import") for w in imported.warnings]
    canonical = imported.record
    for problem in (registry or default_registry()).errors(canonical, FOOTPRINT_8_0):
        if imported.source != "pcf-8" and "is a required property" in problem.detail:
            # a field Catena-X requires that the source format cannot express: named as such
            findings.append(
                Finding(
                    "error",
                    f"{problem.detail} (Catena-X 8.0.0 requires it; {imported.source} has no "
                    "equivalent, so supply it in the record)",
                    problem.json_path or "$",
                    "catena-x-required",
                )
            )
        else:
            findings.append(Finding("error", problem.detail, problem.json_path or "$"))
    findings += domain_findings(canonical)
    conversions = tuple(
        f"{imported.source}: {c}" if not c.startswith(imported.source) else c for c in imported.conversions
    )
    return ValidationReport("footprint", f"8.0.0 (from {imported.source})", canonical, tuple(findings), conversions)


def to_credential(record: dict[str, Any], *, issuer: str, credential_id: str | None = None) -> dict[str, Any]:
    """The unsigned ProductCarbonFootprintCredential for a valid canonical record."""
    body = copy.deepcopy(record)
    pcf_id = body.pop("id")
    subject = {"id": f"urn:uuid:{pcf_id}", "type": MODEL.subject_type, **body}
    return credential.build(
        MODEL,
        subject,
        issuer=issuer,
        valid_from=record.get("validityPeriodStart"),
        valid_until=record.get("validityPeriodEnd"),
        credential_id=credential_id,
    )


# -- domain checks ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _moment(value: Any) -> datetime | date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def _pcf_part(record: dict[str, Any]) -> dict[str, Any]:
    pcf = record.get("pcf")
    return pcf if isinstance(pcf, dict) else {}


def domain_findings(record: dict[str, Any]) -> list[Finding]:
    """The rules JSON Schema cannot express; safe on records that failed the schema."""
    return [*_validity(record), *_biogenic(record), *_exempted(record), *_declared_unit(record)]


def _validity(record: dict[str, Any]) -> list[Finding]:
    findings = []
    start, end = _moment(record.get("validityPeriodStart")), _moment(record.get("validityPeriodEnd"))
    if isinstance(start, datetime) and isinstance(end, datetime):
        if end < start:
            findings.append(
                Finding(
                    "error", "validityPeriodEnd is before validityPeriodStart", "$.validityPeriodEnd", "validity-period"
                )
            )
        else:
            try:
                limit = start.replace(year=start.year + MAX_VALIDITY_YEARS)
            except ValueError:  # 29 February
                limit = start.replace(year=start.year + MAX_VALIDITY_YEARS, day=28)
            if end > limit:
                findings.append(
                    Finding(
                        "error",
                        f"the validity period is longer than {MAX_VALIDITY_YEARS} years "
                        f"({record['validityPeriodStart']} to {record['validityPeriodEnd']})",
                        "$.validityPeriodEnd",
                        "validity-period",
                    )
                )
    created = _moment(record.get("created"))
    if isinstance(created, datetime) and isinstance(end, datetime) and created > end:
        findings.append(
            Finding("warning", "created is after the end of the validity period", "$.created", "validity-period")
        )
    pcf = _pcf_part(record)
    ref_start, ref_end = _moment(pcf.get("referencePeriodStart")), _moment(pcf.get("referencePeriodEnd"))
    if isinstance(ref_start, datetime) and isinstance(ref_end, datetime) and ref_end < ref_start:
        findings.append(
            Finding(
                "error",
                "referencePeriodEnd is before referencePeriodStart",
                "$.pcf.referencePeriodEnd",
                "dates-in-order",
            )
        )
    return findings


def _biogenic(record: dict[str, Any]) -> list[Finding]:
    """Including = excluding + biogenic CO2 uptake (uptake <= 0), so including never exceeds excluding."""
    pcf = _pcf_part(record)
    excluding = _number(pcf.get("pcfExcludingBiogenicUptake"))
    including = _number(pcf.get("pcfIncludingBiogenicUptake"))
    uptake = _number(pcf.get("biogenicCO2Uptake"))
    if excluding is None or including is None:
        return []
    # values arrive rounded (PACT examples to 2-3 decimals): allow 1 % of the largest magnitude
    slack = max(0.005, 0.01 * max(abs(excluding), abs(including), abs(uptake or 0.0)))
    if uptake is not None and abs(including - (excluding + uptake)) > slack:
        return [
            Finding(
                "error",
                f"pcfIncludingBiogenicUptake {including:g} should equal pcfExcludingBiogenicUptake "
                f"{excluding:g} plus biogenicCO2Uptake {uptake:g} = {excluding + uptake:g}",
                "$.pcf.pcfIncludingBiogenicUptake",
                "biogenic-consistency",
            )
        ]
    if uptake is None and including > excluding + TOLERANCE:
        return [
            Finding(
                "error",
                f"pcfIncludingBiogenicUptake {including:g} exceeds pcfExcludingBiogenicUptake "
                f"{excluding:g}; biogenic uptake can only lower it",
                "$.pcf.pcfIncludingBiogenicUptake",
                "biogenic-consistency",
            )
        ]
    return []


def _exempted(record: dict[str, Any]) -> list[Finding]:
    pcf = _pcf_part(record)
    value = _number(pcf.get("exemptedEmissionsPercent"))
    if value is not None and value > RULEBOOK_CUT_OFF_PERCENT:
        return [
            Finding(
                "warning",
                f"exemptedEmissionsPercent {value:g} is above the Catena-X PCF Rulebook cut-off of "
                f"{RULEBOOK_CUT_OFF_PERCENT:g} % (8.0.0 allows up to 10)",
                "$.pcf.exemptedEmissionsPercent",
                "exempted-emissions",
            )
        ]
    return []


def _declared_unit(record: dict[str, Any]) -> list[Finding]:
    pcf = _pcf_part(record)
    if pcf.get("declaredUnitOfMeasurement") == "piece" and _number(pcf.get("productMassPerDeclaredUnit")) is None:
        return [
            Finding(
                "error",
                "productMassPerDeclaredUnit is required when the declared unit is 'piece'",
                "$.pcf.productMassPerDeclaredUnit",
                "declared-unit",
            )
        ]
    return []
