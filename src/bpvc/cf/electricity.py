"""The electricity rule: which emission factor a profile lets an electricity line use.

Profiles differ most here. The EU draft takes the national average consumption mix of the
country of production unless a direct line connects plant and generator (PPAs and guarantees
of origin are not recognised). The Catena-X rulebook recognises a direct generator whose
instruments are not sold, and supplier-specific products, supplier mixes, guarantees of origin
and PPAs (with EACs) whose instruments meet five criteria; otherwise the residual mix, else the
fossil grid mix. Each rule is data in the profile (``recognised``, ``criteria_required``,
``eacs_required``, ``fallback``, per-country ``factors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .inventory import Electricity, Factor
from .profiles import Profile

CRITERIA = ("attributes", "uniqueClaim", "trackedAndCancelled", "sameYear", "sameMarket")
_NAMES = {
    "national_consumption_mix": "national consumption mix",
    "residual_mix": "residual mix",
    "fossil_grid_mix": "fossil grid mix",
}


@dataclass(frozen=True)
class Choice:
    """The factor a line uses under a profile, and why; ``factor`` is None when the rule cannot be met."""

    factor: Factor | None
    basis: str  # "contractual" or a grid factor name
    note: str


def _not_recognised(electricity: Electricity, profile: Profile) -> str | None:
    """Why the claimed supply cannot use its own factor under ``profile`` (None: it can)."""
    supply = electricity.supply
    if supply == "grid":
        return "grid supply"
    if supply not in profile.recognised_supplies:
        return f"{profile.id} does not recognise {supply.replace('_', ' ')} supply"
    if electricity.contractual is None:
        return f"the {supply.replace('_', ' ')} supply gives no contractual factor"
    if supply == "direct_line" and electricity.instruments_sold:
        return "the direct generator sold the instruments of this electricity"
    if supply in profile.criteria_required:
        criteria = electricity.criteria or {}
        missing = [c for c in CRITERIA if criteria.get(c) is not True]
        if missing:
            return f"the instruments do not meet the criteria {', '.join(missing)}"
    if supply in profile.eacs_required and electricity.eacs_cancelled is not True:
        return "the PPA has no cancelled energy attribute certificates"
    return None


def choose(electricity: Electricity, profile: Profile) -> Choice:
    """The factor ``profile`` assigns to an electricity line."""
    refused = _not_recognised(electricity, profile)
    if refused is None:
        assert electricity.contractual is not None
        return Choice(
            electricity.contractual,
            "contractual",
            f"{electricity.supply.replace('_', ' ')} factor recognised ({electricity.contractual.source})",
        )
    for key in profile.grid_fallback:
        factor = electricity.grid.get(key)
        set_by_profile = key == "national_consumption_mix" and electricity.country in profile.grid_factors
        if set_by_profile:
            given = profile.grid_factors[electricity.country]
            factor = Factor(given.value, given.unit, f"{given.source} (set by the profile)")
        if factor is not None:
            return Choice(factor, key, f"{refused}: {_NAMES[key]} {electricity.country} ({factor.source})")
    wanted = " or ".join(_NAMES[k] for k in profile.grid_fallback)
    return Choice(None, "", f"{refused}, and the {wanted} for {electricity.country} is not given")
