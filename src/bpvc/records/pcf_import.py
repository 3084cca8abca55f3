"""Read product carbon footprint records into one canonical shape: a Catena-X PCF 8.0.0 aspect.

Accepted inputs (``source`` names):

``pcf-7``
    Catena-X ``io.catenax.pcf`` 7.0.0 (PACT v2 names, ``extWBCSD_``/``extTFS_`` prefixes).
``pcf-8``
    Catena-X 8.0.0, the canonical shape: returned as a deep copy, never altered.
``pcf-9``
    Catena-X 9.0.0: the same content nested in groups that are arrays of one object.
``pact-2``
    PACT (WBCSD Pathfinder) Technical Specifications 2.x ``ProductFootprint``.
``pact-3``
    PACT 3.x ``ProductFootprint`` (decimals as JSON strings).

A PACT API response ``{"data": {...}}`` or ``{"data": [...]}`` is unwrapped. When ``data``
is a list the footprint at ``index`` (default 0) is imported, one footprint per call; a
warning says how many there were, so a caller wanting all of them loops over the indexes.

The declared-unit trap: under PACT v2 and Catena-X 7.0.0 every emission value, every
carbon content and ``productMassPerDeclaredUnit`` is given per ONE ``declaredUnit`` and
``unitaryProductAmount`` says how many of those units the product holds. Under PACT v3 and
Catena-X 8.0.0 the same values are per ``declaredUnitAmount`` x ``declaredUnitOfMeasurement``
(PACT ADR-0036). Converting v2 {liter, unitaryProductAmount 12, pCfExcludingBiogenic 1.5}
therefore gives {liter, declaredUnitAmount 12, pcfExcludingBiogenicUptake 18}: each of those
values is multiplied by the amount with :class:`decimal.Decimal` arithmetic (1.5 x 12 is
exactly 18.0). Percentages, data quality ratings and shares are not per unit and stay as
they are.

Nothing is invented: a field Catena-X 8.0.0 requires that the source format cannot express
(for example ``retroOrProspectivePcfType`` from PACT) is left out and named in a warning.
Data with no 8.0.0 home is dropped and named in a warning. Limits of the source version
(7.0.0 and PACT v2: ``exemptedEmissionsPercent`` at most 5, DQR values 1 to 3) raise
:class:`~bpvc.errors.MalformedError`; so does a malformed or missing value the conversion
needs. Every error carries the JSON path of the value in the input.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import MalformedError

FORMATS = ("pcf-7", "pcf-8", "pcf-9", "pact-2", "pact-3")

CX_SPEC_PREFIX = "urn:io.catenax.pcf:datamodel:version:"
CANONICAL_SPEC_VERSION = CX_SPEC_PREFIX + "8.0.0"
CPC_URN_PREFIX = "urn:pact:productclassification:un-cpc:"

# 8.0.0 wrote its first retroOrProspectivePcfType enum value as one joined string; 9.0.0 fixed it.
CX8_RETROSPECTIVE = "Retrospective PCF, Prospective PCF without forerunner"
CX9_RETROSPECTIVE = "Retrospective PCF"

_TOP_ORDER = (
    "id",
    "specVersion",
    "partialFullPcf",
    "precedingPfIds",
    "version",
    "created",
    "status",
    "validityPeriodStart",
    "validityPeriodEnd",
    "pcfLegalStatement",
    "companyName",
    "companyIds",
    "productDescription",
    "productIds",
    "productNameCompany",
    "pcf",
    "productClassifications",
    "retroOrProspectivePcfType",
    "ccsTechnologicalCO2CaptureIncluded",
    "comment",
    "attestationOfConformance",
)
_TOP_REQUIRED = (
    "id",
    "specVersion",
    "partialFullPcf",
    "version",
    "created",
    "status",
    "validityPeriodEnd",
    "companyName",
    "companyIds",
    "productIds",
    "productNameCompany",
    "pcf",
    "retroOrProspectivePcfType",
    "ccsTechnologicalCO2CaptureIncluded",
)
_PCF_ORDER = (
    "declaredUnitOfMeasurement",
    "declaredUnitAmount",
    "productMassPerDeclaredUnit",
    "exemptedEmissionsPercent",
    "exemptedEmissionsDescription",
    "boundaryProcessesDescription",
    "geographyCountrySubdivision",
    "geographyCountry",
    "geographyRegionOrSubregion",
    "referencePeriodStart",
    "referencePeriodEnd",
    "crossSectoralStandards",
    "productOrSectorSpecificRules",
    "ipccCharacterizationFactors",
    "allocationRulesDescription",
    "allocationWasteIncineration",
    "primaryDataShare",
    "secondaryEmissionFactorSources",
    "dataQualityRating",
    "packagingEmissionsIncluded",
    "pcfExcludingBiogenicUptake",
    "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions",
    "biogenicNonCO2Emissions",
    "landUseChangeGhgEmissions",
    "aircraftGhgEmissions",
    "packagingPcfExcludingBiogenicUptake",
    "distributionStagePcfExcludingBiogenicUptake",
    "distributionStagePcfIncludingBiogenicUptake",
    "distributionStageFossilGhgEmissions",
    "distributionStageBiogenicNonCO2Emissions",
    "distributionStageLandUseChangeGhgEmissions",
    "carbonContentTotal",
    "fossilCarbonContent",
    "biogenicCO2Uptake",
    "distributionStageAircraftGhgEmissions",
    "allocationRecycledCarbon",
    "massBalancingUsed",
    "freeAttributionInMassBalancing",
    "massBalancingCertificateScheme",
    "programCertificationShare",
    "productVerificationShare3rdParty",
    "productVerificationShare2ndParty",
    "productVerificationShare1stParty",
    "packagingPcfIncludingBiogenicUptake",
    "packagingFossilGhgEmissions",
    "packagingBiogenicNonCO2Emissions",
    "packagingAircraftGhgEmissions",
    "packagingLandUseChangeGhgEmissions",
    "packagingLandManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals",
    "landManagementBiogenicCO2Emissions",
    "packagingLandManagementBiogenicCO2Removals",
    "packagingBiogenicCO2Uptake",
    "distributionStageIncluded",
    "distributionStageBiogenicCO2Uptake",
    "distributionStageLandManagementBiogenicCO2Emissions",
    "distributionStageLandManagementBiogenicCO2Removals",
    "biogenicCarbonContent",
    "packagingBiogenicCarbonContent",
    "recycledCarbonContent",
)
_PCF_REQUIRED = (
    "declaredUnitOfMeasurement",
    "declaredUnitAmount",
    "productMassPerDeclaredUnit",
    "exemptedEmissionsPercent",
    "geographyRegionOrSubregion",
    "referencePeriodStart",
    "referencePeriodEnd",
    "crossSectoralStandards",
    "productOrSectorSpecificRules",
    "ipccCharacterizationFactors",
    "allocationWasteIncineration",
    "secondaryEmissionFactorSources",
    "packagingEmissionsIncluded",
    "pcfExcludingBiogenicUptake",
    "pcfIncludingBiogenicUptake",
    "massBalancingUsed",
    "packagingPcfIncludingBiogenicUptake",
    "distributionStageIncluded",
)
_PCF_TEXT = {
    "declaredUnitOfMeasurement",
    "exemptedEmissionsDescription",
    "boundaryProcessesDescription",
    "geographyCountrySubdivision",
    "geographyCountry",
    "geographyRegionOrSubregion",
    "referencePeriodStart",
    "referencePeriodEnd",
    "crossSectoralStandards",
    "productOrSectorSpecificRules",
    "ipccCharacterizationFactors",
    "allocationRulesDescription",
    "allocationWasteIncineration",
    "secondaryEmissionFactorSources",
    "dataQualityRating",
    "packagingEmissionsIncluded",
    "allocationRecycledCarbon",
    "massBalancingUsed",
    "freeAttributionInMassBalancing",
    "massBalancingCertificateScheme",
    "distributionStageIncluded",
}
_PCF_NUMBERS = tuple(name for name in _PCF_ORDER if name not in _PCF_TEXT)
_DQR_NAMES = ("technologicalDQR", "temporalDQR", "geographicalDQR")

# PACT v2 / Catena-X 7.0.0 cross-sectoral standard names -> PACT v3 codes (the 8.0.0 list is free text).
_LEGACY_STANDARDS = {
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14040": "ISO14040-44",
    "ISO Standard 14041": "ISO14040-44",
    "ISO Standard 14042": "ISO14040-44",
    "ISO Standard 14043": "ISO14040-44",
    "ISO Standard 14044": "ISO14040-44",
    "GHG Protocol Product standard": "GHGP-Product",
    "GHG Protocol Product Standard": "GHGP-Product",
    "GHGP Product": "GHGP-Product",
    "PAS 2050": "PAS2050",
    "Pathfinder v1": "PACT-1.0",
    "Pathfinder v2": "PACT-2.0",
    "PACT Methodology 1.0": "PACT-1.0",
    "PACT Methodology 2.0": "PACT-2.0",
    "PACT Methodology 3.0": "PACT-3.0",
}
_PACT3_STANDARDS = {
    "ISO14067",
    "ISO14083",
    "ISO14040-44",
    "GHGP-Product",
    "PEF",
    "PACT-1.0",
    "PACT-2.0",
    "PACT-3.0",
    "PAS2050",
}

_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_PACT_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-\d{8})?")
_CX_VERSION = re.compile(re.escape(CX_SPEC_PREFIX) + r"(\d+)\.(\d+)\.(\d+)")

# Catena-X 9.0.0 layout: group -> sub-groups -> leaf -> where the leaf goes in 8.0.0.
_TOP, _PCF, _DQR = "top", "pcf", "dqr"
_NINE_LAYOUT: dict[str, Any] = {
    "scopeOfPcfForm": {"specVersion": _TOP, "partialFullPcf": _TOP},
    "companyAndProductInformation": {
        "companyInformation": {"companyName": _TOP, "companyIds": _TOP},
        "productInformation": {
            "productNameCompany": _TOP,
            "productIds": _TOP,
            "productClassifications": _TOP,
            "productDescription": _TOP,
            "declaredUnitOfMeasurement": _PCF,
            "declaredUnitAmount": _PCF,
            "productMassPerDeclaredUnit": _PCF,
        },
    },
    "pcfAssessmentAndMethodology": {
        "dataSourcesAndQuality": {
            "primaryDataShare": _PCF,
            "secondaryEmissionFactorSources": _PCF,
            "technologicalDQR": _DQR,
            "temporalDQR": _DQR,
            "geographicalDQR": _DQR,
        },
        "pcfAssessmentInformation": {
            "technology": {"ccsTechnologicalCO2CaptureIncluded": _TOP, "boundaryProcessesDescription": _PCF},
            "idAndVersion": {
                "id": _TOP,
                "version": _TOP,
                "status": _TOP,
                "retroOrProspectivePcfType": _TOP,
                "precedingPfIds": _TOP,
            },
            "boundarySpecifications": {"exemptedEmissionsPercent": _PCF, "exemptedEmissionsDescription": _PCF},
            "geography": {
                "geographyRegionOrSubregion": _PCF,
                "geographyCountrySubdivision": _PCF,
                "geographyCountry": _PCF,
            },
            "time": {
                "referencePeriodStart": _PCF,
                "referencePeriodEnd": _PCF,
                "created": _TOP,
                "validityPeriodStart": _TOP,
                "validityPeriodEnd": _TOP,
            },
        },
        "verificationAndCertificationShares": {
            "programCertificationShare": _PCF,
            "productVerificationShare3rdParty": _PCF,
            "productVerificationShare2ndParty": _PCF,
            "productVerificationShare1stParty": _PCF,
        },
        "pcfMethodology": {
            "massBalancingInformation": {
                "massBalancingUsed": _PCF,
                "freeAttributionInMassBalancing": _PCF,
                "massBalancingCertificateScheme": _PCF,
            },
            "standards": {"crossSectoralStandards": _PCF, "productOrSectorSpecificRules": _PCF},
            "gwpCharacterizationFactorDetails": {"ipccCharacterizationFactors": _PCF},
            "allocationInForeground": {
                "allocationWasteIncineration": _PCF,
                "allocationRulesDescription": _PCF,
                "allocationRecycledCarbon": _PCF,
            },
        },
    },
    "general": {"comment": _TOP, "pcfLegalStatement": _TOP},
    "carbonContent": {
        "carbonContentTotal": _PCF,
        "fossilCarbonContent": _PCF,
        "biogenicCarbonContent": _PCF,
        "packagingBiogenicCarbonContent": _PCF,
        "recycledCarbonContent": _PCF,
    },
    "productLifeCycleStagesAndEmissions": {
        # packagingStage first: packagingLandManagementBiogenicCO2Emissions also appears in
        # productionStage, and the packaging group is its proper home.
        "packagingStage": {
            "packagingEmissionsIncluded": _PCF,
            "packagingPcfIncludingBiogenicUptake": _PCF,
            "packagingPcfExcludingBiogenicUptake": _PCF,
            "packagingFossilGhgEmissions": _PCF,
            "packagingBiogenicNonCO2Emissions": _PCF,
            "packagingBiogenicCO2Uptake": _PCF,
            "packagingLandUseChangeGhgEmissions": _PCF,
            "packagingLandManagementBiogenicCO2Emissions": _PCF,
            "packagingLandManagementBiogenicCO2Removals": _PCF,
            "packagingAircraftGhgEmissions": _PCF,
        },
        "productionStage": {
            "pcfIncludingBiogenicUptake": _PCF,
            "pcfExcludingBiogenicUptake": _PCF,
            "fossilGhgEmissions": _PCF,
            "biogenicNonCO2Emissions": _PCF,
            "biogenicCO2Uptake": _PCF,
            "landUseChangeGhgEmissions": _PCF,
            "landManagementBiogenicCO2Emissions": _PCF,
            "packagingLandManagementBiogenicCO2Emissions": _PCF,
            "landManagementBiogenicCO2Removals": _PCF,
            "aircraftGhgEmissions": _PCF,
        },
        "distributionStage": {
            "distributionStageIncluded": _PCF,
            "distributionStagePcfIncludingBiogenicUptake": _PCF,
            "distributionStagePcfExcludingBiogenicUptake": _PCF,
            "distributionStageFossilGhgEmissions": _PCF,
            "distributionStageBiogenicNonCO2Emissions": _PCF,
            "distributionStageBiogenicCO2Uptake": _PCF,
            "distributionStageLandUseChangeGhgEmissions": _PCF,
            "distributionStageLandManagementBiogenicCO2Emissions": _PCF,
            "distributionStageLandManagementBiogenicCO2Removals": _PCF,
            "distributionStageAircraftGhgEmissions": _PCF,
        },
    },
}
_NINE_LISTS = ("attestationOfConformance",)  # real lists in 9.0.0, copied as they are


def _nine_homes(layout: dict[str, Any], prefix: str, homes: dict[str, str]) -> dict[str, str]:
    for key, spec in layout.items():
        if isinstance(spec, dict):
            _nine_homes(spec, f"{prefix}.{key}[0]", homes)
        else:
            homes.setdefault(key, f"{prefix}.{key}")
    return homes


_NINE_HOME = _nine_homes(_NINE_LAYOUT, "", {})  # leaf -> ".group[0].sub[0].leaf" (first home)


@dataclass(frozen=True)
class ImportResult:
    """One imported footprint.

    ``record`` is the canonical Catena-X 8.0.0 document; ``source`` the format read;
    ``conversions`` says, one line each, what was renamed, moved, parsed or rescaled;
    ``warnings`` names what was dropped, what 8.0.0 still lacks and what looks wrong.
    """

    record: dict[str, Any]
    source: str
    conversions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # rules of the source format the input breaks (it still converts, so every problem is named at once)
    errors: list[MalformedError] = field(default_factory=list)


class _Ctx:
    """Conversion state: the source name, the JSON path prefix, and the two report lists."""

    def __init__(self, source: str, base: str) -> None:
        self.source = source
        self.base = base
        self.conversions: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[MalformedError] = []

    def path(self, rel: str) -> str:
        return f"{self.base}.{rel}" if rel else self.base

    def convert(self, text: str) -> None:
        self.conversions.append(f"{self.source}: {text}")

    def warn(self, text: str) -> None:
        self.warnings.append(f"{self.source}: {text}")

    def error(self, text: str, rel: str) -> None:
        """A rule of the source format is broken; conversion goes on so every problem is reported."""
        self.errors.append(self.fail(text, rel))

    def fail(self, text: str, rel: str) -> MalformedError:
        return MalformedError(f"{self.source}: {text}", json_path=self.path(rel))

    def number(self, value: Any, rel: str, *, strings: bool) -> Decimal:
        """A JSON number (or, when ``strings``, a decimal string) as an exact Decimal."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(f"{rel} must be a number, got {_kind(value)}", rel)
        if isinstance(value, str):
            if not strings:
                raise self.fail(f"{rel} must be a JSON number, got the string {value!r}", rel)
            if not _DECIMAL_TEXT.fullmatch(value):
                raise self.fail(f"{rel} {value!r} is not a decimal number", rel)
            if not math.isfinite(float(value)):
                raise self.fail(f"{rel} {value!r} is out of the range of a JSON number", rel)
            return Decimal(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.fail(f"{rel} must be a finite number, got {value!r}", rel)
            return Decimal(repr(value))
        return Decimal(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return f"the string {value!r}"
    return type(value).__name__


def _show(value: Any, limit: int = 0) -> str:
    text = f"'{value}' (string)" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:limit] + "..." if limit and len(text) > limit else text


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _float(d: Decimal) -> float:
    out = float(d)
    return 0.0 if out == 0 else out


def _ordered(obj: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {key: obj[key] for key in order if key in obj}
    out.update((key, value) for key, value in obj.items() if key not in out)
    return out


# --------------------------------------------------------------------------- detection


def _unwrap(record: Any, index: int) -> tuple[dict[str, Any], str, int]:
    """The footprint, its JSON path, and how many footprints the response held (0: not wrapped)."""
    if not isinstance(record, dict):
        raise MalformedError(f"a PCF record must be a JSON object, got {_kind(record)}", json_path="$")
    if isinstance(index, bool) or not isinstance(index, int):
        raise MalformedError(f"index must be an integer, got {_kind(index)}", json_path="$")
    wrapped = "data" in record and not any(key in record for key in ("pcf", "specVersion", *_NINE_LAYOUT))
    if not wrapped:
        if index != 0:
            raise MalformedError("index only applies to a PACT response whose data is a list", json_path="$")
        return record, "$", 0
    data = record["data"]
    if isinstance(data, dict):
        if index != 0:
            raise MalformedError("index only applies to a PACT response whose data is a list", json_path="$.data")
        return data, "$.data", 1
    if not isinstance(data, list):
        detail = f"$.data must be a footprint or a list of footprints, got {_kind(data)}"
        raise MalformedError(detail, json_path="$.data")
    if not data:
        raise MalformedError("the PACT response holds no footprint ($.data is empty)", json_path="$.data")
    if not 0 <= index < len(data):
        detail = f"index {index} is out of range: $.data holds {len(data)} footprint(s)"
        raise MalformedError(detail, json_path="$.data")
    item = data[index]
    if not isinstance(item, dict):
        raise MalformedError(f"$.data[{index}] must be a JSON object, got {_kind(item)}", json_path=f"$.data[{index}]")
    return item, f"$.data[{index}]", len(data)


def _nine_spec_version(fp: dict[str, Any]) -> Any:
    scope = fp.get("scopeOfPcfForm")
    if isinstance(scope, list) and scope and isinstance(scope[0], dict):
        return scope[0].get("specVersion")
    return None


def _detect(fp: dict[str, Any], base: str) -> str:
    if any(key in fp for key in _NINE_LAYOUT):
        spec = _nine_spec_version(fp)
        if spec is not None:
            found = _CX_VERSION.fullmatch(spec) if isinstance(spec, str) else None
            if not found or found.group(1) != "9":
                raise MalformedError(
                    f"the record has the Catena-X 9.0.0 grouped layout but specVersion is {spec!r}",
                    json_path=f"{base}.scopeOfPcfForm[0].specVersion",
                )
        return "pcf-9"
    path = f"{base}.specVersion"
    spec = fp.get("specVersion")
    if spec is None:
        guess = _guess(fp)
        if guess is None:
            raise MalformedError(
                "unknown PCF format: no specVersion and the fields match none of Catena-X PCF 7/8/9 or PACT v2/v3",
                json_path=path,
            )
        return guess
    if isinstance(spec, list):
        urns = [item for item in spec if isinstance(item, str) and _CX_VERSION.fullmatch(item)]
        if len(urns) != 1:
            raise MalformedError(
                f"unknown PCF format: specVersion {spec!r} does not hold exactly one Catena-X PCF version URN",
                json_path=path,
            )
        spec = urns[0]
    if not isinstance(spec, str):
        raise MalformedError(f"specVersion must be a string or an array, got {_kind(spec)}", json_path=path)
    found = _CX_VERSION.fullmatch(spec)
    if found:
        major = found.group(1)
        if major == "9":
            raise MalformedError(
                "specVersion says Catena-X 9.0.0 but the record is flat (9.0.0 nests its fields in groups "
                "such as scopeOfPcfForm)",
                json_path=path,
            )
        if major in ("7", "8"):
            return f"pcf-{major}"
        detail = f"unsupported Catena-X PCF version {spec!r} (supported: 7.0.0, 8.0.0, 9.0.0)"
        raise MalformedError(detail, json_path=path)
    found = _PACT_VERSION.fullmatch(spec)
    if found and found.group(1) in ("2", "3"):
        return f"pact-{found.group(1)}"
    raise MalformedError(
        f"unknown PCF format: specVersion {spec!r} is neither a Catena-X PCF URN "
        f"({CX_SPEC_PREFIX}7.0.0 / 8.0.0 / 9.0.0) nor a PACT 2.x/3.x version",
        json_path=path,
    )


def _guess(fp: dict[str, Any]) -> str | None:
    """The format from field names alone (records without specVersion)."""
    pcf = fp.get("pcf")
    if not isinstance(pcf, dict):
        return None
    if "extWBCSD_pfStatus" in fp or any(key.startswith(("extWBCSD_", "extTFS_")) for key in pcf):
        return "pcf-7"
    if "pCfExcludingBiogenic" in pcf or "unitaryProductAmount" in pcf:
        return "pact-2"
    if "declaredUnitAmount" in pcf:
        if "dqi" in pcf or isinstance(pcf.get("declaredUnitAmount"), str):
            return "pact-3"
        if "dataQualityRating" in pcf or "retroOrProspectivePcfType" in fp or "distributionStageIncluded" in pcf:
            return "pcf-8"
    return None


def detect(record: dict[str, Any], *, index: int = 0) -> str:
    """The format of ``record``: one of :data:`FORMATS`.

    Decided by ``specVersion`` (Catena-X URN string or array, PACT ``"2.x.y"``/``"3.x.y"``)
    and by shape (the 9.0.0 groups); without a specVersion, by characteristic field names.
    A PACT response wrapper is looked through (``index`` picks from a list).
    Raises :class:`~bpvc.errors.MalformedError` for anything else.
    """
    fp, base, _ = _unwrap(record, index)
    return _detect(fp, base)


# --------------------------------------------------------------------------- shared pieces


def _pcf_object(fp: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    if "pcf" not in fp:
        raise ctx.fail("missing required object pcf", "pcf")
    pcf = fp["pcf"]
    if not isinstance(pcf, dict):
        raise ctx.fail(f"pcf must be an object, got {_kind(pcf)}", "pcf")
    return pcf


def _require(obj: dict[str, Any], key: str, rel: str, ctx: _Ctx) -> Any:
    if key not in obj or obj[key] is None:
        raise ctx.fail(f"missing required value {rel}", rel)
    return obj[key]


def _list_of(value: Any, rel: str, ctx: _Ctx) -> list[Any]:
    if not isinstance(value, list):
        raise ctx.fail(f"{rel} must be an array, got {_kind(value)}", rel)
    return value


def _spec_version(fp: dict[str, Any], out: dict[str, Any], ctx: _Ctx) -> None:
    if "specVersion" in fp:
        ctx.convert(f"specVersion {_show(fp['specVersion'])} -> [{CANONICAL_SPEC_VERSION!r}]")
    out["specVersion"] = [CANONICAL_SPEC_VERSION]


def _preceding_strings(fp: dict[str, Any], out: dict[str, Any], ctx: _Ctx) -> None:
    """PACT: precedingPfIds is a list of id strings; 8.0.0 wants [{"id": ...}]."""
    if "precedingPfIds" not in fp:
        return
    items = _list_of(fp["precedingPfIds"], "precedingPfIds", ctx)
    converted = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ctx.fail(f"precedingPfIds[{i}] must be an id string, got {_kind(item)}", f"precedingPfIds[{i}]")
        converted.append({"id": item})
    out["precedingPfIds"] = converted
    ctx.convert(f'precedingPfIds: {len(converted)} id string(s) -> objects {{"id": ...}}')


def _cpc(code: Any, rel: str, out: dict[str, Any], ctx: _Ctx) -> None:
    if not isinstance(code, str) or not code:
        raise ctx.fail(f"{rel} must be a non-empty string, got {_kind(code)}", rel)
    urn = CPC_URN_PREFIX + code
    existing = out.setdefault("productClassifications", [])
    if urn not in existing:
        existing.append(urn)
    ctx.convert(f"{rel} {code!r} -> productClassifications {urn!r}")


def _standards(values: Any, rel: str, ctx: _Ctx, *, item_key: str | None) -> list[str]:
    """Cross-sectoral standards as PACT v3 codes (the 8.0.0 array is free text)."""
    items = _list_of(values, rel, ctx)
    out: list[str] = []
    for i, item in enumerate(items):
        name = item.get(item_key) if item_key and isinstance(item, dict) else item
        if not isinstance(name, str):
            raise ctx.fail(f"{rel}[{i}] must be a standard name, got {_kind(item)}", f"{rel}[{i}]")
        code = _LEGACY_STANDARDS.get(name, name)
        if code != name:
            ctx.convert(f"{rel}[{i}] {name!r} -> crossSectoralStandards {code!r}")
        elif code not in _PACT3_STANDARDS:
            ctx.warn(f"{rel}[{i}] {name!r} is not a PACT v3 standard code; kept as written")
        if code not in out:
            out.append(code)
    return out


def _rule_names(
    values: Any, rel: str, ctx: _Ctx, *, operator: str, other: str, names: str, name: str | None
) -> list[str]:
    """Flatten product/sector rule sets ({operator, rule names}) into the 8.0.0 list of rule names."""
    items = _list_of(values, rel, ctx)
    out: list[str] = []
    dropped: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ctx.fail(f"{rel}[{i}] must be an object, got {_kind(item)}", f"{rel}[{i}]")
        rules = _list_of(_require(item, names, f"{rel}[{i}].{names}", ctx), f"{rel}[{i}].{names}", ctx)
        for j, rule in enumerate(rules):
            text = rule.get(name) if name and isinstance(rule, dict) else rule
            if not isinstance(text, str):
                where = f"{rel}[{i}].{names}[{j}]"
                raise ctx.fail(f"{where} must be a rule name, got {_kind(rule)}", where)
            if text not in out:
                out.append(text)
        for key in (operator, other):
            if key in item:
                dropped.append(f"{key} {item[key]!r}")
    ctx.convert(f"{rel}: rule sets flattened to the 8.0.0 list of rule names {out!r}")
    if dropped:
        ctx.warn(f"{rel}: {', '.join(dropped)} dropped (8.0.0 lists rule names only)")
    return out


def _factor_sources(values: Any, rel: str, ctx: _Ctx, *, pact: bool) -> list[str]:
    items = _list_of(values, rel, ctx)
    out: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ctx.fail(f"{rel}[{i}] must be an object, got {_kind(item)}", f"{rel}[{i}]")
        if pact:
            source_name = _require(item, "name", f"{rel}[{i}].name", ctx)
            version = item.get("version")
            text = f"{source_name} {version}" if version not in (None, "") else f"{source_name}"
        else:
            text = _require(item, "secondaryEmissionFactorSource", f"{rel}[{i}].secondaryEmissionFactorSource", ctx)
        if not isinstance(text, str):
            raise ctx.fail(f"{rel}[{i}] must name a source, got {_kind(item)}", f"{rel}[{i}]")
        out.append(text)
    how = "'name version'" if pact else "plain strings"
    ctx.convert(f"{rel}: objects -> {how} {out!r}")
    return out


def _earliest_factor(values: Any, rel: str, ctx: _Ctx) -> str:
    """8.0.0 holds one IPCC report; from a list take the earliest (the PACT v2 rule for one value)."""
    items = _list_of(values, rel, ctx)
    if not items or not all(isinstance(item, str) for item in items):
        raise ctx.fail(f"{rel} must be a non-empty array of strings like 'AR6'", rel)
    if len(items) == 1:
        ctx.convert(f"{rel} {items!r} -> ipccCharacterizationFactors {items[0]!r}")
        return str(items[0])
    numbered = [(int(item[2:]), item) for item in items if re.fullmatch(r"AR\d+", item)]
    chosen = str(min(numbered)[1] if len(numbered) == len(items) else items[0])
    ctx.convert(f"{rel} {items!r} -> ipccCharacterizationFactors {chosen!r}")
    ctx.warn(f"{rel} lists {items!r} but 8.0.0 holds one value; kept the earliest, {chosen!r}")
    return chosen


def _dqr(dq: Any, rel: str, ctx: _Ctx, *, strings: bool, limit: int | None, legacy: bool) -> dict[str, Any]:
    """dataQualityRating / dqi -> 8.0.0 dataQualityRating; ``limit`` = the source version's maximum."""
    if not isinstance(dq, dict):
        raise ctx.fail(f"{rel} must be an object, got {_kind(dq)}", rel)
    out: dict[str, Any] = {}
    names = _DQR_NAMES + (("completenessDQR", "reliabilityDQR") if legacy else ())
    for name in names:
        if name not in dq:
            continue
        value = dq[name]
        d = ctx.number(value, f"{rel}.{name}", strings=strings)
        if limit is not None and not 1 <= d <= limit:
            raise ctx.fail(
                f"{rel}.{name} {_fmt(d)} is outside the {ctx.source} range 1 to {limit} "
                f"(8.0.0 allows 1 to 5; the record must be re-issued, bpvc does not rescale ratings)",
                f"{rel}.{name}",
            )
        if name in _DQR_NAMES:
            out[name] = value if not isinstance(value, str) else _float(d)
            if isinstance(value, str):
                ctx.convert(f"{rel}.{name} {_show(value)} -> pcf.dataQualityRating.{name} {out[name]!r}")
    if "coveragePercent" in dq and limit is not None:
        d = ctx.number(dq["coveragePercent"], f"{rel}.coveragePercent", strings=strings)
        if not 0 <= d <= 100:
            raise ctx.fail(f"{rel}.coveragePercent {_fmt(d)} is outside 0 to 100", f"{rel}.coveragePercent")
    dropped = [name for name in dq if name not in _DQR_NAMES]
    if rel != "pcf.dataQualityRating":
        ctx.convert(f"{rel} -> pcf.dataQualityRating")
    if dropped:
        ctx.warn(f"{rel}: {', '.join(dropped)} dropped (8.0.0 rates technological, temporal and geographical only)")
    return out


def _post_check(record: dict[str, Any], ctx: _Ctx) -> None:
    """Warnings on the canonical record: what 8.0.0 still lacks, strings for numbers, cut-offs."""
    pcf = record.get("pcf") if isinstance(record.get("pcf"), dict) else None
    missing = [f"$.{key}" for key in _TOP_REQUIRED if key not in record]
    if pcf is not None:
        missing += [f"$.pcf.{key}" for key in _PCF_REQUIRED if key not in pcf]
    if missing:
        why = "" if ctx.source == "pcf-8" else " (the source has no equivalent; nothing was invented)"
        ctx.warn(f"fields Catena-X 8.0.0 requires are missing{why}: {', '.join(missing)}")
    if pcf is None:
        return
    strings = [f"$.pcf.{key} {pcf[key]!r}" for key in _PCF_NUMBERS if isinstance(pcf.get(key), str)]
    dq = pcf.get("dataQualityRating")
    if isinstance(dq, dict):
        strings += [f"$.pcf.dataQualityRating.{k} {v!r}" for k, v in dq.items() if isinstance(v, str)]
    if isinstance(record.get("version"), str):
        strings.append(f"$.version {record['version']!r}")
    if strings:
        ctx.warn(
            "Catena-X requires JSON numbers; these are strings and were NOT converted (the 8.0.0 schema "
            f"rejects them): {', '.join(strings)}"
        )
    if isinstance(dq, dict):
        for name, value in dq.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not 1 <= value <= 5:
                ctx.warn(f"pcf.dataQualityRating.{name} {value} is outside the 8.0.0 range 1 to 5")
    exempted = pcf.get("exemptedEmissionsPercent")
    if isinstance(exempted, (int, float)) and not isinstance(exempted, bool):
        if exempted > 10:
            ctx.warn(f"pcf.exemptedEmissionsPercent {exempted} exceeds the 8.0.0 maximum of 10")
        elif exempted > 3:
            ctx.warn(f"pcf.exemptedEmissionsPercent {exempted} is above the Catena-X rulebook cut-off of 3%")
    preceding = record.get("precedingPfIds")
    if isinstance(preceding, list) and any(isinstance(p, dict) and p.get("id") == record.get("id") for p in preceding):
        ctx.warn("precedingPfIds lists the record's own id (a footprint cannot precede itself)")


# --------------------------------------------------------------------------- per-unit fields

# A rule is (source key, kind, 8.0.0 key). Kinds: copy (as is, maybe renamed); number (JSON number or
# decimal string -> number); scaled (per ONE declared unit -> x amount: emissions, carbon contents, mass);
# split (scaled, then "emissions|removals" target chosen by sign); drop (target holds the reason).
_Rule = tuple[str, str, str]


def _apply_rules(
    pcf: dict[str, Any],
    rules: list[_Rule],
    out_pcf: dict[str, Any],
    ctx: _Ctx,
    *,
    amount: Decimal | None,
    strings: bool,
) -> set[str]:
    """Map pcf fields by rule; returns the source keys handled."""
    handled = set()
    for key, kind, target in rules:
        if key not in pcf:
            continue
        handled.add(key)
        value = pcf[key]
        rel = f"pcf.{key}"
        if kind == "drop":
            ctx.warn(f"{rel} {_show(value)} dropped: {target}")
            continue
        if kind == "copy":
            out_pcf[target] = copy.deepcopy(value)
            if target != key:
                ctx.convert(f"{rel} -> pcf.{target} (renamed)")
            continue
        if value is None:
            ctx.warn(f"{rel} is null; left out")
            continue
        d = ctx.number(value, rel, strings=strings)
        if kind == "number":
            result: Any = _float(d) if isinstance(value, str) else value
            out_pcf[target] = result
            if isinstance(value, str):
                ctx.convert(f"{rel} {_show(value)} -> {'' if target == key else f'pcf.{target} '}{result!r}")
            elif target != key:
                ctx.convert(f"{rel} -> pcf.{target} (renamed)")
            continue
        assert amount is not None, "scaled rules need the declared unit amount"
        scaled = _float(d * amount)
        if not math.isfinite(scaled):
            raise ctx.fail(f"{rel} {_show(value)} x {_fmt(amount)} is out of the range of a JSON number", rel)
        if kind == "split":
            positive, negative = target.split("|")
            target = positive if d >= 0 else negative
            note = f" (sign {'>= 0: emissions' if d >= 0 else '< 0: removals'}; 8.0.0 splits emissions and removals)"
        else:
            note = ""
        out_pcf[target] = scaled
        ctx.convert(f"{rel} {_show(value)} x {_fmt(amount)} -> pcf.{target} {scaled!r}{note}")
    return handled


def _declared_unit_v2(
    pcf: dict[str, Any], out_pcf: dict[str, Any], ctx: _Ctx, *, unit_key: str, strings: bool
) -> Decimal:
    unit = _require(pcf, unit_key, f"pcf.{unit_key}", ctx)
    if not isinstance(unit, str):
        raise ctx.fail(f"pcf.{unit_key} must be a unit name, got {_kind(unit)}", f"pcf.{unit_key}")
    raw = _require(pcf, "unitaryProductAmount", "pcf.unitaryProductAmount", ctx)
    amount = ctx.number(raw, "pcf.unitaryProductAmount", strings=strings)
    if amount <= 0:
        rel = "pcf.unitaryProductAmount"
        raise ctx.fail(f"{rel} must be greater than 0, got {_fmt(amount)}", rel)
    out_pcf["declaredUnitOfMeasurement"] = unit
    out_pcf["declaredUnitAmount"] = _float(amount)
    ctx.convert(
        f"declared unit: unitaryProductAmount {_fmt(amount)} {unit}; per-unit values x{_fmt(amount)} "
        f"-> per declaredUnitAmount {_fmt(amount)} {unit} (pcf.{unit_key} -> pcf.declaredUnitOfMeasurement, "
        f"pcf.unitaryProductAmount {_show(raw)} -> pcf.declaredUnitAmount {_float(amount)!r}; emissions, carbon "
        "contents and productMassPerDeclaredUnit rescaled, percentages and ratings unchanged)"
    )
    return amount


def _copy_top(fp: dict[str, Any], out: dict[str, Any], names: dict[str, str], ctx: _Ctx) -> set[str]:
    handled = set()
    for key, target in names.items():
        if key in fp:
            handled.add(key)
            out[target] = copy.deepcopy(fp[key])
            if target != key:
                ctx.convert(f"{key} -> {target} (renamed)")
    return handled


def _drop_rest(obj: dict[str, Any], handled: set[str], prefix: str, ctx: _Ctx) -> None:
    for key in obj:
        if key not in handled:
            ctx.warn(f"{prefix}{key} {_show(obj[key], 200)} has no Catena-X 8.0.0 field; dropped")


def _require_pcf_values(pcf: dict[str, Any], ctx: _Ctx, *names: str) -> None:
    for name in names:
        _require(pcf, name, f"pcf.{name}", ctx)


def _check_exempted(pcf: dict[str, Any], ctx: _Ctx, *, strings: bool, limit: int) -> None:
    if "exemptedEmissionsPercent" not in pcf:
        return
    d = ctx.number(pcf["exemptedEmissionsPercent"], "pcf.exemptedEmissionsPercent", strings=strings)
    if not 0 <= d <= limit:
        raise ctx.fail(
            f"pcf.exemptedEmissionsPercent {_fmt(d)} is outside the {ctx.source} range 0 to {limit} "
            "(8.0.0 allows up to 10, but a record is not re-versioned silently; re-issue it as 8.0.0)",
            "pcf.exemptedEmissionsPercent",
        )


# --------------------------------------------------------------------------- Catena-X 7.0.0

_CX7_TOP = {
    "id": "id",
    "partialFullPcf": "partialFullPcf",
    "precedingPfIds": "precedingPfIds",
    "version": "version",
    "created": "created",
    "extWBCSD_pfStatus": "status",
    "validityPeriodStart": "validityPeriodStart",
    "validityPeriodEnd": "validityPeriodEnd",
    "comment": "comment",
    "companyName": "companyName",
    "companyIds": "companyIds",
    "productDescription": "productDescription",
    "productIds": "productIds",
    "productName": "productNameCompany",
    "pcfLegalStatement": "pcfLegalStatement",
}
_CX7_PCF: list[_Rule] = [
    ("productMassPerDeclaredUnit", "scaled", "productMassPerDeclaredUnit"),
    ("exemptedEmissionsPercent", "number", "exemptedEmissionsPercent"),
    ("exemptedEmissionsDescription", "copy", "exemptedEmissionsDescription"),
    ("boundaryProcessesDescription", "copy", "boundaryProcessesDescription"),
    ("geographyCountrySubdivision", "copy", "geographyCountrySubdivision"),
    ("geographyCountry", "copy", "geographyCountry"),
    ("geographyRegionOrSubregion", "copy", "geographyRegionOrSubregion"),
    ("referencePeriodStart", "copy", "referencePeriodStart"),
    ("referencePeriodEnd", "copy", "referencePeriodEnd"),
    ("extWBCSD_characterizationFactors", "copy", "ipccCharacterizationFactors"),
    ("extWBCSD_allocationRulesDescription", "copy", "allocationRulesDescription"),
    ("extTFS_allocationWasteIncineration", "copy", "allocationWasteIncineration"),
    ("primaryDataShare", "number", "primaryDataShare"),
    ("extWBCSD_packagingEmissionsIncluded", "copy", "packagingEmissionsIncluded"),
    ("pcfExcludingBiogenic", "scaled", "pcfExcludingBiogenicUptake"),
    ("pcfIncludingBiogenic", "scaled", "pcfIncludingBiogenicUptake"),
    ("fossilGhgEmissions", "scaled", "fossilGhgEmissions"),
    ("biogenicCarbonEmissionsOtherThanCO2", "scaled", "biogenicNonCO2Emissions"),
    ("biogenicCarbonWithdrawal", "scaled", "biogenicCO2Uptake"),
    ("dlucGhgEmissions", "scaled", "landUseChangeGhgEmissions"),
    ("extTFS_luGhgEmissions", "split", "landManagementBiogenicCO2Emissions|landManagementBiogenicCO2Removals"),
    ("aircraftGhgEmissions", "scaled", "aircraftGhgEmissions"),
    ("extWBCSD_packagingGhgEmissions", "scaled", "packagingPcfExcludingBiogenicUptake"),
    ("distributionStagePcfExcludingBiogenic", "scaled", "distributionStagePcfExcludingBiogenicUptake"),
    ("distributionStagePcfIncludingBiogenic", "scaled", "distributionStagePcfIncludingBiogenicUptake"),
    ("distributionStageFossilGhgEmissions", "scaled", "distributionStageFossilGhgEmissions"),
    ("distributionStageBiogenicCarbonEmissionsOtherThanCO2", "scaled", "distributionStageBiogenicNonCO2Emissions"),
    ("distributionStageBiogenicCarbonWithdrawal", "scaled", "distributionStageBiogenicCO2Uptake"),
    ("extTFS_distributionStageDlucGhgEmissions", "scaled", "distributionStageLandUseChangeGhgEmissions"),
    (
        "extTFS_distributionStageLuGhgEmissions",
        "split",
        "distributionStageLandManagementBiogenicCO2Emissions|distributionStageLandManagementBiogenicCO2Removals",
    ),
    ("distributionStageAircraftGhgEmissions", "scaled", "distributionStageAircraftGhgEmissions"),
    ("carbonContentTotal", "scaled", "carbonContentTotal"),
    ("extWBCSD_fossilCarbonContent", "scaled", "fossilCarbonContent"),
    ("carbonContentBiogenic", "scaled", "biogenicCarbonContent"),
]


def _from_cx7(fp: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    pcf = _pcf_object(fp, ctx)
    out: dict[str, Any] = {}
    _spec_version(fp, out, ctx)
    handled = {"specVersion", "pcf"} | _copy_top(fp, out, _CX7_TOP, ctx)
    if "extWBCSD_productCodeCpc" in fp:
        handled.add("extWBCSD_productCodeCpc")
        _cpc(fp["extWBCSD_productCodeCpc"], "extWBCSD_productCodeCpc", out, ctx)
    _drop_rest(fp, handled, "", ctx)

    _require_pcf_values(pcf, ctx, "pcfExcludingBiogenic")
    _check_exempted(pcf, ctx, strings=False, limit=5)
    out_pcf: dict[str, Any] = {}
    amount = _declared_unit_v2(pcf, out_pcf, ctx, unit_key="declaredUnit", strings=False)
    done = {"declaredUnit", "unitaryProductAmount"}
    done |= _apply_rules(pcf, _CX7_PCF, out_pcf, ctx, amount=amount, strings=False)
    if "crossSectoralStandardsUsed" in pcf:
        done.add("crossSectoralStandardsUsed")
        out_pcf["crossSectoralStandards"] = _standards(
            pcf["crossSectoralStandardsUsed"], "pcf.crossSectoralStandardsUsed", ctx, item_key="crossSectoralStandard"
        )
        ctx.convert("pcf.crossSectoralStandardsUsed [{crossSectoralStandard}] -> pcf.crossSectoralStandards [string]")
    if "productOrSectorSpecificRules" in pcf:
        done.add("productOrSectorSpecificRules")
        out_pcf["productOrSectorSpecificRules"] = _rule_names(
            pcf["productOrSectorSpecificRules"],
            "pcf.productOrSectorSpecificRules",
            ctx,
            operator="extWBCSD_operator",
            other="extWBCSD_otherOperatorName",
            names="productOrSectorSpecificRules",
            name="ruleName",
        )
    if "secondaryEmissionFactorSources" in pcf:
        done.add("secondaryEmissionFactorSources")
        out_pcf["secondaryEmissionFactorSources"] = _factor_sources(
            pcf["secondaryEmissionFactorSources"], "pcf.secondaryEmissionFactorSources", ctx, pact=False
        )
    if "dataQualityRating" in pcf:
        done.add("dataQualityRating")
        out_pcf["dataQualityRating"] = _dqr(
            pcf["dataQualityRating"], "pcf.dataQualityRating", ctx, strings=False, limit=3, legacy=True
        )
    _drop_rest(pcf, done, "pcf.", ctx)
    out["pcf"] = _ordered(out_pcf, _PCF_ORDER)
    return out


# --------------------------------------------------------------------------- PACT v2

_PACT2_TOP = {
    "id": "id",
    "version": "version",
    "created": "created",
    "status": "status",
    "validityPeriodStart": "validityPeriodStart",
    "validityPeriodEnd": "validityPeriodEnd",
    "companyName": "companyName",
    "companyIds": "companyIds",
    "productDescription": "productDescription",
    "productIds": "productIds",
    "productClassifications": "productClassifications",
    "productNameCompany": "productNameCompany",
    "comment": "comment",
}
_PACT2_PCF: list[_Rule] = [
    ("productMassPerDeclaredUnit", "scaled", "productMassPerDeclaredUnit"),
    ("pCfExcludingBiogenic", "scaled", "pcfExcludingBiogenicUptake"),
    ("pCfIncludingBiogenic", "scaled", "pcfIncludingBiogenicUptake"),
    ("fossilGhgEmissions", "scaled", "fossilGhgEmissions"),
    ("fossilCarbonContent", "scaled", "fossilCarbonContent"),
    ("biogenicCarbonContent", "scaled", "biogenicCarbonContent"),
    ("dLucGhgEmissions", "scaled", "landUseChangeGhgEmissions"),
    ("landManagementGhgEmissions", "split", "landManagementBiogenicCO2Emissions|landManagementBiogenicCO2Removals"),
    ("otherBiogenicGhgEmissions", "scaled", "biogenicNonCO2Emissions"),
    ("iLucGhgEmissions", "drop", "indirect land use change has no 8.0.0 field"),
    ("biogenicCarbonWithdrawal", "scaled", "biogenicCO2Uptake"),
    ("aircraftGhgEmissions", "scaled", "aircraftGhgEmissions"),
    ("packagingGhgEmissions", "scaled", "packagingPcfExcludingBiogenicUptake"),
    ("biogenicAccountingMethodology", "drop", "no 8.0.0 field"),
    ("boundaryProcessesDescription", "copy", "boundaryProcessesDescription"),
    ("referencePeriodStart", "copy", "referencePeriodStart"),
    ("referencePeriodEnd", "copy", "referencePeriodEnd"),
    ("geographyCountrySubdivision", "copy", "geographyCountrySubdivision"),
    ("geographyCountry", "copy", "geographyCountry"),
    ("geographyRegionOrSubregion", "copy", "geographyRegionOrSubregion"),
    ("exemptedEmissionsPercent", "number", "exemptedEmissionsPercent"),
    ("exemptedEmissionsDescription", "copy", "exemptedEmissionsDescription"),
    ("packagingEmissionsIncluded", "copy", "packagingEmissionsIncluded"),
    ("allocationRulesDescription", "copy", "allocationRulesDescription"),
    ("uncertaintyAssessmentDescription", "drop", "no 8.0.0 field"),
    ("primaryDataShare", "number", "primaryDataShare"),
    ("assurance", "drop", "8.0.0 attestationOfConformance needs a type, standard and id that PACT v2 does not give"),
]


def _pact_ipcc(pcf: dict[str, Any], out_pcf: dict[str, Any], ctx: _Ctx) -> set[str]:
    done = set()
    chosen = None
    if "ipccCharacterizationFactorsSources" in pcf:
        done.add("ipccCharacterizationFactorsSources")
        rel = "pcf.ipccCharacterizationFactorsSources"
        chosen = _earliest_factor(pcf["ipccCharacterizationFactorsSources"], rel, ctx)
    if "ipccCharacterizationFactors" in pcf:  # v3 name
        done.add("ipccCharacterizationFactors")
        chosen = _earliest_factor(pcf["ipccCharacterizationFactors"], "pcf.ipccCharacterizationFactors", ctx)
    if "characterizationFactors" in pcf:  # deprecated single value
        done.add("characterizationFactors")
        legacy = pcf["characterizationFactors"]
        if chosen is None:
            if not isinstance(legacy, str):
                rel = "pcf.characterizationFactors"
                raise ctx.fail(f"{rel} must be a string, got {_kind(legacy)}", rel)
            chosen = legacy
            ctx.convert("pcf.characterizationFactors -> pcf.ipccCharacterizationFactors (renamed)")
        elif legacy != chosen:
            ctx.warn(f"pcf.characterizationFactors {legacy!r} (deprecated) disagrees with the list; used {chosen!r}")
    if chosen is not None:
        out_pcf["ipccCharacterizationFactors"] = chosen
    return done


def _pact_lists(pcf: dict[str, Any], out_pcf: dict[str, Any], ctx: _Ctx) -> set[str]:
    """crossSectoralStandards(Used), productOrSectorSpecificRules, secondaryEmissionFactorSources."""
    done = set()
    if "crossSectoralStandards" in pcf:
        done.add("crossSectoralStandards")
        out_pcf["crossSectoralStandards"] = _standards(
            pcf["crossSectoralStandards"], "pcf.crossSectoralStandards", ctx, item_key=None
        )
    if "crossSectoralStandardsUsed" in pcf:
        done.add("crossSectoralStandardsUsed")
        if "crossSectoralStandards" in pcf:
            ctx.warn("pcf.crossSectoralStandardsUsed (deprecated) ignored: pcf.crossSectoralStandards is present")
        else:
            out_pcf["crossSectoralStandards"] = _standards(
                pcf["crossSectoralStandardsUsed"], "pcf.crossSectoralStandardsUsed", ctx, item_key=None
            )
            ctx.convert("pcf.crossSectoralStandardsUsed -> pcf.crossSectoralStandards")
    if "productOrSectorSpecificRules" in pcf:
        done.add("productOrSectorSpecificRules")
        out_pcf["productOrSectorSpecificRules"] = _rule_names(
            pcf["productOrSectorSpecificRules"],
            "pcf.productOrSectorSpecificRules",
            ctx,
            operator="operator",
            other="otherOperatorName",
            names="ruleNames",
            name=None,
        )
    if "secondaryEmissionFactorSources" in pcf:
        done.add("secondaryEmissionFactorSources")
        out_pcf["secondaryEmissionFactorSources"] = _factor_sources(
            pcf["secondaryEmissionFactorSources"], "pcf.secondaryEmissionFactorSources", ctx, pact=True
        )
    return done


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_PACT_TIMESTAMPS = ("created", "updated", "validityPeriodStart", "validityPeriodEnd")
_PACT_PCF_TIMESTAMPS = ("referencePeriodStart", "referencePeriodEnd")


def _pact_timestamps(fp: dict[str, Any], pcf: dict[str, Any], ctx: _Ctx) -> None:
    """PACT timestamps are RFC 3339 date-times; checked before anything is dropped or moved."""
    for obj, names, prefix in ((fp, _PACT_TIMESTAMPS, ""), (pcf, _PACT_PCF_TIMESTAMPS, "pcf.")):
        for name in names:
            value = obj.get(name)
            if value is None:
                continue
            valid = isinstance(value, str) and _RFC3339.fullmatch(value) is not None
            if valid:
                try:
                    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
                except ValueError:
                    valid = False
            if not valid:
                ctx.error(f"{prefix}{name} {value!r} is not an RFC 3339 date-time", f"{prefix}{name}")


def _pact_top(fp: dict[str, Any], out: dict[str, Any], ctx: _Ctx) -> set[str]:
    pcf = fp.get("pcf")
    _pact_timestamps(fp, pcf if isinstance(pcf, dict) else {}, ctx)
    handled = {"specVersion", "pcf"} | _copy_top(fp, out, _PACT2_TOP, ctx)
    if "precedingPfIds" in fp:
        handled.add("precedingPfIds")
        _preceding_strings(fp, out, ctx)
    if "productCategoryCpc" in fp:
        handled.add("productCategoryCpc")
        _cpc(fp["productCategoryCpc"], "productCategoryCpc", out, ctx)
    return handled


def _from_pact2(fp: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    pcf = _pcf_object(fp, ctx)
    out: dict[str, Any] = {}
    _spec_version(fp, out, ctx)
    _drop_rest(fp, _pact_top(fp, out, ctx), "", ctx)

    _require_pcf_values(pcf, ctx, "pCfExcludingBiogenic")
    _check_exempted(pcf, ctx, strings=True, limit=5)
    out_pcf: dict[str, Any] = {}
    amount = _declared_unit_v2(pcf, out_pcf, ctx, unit_key="declaredUnit", strings=True)
    done = {"declaredUnit", "unitaryProductAmount"}
    done |= _apply_rules(pcf, _PACT2_PCF, out_pcf, ctx, amount=amount, strings=True)
    done |= _pact_ipcc(pcf, out_pcf, ctx)
    done |= _pact_lists(pcf, out_pcf, ctx)
    if "dqi" in pcf:
        done.add("dqi")
        out_pcf["dataQualityRating"] = _dqr(pcf["dqi"], "pcf.dqi", ctx, strings=True, limit=3, legacy=True)
    _drop_rest(pcf, done, "pcf.", ctx)
    out["pcf"] = _ordered(out_pcf, _PCF_ORDER)
    return out


# --------------------------------------------------------------------------- PACT v3

_PACT3_PCF: list[_Rule] = [
    ("declaredUnitOfMeasurement", "copy", "declaredUnitOfMeasurement"),
    ("declaredUnitAmount", "number", "declaredUnitAmount"),
    ("productMassPerDeclaredUnit", "number", "productMassPerDeclaredUnit"),
    ("referencePeriodStart", "copy", "referencePeriodStart"),
    ("referencePeriodEnd", "copy", "referencePeriodEnd"),
    ("geographyRegionOrSubregion", "copy", "geographyRegionOrSubregion"),
    ("geographyCountry", "copy", "geographyCountry"),
    ("geographyCountrySubdivision", "copy", "geographyCountrySubdivision"),
    ("boundaryProcessesDescription", "copy", "boundaryProcessesDescription"),
    ("pcfExcludingBiogenicUptake", "number", "pcfExcludingBiogenicUptake"),
    ("pcfIncludingBiogenicUptake", "number", "pcfIncludingBiogenicUptake"),
    ("fossilCarbonContent", "number", "fossilCarbonContent"),
    ("biogenicCarbonContent", "number", "biogenicCarbonContent"),
    ("recycledCarbonContent", "number", "recycledCarbonContent"),
    ("fossilGhgEmissions", "number", "fossilGhgEmissions"),
    ("landUseChangeGhgEmissions", "number", "landUseChangeGhgEmissions"),
    ("landCarbonLeakage", "drop", "no 8.0.0 field"),
    ("landManagementFossilGhgEmissions", "drop", "no 8.0.0 field (already part of fossilGhgEmissions)"),
    ("landManagementBiogenicCO2Emissions", "number", "landManagementBiogenicCO2Emissions"),
    ("landManagementBiogenicCO2Removals", "number", "landManagementBiogenicCO2Removals"),
    ("biogenicCO2Uptake", "number", "biogenicCO2Uptake"),
    ("biogenicNonCO2Emissions", "number", "biogenicNonCO2Emissions"),
    ("landAreaOccupation", "drop", "no 8.0.0 field"),
    ("aircraftGhgEmissions", "number", "aircraftGhgEmissions"),
    ("packagingEmissionsIncluded", "copy", "packagingEmissionsIncluded"),
    ("packagingGhgEmissions", "number", "packagingPcfExcludingBiogenicUptake"),
    ("packagingBiogenicCarbonContent", "number", "packagingBiogenicCarbonContent"),
    (
        "outboundLogisticsGhgEmissions",
        "drop",
        "no 8.0.0 field (reported outside the PCF; not the same as 8.0.0 distribution stage values)",
    ),
    ("ccsTechnologicalCO2Capture", "drop", "no 8.0.0 field"),
    ("technologicalCO2CaptureOrigin", "drop", "no 8.0.0 field"),
    ("technologicalCO2Removals", "drop", "no 8.0.0 field"),
    ("ccuCarbonContent", "drop", "no 8.0.0 field"),
    ("ccuCalculationApproach", "drop", "no 8.0.0 field"),
    ("ccuCreditCertification", "drop", "no 8.0.0 field"),
    ("biogenicAccountingMethodology", "drop", "no 8.0.0 field"),
    ("exemptedEmissionsPercent", "number", "exemptedEmissionsPercent"),
    ("exemptedEmissionsDescription", "copy", "exemptedEmissionsDescription"),
    ("allocationRulesDescription", "copy", "allocationRulesDescription"),
    ("primaryDataShare", "number", "primaryDataShare"),
    ("verification", "drop", "8.0.0 attestationOfConformance needs a type, standard and id that PACT v3 does not give"),
    ("otherOperatorName", "drop", "outside productOrSectorSpecificRules; 8.0.0 lists rule names only"),
]


def _from_pact3(fp: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    pcf = _pcf_object(fp, ctx)
    out: dict[str, Any] = {}
    _spec_version(fp, out, ctx)
    handled = _pact_top(fp, out, ctx)
    if "version" not in fp:
        out["version"] = 0
        ctx.convert("version: none in PACT v3 (lifecycle by id and precedingPfIds) -> 0 (Catena-X 8.0.0 technical)")
    _drop_rest(fp, handled, "", ctx)

    _require_pcf_values(pcf, ctx, "declaredUnitOfMeasurement", "declaredUnitAmount", "pcfExcludingBiogenicUptake")
    numbers = [key for key, kind, _ in _PACT3_PCF if kind == "number" and key in pcf]
    as_numbers = [f"pcf.{key}" for key in numbers if not isinstance(pcf[key], str) and pcf[key] is not None]
    out_pcf: dict[str, Any] = {}
    done = _apply_rules(pcf, _PACT3_PCF, out_pcf, ctx, amount=None, strings=True)
    if out_pcf["declaredUnitAmount"] <= 0:
        rel = "pcf.declaredUnitAmount"
        raise ctx.fail(f"{rel} must be greater than 0, got {pcf['declaredUnitAmount']!r}", rel)
    if "ccsTechnologicalCO2CaptureIncluded" in pcf:
        done.add("ccsTechnologicalCO2CaptureIncluded")
        out["ccsTechnologicalCO2CaptureIncluded"] = pcf["ccsTechnologicalCO2CaptureIncluded"]
        ctx.convert("pcf.ccsTechnologicalCO2CaptureIncluded -> ccsTechnologicalCO2CaptureIncluded (top level in 8.0.0)")
    if "packagingGhgEmissions" in pcf and pcf.get("packagingEmissionsIncluded") is not True:
        ctx.error(
            "pcf.packagingGhgEmissions is set but pcf.packagingEmissionsIncluded is not true (PACT v3 "
            "requires it to be true when packaging emissions are given)",
            "pcf.packagingEmissionsIncluded",
        )
    done |= _pact_ipcc(pcf, out_pcf, ctx)
    done |= _pact_lists(pcf, out_pcf, ctx)
    if "dqi" in pcf:
        done.add("dqi")
        out_pcf["dataQualityRating"] = _dqr(pcf["dqi"], "pcf.dqi", ctx, strings=True, limit=None, legacy=False)
        dq = pcf["dqi"]
        as_numbers += [f"pcf.dqi.{k}" for k in _DQR_NAMES if k in dq and not isinstance(dq[k], str)]
    if as_numbers:
        ctx.warn(f"PACT v3 encodes decimals as strings; accepted JSON numbers as they are: {', '.join(as_numbers)}")
    _drop_rest(pcf, done, "pcf.", ctx)
    out["pcf"] = _ordered(out_pcf, _PCF_ORDER)
    return out


# --------------------------------------------------------------------------- Catena-X 9.0.0


def _from_cx9(fp: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    top: dict[str, Any] = {}
    pcf: dict[str, Any] = {}
    dqr: dict[str, Any] = {}
    origin: dict[str, str] = {}
    targets = {_TOP: top, _PCF: pcf, _DQR: dqr}

    def walk(node: dict[str, Any], layout: dict[str, Any], rel: str) -> None:
        moved: list[str] = []
        for key, spec in layout.items():
            if key not in node:
                continue
            value = node[key]
            here = f"{rel}.{key}" if rel else key
            if isinstance(spec, dict):
                if not isinstance(value, list):
                    raise ctx.fail(f"{here} must be an array holding one object, got {_kind(value)}", here)
                if not value:
                    ctx.warn(f"{here} is an empty group; nothing to take from it")
                    continue
                if len(value) > 1:
                    raise ctx.fail(f"{here} holds {len(value)} objects; 8.0.0 has room for one", here)
                if not isinstance(value[0], dict):
                    raise ctx.fail(f"{here}[0] must be an object, got {_kind(value[0])}", f"{here}[0]")
                walk(value[0], spec, f"{here}[0]")
                continue
            target = targets[spec]
            shown = {_TOP: key, _PCF: f"pcf.{key}", _DQR: f"pcf.dataQualityRating.{key}"}[spec]
            if key in target:
                if target[key] == value:
                    ctx.convert(f"{here} repeats {origin[key]} with the same value; merged into {shown}")
                else:
                    ctx.warn(
                        f"{here} {_show(value)} differs from {origin[key]} {_show(target[key])}; "
                        f"{shown} keeps the value from {origin[key]}"
                    )
                continue
            target[key] = copy.deepcopy(value)
            origin[key] = here
            moved.append(shown)
        if moved:
            ctx.convert(f"ungrouped {rel}: {', '.join(moved)}")
        known = set(layout) if rel else set(layout) | set(_NINE_LISTS)
        _drop_rest(node, known, f"{rel}." if rel else "", ctx)

    walk(fp, _NINE_LAYOUT, "")
    for key in _NINE_LISTS:
        if key in fp:
            top[key] = copy.deepcopy(fp[key])

    for leaf in ("declaredUnitOfMeasurement", "declaredUnitAmount", "pcfExcludingBiogenicUptake"):
        if leaf not in pcf:
            rel = _NINE_HOME[leaf].lstrip(".")
            raise ctx.fail(f"missing required value {rel}", rel)

    spec = top.pop("specVersion", None)
    top["specVersion"] = [CANONICAL_SPEC_VERSION]
    ctx.convert(f"specVersion {_show(spec)} -> [{CANONICAL_SPEC_VERSION!r}]")
    if top.get("retroOrProspectivePcfType") == CX9_RETROSPECTIVE:
        top["retroOrProspectivePcfType"] = CX8_RETROSPECTIVE
        ctx.convert(f"retroOrProspectivePcfType {CX9_RETROSPECTIVE!r} -> {CX8_RETROSPECTIVE!r}")
        ctx.warn(
            f"retroOrProspectivePcfType: 8.0.0 has no value {CX9_RETROSPECTIVE!r}; its enum joins it with the next "
            f"value into {CX8_RETROSPECTIVE!r} (an 8.0.0 model quirk fixed in 9.0.0), which is the only 8.0.0 "
            "spelling of a retrospective PCF"
        )
    if "precedingPfIds" in top:
        _preceding_nine(top, ctx)
    if dqr:
        pcf["dataQualityRating"] = {key: dqr[key] for key in _DQR_NAMES if key in dqr}
    top["pcf"] = _ordered(pcf, _PCF_ORDER)
    return top


def _preceding_nine(top: dict[str, Any], ctx: _Ctx) -> None:
    """9.0.0 defines PrecedingPfId with no properties, so its samples carry ``[{}]``."""
    rel = "pcfAssessmentAndMethodology[0].pcfAssessmentInformation[0].idAndVersion[0].precedingPfIds"
    items = _list_of(top["precedingPfIds"], rel, ctx)
    kept: list[dict[str, Any]] = []
    empty = 0
    for i, item in enumerate(items):
        if isinstance(item, str):
            kept.append({"id": item})
            ctx.convert(f'{rel}[{i}] id string -> {{"id": {item!r}}}')
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            kept.append(dict(item))
        elif isinstance(item, dict) and not item:
            empty += 1
        else:
            raise ctx.fail(f"{rel}[{i}] must be an object with an id, got {_kind(item)}", f"{rel}[{i}]")
    if empty:
        ctx.warn(
            f"{rel}: {empty} empty entr{'y' if empty == 1 else 'ies'} {{}} dropped (the 9.0.0 model gives "
            "PrecedingPfId no properties, so no predecessor id is recorded)"
        )
    if kept:
        top["precedingPfIds"] = kept
    else:
        del top["precedingPfIds"]
        ctx.convert(f"{rel}: no ids left; precedingPfIds omitted (8.0.0 needs an id per entry)")


# --------------------------------------------------------------------------- entry point

_CONVERTERS: dict[str, Callable[[dict[str, Any], _Ctx], dict[str, Any]]] = {
    "pcf-7": _from_cx7,
    "pcf-9": _from_cx9,
    "pact-2": _from_pact2,
    "pact-3": _from_pact3,
}


def normalize(record: dict[str, Any], source: str | None = None, *, index: int = 0) -> ImportResult:
    """Convert ``record`` to the canonical Catena-X PCF 8.0.0 document.

    ``source`` forces the input format (one of :data:`FORMATS`); by default it is detected.
    ``index`` picks the footprint from a PACT response whose ``data`` is a list.
    A ``pcf-8`` record is returned as a deep copy, unchanged and with no conversions.
    Raises :class:`~bpvc.errors.MalformedError` (with ``json_path``) for malformed input.
    """
    fp, base, count = _unwrap(record, index)
    if source is None:
        source = _detect(fp, base)
        detected: str | None = source
    else:
        if source not in FORMATS:
            raise MalformedError(f"unknown source format {source!r}; expected one of {', '.join(FORMATS)}")
        try:
            detected = _detect(fp, base)
        except MalformedError:
            detected = None
    ctx = _Ctx(source, base)
    if detected is not None and detected != source:
        ctx.warn(f"the record looks like {detected} but was imported as {source}, as requested")
    if count:
        ctx.convert(f"PACT response wrapper: imported the footprint at {base}")
        if count > 1:
            ctx.warn(f"the response holds {count} footprints; imported {base} only (pass index= for the others)")
    if source != "pcf-9" and "specVersion" not in fp:
        ctx.warn("no specVersion; the format was inferred from field names")
    if source == "pcf-8":
        out = copy.deepcopy(fp)
    else:
        try:
            out = _CONVERTERS[source](fp, ctx)
        except MalformedError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, InvalidOperation) as exc:
            detail = f"{source}: the record could not be read as {source}: {exc!r}"
            raise MalformedError(detail, json_path=base) from None
        out = _ordered(out, _TOP_ORDER)
    _post_check(out, ctx)
    return ImportResult(
        record=out, source=source, conversions=ctx.conversions, warnings=ctx.warnings, errors=ctx.errors
    )
