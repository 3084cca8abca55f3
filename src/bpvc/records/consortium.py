"""Battery Pass consortium data model 1.2.0 aspects (batterypass/BatteryPassDataModel).

bpvc issues passports as Catena-X BatteryPass 6.x; it recognises the consortium's aspects so
that ``bpvc validate passport`` refuses a published payload for its actual defects (negative
footprints, non-web links, recycled shares over 100 %, a file that is not UTF-8) rather than
reporting that it is not a BatteryPass. The rules are written here, not read from the
published schemas, which accept those payloads. Also the reader that reports, rather than
trips over, a file in UTF-16 or with a byte order mark.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from typing import Any

from .. import strict_json
from ..errors import MalformedError
from .report import Finding, ValidationReport

VERSION = "1.2.0"

# Each aspect's top-level properties, as named (and misspelt) in the 1.2.0 models.
ASPECTS: dict[str, frozenset[str]] = {
    "CarbonFootprintForBatteries": frozenset(
        {
            "batteryCarbonFootprint",
            "carbonFootprintPerLifecycleStage",
            "carbonFootprintPerformanceClass",
            "carbonFootprintStudy",
            "absoluteCarbonFootprint",
        }
    ),
    "Circularity": frozenset(
        {
            "dismantlingAndRemovalInformation",
            "sparePartSources",
            "recycledContent",
            "safetyMeasures",
            "endOfLifeInformation",
            "renewableContent",
        }
    ),
    "GeneralProductInformation": frozenset(
        {
            "productIdentifier",
            "batteryPassportIdentifier",
            "batteryCategory",
            "manufacturerInformation",
            "manufacturingDate",
            "batteryStatus",
            "batteryMass",
            "manufacturingPlace",
            "operatorInformation",
            "puttingIntoService",
            "warrentyPeriod",
        }
    ),
    "Labeling": frozenset({"declarationOfConformity", "resultOfTestReport", "labels"}),
    "MaterialComposition": frozenset({"batteryChemistry", "batteryMaterials", "hazardousSubstances"}),
    "PerformanceAndDurability": frozenset({"batteryTechicalProperties", "batteryCondition"}),
    "SupplyChainDueDiligence": frozenset(
        {"supplyChainDueDiligenceReport", "thirdPartyAussurances", "supplyChainIndicies"}
    ),
}
# Keys no other model bpvc reads uses: one of them alone is enough to recognise the aspect.
_MARKERS = frozenset(
    {
        "batteryCarbonFootprint",
        "carbonFootprintPerLifecycleStage",
        "dismantlingAndRemovalInformation",
        "sparePartSources",
        "batteryPassportIdentifier",
        "batteryTechicalProperties",
        "supplyChainDueDiligenceReport",
    }
)

CF_REQUIRED = ("batteryCarbonFootprint", "carbonFootprintPerLifecycleStage", "carbonFootprintPerformanceClass")
CF_STAGES = ("RawMaterialExtraction", "MainProduction", "Distribution", "Recycling")
CIRCULARITY_REQUIRED = ("recycledContent", "renewableContent")
RECYCLED_MATERIALS = ("Cobalt", "Nickel", "Lithium", "Lead")

# Values the models describe as percentages (in their descriptions; the schemas give no range).
PERCENT_FIELDS: dict[str, tuple[str, ...]] = {
    "Circularity": ("renewableContent",),
    "PerformanceAndDurability": (
        "capacityThresholdForExhaustion",
        "stateOfCertifiedEnergyValue",
        "stateOfChargeValue",
        "powerFade",
        "roundTripEfficiencyFade",
    ),
}
# Physical quantities that cannot be negative.
NON_NEGATIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "GeneralProductInformation": ("batteryMass",),
    "MaterialComposition": ("batteryMaterialMass", "hazardousSubstanceConcentration"),
    "PerformanceAndDurability": (
        "ratedCapacity",
        "ratedEnergy",
        "ratedMaximumPower",
        "minimumVoltage",
        "nominalVoltage",
        "maximumVoltage",
        "expectedLifetime",
        "expectedNumberOfCycles",
        "ohmicResistance",
        "numberOfFullCyclesValue",
        "energyThroughput",
        "capacityThroughputValue",
        "timeExtremeHighTemp",
        "timeExtremeLowTemp",
        "timeExtremeHighTempCharging",
        "timeExtremeLowTempCharging",
    ),
}

_LINK_KEY = re.compile(r"(URL|Url|Study|Link|Address)$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SCHEME_SLASHES = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://")
_WEB_SCHEMES = ("https", "http")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = 1e300  # beyond any measurement: the float limits schema-driven generators emit


def model_name(aspect: str) -> str:
    return f"batterypass-consortium {VERSION} {aspect}"


# -- reading --------------------------------------------------------------------------------------

# UTF-32 first: its little-endian BOM starts with the UTF-16LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)


def _decode(raw: bytes) -> tuple[str, str | None]:
    """The text and, when it is not plain UTF-8, what is wrong with the encoding."""
    codec, name, problem = "utf-8", "UTF-8", None
    for bom, bom_codec, bom_name in _BOMS:
        if raw.startswith(bom):
            raw, codec, name = raw[len(bom) :], bom_codec, bom_name
            problem = (
                "the file starts with a UTF-8 byte order mark; JSON text must not begin with one (RFC 8259 §8.1)"
                if bom_name == "UTF-8"
                else f"the file is {bom_name} with a byte order mark; JSON must be UTF-8 (RFC 8259 §8.1)"
            )
            break
    else:
        # No BOM: JSON text starts with an ASCII character, so zero bytes around it give
        # UTF-16/32 away (the detection RFC 4627 §3 described).
        zeros = [b == 0 for b in raw[:4]]
        guess = None
        if zeros == [True, True, True, False]:
            guess = ("utf-32-be", "UTF-32BE")
        elif zeros == [False, True, True, True]:
            guess = ("utf-32-le", "UTF-32LE")
        elif len(zeros) >= 2 and zeros[0] and not zeros[1]:
            guess = ("utf-16-be", "UTF-16BE")
        elif len(zeros) >= 2 and not zeros[0] and zeros[1]:
            guess = ("utf-16-le", "UTF-16LE")
        if guess is not None:
            codec, name = guess
            problem = f"the file is {name} (without a byte order mark); JSON must be UTF-8 (RFC 8259 §8.1)"
    try:
        return raw.decode(codec), problem
    except UnicodeDecodeError as err:
        raise MalformedError(f"the file is not valid {name} text: {err.reason} at byte {err.start}") from None


def read_record(path: str | os.PathLike[str]) -> tuple[Any, str | None]:
    """The parsed JSON of a record file and its encoding problem (None for clean UTF-8).

    A UTF-16 or BOM-prefixed file is still decoded, so the caller can report its content as
    well as its encoding. Raises :class:`OSError` when the file cannot be read and
    :class:`MalformedError` when it is not text or not JSON.
    """
    try:
        raw = strict_json.read_bounded(os.fspath(path))
    except strict_json.StrictJsonError as err:  # over the size bound (say, /dev/zero): refused before reading it all
        raise MalformedError(str(err)) from None
    text, problem = _decode(raw)
    try:
        return strict_json.loads(text), problem
    except json.JSONDecodeError as err:
        raise MalformedError(f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except (ValueError, RecursionError) as err:  # duplicates, NaN, out-of-range numbers, deep nesting
        detail = str(err) if isinstance(err, ValueError) and str(err) else type(err).__name__
        raise MalformedError(f"not acceptable JSON: {detail}") from None


def encoding_finding(problem: str) -> Finding:
    """The error a record read with an encoding problem carries."""
    return Finding("error", problem, "$", "encoding")


# -- recognising ------------------------------------------------------------------------------------


def detect(record: Any) -> str | None:
    """The consortium aspect ``record`` is (e.g. ``"Circularity"``), recognised by its keys, or None."""
    if not isinstance(record, dict):
        return None
    keys = set(record)
    best, best_hits = None, 0
    for aspect, properties in ASPECTS.items():
        hits = len(keys & properties)
        if (hits >= 2 or keys & properties & _MARKERS) and hits > best_hits:
            best, best_hits = aspect, hits
    return best


# -- validating ------------------------------------------------------------------------------------


def validate(record: Any, *, encoding_problem: str | None = None) -> ValidationReport:
    """The consortium-specific checks of an aspect; every defect is an error.

    The report carries no record: bpvc has no mapping from these aspects to the BatteryPass
    credential it issues, so even a clean aspect is not issuable (said as a warning).
    """
    findings = [encoding_finding(encoding_problem)] if encoding_problem else []
    aspect = detect(record)
    if aspect is None or not isinstance(record, dict):
        findings.append(
            Finding("error", f"not a Battery Pass consortium {VERSION} aspect bpvc recognises", "$", "schema")
        )
        return ValidationReport("passport", f"batterypass-consortium {VERSION}", None, tuple(findings))
    if aspect == "CarbonFootprintForBatteries":
        findings += _carbon_footprint(record)
    elif aspect == "Circularity":
        findings += _circularity(record)
    findings += _ranges(record, aspect)
    findings += link_findings(record)
    findings.append(
        Finding(
            "warning",
            f"bpvc issues passports as Catena-X BatteryPass 6.0.0 / 6.1.0 credentials and has no mapping from "
            f"the Battery Pass consortium {VERSION} {aspect} aspect, so it cannot be issued",
            "$",
            "issuable",
        )
    )
    return ValidationReport("passport", model_name(aspect), None, tuple(findings))


def child(path: str, key: str) -> str:
    """The JSON path of member ``key`` under ``path``."""
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{json.dumps(key)}]"


def number(value: Any) -> float | None:
    """A JSON number as a float (an integer too large for a double as +-inf), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def _show(value: Any) -> str:
    shown = repr(value) if isinstance(value, float) else json.dumps(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _placeholder_note(value: float) -> str:
    return (
        " (a value at the limit of a double: a generator placeholder, not a measurement)"
        if abs(value) >= _PLACEHOLDER
        else ""
    )


def _required(record: dict[str, Any], names: tuple[str, ...], aspect: str) -> list[Finding]:
    return [
        Finding("error", f"{name} is required in the {aspect} aspect", child("$", name), "required")
        for name in names
        if name not in record
    ]


def _footprint_value(value: Any, path: str, what: str) -> list[Finding]:
    v = number(value)
    if v is None:
        return [Finding("error", f"{what} must be a number, not {_show(value)}", path, "carbon-footprint")]
    if not math.isfinite(v):
        return [Finding("error", f"{what} must be a finite number, not {_show(value)}", path, "carbon-footprint")]
    if v < 0:
        return [
            Finding(
                "error",
                f"{what} is {_show(value)}; a carbon footprint is >= 0{_placeholder_note(v)}",
                path,
                "carbon-footprint",
            )
        ]
    return []


def _carbon_footprint(record: dict[str, Any]) -> list[Finding]:
    findings = _required(record, CF_REQUIRED, "CarbonFootprintForBatteries")
    for name in ("batteryCarbonFootprint", "absoluteCarbonFootprint"):
        if name in record:
            findings += _footprint_value(record[name], child("$", name), name)
    stages = record.get("carbonFootprintPerLifecycleStage")
    if stages is None:
        return findings
    if not isinstance(stages, list):
        return [
            *findings,
            Finding(
                "error",
                "carbonFootprintPerLifecycleStage must be a list of {lifecycleStage, carbonFootprint}",
                "$.carbonFootprintPerLifecycleStage",
                "carbon-footprint",
            ),
        ]
    seen: set[str] = set()
    for i, entry in enumerate(stages):
        path = f"$.carbonFootprintPerLifecycleStage[{i}]"
        if not isinstance(entry, dict):
            findings.append(Finding("error", "a stage entry must be an object", path, "carbon-footprint"))
            continue
        stage = entry.get("lifecycleStage")
        if stage not in CF_STAGES:
            findings.append(
                Finding(
                    "error",
                    f"lifecycleStage {_show(stage)} is not one of {', '.join(CF_STAGES)}",
                    f"{path}.lifecycleStage",
                    "carbon-footprint",
                )
            )
        elif stage in seen:
            findings.append(
                Finding("error", f"a second entry for the stage {stage}", f"{path}.lifecycleStage", "carbon-footprint")
            )
        else:
            seen.add(stage)
        findings += _footprint_value(
            entry.get("carbonFootprint"), f"{path}.carbonFootprint", f"the {stage} stage carbon footprint"
        )
    return findings


def _percent(value: Any, path: str, what: str) -> list[Finding]:
    v = number(value)
    if v is None:
        return [Finding("error", f"{what} must be a number (a percentage), not {_show(value)}", path, "percentage")]
    if not (math.isfinite(v) and 0 <= v <= 100):
        return [
            Finding(
                "error",
                f"{what} is {_show(value)}; a share is a percentage from 0 to 100{_placeholder_note(v)}",
                path,
                "percentage",
            )
        ]
    return []


def _circularity(record: dict[str, Any]) -> list[Finding]:
    findings = _required(record, CIRCULARITY_REQUIRED, "Circularity")
    entries = record.get("recycledContent")
    if entries is None:
        return findings
    if not isinstance(entries, list):
        return [
            *findings,
            Finding("error", "recycledContent must be a list", "$.recycledContent", "recycled-content"),
        ]
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        path = f"$.recycledContent[{i}]"
        if not isinstance(entry, dict):
            findings.append(Finding("error", "a recycledContent entry must be an object", path, "recycled-content"))
            continue
        material = entry.get("recycledMaterial")
        if material not in RECYCLED_MATERIALS:
            findings.append(
                Finding(
                    "error",
                    f"recycledMaterial {_show(material)} is not one of {', '.join(RECYCLED_MATERIALS)}",
                    f"{path}.recycledMaterial",
                    "recycled-content",
                )
            )
        elif material in seen:
            findings.append(
                Finding(
                    "error",
                    f"a second recycledContent entry for {material}",
                    f"{path}.recycledMaterial",
                    "recycled-content",
                )
            )
        else:
            seen.add(material)
        shares: list[float] = []
        for key, label in (("preConsumerShare", "pre-consumer"), ("postConsumerShare", "post-consumer")):
            if key not in entry:
                findings.append(
                    Finding("error", f"{key} is required", child(path, key), "recycled-content"),
                )
                continue
            problems = _percent(entry[key], child(path, key), f"the {label} recycled share")
            findings += problems
            value = number(entry[key])
            if not problems and value is not None:
                shares.append(value)
        if len(shares) == 2 and sum(shares) > 100 + 1e-9:
            pre, post = shares
            findings.append(
                Finding(
                    "error",
                    f"pre-consumer {pre:.10g} % + post-consumer {post:.10g} % = {pre + post:.10g} % of "
                    f"{material if isinstance(material, str) else 'the material'} is recycled; "
                    "the recycled shares of a material cannot exceed 100 %",
                    path,
                    "recycled-content",
                )
            )
    return findings


def _walk(node: Any, path: str) -> list[tuple[str, str, Any]]:
    """Every (path, key, value) member in ``node``, depth first."""
    out: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = child(path, key)
            out.append((here, key, value))
            out += _walk(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _walk(value, f"{path}[{i}]")
    return out


def _ranges(record: dict[str, Any], aspect: str) -> list[Finding]:
    percent, non_negative = set(PERCENT_FIELDS.get(aspect, ())), set(NON_NEGATIVE_FIELDS.get(aspect, ()))
    findings: list[Finding] = []
    for path, key, value in _walk(record, "$"):
        if key in percent:
            findings += _percent(value, path, key)
        elif key in non_negative:
            v = number(value)
            if v is not None and not (math.isfinite(v) and v >= 0):
                findings.append(
                    Finding(
                        "error", f"{key} is {_show(value)}; it cannot be negative{_placeholder_note(v)}", path, "range"
                    )
                )
    return findings


def link_problem(key: str, value: Any) -> str | None:
    """Why a link-like member is not a web link, or None.

    A member is link-like when its value starts with ``scheme://``, or its name ends in URL, Url,
    Study, Link or Address and its value starts with a URI scheme (so an e-mail address passes).
    """
    if not isinstance(value, str):
        return None
    match = _SCHEME_SLASHES.match(value)
    if match is None and _LINK_KEY.search(key):
        match = _SCHEME.match(value.strip())
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme in _WEB_SCHEMES:
        return None
    return f"{key} uses the {scheme!r} scheme ({_show(value)}); a web link (https or http) is required"


def link_findings(record: Any) -> list[Finding]:
    """An error for every link-like member of ``record`` that is not http(s)."""
    findings = []
    for path, key, value in _walk(record, "$"):
        problem = link_problem(key, value)
        if problem:
            findings.append(Finding("error", problem, path, "web-link"))
    return findings
