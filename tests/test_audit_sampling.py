"""bpvc.audit.sampling: reproducible, order-independent, stratified selection."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from bpvc.audit import sampling
from bpvc.audit.sampling import allocate, rank, sample_size_for_rate, select

IDS = [f"urn:uuid:{i:08x}-0000-4000-8000-{i * 7919:012x}" for i in range(1000)]


def ident(value: str) -> str:
    return value


def shuffled(items: list[str], seed: int) -> list[str]:
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy


# --- reproducibility ------------------------------------------------------------------------------


def test_same_seed_same_sample_whatever_the_input_order() -> None:
    first = select(IDS, seed="audit-2025-q1", sample=59, key=ident)
    for order in range(5):
        assert select(shuffled(IDS, order), seed="audit-2025-q1", sample=59, key=ident) == first
    assert select(list(reversed(IDS)), seed="audit-2025-q1", sample=59, key=ident) == first


def test_different_seed_different_sample() -> None:
    samples = {tuple(select(IDS, seed=seed, sample=59, key=ident)) for seed in range(10)}
    assert len(samples) == 10


def test_int_seed_equals_its_decimal_string() -> None:
    assert select(IDS, seed=42, sample=20, key=ident) == select(IDS, seed="42", sample=20, key=ident)


def test_rank_is_hmac_sha256_of_the_key_under_the_seed() -> None:
    expected = hmac.new(b"s3", b"urn:x", hashlib.sha256).hexdigest()
    assert rank("urn:x", "s3") == expected


def test_result_is_the_lowest_ranks_in_rank_order() -> None:
    chosen = select(shuffled(IDS, 1), seed=7, sample=25, key=ident)
    by_hand = sorted(IDS, key=lambda value: hmac.new(b"7", value.encode(), hashlib.sha256).digest())[:25]
    assert chosen == by_hand


def test_a_larger_sample_extends_a_smaller_one() -> None:
    small = select(IDS, seed="x", sample=30, key=ident)
    large = select(IDS, seed="x", sample=80, key=ident)
    assert large[:30] == small


# Loads sampling.py by path: it imports nothing else from bpvc, and skipping the package import keeps this fast.
_SUBPROCESS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("sampling_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
items = json.loads(sys.stdin.read())
print(json.dumps(module.select(items, seed="hash-check", sample=40, key=str, strata=lambda s: s[-1])))
"""


def test_independent_of_the_python_hash_seed() -> None:
    outputs = set()
    for hash_seed in ("1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, sampling.__file__],
            input=json.dumps(IDS),
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == select(IDS, seed="hash-check", sample=40, key=str, strata=lambda s: s[-1])


# --- sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 59, 299, 999, 1000])
def test_sample_size_is_exact(size: int) -> None:
    chosen = select(IDS, seed=1, sample=size, key=ident)
    assert len(chosen) == size
    assert len(set(chosen)) == size


@pytest.mark.parametrize(
    ("population", "rate", "expected"),
    [
        (100, 0.07, 7),  # not 8: the rate is read as the decimal 0.07, not its binary value 0.07000000000000000666
        (95, 0.1, 10),  # 9.5 rounds up
        (90, 0.1, 9),  # exact stays exact
        (10, 0.001, 1),  # any rate draws at least one from a non-empty batch
        (1000, 1.0, 1000),
        (0, 0.5, 0),
        (3, 0.34, 2),  # 1.02 rounds up
    ],
)
def test_rate_rounds_up(population: int, rate: float, expected: int) -> None:
    assert sample_size_for_rate(population, rate) == expected
    assert len(select(IDS[:population], seed=3, rate=rate, key=ident)) == expected


# --- strata ---------------------------------------------------------------------------------------


def issuer_of(value: str) -> str:
    number = int(value[9:17], 16)
    return "did:web:a.example" if number < 600 else "did:web:b.example" if number < 900 else "did:web:c.example"


def test_stratified_sample_is_proportional() -> None:
    chosen = select(shuffled(IDS, 4), seed="s", sample=50, key=ident, strata=issuer_of)
    assert Counter(map(issuer_of, chosen)) == {"did:web:a.example": 30, "did:web:b.example": 15, "did:web:c.example": 5}


def test_stratified_sample_takes_the_lowest_ranks_of_each_stratum_and_is_ordered_by_rank() -> None:
    chosen = select(IDS, seed="s", sample=50, key=ident, strata=issuer_of)
    for stratum in ("did:web:a.example", "did:web:b.example", "did:web:c.example"):
        members = [value for value in IDS if issuer_of(value) == stratum]
        in_sample = [value for value in chosen if issuer_of(value) == stratum]
        assert in_sample == select(members, seed="s", sample=len(in_sample), key=ident)
    assert [rank(value, "s") for value in chosen] == sorted(rank(value, "s") for value in chosen)


def test_small_strata_get_at_least_one() -> None:
    items = IDS[:990] + ["tiny-1-x", "tiny-2-y"]
    strata = {value: "big" for value in IDS[:990]} | {"tiny-1-x": "x", "tiny-2-y": "y"}
    chosen = select(items, seed=9, sample=10, key=ident, strata=strata.__getitem__)
    assert Counter(strata[value] for value in chosen) == {"big": 8, "x": 1, "y": 1}


def test_allocation_examples() -> None:
    assert allocate({"a": 900, "b": 100}, 10) == {"a": 9, "b": 1}
    assert allocate({"a": 990, "b": 5, "c": 5}, 10) == {"a": 8, "b": 1, "c": 1}
    assert allocate({"a": 3, "b": 97}, 3) == {"a": 1, "b": 2}
    # fewer items than strata: no minimum, ties in the remainder go by stratum name
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    # largest remainder: quotas 3.4, 3.35, 3.25 -> 3, 3, 3 plus the one left to the largest remainder
    assert allocate({"a": 340, "b": 335, "c": 325}, 10) == {"a": 4, "b": 3, "c": 3}
    assert allocate({"a": 0, "b": 4}, 2) == {"b": 2}
    assert allocate({}, 0) == {}


def test_allocation_properties() -> None:
    rng = random.Random(11)
    for _ in range(300):
        sizes = {f"s{i}": rng.choice([0, 1, 2, 3, 10, 50, rng.randint(1, 500)]) for i in range(rng.randint(1, 8))}
        total = sum(sizes.values())
        sample = rng.randint(0, total)
        shares = allocate(sizes, sample)
        assert sum(shares.values()) == sample
        assert all(0 <= shares[name] <= sizes[name] for name in shares)
        if sample >= len(shares):
            assert all(share >= 1 for share in shares.values())
        assert allocate(dict(reversed(list(sizes.items()))), sample) == shares


def test_allocation_stays_within_one_of_the_quota_when_no_minimum_is_needed() -> None:
    rng = random.Random(5)
    for _ in range(200):
        sizes = {f"s{i}": rng.randint(20, 400) for i in range(rng.randint(2, 6))}
        total = sum(sizes.values())
        sample = rng.randint(total // 5, total)
        for name, share in allocate(sizes, sample).items():
            assert abs(share - sample * sizes[name] / total) < 1


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sample": 5, "rate": 0.1}, "sample and rate"),
        ({}, "sample and rate"),
        ({"sample": 1001}, "sample"),
        ({"sample": -1}, "sample"),
        ({"sample": True}, "sample"),
        ({"rate": 0.0}, "rate"),
        ({"rate": 1.5}, "rate"),
        ({"sample": 5, "seed": ""}, "seed"),
        ({"sample": 5, "seed": True}, "seed"),
        ({"sample": 5, "seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], name: str) -> None:
    arguments: dict[str, Any] = {"seed": 1, "key": ident} | kwargs
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        select(IDS, **arguments)


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="^key must be unique"):
        select(["a", "b", "a"], seed=1, sample=1, key=ident)


def test_key_must_return_str() -> None:
    with pytest.raises(ValueError, match="^key "):
        select([1, 2, 3], seed=1, sample=1, key=lambda value: value)  # type: ignore[arg-type,return-value]


def test_allocate_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="^sample "):
        allocate({"a": 2}, 3)
    with pytest.raises(ValueError, match="^sizes "):
        allocate({"a": -1}, 0)
