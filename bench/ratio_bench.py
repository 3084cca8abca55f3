"""In-process CPU-time ratios: ``Verifier.verify`` against the plain baseline of bench/formats_bench.py.

For each (format, record) of formats_bench (eddsa-rdfc-2022, ecdsa-rdfc-2019 and vc+jwt over the
example credential and the example passport), baseline and API calls are timed in interleaved
rounds (B A B A ...) with ``time.process_time``; the medians of the per-call CPU times, their
min–max and the number of rounds are printed, with the ratio API / baseline of the medians.

    python bench/ratio_bench.py [--rounds 15] [--calls 20] [--formats eddsa-rdfc-2022,vc+jwt] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from formats_bench import FORMATS, RECORDS, make_cases  # noqa: E402

from bpvc.jsonld.contexts import ContextLoader  # noqa: E402
from bpvc.verify.verifier import Verifier  # noqa: E402


def _cpu_per_call(fn: Callable[[], Any], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--calls", type=int, default=20, help="calls per round and side (default 20)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--records", default=",".join(RECORDS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC)
    formats, records = set(args.formats.split(",")), set(args.records.split(","))
    verifier = Verifier()
    rows = []
    for case in make_cases(now, ContextLoader()):
        if case.format not in formats or case.record not in records:
            continue
        secured = case.secured

        label = f"{case.format} {case.record}"

        def api(secured: Any = secured, label: str = label) -> None:
            result = verifier.verify(secured, now=now)
            if not result.verified:
                raise SystemExit(f"{label}: not verified: {result}")

        api()
        case.baseline()
        base, ours = [], []
        for _ in range(args.rounds):
            base.append(_cpu_per_call(case.baseline, args.calls))
            ours.append(_cpu_per_call(api, args.calls))
        rows.append(
            {
                "format": case.format,
                "record": case.record,
                "rounds": args.rounds,
                "baseline_ms": statistics.median(base) * 1e3,
                "baseline_range_ms": [min(base) * 1e3, max(base) * 1e3],
                "api_ms": statistics.median(ours) * 1e3,
                "api_range_ms": [min(ours) * 1e3, max(ours) * 1e3],
                "ratio": statistics.median(ours) / statistics.median(base),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| format | record | baseline CPU ms (min–max) | API CPU ms (min–max) | API / baseline | n |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        b, a = r["baseline_range_ms"], r["api_range_ms"]
        print(
            f"| {r['format']} | {r['record']} | {r['baseline_ms']:.2f} ({b[0]:.2f}–{b[1]:.2f}) "
            f"| {r['api_ms']:.2f} ({a[0]:.2f}–{a[1]:.2f}) | {r['ratio']:.2f} | {r['rounds']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
