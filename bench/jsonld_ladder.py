"""The array ladder: JSON-LD cost of one long array, as ratios to the 1,000-element case in the same run.

An array of n literals (strings) or small objects (``{"category": ...}``) in the example battery
credential's subject is expanded, turned into RDF and canonicalized (bpvc's safe mode, RDFC-1.0).
Linear cost shows as ratios close to n/1000 (4, 8, 32); pyld's own de-duplication was quadratic
(8,000 literals took about 36 s). The work budget is raised for the run, since 32,000 small
objects are beyond the default; the units it counted are printed beside the times.

    python bench/jsonld_ladder.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path
from typing import Any

from bpvc.jsonld.canonicalize import WorkBudget, canonicalize_dataset, to_dataset

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1000, 4000, 8000, 32000)


def ladder_document(kind: str, n: int) -> dict[str, Any]:
    doc = json.loads((ROOT / "examples" / "battery-credential.json").read_text(encoding="utf-8"))
    subject = doc["credentialSubject"]
    if kind == "literals":
        subject["unit"] = [f"unit {i}" for i in range(n)]
    else:
        subject["chemistry"] = [{"category": f"category {i}"} for i in range(n)]
    return doc


def run_once(doc: dict[str, Any]) -> tuple[float, int]:
    """CPU seconds and work units for safe-mode expansion, toRDF and RDFC of ``doc``."""
    budget = WorkBudget(10**9)
    start = time.process_time()
    canonicalize_dataset(to_dataset(copy.deepcopy(doc), budget=budget), budget=budget)
    return time.process_time() - start, budget.used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per size; the fastest is kept")
    args = parser.parse_args()
    run_once(ladder_document("literals", 100))  # contexts processed and cached before timing
    print(f"{'kind':<9} {'n':>6} {'CPU s':>8} {'ratio':>7} {'n ratio':>8} {'units':>9}")
    for kind in ("literals", "objects"):
        base: float | None = None
        for n in SIZES:
            doc = ladder_document(kind, n)
            best, units = min(run_once(doc) for _ in range(args.rounds))
            base = base or best
            print(f"{kind:<9} {n:>6} {best:>8.3f} {best / base:>7.1f} {n / SIZES[0]:>8.0f} {units:>9}")


if __name__ == "__main__":
    main()
