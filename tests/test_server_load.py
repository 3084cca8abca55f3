"""Load: 50 concurrent clients for 30 s against a real ``bpvc serve`` on loopback (about 35 s in all).

Runs bench/http_load.py, which starts the server in a subprocess on 127.0.0.1 and posts a mix of
valid and invalid credentials. No request may end in a 5xx, a transport error or a wrong status.
BPVC_HTTP_LOAD_SECONDS shortens the run for a quick local check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "http_load.py"
CLIENTS = 50
SECONDS = float(os.environ.get("BPVC_HTTP_LOAD_SECONDS", "30"))
pytestmark = pytest.mark.slow


def test_http_load_50_clients_for_30_seconds_has_no_5xx_and_no_transport_errors() -> None:
    command = [sys.executable, str(BENCH), "--clients", str(CLIENTS), "--duration", str(SECONDS), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 90, check=False)
    assert done.stdout.strip(), done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["server_errors"] == 0, report
    assert report["transport_errors"] == {}, report
    assert report["unexpected"] == {}, report
    assert report["requests"] > CLIENTS, report
    assert {"200", "400", "415", "422"} <= set(report["statuses"]), report
    assert done.returncode == 0, done.stderr[-4000:]
