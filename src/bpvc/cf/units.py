"""Units: the inventory's unit vocabulary, converted by pint with exact decimals, or refused.

Every unit an inventory, a profile or a supplier PCF may name is listed here and mapped onto a
pint unit. Conversions go through pint (with ``Decimal`` magnitudes, so 1 t is exactly 1000 kg
and 1 kWh exactly 3.6 MJ); a conversion between dimensions (kg to kWh, per-piece to per-kg
without a mass per piece) raises :class:`UnitMismatchError` instead of rescaling anything.
Emission amounts are a dimension of their own, ``[emission]`` (kg CO2e), so a factor per kWh
applied to an amount in kg fails loudly too.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from functools import lru_cache
from typing import Any

from ..errors import UnitMismatchError as UnitMismatchError

# inventory unit -> pint expression
QUANTITY_UNITS: dict[str, str] = {
    "g": "gram",
    "kg": "kilogram",
    "t": "metric_ton",
    "kWh": "kilowatt_hour",
    "MWh": "megawatt_hour",
    "MJ": "megajoule",
    "GJ": "gigajoule",
    "L": "liter",
    "m3": "meter ** 3",
    "m2": "meter ** 2",
    "piece": "piece",
    "tkm": "metric_ton * kilometer",
    "km": "kilometer",
}
EMISSION_UNITS: dict[str, str] = {"g CO2e": "g_CO2e", "kg CO2e": "kg_CO2e", "t CO2e": "t_CO2e"}
# "kg CO2e/kWh" and the like: every emission unit over every quantity unit but km
FACTOR_UNITS: tuple[str, ...] = tuple(f"{e}/{q}" for e in EMISSION_UNITS for q in QUANTITY_UNITS if q != "km")
MASS_UNITS = ("g", "kg", "t")
DISTANCE_UNITS = ("km",)

# Catena-X PCF 8.0.0 declaredUnitOfMeasurement -> inventory unit (hour, megabit and second have no BOM use)
PCF_DECLARED_UNITS: dict[str, str] = {
    "liter": "L",
    "kilogram": "kg",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tkm",
    "square meter": "m2",
    "piece": "piece",
}
KG_CO2E = "kg CO2e"


@lru_cache(maxsize=1)
def registry() -> Any:
    """pint's registry with exact decimals, plus pieces and CO2-equivalent emissions as their own dimensions."""
    import pint  # imported here: only the carbon-footprint commands pay for it

    ureg: Any = pint.UnitRegistry(non_int_type=Decimal)
    ureg.define("piece = [piece] = pc")
    ureg.define("kg_CO2e = [emission]")
    ureg.define("g_CO2e = kg_CO2e / 1000")
    ureg.define("t_CO2e = 1000 * kg_CO2e")
    return ureg


def _pint_expression(unit: str) -> str:
    if unit in QUANTITY_UNITS:
        return QUANTITY_UNITS[unit]
    emission, sep, per = unit.partition("/")
    if sep and emission in EMISSION_UNITS and per in QUANTITY_UNITS:
        return f"{EMISSION_UNITS[emission]} / ({QUANTITY_UNITS[per]})"
    if unit in EMISSION_UNITS:
        return EMISSION_UNITS[unit]
    raise UnitMismatchError(f"unit {unit!r} is not one bpvc knows")


@lru_cache(maxsize=4096)
def factor(from_unit: str, to_unit: str) -> Decimal:
    """How many ``to_unit`` one ``from_unit`` is, exactly; raises UnitMismatchError across dimensions."""
    import pint

    ureg = registry()
    try:
        with localcontext(Context(prec=50)):  # the calculation's precision, whoever asks first
            quantity = ureg.Quantity(Decimal(1), _pint_expression(from_unit))
            converted = quantity.to(_pint_expression(to_unit))
    except pint.DimensionalityError:
        raise UnitMismatchError(
            f"{from_unit} cannot be converted to {to_unit}: they measure different things"
        ) from None
    magnitude = converted.magnitude
    return magnitude if isinstance(magnitude, Decimal) else Decimal(str(magnitude))


def convert(amount: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """``amount`` in ``from_unit`` expressed in ``to_unit``."""
    return amount if from_unit == to_unit else amount * factor(from_unit, to_unit)


def dimension(unit: str) -> str:
    """pint's dimensionality of a unit, as text (``[mass]``, ``[piece]``, ``[emission] / [mass]`` ...)."""
    ureg = registry()
    return str(ureg.Quantity(Decimal(1), _pint_expression(unit)).dimensionality)


def is_mass(unit: str) -> bool:
    return unit in MASS_UNITS


def emissions(amount: Decimal, amount_unit: str, factor_value: Decimal, factor_unit: str) -> Decimal:
    """kg CO2e of ``amount`` (in ``amount_unit``) at ``factor_value`` (in ``factor_unit``, e.g. kg CO2e/MWh)."""
    emission, sep, per = factor_unit.partition("/")
    if not sep or emission not in EMISSION_UNITS or per not in QUANTITY_UNITS:
        raise UnitMismatchError(f"{factor_unit!r} is not an emission factor unit (such as 'kg CO2e/kWh')")
    try:
        in_factor_units = convert(amount, amount_unit, per)
    except UnitMismatchError:
        raise UnitMismatchError(
            f"an amount in {amount_unit} cannot take a factor in {factor_unit}: {amount_unit} and {per} "
            "measure different things"
        ) from None
    return convert(in_factor_units * factor_value, emission, KG_CO2E)


def declared_units(
    quantity: Decimal,
    unit: str,
    declared_unit: str,
    declared_amount: Decimal,
    *,
    pcf_mass_kg: Decimal | None = None,
    line_mass_per_piece_kg: Decimal | None = None,
) -> tuple[Decimal, str | None]:
    """How many declared-unit amounts a BOM quantity is, and a note when pieces met mass.

    Pieces and masses meet only through a mass: a footprint declared per piece takes a BOM line
    in kg through the PCF's own mass per declared unit (``pcf_mass_kg``, kg per declared amount);
    a BOM line in pieces takes a footprint per kg through the line's mass per piece. Without
    that mass the conversion is refused, never guessed.
    """
    try:
        return convert(quantity, unit, declared_unit) / declared_amount, None
    except UnitMismatchError:
        pass
    if declared_unit == "piece" and is_mass(unit):
        if pcf_mass_kg is None or pcf_mass_kg <= 0:
            raise UnitMismatchError(
                f"the line is in {unit} but the footprint is declared per piece, and it gives no "
                "productMassPerDeclaredUnit to convert with"
            )
        amounts = convert(quantity, unit, "kg") / pcf_mass_kg
        return (
            amounts,
            f"{quantity:f} {unit} = {amounts * declared_amount:f} piece at {pcf_mass_kg:f} kg per declared unit",
        )
    if unit == "piece" and is_mass(declared_unit):
        if line_mass_per_piece_kg is None:
            raise UnitMismatchError(
                f"the line is in pieces but the footprint is declared per {declared_unit}; give the line's "
                "massPerPieceKg to convert"
            )
        kg = quantity * line_mass_per_piece_kg
        return convert(kg, "kg", declared_unit) / declared_amount, (
            f"{quantity:f} piece = {kg:f} kg at {line_mass_per_piece_kg:f} kg per piece"
        )
    raise UnitMismatchError(
        f"the line is in {unit} but the footprint is declared per {declared_amount:f} {declared_unit}: "
        "they measure different things"
    )
