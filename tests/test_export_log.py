"""The export log: a signed hash chain that names every break, safe with concurrent writers and crashes."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main
from bpvc.crossborder import export_log
from bpvc.keys.primitives import KeyPair
from bpvc.sd_jwt.issue import sign_jwt
from bpvc.securing import jose

WORKER = Path(__file__).with_name("export_log_worker.py")
KEYS = str(ROOT / "keys.example")
PASSPORT = str(ROOT / "examples" / "passport-6.1.0.json")
WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def _entry(n):
    return export_log.build_entry(
        time=WHEN,
        exporter="BPNL00000007NHVA",
        recipient="BPNL00000003CRHK",
        record=f"urn:uuid:{n}",
        tier="public",
        export_to="EU",
        fields=[{"path": "identification", "digest": export_log.value_digest(n)}],
        withheld=["handling"],
        legal_basis=export_log.LegalBasis.parse("exemption:9.3"),
        purpose="cx.circular.dpp:1",
        contract_agreement="CA-1",
        artifact={"mediaType": "application/json", "sha256": "0" * 64},
        retention_years=3,
    )


@pytest.fixture
def key():
    return KeyPair.generate("ed25519", "did:web:battery-maker.example#export")


@pytest.fixture
def log(tmp_path, key):
    path = tmp_path / "exports.log"
    for n in range(5):
        export_log.append(path, _entry(n), key)
    return path


def _lines(path):
    return path.read_text().splitlines(keepends=True)


def test_a_fresh_log_verifies_and_chains(log, key):
    report = export_log.verify(log, key=key.public_key)
    assert report.valid and len(report.entries) == 5
    first, second = report.entries[0].payload, report.entries[1].payload
    assert first["seq"] == 0 and first["prev"] == export_log.GENESIS
    assert second["prev"] == export_log.line_hash(_lines(log)[0].rstrip("\n"))
    assert first["retainUntil"] == "2029-12-01T00:00:00Z"
    assert jose.decode(_lines(log)[0].strip()).header["typ"] == "bpvc-export-log+jwt"


def test_without_a_key_the_log_is_not_called_valid(log):
    report = export_log.verify(log)
    assert report.problems == [] and not report.valid


def _edit_payload(line, **changes):
    header, payload, sig = line.strip().split(".")
    body = json.loads(jose.multibase.b64url_decode(payload))
    body.update(changes)
    return ".".join([header, jose.multibase.b64url_encode(json.dumps(body).encode()), sig]) + "\n"


def test_an_edited_entry_is_named(log, key):
    lines = _lines(log)
    lines[2] = _edit_payload(lines[2], recipient="BPNL00000000EVIL")
    log.write_text("".join(lines))
    problems = export_log.verify(log, key=key.public_key).problems
    assert problems[0].startswith("entry 2 (line 3): the signature does not verify")
    assert any(p.startswith("entry 3 (line 4): prev") for p in problems)


def test_reordered_entries_are_named(log, key):
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.write_text("".join(lines))
    problems = export_log.verify(log, key=key.public_key).problems
    assert any(p.startswith("entry 1 (line 2): seq is 2, expected 1") for p in problems)
    assert any(p.startswith("entry 2 (line 3): seq is 1") for p in problems)


def test_an_inserted_entry_is_named(log, key):
    lines = _lines(log)
    forger = KeyPair.generate("ed25519", key.verification_method)
    previous = export_log.line_hash(lines[1].rstrip("\n"))
    forged = sign_jwt({"alg": "EdDSA", "typ": export_log.LOG_TYP}, {"seq": 2, "prev": previous, **_entry(99)}, forger)
    log.write_text("".join([*lines[:2], forged + "\n", *lines[2:]]))
    problems = export_log.verify(log, key=key.public_key).problems
    assert problems[0].startswith("entry 2 (line 3): the signature does not verify")
    copied = [*lines[:2], lines[0], *lines[2:]]  # a real, signed entry replayed
    log.write_text("".join(copied))
    problems = export_log.verify(log, key=key.public_key).problems
    assert problems[0].startswith("entry 2 (line 3): seq is 0, expected 2")


def test_a_deleted_entry_is_named_and_a_cut_end_needs_the_head(log, key):
    lines = _lines(log)
    head = export_log.verify(log, key=key.public_key).head
    log.write_text("".join(lines[:2] + lines[3:]))
    problems = export_log.verify(log, key=key.public_key).problems
    assert problems and problems[0].startswith("entry 2 (line 3): seq is 3, expected 2")
    log.write_text("".join(lines[:4]))
    assert export_log.verify(log, key=key.public_key).valid  # a chain cut at the end is still a chain...
    cut = export_log.verify(log, key=key.public_key, expect_head=head)
    assert cut.problems == ["the expected head is not in the log: entries were removed from its end"]


def test_an_interrupted_append_leaves_a_verifiable_log_and_is_repaired(log, key):
    with open(log, "a") as f:
        f.write(_lines(log)[0][:100])  # half a line, as a crash mid-write leaves
    report = export_log.verify(log, key=key.public_key)
    assert report.valid and len(report.entries) == 5 and "interrupted" in report.notes[0]
    export_log.append(log, _entry(5), key)
    report = export_log.verify(log, key=key.public_key)
    assert report.valid and len(report.entries) == 6 and not report.notes


def _key_file(tmp_path, key):
    path = tmp_path / "key.jwk.json"
    path.write_text(json.dumps(key.private_jwk()))
    return path


def _worker(log, key_file, name, count):
    return subprocess.Popen([sys.executable, str(WORKER), str(log), str(key_file), name, str(count)])


def test_four_concurrent_exporters_make_one_chain(tmp_path, key):
    log = tmp_path / "shared.log"
    key_file = _key_file(tmp_path, key)
    workers = [_worker(log, key_file, f"w{i}", 200) for i in range(4)]
    assert [w.wait(timeout=300) for w in workers] == [0, 0, 0, 0]
    report = export_log.verify(log, key=key.public_key)
    assert report.valid, report.problems[:3]
    assert len(report.entries) == 800
    per_writer = {}
    for entry in report.entries:
        per_writer.setdefault(entry.payload["writer"], []).append(entry.payload["n"])
    assert {w: sorted(ns) for w, ns in per_writer.items()} == {f"w{i}": list(range(200)) for i in range(4)}


def test_sigkill_during_appends_leaves_a_verifiable_log(tmp_path, key):
    log = tmp_path / "killed.log"
    key_file = _key_file(tmp_path, key)
    worker = _worker(log, key_file, "k", 100_000)
    deadline = time.monotonic() + 60
    while (not log.exists() or log.stat().st_size < 20_000) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    report = export_log.verify(log, key=key.public_key)
    assert report.valid, report.problems[:3]
    assert len(report.entries) > 5
    export_log.append(log, _entry(0), key)
    assert export_log.verify(log, key=key.public_key).valid


def test_legal_basis_is_one_of_the_routes():
    assert export_log.LegalBasis.parse("standard-contract: SC-2026-7").to_dict() == {
        "type": "standard-contract",
        "reference": "SC-2026-7",
    }
    for bad in ("contract:1", "exemption:", "assessment"):
        with pytest.raises(Exception, match="KIND:REFERENCE"):
            export_log.LegalBasis.parse(bad)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_export_command_writes_the_view_and_logs_it(tmp_path):
    log, out = tmp_path / "exports.log", tmp_path / "view.json"
    common = ["--to", "BPNL00000003CRHK", "--tier", "legitimate-interest", "--log", log, "--key", KEYS]
    result = run(
        "export", PASSPORT, *common, "--legal-basis", "exemption:9.3", "--purpose", "cx.circular.dpp:1",
        "--contract-agreement", "CA-2026-1", "--time", "2026-12-01T00:00:00Z", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    view = json.loads(out.read_text())
    full = tmp_path / "full.sd-jwt"
    assert run("issue", "passport", PASSPORT, "--key", KEYS, "--format", "sd-jwt", "-o", full).exit_code == 0
    presented = tmp_path / "eu.sd-jwt"
    result = run(
        "export",
        full,
        *common,
        "--legal-basis",
        "standard-contract:SC-7",
        "--time",
        "2026-12-02T00:00:00Z",
        "-o",
        presented,
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(run("export", "log", "show", log, "--json").output)
    assert [e["seq"] for e in shown] == [0, 1]
    first, second = shown
    assert first["record"] == view["viewOf"] and first["legalBasis"] == {"type": "exemption", "reference": "9.3"}
    assert first["contractAgreement"] == "CA-2026-1" and first["purpose"] == "cx.circular.dpp:1"
    assert "materials.composition" in first["withheld"] and first["exporter"] == "BPNL00000007NHVA"
    assert first["artifact"]["sha256"] == __import__("hashlib").sha256(out.read_bytes()).hexdigest()
    assert second["prev"] == first["hash"]
    assert {f["path"] for f in second["fields"]} >= {"handling", "safety.dismantling"}
    assert "handling.content.producer" in second["withheld"]
    ok = run("export", "log", "verify", log, "--key", KEYS)
    assert ok.exit_code == 0 and "2 entries" in ok.output and "intact" in ok.output
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0] + _edit_payload(lines[1], tier="public"))
    broken = run("export", "log", "verify", log, "--key", KEYS)
    assert broken.exit_code == 1 and "entry 1 (line 2)" in broken.output
    unchecked = run("export", "log", "verify", tmp_path / "none.log")
    assert unchecked.exit_code == 1 and "no such export log" in unchecked.output


def test_export_refuses_bad_input_without_writing(tmp_path):
    log, out = tmp_path / "exports.log", tmp_path / "view.json"
    base = ["export", PASSPORT, "--tier", "public", "--log", log, "--key", KEYS, "-o", out]
    assert run(*base, "--to", "ACME", "--legal-basis", "exemption:1").exit_code == 2
    assert run(*base, "--to", "BPNL00000003CRHK", "--legal-basis", "vibes:1").exit_code == 2
    assert not out.exists() and not log.exists()
