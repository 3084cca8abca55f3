"""Know what you issued: status list|find, bulk status changes with reason and actor, history, supersede."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid

import pytest
from click.testing import CliRunner
from conftest import ROOT
from status_helpers import backends, fresh_location

from bpvc.cli.main import main
from bpvc.status.registry import Registry

PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
KEYS = str(ROOT / "keys.example")
BASE = "https://status.battery-maker.example/lists"
CREATED = "2027-02-01T00:00:00Z"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def passport_record(n: int) -> dict:
    data = json.loads(PASSPORT.read_text())
    data["metadata"]["passportIdentifier"] = str(uuid.UUID(int=n + 1))
    data["identification"]["identification"]["serial"][0]["value"] = f"SERIAL-{n}"
    return data


def issue_one(tmp_path, registry, n, *extra):
    src = tmp_path / f"p{n}-{uuid.uuid4().hex[:6]}.json"
    src.write_text(json.dumps(passport_record(n)))
    out = src.with_suffix(".vc.json")
    result = run(
        "issue", "passport", src, "--key", KEYS, "--status", "revocation,suspension", "--status-base", BASE,
        "--registry", registry, "-o", out, *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text())["id"], result


@pytest.fixture(params=backends())
def registry(request, tmp_path):
    return fresh_location(request.param, tmp_path)


def ident(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def test_list_and_find_by_passport_serial_state_type_and_date(tmp_path, registry):
    issued = {n: issue_one(tmp_path, registry, n)[1] for n in range(3)}
    rows = json.loads(run("status", "list", "--registry", registry, "--json").stdout)
    assert sorted(r["id"] for r in rows) == sorted(issued.values())
    assert {(r["passport_identifier"], r["serial"], r["state"]) for r in rows} == {
        (ident(n), f"SERIAL-{n}", "active") for n in range(3)
    }
    found = json.loads(
        run("status", "find", "--registry", registry, "--passport", f"urn:uuid:{ident(1)}", "--json").stdout
    )
    assert [r["id"] for r in found] == [issued[1]]
    by_serial = json.loads(run("status", "find", "--registry", registry, "--serial", "SERIAL-2", "--json").stdout)
    assert [r["id"] for r in by_serial] == [issued[2]]
    none = run("status", "find", "--registry", registry, "--state", "revoked")
    assert none.exit_code == 1 and "no credential matches" in none.output
    typed = run("status", "find", "--registry", registry, "--type", "BatteryPassportCredential", "--json")
    assert len(json.loads(typed.stdout)) == 3
    assert run("status", "find", "--registry", registry, "--type", "BatteryPassport").exit_code == 1  # whole types
    # issue times are the wall clock's: every one is after 2000 and none before
    assert (
        len(json.loads(run("status", "list", "--registry", registry, "--issued-from", "2000-01-01", "--json").stdout))
        == 3
    )
    assert (
        json.loads(run("status", "list", "--registry", registry, "--issued-until", "2000-01-01", "--json").stdout) == []
    )
    assert run("status", "find", "--registry", registry).exit_code == 2  # find needs a filter
    table = list(csv.DictReader(io.StringIO(run("status", "list", "--registry", registry, "--csv").stdout)))
    assert sorted(r["serial"] for r in table) == ["SERIAL-0", "SERIAL-1", "SERIAL-2"]
    assert table[0]["superseded_by"] == ""


def test_bulk_changes_by_passport_id_and_file_with_history(tmp_path, registry):
    files = {n: issue_one(tmp_path, registry, n) for n in range(4)}
    revoked = run(
        "status", "revoke", ident(0), ident(1), "--registry", registry, "--reason", "cell recall", "--actor", "qa-lead"
    )
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.count("is now revoked") == 2
    suspended = run("status", "suspend", files[2][0], "-", "--registry", registry, "--reason", "inspection",
                    input=f"{files[3][1]}\n")  # fmt: skip
    assert suspended.exit_code == 0, suspended.output
    states = {r["id"]: r["state"] for r in json.loads(run("status", "list", "--registry", registry, "--json").stdout)}
    assert states == {
        files[0][1]: "revoked",
        files[1][1]: "revoked",
        files[2][1]: "suspended",
        files[3][1]: "suspended",
    }
    shown = json.loads(run("status", "show", files[0][1], "--registry", registry, "--json").stdout)
    assert [(h["action"], h["purpose"], h["reason"], h["actor"]) for h in shown["history"]] == [
        ("revoke", "revocation", "cell recall", "qa-lead")
    ]
    text = run("status", "show", ident(0), "--registry", registry).output
    assert "revoke" in text and "by qa-lead" in text and "reason: cell recall" in text
    # one unknown reference among known ones: the others change, the unknown one is named, exit 1
    mixed = run("status", "reinstate", files[2][1], "urn:uuid:nope", "--registry", registry)
    assert mixed.exit_code == 1
    assert "is now not suspended" in mixed.output and "refused urn:uuid:nope: no credential" in mixed.output


def test_reissuing_warns_and_supersede_revokes_the_old_credential_in_the_same_step(tmp_path, registry):
    _, first, _ = issue_one(tmp_path, registry, 7)
    _, second, result = issue_one(tmp_path, registry, 7)
    assert f"passport {ident(7)} already has an active credential ({first})" in result.output
    _, third, result = issue_one(tmp_path, registry, 7, "--supersede")
    assert "warning" not in result.output
    rows = {
        r["id"]: r
        for r in json.loads(run("status", "find", "--registry", registry, "--passport", ident(7), "--json").stdout)
    }
    assert {i: rows[i]["state"] for i in (first, second, third)} == {
        first: "revoked",
        second: "revoked",
        third: "active",
    }
    assert rows[first]["superseded_by"] == third
    history = json.loads(run("status", "show", first, "--registry", registry, "--json").stdout)["history"]
    assert history[0]["reason"] == f"superseded by {third}"


def test_supersede_that_cannot_revoke_issues_nothing(tmp_path):
    registry = str(tmp_path / "registry.sqlite")
    src = tmp_path / "p.json"
    src.write_text(json.dumps(passport_record(3)))
    common = ["issue", "passport", src, "--key", KEYS, "--status-base", BASE, "--registry", registry]
    assert run(*common, "--status", "suspension", "-o", tmp_path / "a.json").exit_code == 0
    refused = run(*common, "--status", "revocation", "--supersede", "-o", tmp_path / "b.json")
    assert refused.exit_code == 1 and "cannot be revoked" in refused.output
    assert not (tmp_path / "b.json").exists()
    with Registry(registry) as reg:
        assert len(reg.find()) == 1 and reg.check_consistency() == []


def test_a_version_1_registry_is_migrated_and_its_passports_can_be_found(tmp_path):
    registry = str(tmp_path / "registry.sqlite")
    _, credential_id, _ = issue_one(tmp_path, registry, 5)
    with sqlite3.connect(registry) as db:  # back to the version 1 schema, as an older bpvc left it
        db.execute("DROP TABLE credential_index")
        db.execute("ALTER TABLE status_events DROP COLUMN reason")
        db.execute("ALTER TABLE status_events DROP COLUMN actor")
        db.execute("ALTER TABLE status_lists DROP COLUMN status_scheme")
        db.execute("DELETE FROM bpvc_schema WHERE version >= 2")
    found = json.loads(run("status", "find", "--registry", registry, "--passport", ident(5), "--json").stdout)
    assert [r["id"] for r in found] == [credential_id]
    assert run("status", "revoke", ident(5), "--registry", registry, "--reason", "test").exit_code == 0
