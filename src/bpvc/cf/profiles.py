"""Rule profiles: the rules of one declaration scheme, as a versioned data file rather than code.

A profile is a TOML file (bundled ones under ``bpvc/data/cf-profiles/``; a user passes their
own with ``--profile FILE``). It names its source documents and sections and sets every rule
parameter the calculation reads: the functional unit and the stages it covers, the lead
indicator, the E_total table, the electricity rule, the cut-off threshold, the allocation
threshold, the verification thresholds and the rounding policy. Unknown keys are refused, so a
misspelt parameter never silently falls back to a default.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ProfileError as ProfileError
from . import units

STAGES = ("raw_material", "production", "distribution", "end_of_life")
VEHICLE_CATEGORIES = ("M1", "N1", "L", "M2", "M3", "N2", "N3")
FUNCTIONAL_UNITS = ("energy_delivered", "declared_unit")
LEAD_INDICATORS = ("including_biogenic_uptake", "excluding_biogenic_uptake")
SUPPLIES = ("grid", "direct_line", "ppa", "guarantee_of_origin", "supplier_specific")
GRID_FACTORS = ("national_consumption_mix", "residual_mix", "fossil_grid_mix")
DISTANCE_BASES = ("actual", "shortest_feasible", "great_circle")
ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_HALF_EVEN": ROUND_HALF_EVEN}
BUNDLED = ("eu-battery-2024-draft", "cn-miit-2025", "cx-rb4")


@dataclass(frozen=True)
class Source:
    document: str
    section: str


@dataclass(frozen=True)
class GridFactor:
    """A grid emission factor a profile supplies for a country."""

    value: Decimal
    unit: str
    source: str


@dataclass(frozen=True)
class Rounding:
    mode: str
    declared_value_decimals: int
    kg_decimals: int
    percent_decimals: int
    dqr_decimals: int

    def quantize(self, value: Decimal, decimals: int) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING_MODES[self.mode])


@dataclass(frozen=True)
class PerformanceClass:
    name: str
    max_kg_co2e_per_kwh: Decimal


@dataclass(frozen=True)
class Profile:
    """One rule profile, parsed and checked. ``digest`` is the SHA-256 of the file it came from."""

    id: str
    version: str
    title: str
    sources: tuple[Source, ...]
    functional_unit: str
    stages: tuple[str, ...]
    lead_indicator: str
    unit_trap_threshold: Decimal
    scope_categories: tuple[str, ...]
    scope_min_energy_kwh: Decimal
    feqc_per_year: dict[str, Decimal]
    other_vehicles: str | None
    service_life: str
    km_per_year: dict[str, Decimal]
    recognised_supplies: tuple[str, ...]
    criteria_required: tuple[str, ...]
    eacs_required: tuple[str, ...]
    grid_fallback: tuple[str, ...]
    grid_factors: dict[str, GridFactor]
    transport_scope: str | None
    distance_preference: tuple[str, ...]
    cut_off_percent: Decimal
    economic_ratio_threshold: Decimal
    end_of_life_method: str
    third_party_required: bool
    limited_assurance_percent: Decimal
    reasonable_assurance_percent: Decimal
    missing_dqr: Decimal
    missing_pds: Decimal
    max_reference_years: Decimal
    rounding: Rounding
    performance_classes: tuple[PerformanceClass, ...]
    background_databases: tuple[str, ...]
    digest: str = ""
    path: str = ""
    open_parameters: tuple[str, ...] = field(default=())

    @property
    def per_kwh(self) -> bool:
        return self.functional_unit == "energy_delivered"

    def label(self) -> str:
        return f"{self.id} {self.version}"


class _Reader:
    """Reads one table of the TOML document, remembering which keys were used."""

    def __init__(self, table: Any, where: str, origin: str) -> None:
        if not isinstance(table, dict):
            raise ProfileError(f"{origin}: [{where}] must be a table")
        self.table, self.where, self.origin = table, where, origin
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> ProfileError:
        return ProfileError(f"{self.origin}: {self.where}.{key} {message}")

    def get(self, key: str, default: Any = ..., *, kind: type | tuple[type, ...] | None = None) -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        if kind is not None and (not isinstance(value, kind) or isinstance(value, bool) and bool not in _kinds(kind)):
            raise self.fail(key, f"must be {_kind_name(kind)}, not {value!r}")
        return value

    def number(self, key: str, default: Any = ..., *, minimum: Decimal | None = None) -> Decimal:
        value = self.get(key, default, kind=(int, Decimal))
        number = Decimal(value)
        if minimum is not None and number < minimum:
            raise self.fail(key, f"must be at least {minimum}")
        return number

    def strings(self, key: str, default: Any = ..., *, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.get(key, default, kind=list)
        if not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        if allowed is not None:
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise self.fail(key, f"has unknown value(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})")
        return tuple(value)

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, default, kind=str)
        if value not in allowed:
            raise self.fail(key, f"is {value!r}; expected one of {', '.join(allowed)}")
        return str(value)

    def table_of(self, key: str) -> _Reader:
        return _Reader(self.get(key, {}, kind=dict), f"{self.where}.{key}" if self.where else key, self.origin)

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ProfileError(f"{self.origin}: [{self.where}] has unknown key(s) {', '.join(unknown)}")


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        int: "a number",
        Decimal: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        bool: "true or false",
    }
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in _kinds(kind)))


def _vehicle_table(reader: _Reader, key: str) -> dict[str, Decimal]:
    table = reader.get(key, {}, kind=dict)
    out = {}
    for category, value in table.items():
        if category not in VEHICLE_CATEGORIES:
            raise reader.fail(key, f"names an unknown vehicle category {category!r}")
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value <= 0:
            raise reader.fail(key, f"{category} must be a positive number")
        out[category] = Decimal(value)
    return out


def parse_profile(text: str, *, origin: str = "profile") -> Profile:
    """Parse and check a profile document; raises ProfileError naming the parameter."""
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{origin}: not valid TOML: {err}") from None
    root = _Reader(doc, "", origin)
    head = root.table_of("profile")
    sources = head.get("sources", kind=list)
    if not sources or not all(isinstance(s, dict) for s in sources):
        raise head.fail("sources", "must list at least one source document ([[profile.sources]])")
    parsed_sources = []
    for i, entry in enumerate(sources):
        item = _Reader(entry, f"profile.sources[{i}]", origin)
        parsed_sources.append(Source(item.get("document", kind=str), item.get("section", kind=str)))
        item.finish()
    stages = head.strings("stages", allowed=STAGES)
    if not stages:
        raise head.fail("stages", "must name at least one stage")
    functional_unit = head.choice("functional_unit", FUNCTIONAL_UNITS)
    profile_id = head.get("id", kind=str)
    if not profile_id or not all(c.isalnum() or c in "-._" for c in profile_id):
        raise head.fail("id", "must be letters, digits, '-', '.' or '_'")

    scope, energy, electricity = root.table_of("scope"), root.table_of("energy"), root.table_of("electricity")
    transport, cut_off, allocation = root.table_of("transport"), root.table_of("cut_off"), root.table_of("allocation")
    end_of_life, verification, quality = (
        root.table_of("end_of_life"),
        root.table_of("verification"),
        root.table_of("data_quality"),
    )
    period, rounding, classes, background = (
        root.table_of("reference_period"),
        root.table_of("rounding"),
        root.table_of("performance_classes"),
        root.table_of("background"),
    )
    feqc = _vehicle_table(energy, "feqc_per_year")
    if functional_unit == "energy_delivered" and not feqc and energy.get("other_vehicles", None) is None:
        raise energy.fail("feqc_per_year", "is required when the functional unit is the energy delivered")
    grid = {}
    for country, spec in electricity.get("factors", {}, kind=dict).items():
        item = _Reader(spec, f"electricity.factors.{country}", origin)
        unit = item.choice("unit", units.FACTOR_UNITS)
        grid[country] = GridFactor(item.number("value", minimum=Decimal(0)), unit, item.get("source", kind=str))
        item.finish()
    thresholds = []
    for i, entry in enumerate(classes.get("thresholds", [], kind=list)):
        item = _Reader(entry, f"performance_classes.thresholds[{i}]", origin)
        thresholds.append(PerformanceClass(item.get("class", kind=str), item.number("max", minimum=Decimal(0))))
        item.finish()
    decimals = {
        name: int(rounding.number(name, minimum=Decimal(0)))
        for name in ("declared_value_decimals", "kg_decimals", "percent_decimals", "dqr_decimals")
    }
    profile = Profile(
        id=profile_id,
        version=head.get("version", kind=str),
        title=head.get("title", kind=str),
        sources=tuple(parsed_sources),
        functional_unit=functional_unit,
        stages=tuple(s for s in STAGES if s in stages),
        lead_indicator=head.choice("lead_indicator", LEAD_INDICATORS),
        unit_trap_threshold=head.number("unit_trap_threshold", Decimal(5), minimum=Decimal(0)),
        scope_categories=scope.strings("categories", ("EV", "LMT", "industrial"), allowed=("EV", "LMT", "industrial")),
        scope_min_energy_kwh=scope.number("min_energy_kwh", Decimal(0), minimum=Decimal(0)),
        feqc_per_year=feqc,
        other_vehicles=energy.get("other_vehicles", None, kind=str),
        service_life=energy.choice("service_life", ("warranty_years",), "warranty_years"),
        km_per_year=_vehicle_table(energy, "km_per_year"),
        recognised_supplies=electricity.strings("recognised", (), allowed=SUPPLIES),
        criteria_required=electricity.strings("criteria_required", (), allowed=SUPPLIES),
        eacs_required=electricity.strings("eacs_required", (), allowed=SUPPLIES),
        grid_fallback=electricity.strings("fallback", allowed=GRID_FACTORS),
        grid_factors=grid,
        transport_scope=transport.choice("scope", ("well_to_wheel", "tank_to_wheel"), None)
        if "scope" in transport.table
        else None,
        distance_preference=transport.strings("distance_preference", (), allowed=DISTANCE_BASES),
        cut_off_percent=cut_off.number("threshold_percent", minimum=Decimal(0)),
        economic_ratio_threshold=allocation.number("economic_ratio_threshold", minimum=Decimal(1)),
        end_of_life_method=end_of_life.get("method", "as_inventoried", kind=str),
        third_party_required=verification.get("third_party_required", False, kind=bool),
        limited_assurance_percent=verification.number("limited_assurance_percent", Decimal(80), minimum=Decimal(0)),
        reasonable_assurance_percent=verification.number(
            "reasonable_assurance_percent", Decimal(95), minimum=Decimal(0)
        ),
        missing_dqr=quality.number("missing_dqr", Decimal(5), minimum=Decimal(1)),
        missing_pds=quality.number("missing_pds", Decimal(0), minimum=Decimal(0)),
        max_reference_years=period.number("max_years", Decimal(3), minimum=Decimal(0)),
        rounding=Rounding(rounding.choice("mode", tuple(ROUNDING_MODES), "ROUND_HALF_UP"), **decimals),
        performance_classes=tuple(sorted(thresholds, key=lambda c: c.max_kg_co2e_per_kwh)),
        background_databases=background.strings("databases", ()),
        open_parameters=head.strings("open", ()),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=origin,
    )
    if not profile.grid_fallback:
        raise electricity.fail("fallback", "must name at least one grid factor")
    for reader in (
        root,
        head,
        scope,
        energy,
        electricity,
        transport,
        cut_off,
        allocation,
        end_of_life,
        verification,
        quality,
        period,
        rounding,
        classes,
        background,
    ):
        reader.finish()
    return profile


def bundled_profile(profile_id: str) -> Profile:
    """One of the profiles shipped with bpvc, by id."""
    if profile_id not in BUNDLED:
        raise ProfileError(f"no bundled profile {profile_id!r} (bundled: {', '.join(BUNDLED)}); pass a file instead")
    item = resources.files("bpvc") / "data" / "cf-profiles" / f"{profile_id}.toml"
    return parse_profile(item.read_text(encoding="utf-8"), origin=f"{profile_id}.toml")


def load_profile(name_or_path: str | Path) -> Profile:
    """A bundled profile by id, or a profile file by path."""
    text = str(name_or_path)
    if text in BUNDLED and not Path(text).is_file():
        return bundled_profile(text)
    path = Path(name_or_path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"profile {text}: no such bundled profile ({', '.join(BUNDLED)}) or file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(f"profile {text}: cannot read: {err}") from None
    return parse_profile(content, origin=str(path))
