"""The inventory: a battery's bill of materials, its maker's own processes and transport legs.

An inventory is a JSON document (schema ``cf-inventory-1.0.0``). It is read strictly
(:mod:`bpvc.strict_json`), checked against its schema and then against the rules a schema
cannot state (one footprint per input, units that can meet, line ids unique...). Every
defect is a :class:`~bpvc.records.report.Finding` with its JSON path; an inventory with any
error is refused as a whole (:class:`InventoryError`). Numbers are read as exact decimals.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import strict_json
from ..errors import InventoryError as InventoryError
from ..errors import MalformedError
from ..records.report import Finding, ValidationReport
from ..schema import SchemaRegistry, default_registry
from . import units

SCHEMA_ID = "https://w3id.org/bpvc/schemas/cf-inventory-1.0.0.schema.json"
MAX_BYTES = 64 * 1024 * 1024
SECTIONS = ("inputs", "processes", "transport", "cutOff")
ENERGY_UNITS = ("kWh", "MWh", "MJ", "GJ")
GRID_KEYS = {
    "nationalConsumptionMix": "national_consumption_mix",
    "residualMix": "residual_mix",
    "fossilGridMix": "fossil_grid_mix",
}


@dataclass(frozen=True)
class Dqr:
    """Data quality ratings, 1 best to 5 worst; None where not given."""

    ter: Decimal | None = None
    tir: Decimal | None = None
    ger: Decimal | None = None


@dataclass(frozen=True)
class Factor:
    value: Decimal
    unit: str
    source: str
    primary: bool = False
    fossil: Decimal | None = None
    uptake: Decimal = Decimal(0)
    database: str | None = None
    reference_period_end: date | None = None
    geography_level: str | None = None


@dataclass(frozen=True)
class ExplicitPcf:
    """A supplier footprint given as values in the inventory (not as a credential)."""

    excluding: Decimal
    uptake: Decimal
    fossil: Decimal | None
    declared_unit: str
    declared_amount: Decimal
    mass_per_declared_unit_kg: Decimal | None
    pds: Decimal | None
    dqr: Dqr | None
    verification_share: Decimal | None
    source: str


@dataclass(frozen=True)
class CredentialRef:
    id: str
    digest_sri: str


@dataclass(frozen=True)
class InputLine:
    id: str
    path: str
    stage: str
    quantity: Decimal
    unit: str
    description: str = ""
    mass_per_piece_kg: Decimal | None = None
    credential: CredentialRef | None = None
    pcf: ExplicitPcf | None = None


@dataclass(frozen=True)
class Electricity:
    country: str
    supply: str
    contractual: Factor | None
    criteria: dict[str, bool] | None
    eacs_cancelled: bool | None
    instruments_sold: bool | None
    grid: dict[str, Factor]


@dataclass(frozen=True)
class CoProduct:
    name: str
    mass_kg: Decimal
    price: Decimal


@dataclass(frozen=True)
class Allocation:
    product: CoProduct
    co_products: tuple[CoProduct, ...]
    method: str | None


@dataclass(frozen=True)
class Verification:
    activity_share: Decimal
    factor_share: Decimal

    @property
    def share(self) -> Decimal:
        """A flow's verified share is the activity share times the factor share (VF2 §6.3.5)."""
        return self.activity_share * self.factor_share / 100


@dataclass(frozen=True)
class ProcessLine:
    id: str
    path: str
    stage: str
    activity: str
    amount: Decimal
    unit: str
    activity_primary: bool
    factor: Factor | None
    electricity: Electricity | None
    dqr: Dqr | None
    verification: Verification | None
    allocation: Allocation | None
    description: str = ""


@dataclass(frozen=True)
class TransportLine:
    id: str
    path: str
    stage: str
    mode: str
    distance_km: Decimal
    distance_basis: str
    mass: Decimal
    mass_unit: str
    factor: Factor
    factor_scope: str | None
    activity_primary: bool
    dqr: Dqr | None
    verification: Verification | None
    description: str = ""

    @property
    def tkm(self) -> Decimal:
        return units.convert(self.mass, self.mass_unit, "t") * self.distance_km


@dataclass(frozen=True)
class CutOffLine:
    id: str
    path: str
    stage: str
    estimated_kg: Decimal
    basis: str
    description: str = ""


@dataclass(frozen=True)
class Battery:
    category: str
    vehicle_category: str | None
    usable_energy_kwh: Decimal
    warranty_years: Decimal
    chemistry: str
    mass_kg: Decimal
    product_type: str = "pack"
    warranty_km: Decimal | None = None
    rated_energy_kwh: Decimal | None = None
    feqc_per_year: Decimal | None = None
    feqc_justification: str | None = None


@dataclass(frozen=True)
class Inventory:
    """A valid inventory, parsed once: read these fields, not the JSON."""

    id: str
    reference_date: date
    reference_period: tuple[date, date]
    pcf_type: str
    battery: Battery
    own_step_verified: bool
    inputs: tuple[InputLine, ...]
    processes: tuple[ProcessLine, ...]
    transport: tuple[TransportLine, ...]
    cut_off: tuple[CutOffLine, ...]
    document: dict[str, Any]  # the JSON as read (numbers as Decimal), for the derived records
    digest: str  # SHA-256 (hex) of the bytes read
    warnings: tuple[Finding, ...] = ()

    @property
    def retrospective(self) -> bool:
        return self.pcf_type == "retrospective"

    def section(self, name: str) -> dict[str, Any]:
        value = self.document.get(name)
        return value if isinstance(value, dict) else {}


# -- reading ---------------------------------------------------------------------------------------


def load_inventory(path: str | Path, *, registry: SchemaRegistry | None = None) -> Inventory:
    """Read, check and parse an inventory file; raises InventoryError (every finding) or MalformedError."""
    file = Path(path)
    try:
        raw = strict_json.read_bounded(file, max_bytes=MAX_BYTES)
    except strict_json.StrictJsonError:
        raise MalformedError(f"inventory {path}: over the {MAX_BYTES}-byte limit") from None
    except FileNotFoundError:
        raise MalformedError(f"inventory {path}: no such file") from None
    except OSError as err:
        raise MalformedError(f"inventory {path}: cannot read: {err.strerror}") from None
    return parse_inventory(raw, source=str(path), registry=registry)


def parse_inventory(
    data: bytes | str | dict[str, Any], *, source: str = "inventory", registry: SchemaRegistry | None = None
) -> Inventory:
    """Check and parse an inventory given as bytes, text or an already-parsed dict."""
    report, document, digest = validate_inventory(data, registry=registry)
    if not report.valid or document is None:
        raise InventoryError(report, source)
    return _build(document, digest, report.warnings)


def validate_inventory(
    data: bytes | str | dict[str, Any], *, registry: SchemaRegistry | None = None
) -> tuple[ValidationReport, dict[str, Any] | None, str]:
    """Every finding about an inventory, the Decimal-valued document, and the SHA-256 of its bytes."""
    if isinstance(data, dict):
        raw = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        plain: Any = json.loads(raw)
        document: Any = json.loads(raw, parse_float=Decimal)
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if len(raw) > MAX_BYTES:
            return _invalid(f"the inventory is over the {MAX_BYTES}-byte limit"), None, ""
        try:
            plain = strict_json.loads(raw)
            document = json.loads(raw, parse_float=Decimal)
        except strict_json.StrictJsonError as err:
            return _invalid(f"not acceptable JSON: {err}"), None, ""
        except json.JSONDecodeError as err:
            return _invalid(f"not JSON: {err.msg} at line {err.lineno} column {err.colno}"), None, ""
        except UnicodeDecodeError:
            return _invalid("not UTF-8 text"), None, ""
    digest = hashlib.sha256(raw).hexdigest()
    if not isinstance(plain, dict):
        return _invalid("an inventory must be a JSON object"), None, digest
    findings = [
        Finding("error", e.detail, e.json_path or "$", "schema")
        for e in (registry or default_registry()).errors(plain, SCHEMA_ID)
    ]
    findings += domain_findings(document)
    return ValidationReport("inventory", "1.0.0", document, tuple(findings)), document, digest


def _invalid(message: str) -> ValidationReport:
    return ValidationReport("inventory", "1.0.0", None, (Finding("error", message, "$", "parse"),))


# -- domain checks ---------------------------------------------------------------------------------


def _items(document: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
    value = document.get(section)
    if not isinstance(value, list):
        return []
    return [(f"$.{section}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)]


def _dec(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return Decimal(value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def domain_findings(document: Any) -> list[Finding]:
    """The rules the schema cannot state; safe on documents that failed the schema."""
    if not isinstance(document, dict):
        return []
    findings: list[Finding] = []
    findings += _unique_ids(document)
    findings += _period(document)
    findings += _battery(document)
    for path, item in _items(document, "inputs"):
        findings += _input(path, item)
    for path, item in _items(document, "processes"):
        findings += _process(path, item)
    for path, item in _items(document, "transport"):
        findings += _transport(path, item)
    return findings


def _unique_ids(document: dict[str, Any]) -> list[Finding]:
    seen: dict[str, str] = {}
    findings = []
    for section in SECTIONS:
        for path, item in _items(document, section):
            line_id = _str(item.get("id"))
            if line_id is None:
                continue
            if line_id in seen:
                findings.append(
                    Finding(
                        "error", f"line id {line_id!r} is already used at {seen[line_id]}", f"{path}.id", "unique-ids"
                    )
                )
            else:
                seen[line_id] = path
    return findings


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _period(document: dict[str, Any]) -> list[Finding]:
    period = document.get("referencePeriod")
    if not isinstance(period, dict):
        return []
    start, end = _date(period.get("start")), _date(period.get("end"))
    findings = []
    if start and end and end < start:
        findings.append(
            Finding("error", "the reference period ends before it starts", "$.referencePeriod.end", "period")
        )
    reference = _date(document.get("referenceDate"))
    if reference and end and reference < end:
        findings.append(
            Finding(
                "warning",
                f"the reference date {reference} is before the end of the reference period {end}",
                "$.referenceDate",
                "period",
            )
        )
    return findings


def _battery(document: dict[str, Any]) -> list[Finding]:
    battery = document.get("battery")
    if not isinstance(battery, dict):
        return []
    findings = []
    if battery.get("category") == "EV" and "vehicleCategory" not in battery:
        findings.append(
            Finding(
                "error",
                "an EV battery needs its vehicleCategory (M1, N1, L, M2, M3, N2, N3 or other): E_total depends on it",
                "$.battery.vehicleCategory",
                "battery",
            )
        )
    if "feqcPerYear" in battery and "feqcJustification" not in battery:
        findings.append(
            Finding(
                "error",
                "feqcPerYear is the manufacturer's justified value: give its feqcJustification",
                "$.battery.feqcJustification",
                "battery",
            )
        )
    usable, rated = _dec(battery.get("usableEnergyKwh")), _dec(battery.get("ratedEnergyKwh"))
    if usable is not None and rated is not None and usable > rated:
        findings.append(
            Finding(
                "warning",
                f"usable energy {usable} kWh is above the rated energy {rated} kWh",
                "$.battery.usableEnergyKwh",
                "battery",
            )
        )
    return findings


def _input(path: str, item: dict[str, Any]) -> list[Finding]:
    has_ref, has_values = "pcfCredential" in item, "pcf" in item
    if has_ref and has_values:
        return [
            Finding(
                "error",
                "the input gives both pcfCredential and pcf values: give one footprint, either the received "
                "credential or explicit values",
                path,
                "one-footprint",
            )
        ]
    if not has_ref and not has_values:
        return [
            Finding(
                "error",
                "the input has no footprint: reference the received PCF credential (pcfCredential) or give its "
                "values (pcf); an input left out belongs in cutOff",
                path,
                "one-footprint",
            )
        ]
    findings = []
    unit = _str(item.get("unit"))
    if "massPerPieceKg" in item and unit != "piece":
        findings.append(
            Finding("warning", "massPerPieceKg is only used for a line in pieces", f"{path}.massPerPieceKg", "units")
        )
    pcf = item.get("pcf")
    if isinstance(pcf, dict) and unit in units.QUANTITY_UNITS:
        declared = _str(pcf.get("declaredUnit"))
        amount = _dec(pcf.get("declaredUnitAmount", 1))
        if declared in units.QUANTITY_UNITS and amount is not None and amount > 0:
            try:
                units.declared_units(
                    Decimal(1),
                    unit,
                    declared,
                    amount,
                    pcf_mass_kg=_dec(pcf.get("massPerDeclaredUnitKg")),
                    line_mass_per_piece_kg=_dec(item.get("massPerPieceKg")),
                )
            except units.UnitMismatchError as err:
                findings.append(Finding("error", err.detail, f"{path}.pcf.declaredUnit", "units"))
        excluding, fossil = _dec(pcf.get("excludingBiogenicUptake")), _dec(pcf.get("fossil"))
        if excluding is not None and fossil is not None and fossil > excluding:
            findings.append(
                Finding(
                    "error",
                    f"the fossil part {fossil} exceeds the total excluding uptake {excluding}",
                    f"{path}.pcf.fossil",
                    "components",
                )
            )
    return findings


def _factor_findings(factor: Any, amount_unit: str | None, path: str) -> list[Finding]:
    if not isinstance(factor, dict):
        return []
    findings = []
    unit = _str(factor.get("unit"))
    if amount_unit in units.QUANTITY_UNITS and unit in units.FACTOR_UNITS:
        try:
            units.emissions(Decimal(1), amount_unit, Decimal(1), unit)
        except units.UnitMismatchError as err:
            findings.append(Finding("error", err.detail, f"{path}.unit", "units"))
    value, fossil = _dec(factor.get("value")), _dec(factor.get("fossil"))
    if value is not None and fossil is not None and fossil > value:
        findings.append(
            Finding(
                "error", f"the fossil part {fossil} exceeds the factor value {value}", f"{path}.fossil", "components"
            )
        )
    return findings


def _process(path: str, item: dict[str, Any]) -> list[Finding]:
    unit = _str(item.get("unit"))
    if item.get("activity") == "electricity":
        findings = []
        if "emissionFactor" in item:
            findings.append(
                Finding(
                    "error",
                    "an electricity line takes its factors from electricity (contractualFactor, gridFactors), "
                    "as the profile's electricity rule chooses; remove emissionFactor",
                    f"{path}.emissionFactor",
                    "electricity",
                )
            )
        if unit is not None and unit not in ENERGY_UNITS:
            findings.append(
                Finding(
                    "error", f"electricity is an energy amount (kWh, MWh, MJ, GJ), not {unit}", f"{path}.unit", "units"
                )
            )
        electricity = item.get("electricity")
        if not isinstance(electricity, dict):
            findings.append(
                Finding(
                    "error", "an electricity line needs its electricity block", f"{path}.electricity", "electricity"
                )
            )
            return findings
        supply = electricity.get("supply")
        if supply not in (None, "grid") and "contractualFactor" not in electricity:
            findings.append(
                Finding(
                    "error",
                    f"a {supply} supply needs its contractualFactor (the factor of the electricity claimed)",
                    f"{path}.electricity.contractualFactor",
                    "electricity",
                )
            )
        findings += _factor_findings(
            electricity.get("contractualFactor"), unit, f"{path}.electricity.contractualFactor"
        )
        grid = electricity.get("gridFactors")
        for key in GRID_KEYS:
            if isinstance(grid, dict):
                findings += _factor_findings(grid.get(key), unit, f"{path}.electricity.gridFactors.{key}")
        return findings
    findings = []
    if "electricity" in item:
        findings.append(
            Finding("error", "only an electricity line has an electricity block", f"{path}.electricity", "electricity")
        )
    if "emissionFactor" not in item:
        findings.append(Finding("error", "the process needs its emissionFactor", f"{path}.emissionFactor", "factor"))
    findings += _factor_findings(item.get("emissionFactor"), unit, f"{path}.emissionFactor")
    return findings


def _transport(path: str, item: dict[str, Any]) -> list[Finding]:
    return _factor_findings(item.get("emissionFactor"), "tkm", f"{path}.emissionFactor")


# -- building the parsed inventory -----------------------------------------------------------------


def _d(value: Any) -> Decimal:
    return Decimal(value)


def _opt(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _dqr(value: Any) -> Dqr | None:
    if not isinstance(value, dict):
        return None
    return Dqr(_opt(value.get("ter")), _opt(value.get("tir")), _opt(value.get("ger")))


def _factor(value: Any) -> Factor | None:
    if not isinstance(value, dict):
        return None
    return Factor(
        value=_d(value["value"]),
        unit=value["unit"],
        source=value["source"],
        primary=bool(value.get("primary", False)),
        fossil=_opt(value.get("fossil")),
        uptake=_d(value.get("biogenicCO2Uptake", 0)),
        database=value.get("database"),
        reference_period_end=_date(value.get("referencePeriodEnd")),
        geography_level=value.get("geographyLevel"),
    )


def _verification(value: Any) -> Verification | None:
    if not isinstance(value, dict):
        return None
    return Verification(_d(value["activityShare"]), _d(value["factorShare"]))


def _co_product(value: dict[str, Any]) -> CoProduct:
    return CoProduct(value["name"], units.convert(_d(value["mass"]), value["unit"], "kg"), _d(value["price"]))


def _build(doc: dict[str, Any], digest: str, warnings: tuple[Finding, ...]) -> Inventory:
    b = doc["battery"]
    battery = Battery(
        category=b["category"],
        vehicle_category=b.get("vehicleCategory"),
        usable_energy_kwh=_d(b["usableEnergyKwh"]),
        warranty_years=_d(b["warrantyYears"]),
        chemistry=b["chemistry"],
        mass_kg=_d(b["massKg"]),
        product_type=b.get("productType", "pack"),
        warranty_km=_opt(b.get("warrantyKm")),
        rated_energy_kwh=_opt(b.get("ratedEnergyKwh")),
        feqc_per_year=_opt(b.get("feqcPerYear")),
        feqc_justification=b.get("feqcJustification"),
    )
    inputs = []
    for path, item in _items(doc, "inputs"):
        ref = item.get("pcfCredential")
        pcf = item.get("pcf")
        explicit = None
        if isinstance(pcf, dict):
            explicit = ExplicitPcf(
                excluding=_d(pcf["excludingBiogenicUptake"]),
                uptake=_d(pcf.get("biogenicCO2Uptake", 0)),
                fossil=_opt(pcf.get("fossil")),
                declared_unit=pcf["declaredUnit"],
                declared_amount=_d(pcf.get("declaredUnitAmount", 1)),
                mass_per_declared_unit_kg=_opt(pcf.get("massPerDeclaredUnitKg")),
                pds=_opt(pcf.get("pds")),
                dqr=_dqr(pcf.get("dqr")),
                verification_share=_opt(pcf.get("verificationShare")),
                source=pcf["source"],
            )
        inputs.append(
            InputLine(
                id=item["id"],
                path=path,
                stage=item["stage"],
                quantity=_d(item["quantity"]),
                unit=item["unit"],
                description=item.get("description", ""),
                mass_per_piece_kg=_opt(item.get("massPerPieceKg")),
                credential=CredentialRef(ref["id"], ref["digestSRI"]) if isinstance(ref, dict) else None,
                pcf=explicit,
            )
        )
    processes = []
    for path, item in _items(doc, "processes"):
        electricity = None
        e = item.get("electricity")
        if isinstance(e, dict):
            grid = e.get("gridFactors") or {}
            electricity = Electricity(
                country=e["country"],
                supply=e["supply"],
                contractual=_factor(e.get("contractualFactor")),
                criteria=dict(e["instrumentCriteria"]) if isinstance(e.get("instrumentCriteria"), dict) else None,
                eacs_cancelled=e.get("eacsCancelled"),
                instruments_sold=e.get("instrumentsSold"),
                grid={GRID_KEYS[k]: f for k, v in grid.items() if (f := _factor(v)) is not None},
            )
        alloc = item.get("allocation")
        allocation = (
            Allocation(
                _co_product(alloc["product"]),
                tuple(_co_product(c) for c in alloc["coProducts"]),
                alloc.get("method"),
            )
            if isinstance(alloc, dict)
            else None
        )
        processes.append(
            ProcessLine(
                id=item["id"],
                path=path,
                stage=item["stage"],
                activity=item["activity"],
                amount=_d(item["amount"]),
                unit=item["unit"],
                activity_primary=bool(item.get("activityPrimary", False)),
                factor=_factor(item.get("emissionFactor")),
                electricity=electricity,
                dqr=_dqr(item.get("dqr")),
                verification=_verification(item.get("verification")),
                allocation=allocation,
                description=item.get("description", ""),
            )
        )
    transport = []
    for path, item in _items(doc, "transport"):
        factor = _factor(item["emissionFactor"])
        assert factor is not None  # required by the schema
        transport.append(
            TransportLine(
                id=item["id"],
                path=path,
                stage=item["stage"],
                mode=item["mode"],
                distance_km=_d(item["distance"]),
                distance_basis=item["distanceBasis"],
                mass=_d(item["mass"]),
                mass_unit=item["massUnit"],
                factor=factor,
                factor_scope=item.get("factorScope"),
                activity_primary=bool(item.get("activityPrimary", False)),
                dqr=_dqr(item.get("dqr")),
                verification=_verification(item.get("verification")),
                description=item.get("description", ""),
            )
        )
    cut_off = [
        CutOffLine(
            item["id"], path, item["stage"], _d(item["estimatedKgCo2e"]), item["basis"], item.get("description", "")
        )
        for path, item in _items(doc, "cutOff")
    ]
    period = doc["referencePeriod"]
    verification = doc.get("verification") or {}
    reference = _date(doc["referenceDate"])
    start, end = _date(period["start"]), _date(period["end"])
    assert reference is not None and start is not None and end is not None  # the schema checked the dates
    return Inventory(
        id=doc["id"],
        reference_date=reference,
        reference_period=(start, end),
        pcf_type=doc.get("pcfType", "retrospective"),
        battery=battery,
        own_step_verified=bool(verification.get("ownStepThirdPartyVerified", False)),
        inputs=tuple(inputs),
        processes=tuple(processes),
        transport=tuple(transport),
        cut_off=tuple(cut_off),
        document=doc,
        digest=digest,
        warnings=warnings,
    )
