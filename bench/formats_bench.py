"""Credentials verified per second for each format, through the Python API and through HTTP.

Formats: Data Integrity eddsa-rdfc-2022 (Ed25519), Data Integrity ecdsa-rdfc-2019 (P-256) and
vc+jwt (EdDSA), each over two records: the small example credential
(examples/battery-credential.json) and the example battery passport
(examples/passport-6.1.0.json made a credential by ``bpvc.records.passport.to_credential``).
Issuers are did:key, so no DID document is needed on either side.

Per (format, record), all measured in the same run:

* baseline: what a plain implementation does with the same libraries. Data Integrity: pyld
  URDNA2015 + cryptography (``baseline_verify`` from bench/verify_bench.py); vc+jwt: PyJWT
  ``jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_aud": False})``.
* API: ``Verifier().verify(credential, now=...)`` with every check (structure, contexts, proof,
  key ownership, validity, status, schema, domain, trust); each result must be ``verified``.
* HTTP: the real ``bpvc serve`` (uvicorn) on 127.0.0.1 on a free port in a subprocess, N
  concurrent clients (one keep-alive connection each, bench/http_load.py's client) posting to
  /credentials/verify for a bounded time: Data Integrity as ``{"verifiableCredential": ...}``
  JSON, vc+jwt as the raw compact JWS (``application/vc+jwt``, the same bytes the API gets).
  Every response must be 200.

Baseline and API are timed in alternating rounds (B A B A ...) and the median rate of each is
kept, so a burst of other load on the machine hits both about equally. Absolute rates vary with
the machine and its load; compare the ratios.

    python bench/formats_bench.py [--clients 8] [--duration 10] [--quick] [--json]

Exit status 1 when a verification did not pass or an HTTP response was not 200.
Loopback only: the server is always bound to 127.0.0.1 and the clients only ever talk to it.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from http_load import HOST, free_port, start_server, wait_ready  # noqa: E402
from verify_bench import baseline_verify  # noqa: E402

from bpvc.issue.credential import issue_credential, issue_credential_jwt  # noqa: E402
from bpvc.jsonld.contexts import ContextLoader  # noqa: E402
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair  # noqa: E402
from bpvc.records import passport  # noqa: E402
from bpvc.verify.verifier import Verifier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
assert HOST == "127.0.0.1"  # never anything but loopback
FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "vc+jwt")
RECORDS = ("credential", "passport")
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Case:
    format: str
    record: str
    secured: dict[str, Any] | str  # the DI credential, or the compact JWS
    baseline: Callable[[], Any]
    http_body: bytes
    http_content_type: str


def _did_key(key_type: str) -> KeyPair:
    key = KeyPair.generate(key_type)
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def _records(issuer: str, now: datetime) -> dict[str, dict[str, Any]]:
    small = json.loads((ROOT / "examples" / "battery-credential.json").read_text(encoding="utf-8"))
    small["issuer"] = issuer
    # valid whatever the clock says (the server verifies at its own "now")
    small["validFrom"] = (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    small["validUntil"] = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text(encoding="utf-8"))
    big = passport.to_credential(record, issuer=issuer, credential_id="urn:uuid:6d1f2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b")
    return {"credential": small, "passport": big}


def make_cases(now: datetime, loader: ContextLoader) -> list[Case]:
    keys = {"ed25519": _did_key("ed25519"), "p256": _did_key("p256")}
    created = now - timedelta(minutes=1)
    cases = []
    for fmt in FORMATS:
        key = keys["p256" if fmt == "ecdsa-rdfc-2019" else "ed25519"]
        for name, doc in _records(key.controller, now).items():
            if fmt == "vc+jwt":
                token = issue_credential_jwt(copy.deepcopy(doc), key, loader=loader)
                assert isinstance(token, str)
                public = key.public_key.key
                cases.append(
                    Case(
                        fmt,
                        name,
                        token,
                        functools.partial(
                            jwt.decode, token, public, algorithms=["EdDSA"], options={"verify_aud": False}
                        ),
                        token.encode("ascii"),
                        "application/vc+jwt",
                    )
                )
                continue
            signed = issue_credential(copy.deepcopy(doc), key, loader=loader, cryptosuite=fmt, created=created)
            assert signed["proof"]["cryptosuite"] == fmt, signed["proof"]
            cases.append(
                Case(
                    fmt,
                    name,
                    signed,
                    functools.partial(baseline_verify, signed, loader, key.public_key, "sha256"),
                    json.dumps({"verifiableCredential": signed}).encode(),
                    "application/json",
                )
            )
    return cases


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (at least 3 calls)."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        count += 1
        now = time.perf_counter()
        if now >= deadline and count >= 3:
            return count / (now - start)


def bench_api(case: Case, verifier: Verifier, now: datetime, seconds: float, rounds: int) -> tuple[float, float]:
    """(baseline /s, API /s): medians of alternating rounds."""

    def api() -> None:
        result = verifier.verify(case.secured, now=now)
        if not result.verified:
            failed = [(c.name, c.outcome.value, [p.detail for p in c.problems]) for c in result.checks]
            raise SystemExit(f"{case.format}/{case.record}: the API did not verify it: {failed}")

    for _ in range(3):  # warm caches (contexts, did:key, schemas) before timing
        case.baseline()
        api()
    base, ours = [], []
    for _ in range(rounds):
        base.append(_rate(case.baseline, seconds))
        ours.append(_rate(api, seconds))
    return statistics.median(base), statistics.median(ours)


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class LoadResult:
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    unexpected_bodies: list[str] = field(default_factory=list)  # the first few non-200 answers, verbatim

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> bool:
        return self.answered > 0 and set(self.statuses) == {200} and not self.transport_errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def load(base: str, body: bytes, content_type: str, clients: int, duration: float) -> LoadResult:
    """``clients`` keep-alive connections posting ``body`` back to back until ``duration`` is up.

    The same client pattern as bench/http_load.py's ``load``, with one payload, and keeping the body of
    the first few non-200 answers so a failure under load can be diagnosed.
    """
    result = LoadResult(seconds=duration)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    headers = {"Content-Type": content_type}
    start = time.perf_counter()
    deadline = start + duration

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                response = await client.post("/credentials/verify", content=body, headers=headers)
            except httpx.HTTPError as err:
                result.transport_errors[f"{type(err).__name__} {err}".strip()] += 1
                continue
            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
            result.statuses[response.status_code] += 1
            if response.status_code != 200 and len(result.unexpected_bodies) < 3:
                result.unexpected_bodies.append(response.text[:4000])

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(60.0), limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    result.seconds = time.perf_counter() - start
    return result


def bench_http(
    cases: list[Case], clients: int, duration: float, warmup: float
) -> dict[tuple[str, str], dict[str, Any]]:
    """One ``bpvc serve`` for all cases, loaded one case at a time."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        process = start_server(port, log)
        try:
            asyncio.run(wait_ready(base, process))
            for case in cases:
                warm = asyncio.run(load(base, case.http_body, case.http_content_type, clients, warmup))
                cpu_before = _cpu_seconds(process.pid)
                report = asyncio.run(load(base, case.http_body, case.http_content_type, clients, duration))
                server_cpu = _cpu_seconds(process.pid) - cpu_before
                answered = report.answered
                out[(case.format, case.record)] = {
                    "requests": answered + sum(report.transport_errors.values()),
                    "seconds": round(report.seconds, 2),
                    "per_s": answered / report.seconds,
                    "ok": report.ok and warm.ok,
                    "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
                    "warmup_statuses": {str(k): v for k, v in sorted(warm.statuses.items())},
                    "transport_errors": dict(report.transport_errors + warm.transport_errors),
                    "unexpected_bodies": warm.unexpected_bodies + report.unexpected_bodies,
                    "latency_ms_p50": round(report.percentile(0.5), 1),
                    "latency_ms_p95": round(report.percentile(0.95), 1),
                    # server CPU-seconds per wall-second: 1.0 = one core busy (the GIL's ceiling)
                    "server_cpu_util": round(server_cpu / report.seconds, 2),
                    "server_cpu_ms_per_request": round(1000 * server_cpu / answered, 2) if answered else None,
                }
                if not report.ok:
                    log.seek(0)
                    sys.stderr.write(log.read().decode("utf-8", "replace")[-4000:])
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--duration", type=float, default=10.0, help="HTTP seconds per format and record (default 10)")
    parser.add_argument("--api-seconds", type=float, default=1.0, help="seconds per API/baseline round (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/API rounds (default 3)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset of the formats")
    parser.add_argument("--records", default=",".join(RECORDS), help="comma-separated subset: credential,passport")
    parser.add_argument("--no-api", action="store_true", help="skip the baseline and API part")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument("--quick", action="store_true", help="short run: 2 s HTTP, 0.3 s x 3 API rounds")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.api_seconds = min(args.duration, 2.0), min(args.api_seconds, 0.3)
    if args.clients < 1 or args.duration <= 0 or args.api_seconds <= 0 or args.rounds < 1:
        parser.error("--clients, --duration, --api-seconds and --rounds must be positive")

    now = datetime.now(UTC)
    loader = ContextLoader()
    formats = [f for f in args.formats.split(",") if f]
    records = [r for r in args.records.split(",") if r]
    if set(formats) - set(FORMATS) or set(records) - set(RECORDS) or not formats or not records:
        parser.error(f"--formats takes {','.join(FORMATS)}; --records takes {','.join(RECORDS)}")
    cases = [c for c in make_cases(now, loader) if c.format in formats and c.record in records]
    verifier = Verifier()
    rows: list[dict[str, Any]] = []
    for case in cases:
        base, api = (
            (float("nan"), float("nan"))
            if args.no_api
            else bench_api(case, verifier, now, args.api_seconds, args.rounds)
        )
        rows.append(
            {
                "format": case.format,
                "record": case.record,
                "bytes": len(case.http_body),
                "baseline_per_s": base,
                "api_per_s": api,
                "api_over_baseline": api / base,
            }
        )
    http = {} if args.no_http else bench_http(cases, args.clients, args.duration, min(1.0, args.duration / 4))
    ok = True
    for row in rows:
        h = http.get((row["format"], row["record"]))
        row["http"] = h
        if h is not None:
            row["http_per_s"] = h["per_s"]
            row["http_over_api"] = h["per_s"] / row["api_per_s"]
            ok = ok and h["ok"]

    meta = {
        "clients": args.clients,
        "http_seconds": args.duration,
        "api_round_seconds": args.api_seconds,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "loadavg_at_end": Path("/proc/loadavg").read_text().split()[:3],
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows, "ok": ok}, indent=2))
        return 0 if ok else 1
    n = args.clients
    print(f"| format | record | baseline /s | API /s | API/baseline | HTTP /s ({n} clients) | HTTP/API |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        h = r.get("http")
        http_cells = f"{r['http_per_s']:.1f} | {r['http_over_api']:.2f}" if h else "- | -"
        print(
            f"| {r['format']} | {r['record']} | {r['baseline_per_s']:.1f} | {r['api_per_s']:.1f} "
            f"| {r['api_over_baseline']:.2f} | {http_cells} |"
        )
    if http:
        print()
        print("HTTP detail (server CPU-s per wall-s; 1.0 = one core, the GIL ceiling):")
        for r in rows:
            h = r["http"]
            print(
                f"  {r['format']:16} {r['record']:10} {h['requests']:6d} req in {h['seconds']} s  "
                f"p50 {h['latency_ms_p50']} ms  p95 {h['latency_ms_p95']} ms  server CPU {h['server_cpu_util']}  "
                f"{h['server_cpu_ms_per_request']} ms CPU/req  statuses {h['statuses']}"
                + ("" if h["ok"] else f"  warm-up {h['warmup_statuses']}  transport errors {h['transport_errors']}")
            )
            for body in h["unexpected_bodies"]:
                print(f"    non-200 answer: {body}")
    print()
    print(
        f"{meta['cpus']} CPUs, load average at the end {' '.join(meta['loadavg_at_end'])}; "
        f"API: {args.rounds} alternating rounds of {args.api_seconds} s, medians; HTTP: {args.duration} s per row"
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
