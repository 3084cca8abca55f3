"""Attribute-sampling statistics for audits: sample sizes, acceptance plans, exact binomial intervals.

Standard library only. Binomial terms are summed in log space (``math.lgamma``), which keeps them
accurate to about 1e-9 even for samples of many thousands where the terms underflow as plain floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = [
    "Plan",
    "acceptance_plan",
    "attribute_sample_size",
    "binomial_cdf",
    "binomial_sf",
    "clopper_pearson",
    "defects_allowed",
    "zero_acceptance_sample_size",
]

# Relative slack when comparing a computed probability with a risk bound, so that cases that are
# equal in exact arithmetic (0.5**2 against 0.25) are not pushed to the next sample size by rounding.
_RISK_SLACK = 1e-12
# Width at which the Clopper-Pearson bisection stops.
_BISECT_TOL = 1e-10
# Below this a complement (1 - the other tail) has lost too many digits and the tail is summed directly.
_COMPLEMENT_FLOOR = 1e-6
# ISO 2859-1 style producer's risk: a lot at the AQL must be accepted at least this often.
_PRODUCER_ACCEPTANCE = 0.95


def _check_probability(name: str, value: float) -> None:
    """Raise ValueError unless ``value`` is a real number strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {value!r}")


def _check_count(name: str, value: int, minimum: int = 0) -> None:
    """Raise ValueError unless ``value`` is an int of at least ``minimum`` (bool is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _within(probability: float, risk: float) -> bool:
    """``probability <= risk`` with a relative slack for floating-point rounding."""
    return probability <= risk * (1.0 + _RISK_SLACK)


def _log_pmf(i: int, n: int, p: float) -> float:
    """log P(X = i) for X ~ Binomial(n, p), 0 < p < 1."""
    log_comb = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
    return log_comb + i * math.log(p) + (n - i) * math.log1p(-p)


def _pmf_sum(lo: int, hi: int, n: int, p: float) -> float:
    """P(lo <= X <= hi) for X ~ Binomial(n, p), 0 < p < 1, summed in log space (log-sum-exp)."""
    lo, hi = max(lo, 0), min(hi, n)
    if lo > hi:
        return 0.0
    logs = [_log_pmf(i, n, p) for i in range(lo, hi + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(term - top) for term in logs))


def _tail(lo: int, hi: int, n: int, p: float) -> float:
    """P(lo <= X <= hi) for a tail range (lo == 0 or hi == n), summing whichever side has fewer terms.

    The complement is only trusted while it is at least 1e-6, where its absolute error (about 1e-16)
    is still a relative error near 1e-10; smaller tails are summed term by term.
    """
    inside = hi - lo + 1
    if inside > n + 1 - inside:
        complement = _pmf_sum(hi + 1, n, n, p) if lo == 0 else _pmf_sum(0, lo - 1, n, p)
        if 1.0 - complement >= _COMPLEMENT_FLOOR:
            return 1.0 - complement
    return _pmf_sum(lo, hi, n, p)


def _check_binomial(n: int, p: float) -> None:
    _check_count("n", n)
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a number between 0 and 1, got {p!r}")


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): the chance of at most ``k`` defects in ``n`` draws at rate ``p``."""
    _check_binomial(n, p)
    if k < 0:
        return 0.0
    if k >= n or p == 0.0:
        return 1.0
    if p == 1.0:
        return 0.0
    return _tail(0, k, n, p)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X > k) for X ~ Binomial(n, p), computed so that a small upper tail keeps its precision."""
    _check_binomial(n, p)
    if k < 0:
        return 1.0
    if k >= n or p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    return _tail(k + 1, n, n, p)


def defects_allowed(tolerable_rate: float, population: int) -> int:
    """The tolerable number of defects in a finite population: ceil(rate x population), at least 1.

    The rate is read as the decimal the caller wrote (``str(0.07)`` is ``"0.07"``), so 0.07 of 100 is 7
    and not the 8 that the binary value of 0.07 (slightly above 7/100) would round up to.
    """
    _check_probability("tolerable_rate", tolerable_rate)
    _check_count("population", population, minimum=1)
    return max(1, math.ceil(Fraction(str(tolerable_rate)) * population))


def _zero_defect_binomial(risk: float, rate: float) -> int:
    """Smallest n with (1 - rate)**n <= risk, from the closed form then corrected for rounding."""
    n = max(1, math.ceil(math.log(risk) / math.log1p(-rate)))
    while n > 1 and _within((1.0 - rate) ** (n - 1), risk):
        n -= 1
    while not _within((1.0 - rate) ** n, risk):
        n += 1
    return n


def _zero_defect_hypergeometric(risk: float, defective: int, population: int) -> int:
    """Smallest n with P(no defective item among n drawn without replacement) <= risk.

    P(0 in n) = prod_{i<n} (N - D - i) / (N - i); it reaches 0 at n = N - D + 1, so n <= N.
    """
    probability = 1.0
    for n in range(1, population + 1):
        probability *= (population - defective - (n - 1)) / (population - (n - 1))
        if _within(probability, risk):
            return n
    return population  # unreachable for defective >= 1; kept so the bound is explicit


def zero_acceptance_sample_size(confidence: float, tolerable_rate: float, population: int | None = None) -> int:
    """The smallest sample that, with zero defects found, shows the defect rate is below ``tolerable_rate``.

    That is the smallest n for which a sample of n with no defects would occur with probability at most
    ``1 - confidence`` if the true rate were ``tolerable_rate`` or more. Without ``population`` the draws
    are binomial (an unlimited batch); with it they are hypergeometric, the batch holding
    ``defects_allowed(tolerable_rate, population)`` defective items, and n never exceeds the population.
    """
    _check_probability("confidence", confidence)
    _check_probability("tolerable_rate", tolerable_rate)
    risk = 1.0 - confidence
    if population is None:
        return _zero_defect_binomial(risk, tolerable_rate)
    defective = defects_allowed(tolerable_rate, population)
    return _zero_defect_hypergeometric(risk, defective, population)


@dataclass(frozen=True)
class Plan:
    """A single sampling plan: check ``sample_size`` items, accept the batch if at most ``acceptance_number``
    are defective. ``confidence``, ``tolerable_rate`` and ``aql`` record where the plan came from; they are
    ``None`` for a plan set by hand.
    """

    sample_size: int
    acceptance_number: int
    confidence: float | None = None
    tolerable_rate: float | None = None
    aql: float | None = None

    def __post_init__(self) -> None:
        _check_count("sample_size", self.sample_size, minimum=1)
        _check_count("acceptance_number", self.acceptance_number)
        if self.acceptance_number >= self.sample_size:
            raise ValueError("acceptance_number must be smaller than sample_size")
        for name in ("confidence", "tolerable_rate", "aql"):
            value = getattr(self, name)
            if value is not None:
                _check_probability(name, value)

    def accepts(self, defects: int) -> bool:
        """Whether a sample with ``defects`` defective items passes the plan."""
        _check_count("defects", defects)
        return defects <= self.acceptance_number

    def acceptance_probability(self, rate: float) -> float:
        """The operating characteristic: how often a batch with true defect rate ``rate`` is accepted."""
        return binomial_cdf(self.acceptance_number, self.sample_size, rate)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data, keys in a fixed order."""
        return {
            "sample_size": self.sample_size,
            "acceptance_number": self.acceptance_number,
            "confidence": self.confidence,
            "tolerable_rate": self.tolerable_rate,
            "aql": self.aql,
        }


def _smallest_n(acceptance: int, rate: float, risk: float) -> int:
    """Smallest n with P(X <= acceptance | n, rate) <= risk; that probability falls as n grows."""

    def meets(n: int) -> bool:
        return _within(binomial_cdf(acceptance, n, rate), risk)

    hi = acceptance + 1
    while not meets(hi):
        hi *= 2
    lo = hi // 2  # fails (or is below acceptance + 1, where the probability is 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return hi


def attribute_sample_size(confidence: float, tolerable_rate: float, acceptance_number: int = 0) -> int:
    """The smallest n for which finding at most ``acceptance_number`` defects shows, at ``confidence``, that
    the defect rate is below ``tolerable_rate`` (binomial; the figures of classic attribute-sampling tables).
    """
    _check_probability("confidence", confidence)
    _check_probability("tolerable_rate", tolerable_rate)
    _check_count("acceptance_number", acceptance_number)
    return _smallest_n(acceptance_number, tolerable_rate, 1.0 - confidence)


def acceptance_plan(
    confidence: float,
    tolerable_rate: float,
    *,
    aql: float | None = None,
    max_acceptance: int = 10,
) -> Plan:
    """An ISO 2859-1 style single sampling plan, computed from the binomial rather than read from tables.

    For each acceptance number c in 0..max_acceptance take the smallest n whose chance of accepting a batch
    at ``tolerable_rate`` is at most ``1 - confidence`` (consumer's risk). With ``aql``, keep only plans that
    accept a batch at the AQL at least 95% of the time (producer's risk 5%); that chance only falls as n
    grows, so the smallest n is the best candidate for each c. Of the candidates, the smallest n wins.
    """
    _check_probability("confidence", confidence)
    _check_probability("tolerable_rate", tolerable_rate)
    _check_count("max_acceptance", max_acceptance)
    if aql is not None:
        _check_probability("aql", aql)
        if aql >= tolerable_rate:
            raise ValueError(f"aql must be below tolerable_rate ({tolerable_rate!r}), got {aql!r}")
    risk = 1.0 - confidence
    best: Plan | None = None
    for c in range(max_acceptance + 1):
        n = _smallest_n(c, tolerable_rate, risk)
        if best is not None and n >= best.sample_size:
            continue
        if aql is not None and binomial_cdf(c, n, aql) < _PRODUCER_ACCEPTANCE:
            continue
        best = Plan(n, c, confidence, tolerable_rate, aql)
    if best is None:
        raise ValueError(
            f"max_acceptance: no plan with at most {max_acceptance} accepted defects keeps the producer's risk "
            f"at 5% for aql={aql!r}; raise max_acceptance or widen the gap between aql and tolerable_rate"
        )
    return best


def _bisect(increasing: bool, target: float, tail: Callable[[float], float]) -> tuple[float, float]:
    """Bracket the p in [0, 1] where the monotone ``tail(p)`` crosses ``target``, to width 1e-10."""
    lo, hi = 0.0, 1.0
    while hi - lo > _BISECT_TOL:
        mid = (lo + hi) / 2.0
        above = tail(mid) > target
        if above == increasing:
            hi = mid
        else:
            lo = mid
    return lo, hi


def clopper_pearson(defects: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval for a defect rate after ``defects`` in ``n`` checks.

    The lower end is the rate at which ``defects`` or more would be seen with probability (1-confidence)/2,
    the upper end the rate at which ``defects`` or fewer would; each is returned at the outer edge of its
    1e-10 bisection bracket, so the interval never comes out narrower than the exact one.
    """
    _check_count("n", n)
    _check_count("defects", defects)
    if defects > n:
        raise ValueError(f"defects must not exceed n ({n}), got {defects}")
    _check_probability("confidence", confidence)
    half = (1.0 - confidence) / 2.0
    lower = 0.0
    if defects > 0:
        lower, _ = _bisect(True, half, lambda p: binomial_sf(defects - 1, n, p))
    upper = 1.0
    if defects < n:
        _, upper = _bisect(False, half, lambda p: binomial_cdf(defects, n, p))
    return lower, upper
