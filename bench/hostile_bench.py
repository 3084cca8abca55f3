"""CPU time of ``Verifier.verify`` on hostile bodies up to the HTTP service's 1 MiB limit.

Each body is built here, then verified once per round; the figure is the median CPU time
(``time.process_time``) as a ratio to verifying the example credential in the same run, plus
the absolute milliseconds. Every hostile body must come out not verified (exit 1 otherwise).
The point is the bound: no body of at most 1 MiB may cost more than a fraction of a second.

    python bench/hostile_bench.py [--rounds 3] [--limit 60] [--json]

Each hostile body runs in a child process, killed after ``--limit`` wall seconds (reported as a hang).
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bpvc.issue.credential import issue_credential
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.verify.verifier import Verifier

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 1, 1, tzinfo=UTC)
LIMIT = 1 << 20


def _signed() -> dict[str, Any]:
    key = KeyPair.generate("ed25519")
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    doc = json.loads((ROOT / "examples" / "battery-credential.json").read_text())
    doc["issuer"] = key.controller
    return issue_credential(doc, key, created="2026-11-20T00:00:00Z")


def _fill(base: dict[str, Any], make: Callable[[int], Any], key: str = "unit") -> dict[str, Any]:
    """``base`` with ``credentialSubject[key] = make(n)`` for the largest n that stays under 1 MiB.

    The key is a term the credential's context defines (``unit``), so JSON-LD processes the value."""
    low, high = 1, 1 << 20
    while low < high:
        mid = (low + high + 1) // 2
        doc = copy.deepcopy(base)
        doc["credentialSubject"][key] = make(mid)
        if len(json.dumps(doc)) <= LIMIT:
            low = mid
        else:
            high = mid - 1
    doc = copy.deepcopy(base)
    doc["credentialSubject"][key] = make(low)
    return doc


def bodies(signed: dict[str, Any]) -> dict[str, Any]:
    long_proof = copy.deepcopy(signed)
    long_proof["proof"]["proofValue"] = "z" + "2" * (LIMIT - 4096)
    return {
        "proofValue of ~1 MiB": long_proof,
        "arrays nested 100,000 deep (text)": "[" * 100_000 + "]" * 100_000,
        "distinct literals in one array": _fill(signed, lambda n: [f"v{i}" for i in range(n)]),
        "distinct small objects in one array": _fill(signed, lambda n: [{"unit": f"u{i}"} for i in range(n)]),
        "identical blank objects": _fill(signed, lambda n: [{"unit": "kg"} for _ in range(n)]),
        "integers in one array": _fill(signed, lambda n: list(range(n))),
        "undefined terms": _fill(signed, lambda n: {f"t{i}": i for i in range(n)}, key="filler"),
    }


def _cpu(fn: Callable[[], Any]) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def _child(body: Any, queue: Any) -> None:
    verifier = Verifier()
    verifier.verify(_signed(), now=NOW)  # warm the caches as the parent's baseline is warm
    started = time.process_time()
    result = verifier.verify(body, now=NOW)
    queue.put((time.process_time() - started, result.verified))


def _timed(body: Any, limit: float) -> tuple[float | None, bool]:
    """CPU seconds of one verification in a child process, or None when it ran past ``limit`` wall seconds."""
    queue: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(body, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        return None, False
    return queue.get()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=float, default=60.0, help="wall seconds before a case counts as a hang")
    args = parser.parse_args()
    verifier = Verifier()
    signed = _signed()
    assert verifier.verify(signed, now=NOW).verified
    cases = bodies(signed)
    baseline: list[float] = []
    times: dict[str, list[float | None]] = {name: [] for name in cases}
    failures = []
    for _ in range(args.rounds):
        baseline.append(_cpu(lambda: verifier.verify(signed, now=NOW)))
        for name, body in cases.items():
            seconds, verified = _timed(body, args.limit)
            times[name].append(seconds)
            if verified or seconds is None:
                failures.append(name)
    base = statistics.median(baseline)
    rows = []
    for (name, body), measured in zip(cases.items(), times.values(), strict=True):
        done = [t for t in measured if t is not None]
        cpu = statistics.median(done) if len(done) == len(measured) else None
        rows.append(
            {
                "case": name,
                "bytes": len(body if isinstance(body, str) else json.dumps(body)),
                "cpu_ms": None if cpu is None else round(cpu * 1000, 1),
                "ratio_to_example": None if cpu is None else round(cpu / base, 1),
            }
        )
    if args.json:
        print(json.dumps({"example_ms": round(base * 1000, 2), "rows": rows}, indent=2))
    else:
        print(f"example credential: {base * 1000:.2f} ms CPU (ratio 1)")
        for row in rows:
            cost = f"{row['cpu_ms']:>9.1f} ms  ×{row['ratio_to_example']}" if row["cpu_ms"] is not None else "hang"
            print(f"{row['case']:40} {row['bytes']:>9} B  {cost}")
    if failures:
        print("verified or hung (must not be): " + ", ".join(sorted(set(failures))), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
