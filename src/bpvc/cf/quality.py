"""Data quality of an aggregated footprint: PDS, DQR and third-party verification share.

Catena-X PCF Rulebook v4 §7.2.4-7.2.5 and the TfS verification framework v2.0 §6.3.5: each
contribution is weighted by its absolute value, so a negative contribution (biogenic uptake)
weighs as much as a positive one of the same size (PCF_as = sum |PCF_i|). A missing primary
data share counts as 0, a missing rating as the worst (5), a missing verification share as
0; an intermediate step nobody verified sets the whole aggregate's verification share to 0,
whatever its inputs ("broken chain").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from .result import LineResult, Quality

ZERO = Decimal(0)
# TiR by the days between the dataset's reference period end and the PCF's issue date
TIR_DAYS = ((366, 1), (731, 2), (1096, 3), (1461, 4))
GER_BY_LEVEL = {"subdivision": 1, "country": 2, "region": 3, "global": 4, "unknown": 5}


def temporal_rating(period_end: date, issued: date) -> Decimal:
    """TiR from the gap between a dataset's reference period end and the footprint's issue date."""
    gap = (issued - period_end).days
    for limit, rating in TIR_DAYS:
        if gap <= limit:
            return Decimal(rating)
    return Decimal(5)


def geographical_rating(level: str) -> Decimal:
    """GeR: 1 subdivision, 2 country, 3 region, 4 global, 5 unknown or another region."""
    return Decimal(GER_BY_LEVEL[level])


def weighted(values: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """sum(|w| x v) / sum(|w|) over (weight, value) pairs; None when every weight is zero."""
    total = sum((abs(w) for w, _ in values), ZERO)
    if total == 0:
        return None
    return sum((abs(w) * v for w, v in values), ZERO) / total


def assurance(share: Decimal | None, limited: Decimal, reasonable: Decimal) -> str:
    if share is None:
        return "none"
    if share >= reasonable:
        return "reasonable"
    return "limited" if share >= limited else "none"


def aggregate(
    lines: Sequence[LineResult],
    *,
    own_step_verified: bool,
    retrospective: bool,
    limited: Decimal,
    reasonable: Decimal,
) -> Quality:
    """The aggregated quality of the included lines (PDS and DQR only for retrospective footprints)."""
    included = [line for line in lines if not line.excluded]
    pcf_as = sum((abs(line.lead) for line in included), ZERO)
    inputs_share = weighted([(line.lead, line.verification_share) for line in included])
    share = inputs_share if own_step_verified else (ZERO if inputs_share is not None else None)
    if not retrospective:
        pds = ter = tir = ger = None
    else:
        pds = weighted([(line.lead, line.pds) for line in included])
        ter = weighted([(line.lead, line.ter) for line in included])
        tir = weighted([(line.lead, line.tir) for line in included])
        ger = weighted([(line.lead, line.ger) for line in included])
    return Quality(
        pcf_as=pcf_as,
        pds=pds,
        ter=ter,
        tir=tir,
        ger=ger,
        verification_share=share,
        inputs_verification_share=inputs_share,
        assurance=assurance(share, limited, reasonable),
    )
