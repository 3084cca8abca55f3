"""Batch issuing throughput against single-record issuing, measured in the same run.

Single-record issuing is what a plant did before batches: one ``bpvc issue passport`` process per
record. Batch issuing is one ``bpvc issue passport DIR -o OUT`` over the same records, with one
worker (the per-core figure) and with every core. Both formats (Data Integrity and vc+jwt).

    python bench/batch_issue_bench.py [--n 200] [--single 20] [--status]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
KEYS = ROOT / "keys.example"
CREATED = "2027-02-01T00:00:00Z"
BASE = "https://status.battery-maker.example/lists"


def records(folder: Path, n: int) -> Path:
    template = json.loads(PASSPORT.read_text())
    folder.mkdir(parents=True)
    for i in range(n):
        template["metadata"]["passportIdentifier"] = str(uuid.UUID(int=i + 1))
        (folder / f"p{i:05d}.json").write_text(json.dumps(template))
    return folder


BPVC = str(Path(sys.executable).with_name("bpvc"))  # the installed command, as a user runs it


def bpvc(*args: str) -> None:
    subprocess.run([BPVC, *args], check=False, capture_output=True)


def single(src: Path, out: Path, fmt: str, n: int, status: list[str]) -> float:
    out.mkdir()
    started = time.perf_counter()
    for path in sorted(src.iterdir())[:n]:
        bpvc("issue", "passport", str(path), "--key", str(KEYS), "--format", fmt, "--created", CREATED,
             "-o", str(out / f"{path.stem}.vc"), *status)  # fmt: skip
    return n / (time.perf_counter() - started)


def batch(src: Path, out: Path, fmt: str, n: int, jobs: int, status: list[str]) -> float:
    started = time.perf_counter()
    bpvc("issue", "passport", str(src), "--key", str(KEYS), "--format", fmt, "--created", CREATED,
         "-o", str(out), "--jobs", str(jobs), *status)  # fmt: skip
    elapsed = time.perf_counter() - started
    issued = len(list(out.iterdir()))
    if issued != n:
        raise SystemExit(f"batch issued {issued} of {n}")
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="records per batch run")
    parser.add_argument("--single", type=int, default=20, help="records issued one process each")
    parser.add_argument("--status", action="store_true", help="with a revocation entry from a SQLite registry")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="bpvc-batch-bench-"))
    try:
        src = records(work / "records", args.n)
        print(f"{args.n} passports per batch, {args.single} single-record processes, {cores} core(s)")
        for fmt in ("di", "jwt"):
            runs: dict[str, float] = {}
            for label, jobs in (("single", 0), ("batch x1", 1), (f"batch x{cores}", cores)):
                out = work / f"{fmt}-{label.replace(' ', '')}"
                status = ["--status", "revocation", "--status-base", BASE, "--registry", str(out) + ".sqlite"]
                extra = status if args.status else []
                if jobs:
                    runs[label] = batch(src, out, fmt, args.n, jobs, extra)
                else:
                    runs[label] = single(src, out, fmt, args.single, extra)
            base = runs["single"]
            line = ", ".join(f"{k} {v:.1f}/s ({v / base:.1f}x)" for k, v in runs.items())
            print(f"{fmt:<4} {line}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
