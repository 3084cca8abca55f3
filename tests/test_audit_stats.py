"""bpvc.audit.stats against figures derived here by other routes: closed forms, exact integer
arithmetic (math.comb, Fraction) and a separately written root finder."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest

from bpvc.audit.stats import (
    Plan,
    acceptance_plan,
    attribute_sample_size,
    binomial_cdf,
    binomial_sf,
    clopper_pearson,
    defects_allowed,
    zero_acceptance_sample_size,
)

# --- independent reference arithmetic ------------------------------------------------------------


def comb_cdf_decimal(k: int, n: int, p: float) -> Decimal:
    """P(X <= k) by direct summation of exact math.comb terms in 40-digit decimals (no logs, no lgamma)."""
    with localcontext() as ctx:
        ctx.prec = 40
        q, r = Decimal(p), 1 - Decimal(p)
        return sum((Decimal(math.comb(n, i)) * q**i * r ** (n - i) for i in range(0, min(k, n) + 1)), Decimal(0))


def comb_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k)."""
    return float(comb_cdf_decimal(k, n, p))


def comb_sf(k: int, n: int, p: float) -> float:
    """P(X > k), as 1 - P(X <= k) taken in 40 digits so a small tail keeps its precision."""
    with localcontext() as ctx:
        ctx.prec = 40
        return float(1 - comb_cdf_decimal(k, n, p))


def solve(f: Callable[[float], float], target: float, rising: bool) -> float:
    """Root of a monotone f(p) = target on [0, 1]: 200 fixed halvings, a different loop from the module's."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = lo + (hi - lo) / 2
        if (f(mid) < target) == rising:
            lo = mid
        else:
            hi = mid
    return lo


def hypergeometric_zero(n: int, defective: int, population: int) -> Fraction:
    """P(no defective item among n drawn without replacement), exactly."""
    return Fraction(math.comb(population - defective, n), math.comb(population, n))


# --- binomial -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 1, 0.3), (3, 10, 0.2), (5, 100, 0.05), (50, 1000, 0.04), (2, 59, 0.05), (120, 400, 0.31), (50, 10_000, 0.005)],
)
def test_binomial_cdf_matches_direct_summation(k: int, n: int, p: float) -> None:
    assert binomial_cdf(k, n, p) == pytest.approx(comb_cdf(k, n, p), rel=1e-9, abs=1e-12)
    assert binomial_sf(k, n, p) == pytest.approx(comb_sf(k, n, p), rel=1e-9, abs=1e-12)
    assert binomial_cdf(k, n, p) + binomial_sf(k, n, p) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize(("k", "n", "p"), [(2, 100, 1e-4), (0, 3000, 0.002), (97, 100, 0.9999), (1, 2000, 0.01)])
def test_small_tails_keep_relative_precision(k: int, n: int, p: float) -> None:
    assert binomial_sf(k, n, p) == pytest.approx(comb_sf(k, n, p), rel=1e-9, abs=0)
    assert binomial_cdf(k, n, p) == pytest.approx(comb_cdf(k, n, p), rel=1e-9, abs=0)


def test_binomial_edges() -> None:
    assert binomial_cdf(-1, 10, 0.5) == 0.0
    assert binomial_cdf(10, 10, 0.5) == 1.0
    assert binomial_cdf(0, 10, 0.0) == 1.0
    assert binomial_cdf(9, 10, 1.0) == 0.0
    assert binomial_sf(-1, 10, 0.5) == 1.0
    assert binomial_sf(10, 10, 0.5) == 0.0
    assert binomial_cdf(0, 0, 0.5) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"n": -1, "p": 0.5}, "n"), ({"n": 5, "p": 1.5}, "p"), ({"n": 5, "p": -0.1}, "p")]
)
def test_binomial_rejects_bad_arguments(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} "):
        binomial_cdf(1, **kwargs)


def test_binomial_cdf_is_monotone() -> None:
    by_k = [binomial_cdf(k, 50, 0.1) for k in range(51)]
    assert by_k == sorted(by_k)
    by_p = [binomial_cdf(3, 50, p / 100) for p in range(1, 100)]
    assert by_p == sorted(by_p, reverse=True)


# --- zero-acceptance sample size ------------------------------------------------------------------


@pytest.mark.parametrize(("confidence", "rate", "expected"), [(0.95, 0.01, 299), (0.99, 0.01, 459), (0.95, 0.05, 59)])
def test_zero_acceptance_known_figures(confidence: float, rate: float, expected: int) -> None:
    closed_form = math.ceil(math.log(1 - confidence) / math.log(1 - rate))
    assert closed_form == expected
    assert zero_acceptance_sample_size(confidence, rate) == expected


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.975, 0.99, 0.999])
@pytest.mark.parametrize("rate", [0.001, 0.01, 0.02, 0.05, 0.1, 0.3])
def test_zero_acceptance_is_the_smallest_n(confidence: float, rate: float) -> None:
    n = zero_acceptance_sample_size(confidence, rate)
    assert (1 - rate) ** n <= 1 - confidence
    assert n == 1 or (1 - rate) ** (n - 1) > 1 - confidence


def test_zero_acceptance_exact_boundary_is_not_pushed_up_by_rounding() -> None:
    # 0.5**2 == 0.25 == 1 - 0.75 exactly: two items suffice.
    assert zero_acceptance_sample_size(0.75, 0.5) == 2


def test_zero_acceptance_monotone() -> None:
    by_confidence = [zero_acceptance_sample_size(c / 100, 0.02) for c in range(50, 100)]
    assert by_confidence == sorted(by_confidence)
    by_rate = [zero_acceptance_sample_size(0.95, r / 1000) for r in range(1, 200)]
    assert by_rate == sorted(by_rate, reverse=True)


@pytest.mark.parametrize(
    ("population", "rate", "confidence"),
    [(300, 0.01, 0.95), (10, 0.5, 0.95), (1000, 0.02, 0.99), (59, 0.05, 0.95), (5000, 0.01, 0.95), (3, 0.3, 0.9)],
)
def test_zero_acceptance_hypergeometric_matches_exact_fractions(
    population: int, rate: float, confidence: float
) -> None:
    defective = math.ceil(Fraction(str(rate)) * population)
    risk = Fraction(str(1 - confidence)).limit_denominator(10**9)
    expected = next(n for n in range(1, population + 1) if hypergeometric_zero(n, defective, population) <= risk)
    n = zero_acceptance_sample_size(confidence, rate, population)
    assert n == expected
    assert n <= population
    assert n <= zero_acceptance_sample_size(confidence, rate)


def test_zero_acceptance_hypergeometric_worked_example() -> None:
    # N=300, D=3: P(0 in 189) = 111*110*109 / (300*299*298) = 0.0498; P(0 in 188) = 0.0512.
    assert zero_acceptance_sample_size(0.95, 0.01, population=300) == 189
    # N=10, D=5: C(5,n)/C(10,n) = 1/2, 2/9, 1/12, 1/42 for n = 1..4.
    assert zero_acceptance_sample_size(0.95, 0.5, population=10) == 4


def test_zero_acceptance_never_exceeds_a_small_population() -> None:
    for population in range(1, 40):
        assert zero_acceptance_sample_size(0.999, 0.01, population) <= population
    assert zero_acceptance_sample_size(0.999, 0.01, 1) == 1


def test_defects_allowed_reads_the_decimal_rate() -> None:
    assert defects_allowed(0.07, 100) == 7  # float 0.07 * 100 is 7.000000000000001
    assert defects_allowed(0.01, 50) == 1
    assert defects_allowed(0.001, 10) == 1


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((1.0, 0.05), "confidence"),
        ((0.0, 0.05), "confidence"),
        ((float("nan"), 0.05), "confidence"),
        ((0.95, 0.0), "tolerable_rate"),
        ((0.95, 1.0), "tolerable_rate"),
        ((0.95, 0.05, 0), "population"),
        ((0.95, 0.05, True), "population"),
    ],
)
def test_zero_acceptance_rejects_bad_arguments(args: tuple[Any, ...], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} "):
        zero_acceptance_sample_size(*args)


# --- attribute sample sizes and acceptance plans --------------------------------------------------


def brute_force_n(confidence: float, rate: float, acceptance: int) -> int:
    return next(n for n in range(acceptance + 1, 10_000) if comb_cdf(acceptance, n, rate) <= 1 - confidence + 1e-15)


@pytest.mark.parametrize(
    ("confidence", "rate", "expected"),
    [
        # the figures printed in classic attribute-sampling tables (AICPA), re-derived here by brute force
        (0.95, 0.05, [59, 93, 124, 153, 181, 208]),
        (0.90, 0.05, [45, 77, 105, 132]),
        (0.95, 0.10, [29, 46, 61, 76]),
    ],
)
def test_attribute_sample_size(confidence: float, rate: float, expected: list[int]) -> None:
    derived = [brute_force_n(confidence, rate, c) for c in range(len(expected))]
    assert derived == expected
    assert [attribute_sample_size(confidence, rate, c) for c in range(len(expected))] == expected


def test_attribute_sample_size_zero_matches_zero_acceptance() -> None:
    for rate in (0.003, 0.01, 0.05, 0.2):
        assert attribute_sample_size(0.95, rate) == zero_acceptance_sample_size(0.95, rate)


def test_plan_without_aql_is_the_zero_acceptance_plan() -> None:
    plan = acceptance_plan(0.95, 0.01)
    assert (plan.sample_size, plan.acceptance_number) == (299, 0)
    assert (plan.confidence, plan.tolerable_rate, plan.aql) == (0.95, 0.01, None)


@pytest.mark.parametrize(("confidence", "rate", "aql"), [(0.95, 0.05, 0.01), (0.9, 0.1, 0.02), (0.95, 0.02, 0.002)])
def test_plan_with_aql_meets_both_risks_and_is_smallest(confidence: float, rate: float, aql: float) -> None:
    plan = acceptance_plan(confidence, rate, aql=aql)
    n, c = plan.sample_size, plan.acceptance_number
    assert comb_cdf(c, n, rate) <= 1 - confidence
    assert comb_cdf(c, n, aql) >= 0.95
    for smaller in range(1, n):
        for other_c in range(0, min(smaller, 11)):
            meets = comb_cdf(other_c, smaller, rate) <= 1 - confidence and comb_cdf(other_c, smaller, aql) >= 0.95
            assert not meets, (smaller, other_c)


def test_plan_example_figures() -> None:
    # n=181, c=4 consumer's risk 0.0495 at 5%; producer's acceptance 0.9643 at 1%; c=3 at n=153 accepts 1% only 0.9353.
    plan = acceptance_plan(0.95, 0.05, aql=0.01)
    assert (plan.sample_size, plan.acceptance_number) == (181, 4)
    assert comb_cdf(3, 153, 0.01) < 0.95


def test_plan_infeasible_and_invalid() -> None:
    with pytest.raises(ValueError, match="^max_acceptance"):
        acceptance_plan(0.95, 0.05, aql=0.04, max_acceptance=2)
    with pytest.raises(ValueError, match="^aql"):
        acceptance_plan(0.95, 0.05, aql=0.05)
    with pytest.raises(ValueError, match="^max_acceptance"):
        acceptance_plan(0.95, 0.05, max_acceptance=-1)
    with pytest.raises(ValueError, match="^confidence"):
        acceptance_plan(95, 0.05)


def test_plan_object() -> None:
    plan = Plan(50, 1)
    assert plan.accepts(0) and plan.accepts(1) and not plan.accepts(2)
    assert plan.acceptance_probability(0.02) == pytest.approx(comb_cdf(1, 50, 0.02), rel=1e-9)
    assert plan.to_dict() == {
        "sample_size": 50,
        "acceptance_number": 1,
        "confidence": None,
        "tolerable_rate": None,
        "aql": None,
    }
    with pytest.raises(ValueError, match="^defects"):
        plan.accepts(-1)
    with pytest.raises(ValueError, match="^acceptance_number"):
        Plan(5, 5)
    with pytest.raises(ValueError, match="^sample_size"):
        Plan(0, 0)
    with pytest.raises(ValueError, match="^confidence"):
        Plan(5, 0, confidence=1.0)


# --- Clopper-Pearson -----------------------------------------------------------------------------


def test_clopper_pearson_closed_forms() -> None:
    lower, upper = clopper_pearson(0, 10)
    assert lower == 0.0
    assert upper == pytest.approx(1 - 0.025 ** (1 / 10), abs=2e-10)
    assert upper == pytest.approx(0.30849710781876083, abs=2e-10)
    lower, upper = clopper_pearson(10, 10)
    assert lower == pytest.approx(0.025 ** (1 / 10), abs=2e-10)
    assert upper == 1.0
    lower, upper = clopper_pearson(0, 59, 0.90)
    assert upper == pytest.approx(1 - 0.05 ** (1 / 59), abs=2e-10)


def test_clopper_pearson_5_of_100() -> None:
    lower, upper = clopper_pearson(5, 100)
    # the defining equations, checked with direct comb sums
    assert comb_sf(4, 100, lower) == pytest.approx(0.025, abs=1e-9)
    assert comb_cdf(5, 100, upper) == pytest.approx(0.025, abs=1e-9)
    # the same roots found by a separately written bisection on the comb sums
    assert lower == pytest.approx(solve(lambda p: comb_sf(4, 100, p), 0.025, rising=True), abs=2e-10)
    assert upper == pytest.approx(solve(lambda p: comb_cdf(5, 100, p), 0.025, rising=False), abs=2e-10)
    # and the published values (R binom.test(5, 100))
    assert lower == pytest.approx(0.01643188, abs=1e-8)
    assert upper == pytest.approx(0.11283491, abs=1e-8)


def test_clopper_pearson_is_never_narrower_than_exact() -> None:
    lower, upper = clopper_pearson(3, 40)
    assert comb_sf(2, 40, lower) <= 0.025 + 1e-12
    assert comb_cdf(3, 40, upper) <= 0.025 + 1e-12


def test_clopper_pearson_edges_and_errors() -> None:
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="^defects"):
        clopper_pearson(3, 2)
    with pytest.raises(ValueError, match="^n "):
        clopper_pearson(0, -1)
    with pytest.raises(ValueError, match="^confidence"):
        clopper_pearson(1, 10, 1.0)


def test_clopper_pearson_monotone() -> None:
    intervals = [clopper_pearson(k, 60) for k in range(61)]
    assert [i[0] for i in intervals] == sorted(i[0] for i in intervals)
    assert [i[1] for i in intervals] == sorted(i[1] for i in intervals)
    assert all(lower < upper for lower, upper in intervals)
    widths = [clopper_pearson(n // 10, n)[1] - clopper_pearson(n // 10, n)[0] for n in (20, 50, 100, 200, 500)]
    assert widths == sorted(widths, reverse=True)
    by_confidence = [clopper_pearson(4, 80, c) for c in (0.8, 0.9, 0.95, 0.99)]
    assert [i[0] for i in by_confidence] == sorted((i[0] for i in by_confidence), reverse=True)
    assert [i[1] for i in by_confidence] == sorted(i[1] for i in by_confidence)


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.2, 0.5])
def test_clopper_pearson_exact_coverage(rate: float) -> None:
    n = 40
    covered = math.fsum(
        math.comb(n, k) * rate**k * (1 - rate) ** (n - k)
        for k in range(n + 1)
        if clopper_pearson(k, n)[0] <= rate <= clopper_pearson(k, n)[1]
    )
    assert covered >= 0.95


def test_clopper_pearson_simulated_coverage() -> None:
    rng = random.Random(20250402)
    rate, n, trials = 0.05, 100, 400
    cache: dict[int, tuple[float, float]] = {}
    covered = 0
    for _ in range(trials):
        defects = sum(rng.random() < rate for _ in range(n))
        if defects not in cache:
            cache[defects] = clopper_pearson(defects, n)
        lower, upper = cache[defects]
        covered += lower <= rate <= upper
    assert covered / trials >= 0.93
