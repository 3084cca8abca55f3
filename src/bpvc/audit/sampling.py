"""Reproducible audit samples: the same seed and batch give the same sample on any machine, in any order.

Each item is ranked by HMAC-SHA256 of its key under the seed, and the lowest ranks are taken. The rank
depends only on (seed, key), never on the input order or on Python's per-process hash seed, so anyone
holding the batch and the seed can redraw the sample, and nobody can steer it without changing the seed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

__all__ = ["allocate", "rank", "sample_size_for_rate", "select"]

T = TypeVar("T")


def _seed_bytes(seed: int | str) -> bytes:
    """The HMAC key for a seed. An int and its decimal string are the same seed (42 == "42"),
    so a seed read back from a command line or a JSON report redraws the same sample."""
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise ValueError(f"seed must be an int or a non-empty str, got {seed!r}")
    text = str(seed)
    if not text:
        raise ValueError("seed must not be empty")
    return text.encode("utf-8")


def _rank(key: str, secret: bytes) -> str:
    if not isinstance(key, str):
        raise ValueError(f"key must return a str, got {key!r}")
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()


def rank(key: str, seed: int | str) -> str:
    """An item's place in the draw: the hex HMAC-SHA256 of ``key`` under ``seed``; lower is drawn first."""
    return _rank(key, _seed_bytes(seed))


def sample_size_for_rate(population: int, rate: float) -> int:
    """How many of ``population`` items a sampling ``rate`` asks for: rate x population rounded *up*.

    Rounding up means the sample is never smaller than the rate promises, and any rate draws at least
    one item from a non-empty batch. The rate is read as the decimal written (``str(0.07)``), so 7% of
    100 is 7, not the 8 its binary value (a hair above 0.07) would round up to.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"population must be an integer >= 0, got {population!r}")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 < rate <= 1.0:
        raise ValueError(f"rate must be a number in (0, 1], got {rate!r}")
    return math.ceil(Fraction(str(rate)) * population)


def _largest_remainder(sizes: Mapping[str, int], sample: int) -> dict[str, int]:
    """Proportional shares of ``sample``: floors of the exact quotas, then one more each for the largest
    remainders (ties broken by stratum name so the result does not depend on mapping order)."""
    total = sum(sizes.values())
    quotas = {name: Fraction(sample * size, total) for name, size in sizes.items()}
    shares = {name: math.floor(quota) for name, quota in quotas.items()}
    left = sample - sum(shares.values())
    by_remainder = sorted(quotas, key=lambda name: (-(quotas[name] - shares[name]), name))
    for name in by_remainder[:left]:
        shares[name] += 1
    return shares


def _ensure_one_each(shares: dict[str, int], sizes: Mapping[str, int], sample: int) -> dict[str, int]:
    """Give every stratum at least one item when the sample has room, taking each from the stratum
    most over its exact quota among those holding two or more."""
    if sample < len(sizes):
        return shares
    total = sum(sizes.values())
    for name in sorted(n for n, share in shares.items() if share == 0):
        donors = [n for n, share in shares.items() if share >= 2]
        donor = min(donors, key=lambda n: (-(shares[n] - Fraction(sample * sizes[n], total)), n))
        shares[donor] -= 1
        shares[name] = 1
    return shares


def allocate(sizes: Mapping[str, int], sample: int) -> dict[str, int]:
    """Split ``sample`` across strata in proportion to their sizes (largest-remainder rounding).

    Every non-empty stratum gets at least one item when ``sample`` is at least the number of non-empty
    strata; no stratum gets more items than it holds. Empty strata are left out of the result.
    """
    if any(isinstance(size, bool) or not isinstance(size, int) or size < 0 for size in sizes.values()):
        raise ValueError("sizes must be integers >= 0")
    present = {name: size for name, size in sizes.items() if size > 0}
    total = sum(present.values())
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample <= total:
        raise ValueError(f"sample must be an integer between 0 and the population ({total}), got {sample!r}")
    if not present:
        return {}
    return _ensure_one_each(_largest_remainder(present, sample), present, sample)


def _ranked(items: Sequence[T], seed: int | str, key: Callable[[T], str]) -> list[tuple[str, T]]:
    """Items paired with their rank, lowest first; a key shared by two items is an error because
    their order would then depend on the input order."""
    secret = _seed_bytes(seed)
    seen: set[str] = set()
    pairs: list[tuple[str, T]] = []
    for item in items:
        item_key = key(item)
        if item_key in seen:
            raise ValueError(f"key must be unique per item; {item_key!r} occurs more than once")
        seen.add(item_key)
        pairs.append((_rank(item_key, secret), item))
    pairs.sort(key=lambda pair: pair[0])
    return pairs


def _requested_size(population: int, sample: int | None, rate: float | None) -> int:
    """The sample size from exactly one of ``sample`` and ``rate``."""
    if (sample is None) == (rate is None):
        raise ValueError("sample and rate: give exactly one of them")
    if rate is not None:
        return sample_size_for_rate(population, rate)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample <= population:
        raise ValueError(f"sample must be an integer between 0 and the number of items ({population}), got {sample!r}")
    return sample


def select(
    items: Sequence[T],
    *,
    seed: int | str,
    sample: int | None = None,
    rate: float | None = None,
    key: Callable[[T], str],
    strata: Callable[[T], str] | None = None,
) -> list[T]:
    """Draw a reproducible sample of ``items``, returned lowest rank first.

    Give exactly one of ``sample`` (a count, at most ``len(items)``) or ``rate`` (a fraction in (0, 1],
    rounded up by ``sample_size_for_rate``). ``key`` must name each item uniquely (a credential id or a
    file digest). With ``strata`` the sample is split by ``allocate`` and each stratum contributes its
    lowest-ranked items, so every issuer or format is represented in proportion to its size.
    """
    size = _requested_size(len(items), sample, rate)
    ranked = _ranked(items, seed, key)
    if strata is None:
        return [item for _, item in ranked[:size]]
    groups: dict[str, list[tuple[str, T]]] = {}
    for pair in ranked:
        groups.setdefault(strata(pair[1]), []).append(pair)
    shares = allocate({name: len(group) for name, group in groups.items()}, size)
    chosen = [pair for name, group in groups.items() for pair in group[: shares[name]]]
    chosen.sort(key=lambda pair: pair[0])
    return [item for _, item in chosen]
