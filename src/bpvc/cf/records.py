"""Records derived from a result: Catena-X PCF 8.0.0 and 9.0.0, the BatteryPass ``carbonFootprint``
section, and the Catena-X ``pcf_for_battery_component_supplier`` 1.0.0 record for cells and modules.

Each is built from the rounded figures the declaration publishes, and each is checked against
bpvc's own rules for its model before anything is signed: the PCF record against the strict
PCF 8.0.0 schema and domain checks, the BatteryPass entries against the 6.1.0 ``Footprint``
definition and the passport's stage-sum check, the component record against that model's
checks. A record that fails is a bug here, raised as :class:`DerivedRecordError`.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

from jsonschema import Draft202012Validator

from .. import dates
from ..errors import DerivedRecordError as DerivedRecordError
from ..records import component_pcf, footprint, passport, pcf_import
from ..schema import PASSPORT_6_1, default_registry
from .calculation import PRECISION
from .inventory import Inventory
from .profiles import STAGES
from .result import CfResult

CRADLE_TO_GATE = ("raw_material", "production")
PASSPORT_STAGE_NAMES = dict(zip(STAGES, passport.STAGES, strict=True))
COMPONENT_STAGES = dict(zip(STAGES, component_pcf.STAGES, strict=True))
RETROSPECTIVE_8 = pcf_import.CX8_RETROSPECTIVE
PROSPECTIVE_8 = "Prospective PCF without forerunner"


def _number(value: Decimal, decimals: int, result: CfResult) -> float | int:
    rounded = result.profile.rounding.quantize(value, decimals)
    return int(rounded) if rounded == rounded.to_integral_value() and decimals == 0 else float(rounded)


def _kg(value: Decimal, result: CfResult) -> float | int:
    return _number(value, result.profile.rounding.kg_decimals, result)


def _day_start(day: date) -> str:
    return dates.format_instant(datetime.combine(day, time(), UTC))


def _day_end(day: date) -> str:
    return dates.format_instant(datetime.combine(day, time(23, 59, 59), UTC))


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def factor_sources(inventory: Inventory) -> list[str]:
    """The background databases (or, without one, the sources) of the own lines' factors."""
    names: list[str] = []
    factors = [p.factor for p in inventory.processes] + [t.factor for t in inventory.transport]
    for process in inventory.processes:
        if process.electricity is not None:
            factors += [process.electricity.contractual, *process.electricity.grid.values()]
    for factor in factors:
        if factor is not None:
            names.append(factor.database or factor.source)
    return sorted(dict.fromkeys(names)) or ["none: only supplier footprints"]


def catena_x_pcf(result: CfResult, inventory: Inventory, *, pcf_id: str, created: str) -> dict[str, Any]:
    """The battery's cradle-to-gate PCF per piece as a Catena-X PCF 8.0.0 record."""
    doc = inventory.document
    declarant, product = doc["declarant"], doc["product"]
    plant = declarant["plant"]
    methodology = doc.get("methodology") or {}
    gate = result.cradle_to_gate
    quality = result.gate_quality
    rounding = result.profile.rounding
    start, end = inventory.reference_period
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "piece",
        "declaredUnitAmount": 1,
        "productMassPerDeclaredUnit": float(inventory.battery.mass_kg),
        "exemptedEmissionsPercent": _gate_cut_off_percent(result, inventory),
        "exemptedEmissionsDescription": "; ".join(f"{c.id}: {c.basis}" for c in inventory.cut_off)
        or "no flows excluded",
        "boundaryProcessesDescription": "Cradle to gate: raw material acquisition and pre-processing, and main "
        "product production, as inventoried (bpvc cf).",
        "geographyCountry": plant["country"],
        "geographyRegionOrSubregion": plant["region"],
        "referencePeriodStart": _day_start(start),
        "referencePeriodEnd": _day_end(end),
        "crossSectoralStandards": list(methodology.get("crossSectoralStandards") or ["ISO14067"]),
        "productOrSectorSpecificRules": [f"{result.profile.title} (bpvc profile {result.profile.label()})"],
        "ipccCharacterizationFactors": methodology.get("ipccCharacterizationFactors", "AR6"),
        "allocationRulesDescription": f"economic value ratio rule, threshold {result.profile.economic_ratio_threshold}",
        "allocationWasteIncineration": "cut-off",
        "secondaryEmissionFactorSources": factor_sources(inventory),
        "packagingEmissionsIncluded": False,
        "packagingPcfIncludingBiogenicUptake": 0,
        "pcfExcludingBiogenicUptake": _kg(gate.excluding, result),
        "pcfIncludingBiogenicUptake": _kg(gate.including, result),
        "biogenicCO2Uptake": _kg(gate.uptake, result),
        "massBalancingUsed": False,
        "freeAttributionInMassBalancing": "not applicable",
        "massBalancingCertificateScheme": "not applicable",
        "distributionStageIncluded": False,
    }
    carbon = inventory.section("battery").get("carbonContentKg")
    if isinstance(carbon, dict):
        pcf["carbonContentTotal"] = float(carbon["total"])
        pcf["fossilCarbonContent"] = float(carbon["fossil"])
        pcf["biogenicCarbonContent"] = float(carbon["biogenic"])
    if gate.fossil is not None:
        pcf["fossilGhgEmissions"] = _kg(gate.fossil, result)
    if quality.pds is not None:
        pcf["primaryDataShare"] = _number(quality.pds, rounding.percent_decimals, result)
    if quality.ter is not None and quality.tir is not None and quality.ger is not None:
        pcf["dataQualityRating"] = {
            "technologicalDQR": _number(quality.ter, rounding.dqr_decimals, result),
            "temporalDQR": _number(quality.tir, rounding.dqr_decimals, result),
            "geographicalDQR": _number(quality.ger, rounding.dqr_decimals, result),
        }
    if quality.verification_share is not None:
        pcf["productVerificationShare3rdParty"] = _number(quality.verification_share, rounding.percent_decimals, result)
    distribution = result.stages["distribution"]
    if any(line.stage == "distribution" for line in result.lines):
        pcf["distributionStageIncluded"] = True
        pcf["distributionStagePcfExcludingBiogenicUptake"] = _kg(distribution.excluding, result)
        pcf["distributionStagePcfIncludingBiogenicUptake"] = _kg(distribution.including, result)
        if distribution.fossil is not None:
            pcf["distributionStageFossilGhgEmissions"] = _kg(distribution.fossil, result)
    company_ids = [f"urn:bpn:id:{declarant['bpnl']}", *declarant.get("companyIds", [])]
    record: dict[str, Any] = {
        "id": pcf_id,
        "specVersion": [pcf_import.CANONICAL_SPEC_VERSION],
        "partialFullPcf": "Cradle-to-gate",
        "version": 0,
        "created": created,
        "status": "Active",
        "validityPeriodStart": _day_start(inventory.reference_date),
        "validityPeriodEnd": _day_end(_next_year(inventory.reference_date) - timedelta(days=1)),
        "companyName": declarant["companyName"],
        "companyIds": list(dict.fromkeys(company_ids)),
        "productIds": list(product["productIds"]),
        "productNameCompany": product["name"],
        "pcf": pcf,
        "retroOrProspectivePcfType": RETROSPECTIVE_8 if inventory.retrospective else PROSPECTIVE_8,
        "ccsTechnologicalCO2CaptureIncluded": False,
        "comment": f"Derived by bpvc cf from inventory {inventory.id} under {result.profile.label()}.",
    }
    if "description" in product:
        record["productDescription"] = product["description"]
    return record


def _gate_cut_off_percent(result: CfResult, inventory: Inventory) -> float:
    """The excluded share of the cradle-to-gate footprint: cut-off estimates and excluded inputs of those stages."""
    excluded = sum((c.estimated_kg for c in inventory.cut_off if c.stage in CRADLE_TO_GATE), Decimal(0))
    excluded += sum(
        (abs(line.lead) for line in result.lines if line.excluded and line.stage in CRADLE_TO_GATE), Decimal(0)
    )
    total = result.cradle_to_gate.lead(result.profile.lead_indicator) + excluded
    if excluded == 0 or total <= 0:
        return 0.0
    with localcontext(PRECISION):
        share = excluded / total * 100
    return float(result.profile.rounding.quantize(share, result.profile.rounding.percent_decimals))


def catena_x_pcf_9(record: dict[str, Any]) -> dict[str, Any]:
    """The same record in the Catena-X PCF 9.0.0 layout (every group an array of one object).

    Built from the layout bpvc's importer reads (``pcf_import._NINE_LAYOUT``), so importing it
    back gives the 8.0.0 record: a test holds the two to that.
    """
    top = {k: v for k, v in record.items() if k != "pcf"}
    top["specVersion"] = "urn:io.catenax.pcf:datamodel:version:9.0.0"
    if top.get("retroOrProspectivePcfType") == pcf_import.CX8_RETROSPECTIVE:
        top["retroOrProspectivePcfType"] = pcf_import.CX9_RETROSPECTIVE
    pcf = record["pcf"]
    dqr = pcf.get("dataQualityRating", {})
    sources = {"top": top, "pcf": pcf, "dqr": dqr}
    placed: set[tuple[str, str]] = set()

    def build(layout: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, spec in layout.items():
            if isinstance(spec, dict):
                inner = build(spec)
                if inner:
                    out[key] = [inner]
            elif key in sources[spec] and (spec, key) not in placed:
                placed.add((spec, key))
                out[key] = copy.deepcopy(sources[spec][key])
        return out

    nine = build(pcf_import._NINE_LAYOUT)
    nine.setdefault("carbonContent", [])  # a group 9.0.0 requires, even when the carbon content is not given
    for key in pcf_import._NINE_LISTS:
        if key in top:
            nine[key] = copy.deepcopy(top[key])
    return nine


def battery_pass_carbon_footprint(
    result: CfResult, inventory: Inventory, *, declaration_id: str
) -> list[dict[str, Any]]:
    """The BatteryPass 6.1.0 ``sustainability.carbonFootprint`` entries: the total and the four stages per kWh."""
    if not result.profile.per_kwh or result.declared_per_kwh is None:
        return []
    profile = result.profile
    decimals = profile.rounding.declared_value_decimals
    plant = inventory.document["declarant"]["plant"]
    source = profile.sources[0]
    rulebook = [
        {
            "header": f"Rules applied: bpvc profile {profile.label()}"[:100],
            "contentType": "text/plain",
            "content": f"{profile.title}. {source.document}: {source.section}",
        }
    ]
    links = inventory.section("links")
    declaration = [
        {
            "header": "Carbon footprint declaration credential (bpvc cf)",
            "contentType": "text/plain",
            "content": declaration_id,
        }
    ]
    if "declarationDocument" in links:
        declaration.append(
            {"header": "Carbon footprint declaration", "contentType": "URL", "content": links["declarationDocument"]}
        )
    if "publicStudy" in links:
        declaration.append(
            {"header": "Public carbon footprint study", "contentType": "URL", "content": links["publicStudy"]}
        )
    common = {
        "type": "Climate Change Total",
        "unit": "kg CO2e/kWh",
        "rulebook": rulebook,
        "declaration": declaration,
        "manufacturingPlant": [{"facility": plant["bpna"]}],
    }
    total = {
        "lifecycle": "total (all four life cycle stages, use stage excluded)",
        "value": _number(result.declared_per_kwh, decimals, result),
        **common,
    }
    if result.performance_class:
        total["performanceClass"] = result.performance_class
    entries = [total]
    for stage in STAGES:
        value = result.stage_per_kwh[stage]
        entries.append({"lifecycle": PASSPORT_STAGE_NAMES[stage], "value": _number(value, decimals, result), **common})
    return entries


def component_record(result: CfResult, inventory: Inventory) -> dict[str, Any] | None:
    """The pcf_for_battery_component_supplier 1.0.0 record, for cells and modules (None for packs or missing ids)."""
    battery = inventory.battery
    product = inventory.section("product")
    plant = inventory.section("declarant").get("plant", {})
    if battery.product_type == "pack" or not {"manufacturerPartId", "customerPartId"} <= set(product):
        return None
    if "bpns" not in plant:
        return None
    quality = result.quality
    rounding = result.profile.rounding
    shares: dict[str, Any] = {}
    lead = result.profile.lead_indicator
    total = Decimal(0)
    for stage in STAGES:
        value = rounding.quantize(result.stages[stage].lead(lead), rounding.kg_decimals)
        shares[COMPONENT_STAGES[stage]] = {"stageValue": float(value)}
        total += value
    shares[component_pcf.TOTAL] = {"stageValue": float(total)}
    shares["declaredUnit"] = "CO2KG/piece"
    worst = result.profile.missing_dqr
    ter, tir, ger = (quality.ter or worst), (quality.tir or worst), (quality.ger or worst)
    values: dict[str, Any] = {"sharesPerStage": shares}
    if result.performance_class:
        values["pcfPerformanceClass"] = result.performance_class
    links = inventory.section("links")
    if "publicStudy" in links:
        values["webLinkToCarbonFootPrintStudy"] = links["publicStudy"]
    start = inventory.reference_date
    return {
        "pcfValues": values,
        "manufacturerPartId": product["manufacturerPartId"],
        "customerPartId": product["customerPartId"],
        "siteIdentifier": plant["bpns"],
        "legalidentifier": inventory.section("declarant")["bpnl"],
        "validityPeriod": {"validFrom": _day_start(start), "validTo": _day_end(_next_year(start) - timedelta(days=1))},
        "primaryDataShare": _number(quality.pds or Decimal(0), rounding.percent_decimals, result),
        "technologicalRepresentativeness": _number(ter, rounding.dqr_decimals, result),
        "timerelatedRepresentativeness": _number(tir, rounding.dqr_decimals, result),
        "geographicalRepresentativeness": _number(ger, rounding.dqr_decimals, result),
        # the model gives no formula for the overall rating; bpvc takes the mean of the three
        "dataQualityRating": _number((ter + tir + ger) / 3, rounding.dqr_decimals, result),
        "secondaryEmissionFactorSources": factor_sources(inventory),
        "productQualityParameter": [
            f"chemistry: {battery.chemistry}; usable energy: {battery.usable_energy_kwh} kWh; product type: "
            f"{battery.product_type}"
        ],
        "contentC02Metals": ["not reported by bpvc cf"],
    }


# -- checks ----------------------------------------------------------------------------------------

_FOOTPRINT_VALIDATOR: Draft202012Validator | None = None


def _footprint_validator() -> Draft202012Validator:
    global _FOOTPRINT_VALIDATOR
    if _FOOTPRINT_VALIDATOR is None:
        root = default_registry().get(PASSPORT_6_1).document
        schema = {
            "$schema": root["$schema"],
            "type": "array",
            "items": {"$ref": "#/$defs/Footprint"},
            "$defs": root["$defs"],
        }
        _FOOTPRINT_VALIDATOR = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return _FOOTPRINT_VALIDATOR


def record_problems(pcf: dict[str, Any], entries: list[dict[str, Any]], component: dict[str, Any] | None) -> list[str]:
    """Why any derived record breaks its model (empty when all pass)."""
    problems = []
    report = footprint.validate(pcf, source="pcf-8")
    problems += [f"Catena-X PCF 8.0.0 {f.json_path}: {f.message}" for f in report.errors]
    for error in _footprint_validator().iter_errors(entries):
        problems.append(f"BatteryPass carbonFootprint {error.json_path}: {error.message}")
    stage_check = passport.domain_findings({"sustainability": {"carbonFootprint": entries}})
    problems += [
        f"BatteryPass carbonFootprint {f.json_path}: {f.message}" for f in stage_check if f.severity == "error"
    ]
    if component is not None:
        found = component_pcf.validate(component)
        problems += [f"pcf_for_battery_component_supplier {f.json_path}: {f.message}" for f in found.errors]
    return problems
