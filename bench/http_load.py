"""HTTP load test of ``bpvc serve``: N concurrent clients for D seconds against POST /credentials/verify.

Starts the real ``bpvc serve`` (uvicorn) on 127.0.0.1 on a free port in a subprocess, then posts a
mix of valid and invalid requests (Data Integrity and vc+jwt credentials, tampered, expired,
malformed JSON, a non-object member, a wrong content type) from asyncio clients with one
connection each. Prints requests/s, latency p50/p95/p99 and the count per status code.

Exit status 1 when any response was a 5xx, any request failed in transport (refused, reset,
timed out), or a request got a status other than the one its payload must get.

    python bench/http_load.py [--clients 50] [--duration 30] [--max-requests N] [--json]

Loopback only: the server is always bound to 127.0.0.1 and the clients only ever talk to it.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything but loopback
JSON = "application/json"


@dataclass(frozen=True)
class Payload:
    name: str
    body: bytes
    content_type: str
    expected: int
    weight: int


@dataclass
class Report:
    clients: int
    duration_s: float
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def ok(self) -> bool:
        return not self.server_errors and not self.transport_errors and not self.unexpected and self.requests > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "requests_per_s": round(self.requests / self.duration_s, 1) if self.duration_s else 0.0,
            "latency_ms": {q: round(self.percentile(v), 1) for q, v in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "transport_errors": dict(self.transport_errors),
            "unexpected": dict(self.unexpected),
            "ok": self.ok,
        }


def _did_key() -> KeyPair:
    key = KeyPair.generate("ed25519")
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def make_payloads() -> list[Payload]:
    """Valid and invalid requests, each with the status it must get."""
    key = _did_key()
    now = datetime.now(UTC)
    doc = json.loads((ROOT / "examples" / "battery-credential.json").read_text(encoding="utf-8"))
    doc["issuer"] = key.controller
    doc["validFrom"] = (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc["validUntil"] = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    valid = issue_credential(doc, key, created=now - timedelta(minutes=1))
    jwt = issue_credential_jwt(doc, key, envelope=True)
    tampered = copy.deepcopy(valid)
    tampered["credentialSubject"]["category"] = "Tampered"
    old = copy.deepcopy(doc)
    old["validFrom"] = (now - timedelta(days=800)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old["validUntil"] = (now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expired = issue_credential(old, key, created=now - timedelta(days=790))

    def request(credential: Any) -> bytes:
        return json.dumps({"verifiableCredential": credential}).encode()

    return [
        Payload("valid-di", request(valid), JSON, 200, 4),
        Payload("valid-jwt", request(jwt), JSON, 200, 2),
        Payload("tampered", request(tampered), JSON, 422, 2),
        Payload("expired", request(expired), JSON, 422, 1),
        Payload("malformed-json", request(valid)[:-7], JSON, 400, 1),
        Payload("not-an-object", b'{"verifiableCredential": 5}', JSON, 400, 1),
        Payload("wrong-content-type", request(valid), "text/plain", 415, 1),
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, log: Any) -> subprocess.Popen[bytes]:
    """``bpvc serve`` in a subprocess; access lines (stdout) are dropped, errors (stderr) go to ``log``."""
    command = [
        sys.executable,
        "-c",
        "from bpvc.cli.main import main; main()",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL)


async def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with status {process.returncode} before it was ready")
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s")


async def load(base: str, payloads: list[Payload], clients: int, duration: float, max_requests: int) -> Report:
    report = Report(clients=clients, duration_s=duration)
    schedule = [p for p in payloads for _ in range(p.weight)]
    # Expire idle connections well before the server would, as a well-behaved client does.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    start = time.perf_counter()
    deadline = start + duration

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        i = n
        while time.perf_counter() < deadline and report.requests < max_requests:
            payload = schedule[i % len(schedule)]
            i += 1
            report.requests += 1
            sent = time.perf_counter()
            try:
                response = await client.post(
                    "/credentials/verify", content=payload.body, headers={"Content-Type": payload.content_type}
                )
            except httpx.HTTPError as err:
                report.transport_errors[f"{payload.name}: {type(err).__name__} {err}".strip()] += 1
                continue
            report.latencies_ms.append((time.perf_counter() - sent) * 1000)
            report.statuses[response.status_code] += 1
            if response.status_code != payload.expected:
                report.unexpected[f"{payload.name}: {response.status_code}"] += 1

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30.0), limits=limits) as client:
        await asyncio.gather(*(worker(n, client) for n in range(clients)))
    report.duration_s = time.perf_counter() - start
    return report


def run(clients: int = 50, duration: float = 30.0, max_requests: int = 10_000_000) -> tuple[Report, str]:
    """The report, and what the server wrote to stderr (its errors and warnings)."""
    payloads = make_payloads()
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        process = start_server(port, log)
        try:
            asyncio.run(wait_ready(base, process))
            report = asyncio.run(load(base, payloads, clients, duration, max_requests))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            server_log = log.read().decode("utf-8", "replace")
            if sys.exc_info()[0] is not None:
                sys.stderr.write(server_log[-4000:])
    return report, server_log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--max-requests", type=int, default=10_000_000)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON line")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1:
        parser.error("--clients, --duration and --max-requests must be positive")
    report, server_log = run(args.clients, args.duration, args.max_requests)
    summary = report.to_dict()
    if not report.ok:
        sys.stderr.write("server log (tail):\n" + server_log[-4000:])
    if args.json:
        print(json.dumps(summary))
    else:
        latency = summary["latency_ms"]
        print(f"{summary['requests']} requests from {args.clients} clients in {summary['duration_s']} s")
        print(f"  {summary['requests_per_s']} requests/s")
        print(f"  latency ms  p50 {latency['p50']}  p95 {latency['p95']}  p99 {latency['p99']}")
        print(f"  statuses    {summary['statuses']}")
        print(f"  5xx {summary['server_errors']}  transport errors {summary['transport_errors'] or 0}")
        if summary["unexpected"]:
            print(f"  unexpected  {summary['unexpected']}")
        print("OK" if report.ok else "FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
