"""Where the time of ``bpvc audit`` goes, and why 2 workers do not give 2x: phase timings and verify_all variants.

Uses the batch bench/audit_scaling.py caches (generate it first with that script). Runs the
phases of ``bpvc audit`` in-process, in the CLI's order, each timed (wall and this process's CPU):
interpreter start-up + import (measured in a subprocess), read_batch, sampling, verify_all,
footprint_links, the report, HTML and JSON. Then times ``verify_all``-equivalent pools that differ
in one thing each, to show what the parallel part costs:

* ``runner``   : ``runner.verify_all(jobs, config, workers=W)`` as shipped
* ``pool-only``: the same ProcessPoolExecutor (fork, initializer building the Verifier) mapping a no-op
                 over the same jobs: process start-up + pickling both ways, no verification
* ``chunk=K``  : the runner's worker function, pool.map with another chunksize
* ``raw``      : workers get only ``(name, key, raw bytes, stratum)`` and re-parse; results as shipped
* ``ideal split``: W forked processes each verifying a contiguous share of the jobs they inherited
                 through fork, returning one int: no pickling, no balancing, nothing for the parent to do.
                 The machine's ceiling for this work (two vCPUs may not give 2x even for independent
                 processes); compare ``runner`` against it, not against W x.

Also reports pickle sizes per job and per result, and each phase's share of the 1-worker total
(Amdahl: the serial share bounds the 2-worker speed-up).

    python bench/audit_profile.py [--n 10000] [--workers 2] [--skip-variants] [--json]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_scaling import CACHE  # noqa: E402

from bpvc.audit import runner, sampling  # noqa: E402
from bpvc.audit.report import AuditReport, render_html  # noqa: E402
from bpvc.audit.source import Received, read_batch  # noqa: E402


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Timer:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def __call__(self, name: str, fn: Callable[[], Any]) -> Any:
        wall, cpu, kids = time.perf_counter(), _cpu_self(), _cpu_children()
        value = fn()
        self.rows.append(
            {
                "phase": name,
                "wall_s": time.perf_counter() - wall,
                "main_cpu_s": _cpu_self() - cpu,
                "children_cpu_s": _cpu_children() - kids,  # reaped pool workers only
            }
        )
        return value


def _noop(job: tuple[Received, str]) -> int:
    return len(job[0].raw)


_raw_worker: tuple[Any, datetime] | None = None


def _init_raw(config: runner.VerifierConfig) -> None:
    global _raw_worker
    _raw_worker = (config.build(), config.now)


def _check_raw(job: tuple[str, str, bytes, str]) -> runner.Checked:
    """The worker rebuilds Received from the raw bytes (what the parent already parsed once)."""
    from bpvc.audit.source import _parse

    assert _raw_worker is not None
    name, key, raw, stratum = job
    received = Received(name, raw, _parse(raw), key)
    return runner.check(received, _raw_worker[0], _raw_worker[1], stratum=stratum)


_split_jobs: Sequence[tuple[Received, str]] = ()
_split_config: runner.VerifierConfig | None = None


def _verify_slice(bounds: tuple[int, int]) -> int:
    """Verify jobs[lo:hi] with this process's own Verifier; nothing is pickled but two ints each way."""
    assert _split_config is not None
    verifier = _split_config.build()
    passed = 0
    for received, stratum in _split_jobs[bounds[0] : bounds[1]]:
        passed += runner.check(received, verifier, _split_config.now, stratum=stratum).verified
    return passed


def ideal_split(jobs: Sequence[tuple[Received, str]], config: runner.VerifierConfig, workers: int) -> int:
    """The machine's ceiling for this work: ``workers`` forked processes, each verifying a contiguous share
    of the jobs it inherited through fork (no per-job pickling, no result objects, no load balancing)."""
    global _split_jobs, _split_config
    _split_jobs, _split_config = jobs, config
    step = -(-len(jobs) // workers)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(_verify_slice, [(i, min(len(jobs), i + step)) for i in range(0, len(jobs), step)]))


def pool_map(
    fn: Callable[[Any], Any],
    jobs: Sequence[Any],
    workers: int,
    chunk: int,
    init: Callable[..., None],
    config: runner.VerifierConfig,
) -> list[Any]:
    with ProcessPoolExecutor(max_workers=workers, initializer=init, initargs=(config,)) as pool:
        return list(pool.map(fn, jobs, chunksize=chunk))


def startup_seconds(repeat: int = 3) -> float:
    """Interpreter start + ``import bpvc.cli.audit`` (what every ``bpvc audit`` pays), best of ``repeat``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import bpvc.cli.main, bpvc.cli.audit, bpvc.cli.serve"],
            check=True,
            stdin=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunks", default="16,64,256", help="chunk sizes for the chunk=K variant")
    parser.add_argument("--skip-variants", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="extra interleaved rounds of workers=1 / workers=W / ideal split (medians)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    folder = CACHE / f"n{args.n}"
    if not (folder / "meta.json").exists():
        parser.error(f"no cached batch for n={args.n}: run python bench/audit_scaling.py --n {args.n} first")
    source = str(folder / "batch.jsonl")
    did_doc = json.loads((folder / "did.json").read_text())
    now = datetime.now(UTC)
    config = runner.VerifierConfig(now=now, did_documents={did_doc["id"]: did_doc})
    t = Timer()
    startup = startup_seconds()
    batch = t("read_batch", lambda: read_batch(source))
    chosen = t("sampling.select", lambda: sampling.select(batch, seed="s", sample=len(batch), key=lambda r: r.key))
    jobs = [(r, "") for r in chosen]
    w1 = t("verify_all workers=1", lambda: runner.verify_all(jobs, config, workers=1))
    wn = t(f"verify_all workers={args.workers}", lambda: runner.verify_all(jobs, config, workers=args.workers))
    ideal = t(f"ideal split w={args.workers} (ceiling)", lambda: ideal_split(jobs, config, args.workers))
    assert ideal == len(jobs)
    assert [c.item for c in w1] == [c.item for c in wn]
    assert all(c.verified for c in w1), "every credential should pass"
    rounds: list[dict[str, float]] = []
    for _ in range(max(0, args.repeat - 1)):
        timer = Timer()
        timer("w1", lambda: runner.verify_all(jobs, config, workers=1))
        timer("wn", lambda: runner.verify_all(jobs, config, workers=args.workers))
        timer("ideal", lambda: ideal_split(jobs, config, args.workers))
        rounds.append({row["phase"]: row["wall_s"] for row in timer.rows})
    checked = t("footprint_links", lambda: runner.footprint_links(w1, {r.key: r for r in batch}, config, workers=1))
    report = t(
        "AuditReport(...)",
        lambda: AuditReport(
            command="bpvc audit ...",
            inputs=[],
            seed="s",
            population=len(batch),
            sample_ids=[r.key for r in chosen],
            plan=None,
            items=[c.item for c in checked],
            started="2026-01-01T00:00:00Z",
            finished="2026-01-01T00:00:00Z",
            tool_version=version("bpvc"),
        ),
    )
    html = t("render_html", lambda: render_html(report))
    t("to_dict + json.dumps", lambda: json.dumps(report.to_dict(), indent=2))
    job_pickle = len(pickle.dumps(jobs[0], protocol=pickle.HIGHEST_PROTOCOL))
    result_pickle = len(pickle.dumps(w1[0], protocol=pickle.HIGHEST_PROTOCOL))
    chunk_now = max(1, min(64, len(jobs) // (args.workers * 8)))
    pickle_s = time.perf_counter()
    for i in range(0, len(jobs), chunk_now):
        pickle.loads(pickle.dumps(jobs[i : i + chunk_now], protocol=pickle.HIGHEST_PROTOCOL))
        pickle.loads(pickle.dumps(w1[i : i + chunk_now], protocol=pickle.HIGHEST_PROTOCOL))
    pickle_s = time.perf_counter() - pickle_s

    variants: list[dict[str, Any]] = []
    if not args.skip_variants:
        v = Timer()
        w = args.workers
        v(
            f"pool-only (no-op) w={w} chunk={chunk_now}",
            lambda: pool_map(_noop, jobs, w, chunk_now, runner._init_worker, config),
        )
        for chunk in [int(c) for c in args.chunks.split(",") if c.strip()]:
            v(
                f"runner worker fn w={w} chunk={chunk}",
                functools.partial(pool_map, runner._check_in_worker, jobs, w, chunk, runner._init_worker, config),
            )
        raw_jobs = [(r.name, r.key, r.raw, s) for r, s in jobs]
        v(
            f"raw bytes to workers w={w} chunk={chunk_now}",
            lambda: pool_map(_check_raw, raw_jobs, w, chunk_now, _init_raw, config),
        )
        variants = v.rows

    serial = {r["phase"]: r["wall_s"] for r in t.rows}
    first = {"w1": serial["verify_all workers=1"], "wn": serial[f"verify_all workers={args.workers}"]}
    first["ideal"] = serial[f"ideal split w={args.workers} (ceiling)"]
    rounds.insert(0, first)
    verify1 = statistics.median(r["w1"] for r in rounds)
    verifyn = statistics.median(r["wn"] for r in rounds)
    ideal_s = statistics.median(r["ideal"] for r in rounds)
    other = sum(s for name, s in serial.items() if not name.startswith(("verify_all", "ideal split"))) + startup
    total1, totaln = other + verify1, other + verifyn
    out = {
        "n": args.n,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "startup_import_s": startup,
        "phases": t.rows,
        "variants": variants,
        "rounds": rounds,
        "pickle_bytes_per_job": job_pickle,
        "pickle_bytes_per_result": result_pickle,
        "pickle_roundtrip_all_s": pickle_s,
        "chunksize_runner_uses": chunk_now,
        "html_bytes": len(html),
        "serial_s": other,
        "modelled_total_w1_s": total1,
        f"modelled_total_w{args.workers}_s": totaln,
        "modelled_speedup": total1 / totaln,
        "verify_speedup": verify1 / verifyn,
        "ideal_split_speedup": verify1 / ideal_s,
        "modelled_total_at_ideal_split": total1 / (other + ideal_s),
        "amdahl_bound_at_perfect_verify": total1 / (other + verify1 / args.workers),
        "loadavg_at_end": Path("/proc/loadavg").read_text().split()[:3],
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"n={args.n}, {os.cpu_count()} CPUs; start-up + import (best of 3): {startup:.2f} s")
    print("| phase | wall s | main CPU s | worker CPU s | share of 1-worker run |")
    print("|---|---:|---:|---:|---:|")
    print(f"| start-up + import | {startup:.2f} | - | - | {startup / (other + first['w1']):.1%} |")
    for r in t.rows:
        parallel = r["phase"].startswith((f"verify_all workers={args.workers}", "ideal split"))
        share = "-" if parallel else f"{r['wall_s'] / (other + first['w1']):.1%}"  # of this round's 1-worker run
        print(f"| {r['phase']} | {r['wall_s']:.2f} | {r['main_cpu_s']:.2f} | {r['children_cpu_s']:.2f} | {share} |")
    print(
        f"\nserial (everything but verify_all): {other:.2f} s; verify_all speed-up {verify1 / verifyn:.2f}x "
        f"(machine ceiling, ideal split: {verify1 / ideal_s:.2f}x); whole audit modelled {total1 / totaln:.2f}x, "
        f"{out['modelled_total_at_ideal_split']:.2f}x at the ideal split, "
        f"{out['amdahl_bound_at_perfect_verify']:.2f}x with a perfect {args.workers}x verify_all"
    )
    print(
        f"pickle: {job_pickle} B per job, {result_pickle} B per result; round trip of all jobs+results in "
        f"chunks of {chunk_now}: {pickle_s:.2f} s (in one process); HTML report {len(html) / 1e6:.1f} MB"
    )
    if len(rounds) > 1:
        print(f"\nverify_all rounds (s): workers=1 / workers={args.workers} as shipped / ideal split -> speed-ups")
        for r in rounds:
            print(
                f"  {r['w1']:.2f} / {r['wn']:.2f} / {r['ideal']:.2f} "
                f"-> {r['w1'] / r['wn']:.2f}x / {r['w1'] / r['ideal']:.2f}x"
            )
        print(f"  medians used above: {verify1:.2f} / {verifyn:.2f} / {ideal_s:.2f}")
    if variants:
        print("\n| verify_all variant | wall s | main CPU s | worker CPU s | vs workers=1 |")
        print("|---|---:|---:|---:|---:|")
        for r in variants:
            print(
                f"| {r['phase']} | {r['wall_s']:.2f} | {r['main_cpu_s']:.2f} | {r['children_cpu_s']:.2f} "
                f"| {verify1 / r['wall_s']:.2f}x |"
            )
    print(f"\nload average at the end: {' '.join(out['loadavg_at_end'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
