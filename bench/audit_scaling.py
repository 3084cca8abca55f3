"""How ``bpvc audit`` scales from 1 to 2 worker processes on a batch of N Data Integrity credentials.

Generates N eddsa-rdfc-2022 credentials over the small example credential
(examples/battery-credential.json) with distinct ids, issued by a did:web key whose DID document is
written beside the batch, as a JSON Lines file. The batch is cached under
/tmp/bpvc-audit-scaling/n<N>/ (batch.jsonl, did.json, meta.json), so a rerun with the same N skips
generation; ``--regenerate`` forces a fresh one.

Then runs, as a subprocess (the real CLI), wall-clock timed:

    bpvc audit BATCH --rate 1 --seed s --did-doc did.json --workers W --report R.html --json R.json

for W = 1 and W = 2 (``--workers-list`` to change), and prints each time, credentials/s, the CPU
seconds the audit and its workers used (from the child's rusage), and the speed-up
t(workers 1) / t(workers W). Both runs happen in the same invocation, one after the other; on a
shared machine compare the ratio, not the absolute times.

Exit status 1 when an audit exits non-zero (every credential in the batch should pass).

    python bench/audit_scaling.py [--n 10000] [--workers-list 1,2] [--repeat 1] [--json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bpvc.did import did_web_document
from bpvc.issue.credential import issue_credential
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "bpvc-audit-scaling"
DID = "did:web:battery-maker.example"
FORMAT_VERSION = 1  # bump when the generated batch changes shape

_gen: tuple[KeyPair, dict[str, Any], str] | None = None


def _init_gen(private_jwk: dict[str, str], verification_method: str, created: str) -> None:
    global _gen
    key = KeyPair.from_private_jwk(private_jwk, verification_method)
    doc = json.loads((ROOT / "examples" / "battery-credential.json").read_text(encoding="utf-8"))
    doc["issuer"] = key.controller
    _gen = (key, doc, created)


def _issue_range(bounds: tuple[int, int]) -> list[str]:
    assert _gen is not None
    key, doc, created = _gen
    lines = []
    for i in range(*bounds):
        cred = copy.deepcopy(doc)
        cred["id"] = f"urn:uuid:{uuid.UUID(int=i, version=4)}"
        cred["credentialSubject"]["id"] = f"urn:uuid:{uuid.UUID(int=(1 << 64) + i, version=4)}"
        cred["credentialSubject"]["passportIdentifier"] = cred["credentialSubject"]["id"]
        lines.append(json.dumps(issue_credential(cred, key, created=created), separators=(",", ":")))
    return lines


def generate(folder: Path, n: int, workers: int) -> None:
    """Write ``batch.jsonl`` and ``did.json`` into ``folder``; ``meta.json`` last, as the completion mark."""
    key = KeyPair.generate("ed25519", f"{DID}#key-1")
    did_doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    created = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    step = max(1, min(500, n // (workers * 4) or 1))
    ranges = [(i, min(n, i + step)) for i in range(0, n, step)]
    staging = Path(tempfile.mkdtemp(prefix=".gen-", dir=folder.parent))
    start = time.perf_counter()
    with (
        ProcessPoolExecutor(
            workers, initializer=_init_gen, initargs=(key.private_jwk(), key.verification_method, created)
        ) as pool,
        (staging / "batch.jsonl").open("w", encoding="utf-8") as out,
    ):
        for lines in pool.map(_issue_range, ranges):
            out.write("\n".join(lines) + "\n")
    (staging / "did.json").write_text(json.dumps(did_doc, indent=2) + "\n")
    meta = {"n": n, "version": FORMAT_VERSION, "created": created, "seconds": round(time.perf_counter() - start, 1)}
    (staging / "meta.json").write_text(json.dumps(meta) + "\n")
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(staging, folder)


def batch_folder(n: int, regenerate: bool, gen_workers: int) -> tuple[Path, bool]:
    """The cached batch for ``n`` (generated when missing or stale) and whether it was generated now."""
    folder = CACHE / f"n{n}"
    meta_path = folder / "meta.json"
    if not regenerate and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("n") == n and meta.get("version") == FORMAT_VERSION:
            return folder, False
    CACHE.mkdir(parents=True, exist_ok=True)
    generate(folder, n, gen_workers)
    return folder, True


VARIANTS = {"as shipped": "from bpvc.cli.main import main; main()"}


def run_audit(folder: Path, workers: int, out: Path, variant: str = "as shipped") -> dict[str, Any]:
    report, report_json = out / f"report-w{workers}.html", out / f"report-w{workers}.json"
    command = [
        sys.executable,
        "-c",
        VARIANTS[variant],
        "audit",
        str(folder / "batch.jsonl"),
        "--rate",
        "1",
        "--seed",
        "s",
        "--did-doc",
        str(folder / "did.json"),
        "--workers",
        str(workers),
        "--report",
        str(report),
        "--json",
        str(report_json),
    ]
    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result: dict[str, Any] = {
        "variant": variant,
        "workers": workers,
        "exit_code": proc.returncode,
        "wall_s": wall,
        "cpu_s": cpu,  # the audit process plus its worker processes (reaped children count)
        "cpu_util": cpu / wall,
        "loadavg_before": loadavg,
        "summary": proc.stdout.strip(),
    }
    if proc.returncode != 0:
        result["stderr_tail"] = proc.stderr[-2000:]
    if report_json.exists():
        data = json.loads(report_json.read_text())
        result["sample_size"] = len(data.get("items", []))
        result["passed"] = sum(1 for item in data.get("items", []) if item.get("outcome") == "passed")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="credentials in the batch (default 10,000)")
    parser.add_argument("--workers-list", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count, interleaved; median kept")
    parser.add_argument("--gen-workers", type=int, default=2, help="processes used to generate the batch")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached batch")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    worker_counts = [int(w) for w in args.workers_list.split(",") if w.strip()]
    if args.n < 1 or args.repeat < 1 or not worker_counts or min(worker_counts) < 1:
        parser.error("--n, --repeat and the worker counts must be positive")

    start = time.perf_counter()
    folder, generated = batch_folder(args.n, args.regenerate, args.gen_workers)
    gen_s = time.perf_counter() - start
    variants = ["as shipped"]
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {v: {w: [] for w in worker_counts} for v in variants}
    with tempfile.TemporaryDirectory(prefix="bpvc-audit-out-") as out:
        for _ in range(args.repeat):
            for variant in variants:
                for w in worker_counts:
                    r = run_audit(folder, w, Path(out), variant)
                    runs[variant][w].append(r)
                    if not args.json:
                        print(
                            f"  {variant}, workers {w}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
                            f"exit {r['exit_code']}, load average before {' '.join(r['loadavg_before'])}",
                            file=sys.stderr,
                        )
    ok = all(r["exit_code"] == 0 for by_w in runs.values() for rs in by_w.values() for r in rs)
    summary = []
    for variant in variants:
        base = statistics.median(r["wall_s"] for r in runs[variant][worker_counts[0]])
        for w in worker_counts:
            walls = [r["wall_s"] for r in runs[variant][w]]
            wall = statistics.median(walls)
            cpu = statistics.median(r["cpu_s"] for r in runs[variant][w])
            # per repeat: this run's time against the first worker count's run of the same repeat
            pairs = [
                b["wall_s"] / r["wall_s"]
                for b, r in zip(runs[variant][worker_counts[0]], runs[variant][w], strict=True)
            ]
            summary.append(
                {
                    "variant": variant,
                    "workers": w,
                    "wall_s": round(wall, 2),
                    "per_s": round(args.n / wall, 1),
                    "cpu_s": round(cpu, 2),
                    "cpu_util": round(cpu / wall, 2),
                    "speedup": round(base / wall, 3),
                    "speedup_per_repeat": [round(p, 2) for p in pairs],
                    "exit_codes": [r["exit_code"] for r in runs[variant][w]],
                }
            )
    result = {
        "n": args.n,
        "batch": str(folder / "batch.jsonl"),
        "generated_now": generated,
        "generation_s": round(gen_s, 1),
        "cpus": os.cpu_count(),
        "summary": summary,
        "runs": runs,
        "ok": ok,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        how = f"generated in {gen_s:.0f} s" if generated else "cached"
        print(f"batch: {args.n} eddsa-rdfc-2022 credentials, {folder / 'batch.jsonl'} ({how}); {os.cpu_count()} CPUs")
        first = worker_counts[0]
        print(
            f"| CLI | workers | wall s | credentials/s | CPU s | CPU/wall | speed-up vs workers {first} | per repeat |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for s in summary:
            print(
                f"| {s['variant']} | {s['workers']} | {s['wall_s']:.1f} | {s['per_s']:.1f} | {s['cpu_s']:.1f} "
                f"| {s['cpu_util']:.2f} | {s['speedup']:.2f}x "
                f"| {', '.join(f'{p:.2f}' for p in s['speedup_per_repeat'])} |"
            )
        for variant in variants:
            for w in worker_counts:
                for r in runs[variant][w]:
                    print(f"  {variant}, workers {w}: {r['summary']}")
                    if r["exit_code"] != 0:
                        print(f"  {variant}, workers {w} stderr: {r.get('stderr_tail', '')}")
        print("OK" if ok else "FAILED: an audit exited non-zero")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
