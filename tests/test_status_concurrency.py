"""Several processes issuing at once, and a process killed mid-issue: indexes stay unique, nothing is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from status_helpers import backends, fresh_location

from bpvc.status.registry import Registry

WORKER = str(Path(__file__).with_name("status_worker.py"))
pytestmark = pytest.mark.slow  # several processes issuing thousands of credentials


@pytest.fixture(params=backends())
def location(request, tmp_path):
    loc = fresh_location(request.param, tmp_path)
    Registry(loc, create=True).close()  # create the schema once, before the workers race
    return loc


def _records(paths):
    lines = [json.loads(line) for p in paths if Path(p).exists() for line in Path(p).read_text().splitlines()]
    issued = [r for r in lines if "entries" in r]
    revoked = [r["revoked"] for r in lines if "revoked" in r]
    return issued, revoked


def test_four_processes_issue_8000_distinct_indexes(location, tmp_path):
    outs = [tmp_path / f"worker-{i}.jsonl" for i in range(4)]
    procs = [subprocess.Popen([sys.executable, WORKER, location, "2000", str(out)]) for out in outs]
    for proc in procs:
        assert proc.wait(timeout=600) == 0
    issued, _ = _records(outs)
    positions = [tuple(e) for r in issued for e in r["entries"]]
    assert len(issued) == 8000
    assert len(set(positions)) == 8000, "an index was handed out twice"
    with Registry(location) as registry:
        assert registry.check_consistency() == []
        assert sum(lst.allocated for lst in registry.lists()) == 8000


def test_sigkill_during_issuance_loses_nothing(location, tmp_path):
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, WORKER, location, "100000", str(out), "revoke"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("revoked") < 50):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    issued, revoked = _records([out])
    assert revoked, "the worker never got going"
    with Registry(location) as registry:
        assert registry.check_consistency() == []
        for credential_id in revoked:  # every revocation the worker saw committed is there
            states = {s["purpose"]: s["state"] for s in registry.show(credential_id)["status"]}
            assert states["revocation"] == "revoked"
        used = {(lst.url, lst.allocated) for lst in registry.lists()}
        assert sum(n for _, n in used) >= len(issued)
    # issuing goes on after the crash and never reuses a position
    more = tmp_path / "after.jsonl"
    subprocess.run([sys.executable, WORKER, location, "200", str(more)], check=True, timeout=300)
    after, _ = _records([more])
    before_positions = {tuple(e) for r in issued for e in r["entries"]}
    assert not before_positions & {tuple(e) for r in after for e in r["entries"]}
