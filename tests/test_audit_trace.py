"""bpvc audit on a small mixed batch: every row traceable, JSON and CSV without HTML, non-credentials listed."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT, load
from status_helpers import issuer

from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential
from bpvc.records import passport
from bpvc.securing import jose

NOW = "2026-12-01T00:00:00Z"


def _passport(number: int) -> dict[str, Any]:
    record = copy.deepcopy(load(ROOT / "examples" / "passport-6.1.0.json"))
    record["metadata"]["passportIdentifier"] = f"00000000-0000-4000-8000-{number:012d}"
    record["identification"]["identification"]["serial"][0]["value"] = f"SN-{number:04d}"
    return record


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trace")
    key, doc = issuer()
    received = folder / "received"
    received.mkdir()
    for number in range(3):  # two Data Integrity passports and one vc+jwt
        cred = passport.to_credential(
            _passport(number), issuer=key.controller, credential_id=f"urn:uuid:10000000-0000-4000-8000-{number:012d}"
        )
        if number == 2:
            (received / f"p{number}.jwt").write_text(jose.sign(cred, key))
        else:
            signed = issue_credential(cred, key, created=datetime(2026, 11, 1, tzinfo=UTC))
            (received / f"p{number}.json").write_text(json.dumps(signed))
    unsigned = passport.to_credential(_passport(7), issuer=key.controller, credential_id="urn:uuid:unsigned-7")
    (received / "unsigned.json").write_text(json.dumps(unsigned))
    (received / "notes.txt").write_text("delivery note: three passports\n")
    (received / "did.json").write_text(json.dumps(doc))  # a DID document left in the folder
    (received / "list.json").write_text("[1, 2]")
    (received / "broken.json").write_text('{"type": ["VerifiableCredential"], ')  # a damaged credential
    (folder / "did.json").write_text(json.dumps(doc))
    return folder


def _run(folder: Path, *extra: str) -> Any:
    args = ["audit", str(folder / "received"), "--sample", "100", "--seed", "s", "--workers", "1"]
    args += ["--did-doc", str(folder / "did.json"), *extra]
    return CliRunner().invoke(main, args)


def test_rows_name_source_passport_serial_model_and_plant(batch: Path) -> None:
    result = _run(batch, "--now", NOW, "--json", str(batch / "r.json"), "--csv", str(batch / "r.csv"))
    assert result.exit_code == 1, result.output  # the unsigned and the damaged credential are defects
    assert not (batch / "r.html").exists()
    report = json.loads((batch / "r.json").read_text())
    items = {item["source"]: item for item in report["items"]}
    assert set(items) == {"p0.json", "p1.json", "p2.jwt", "unsigned.json", "broken.json"}
    assert report["sampling"]["population"] == 5
    for number, name in enumerate(("p0.json", "p1.json", "p2.jwt")):
        item = items[name]
        assert item["outcome"] == "passed", item
        assert item["id"] == f"urn:uuid:10000000-0000-4000-8000-{number:012d}"  # decoded from the JWT too
        assert item["passport_id"] == f"00000000-0000-4000-8000-{number:012d}"
        assert (item["serial"], item["battery_model"], item["plant"]) == (
            f"SN-{number:04d}",
            "XLB-PK79L-108S1P-R2",
            "BPNA00000003XNYB",
        )
    assert items["p2.jwt"]["format"] == "vc+jwt"
    assert items["unsigned.json"]["format"] == "no proof" and "proof" in items["unsigned.json"]["defects"]
    assert items["broken.json"]["outcome"] == "defect"  # damaged, so counted, not set aside
    assert report["evaluated_at"] == NOW and f"--now {NOW}" in report["command"]
    assert "--report" not in report["command"] and "--csv" in report["command"]
    rows = list(csv.DictReader(io.StringIO((batch / "r.csv").read_text())))
    assert [r["source"] for r in rows if r["outcome"] != "not a credential"] == [
        i["source"] for i in sorted(report["items"], key=lambda i: report["sample_ids"].index(i["id"]))
    ]
    assert {r["serial"] for r in rows} >= {"SN-0000", "SN-0001", "SN-0002", "SN-0007"}


def test_not_credentials_are_listed_not_counted(batch: Path) -> None:
    result = _run(batch, "--now", NOW, "--json", str(batch / "n.json"), "--report", str(batch / "n.html"))
    report = json.loads((batch / "n.json").read_text())
    listed = {entry["source"]: entry["reason"] for entry in report["not_credentials"]}
    assert listed == {
        "notes.txt": "neither JSON nor a JWT",
        "did.json": "a JSON object with none of a credential's members (type, issuer, credentialSubject, proof)",
        "list.json": "JSON an array, not a credential object",
    }
    assert report["summary"]["defects"] == 2 and report["sampling"]["population"] == 5
    assert "3 item(s) not a credential" in result.output
    page = (batch / "n.html").read_text()
    assert "Not credentials (3)" in page and "notes.txt" in page


def test_the_clock_at_start_is_recorded_and_reproduced(batch: Path) -> None:
    _run(batch, "--json", str(batch / "c.json"))
    report = json.loads((batch / "c.json").read_text())
    assert report["evaluated_at"] == report["started"]
    assert f"--now {report['evaluated_at']}" in report["command"]


def test_a_batch_of_no_credentials_is_a_setup_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    result = CliRunner().invoke(main, ["audit", str(tmp_path), "--sample", "1", "--seed", "s", "--no-decision"])
    assert result.exit_code == 2 and "holds no credentials (1 other file(s))" in result.output
