"""Every consumer checks the kind of document it expects: a verified presentation is not a verified credential."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

EXAMPLE = ROOT / "examples" / "battery-credential.json"
KEYS = ROOT / "keys.example"
DID_DOC = KEYS / "did.json"
NOW = "2027-03-01T00:00:00Z"
CREATED = "2027-02-01T00:00:00Z"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def received(tmp_path):
    """A folder holding one credential and one presentation (signed by the same key, so both verify)."""
    folder = tmp_path / "received"
    folder.mkdir()
    vc = folder / "1-credential.json"
    assert run("issue", "credential", EXAMPLE, "--key", KEYS, "--created", CREATED, "-o", vc).exit_code == 0
    vp = folder / "2-presentation.json"
    presented = run("present", vc, "--key", KEYS, "--challenge", "c", "--domain", "d", "--created", CREATED, "-o", vp)
    assert presented.exit_code == 0, presented.output
    return folder


def test_verify_prints_the_kind(received):
    vc = run("verify", received / "1-credential.json", "--did-doc", DID_DOC, "--now", NOW)
    assert vc.exit_code == 0 and vc.output.splitlines()[0].split() == ["kind", "credential"]
    vp = run(
        "verify", received / "2-presentation.json", "--did-doc", DID_DOC, "--now", NOW, "--challenge", "c",
        "--domain", "d",
    )  # fmt: skip
    assert vp.exit_code == 0 and vp.output.splitlines()[0].split() == ["kind", "presentation"], vp.output
    as_json = json.loads(run("verify", received / "2-presentation.json", "--did-doc", DID_DOC, "--json").output)
    assert as_json["kind"] == "presentation"


def test_audit_lists_a_presentation_as_not_a_credential(received, tmp_path):
    report = tmp_path / "audit.json"
    result = run(
        "audit", received, "--sample", "2", "--seed", "s", "--now", NOW, "--did-doc", DID_DOC, "--workers", "1",
        "--report", tmp_path / "audit.html", "--json", report,
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # a batch holding something other than credentials is not accepted
    items = {item["id"]: item for item in json.loads(report.read_text())["items"]}
    assert len(items) == 2
    credential = next(i for i in items.values() if i["outcome"] == "passed")
    assert credential["defects"] == []
    presentation = next(i for i in items.values() if i is not credential)
    assert presentation["outcome"] == "defect" and presentation["defects"] == ["kind"]
    assert presentation["reasons"][0] == "kind: a presentation, not a credential"


def test_partner_check_accepts_a_presentation_only_when_it_asked_for_a_challenge(received):
    def check(*extra):
        done = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "partner_check.py"), str(received), "--did-doc", str(DID_DOC),
             "--now", "2027-03-01T00:00:00+00:00", *extra],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return {line["file"]: line for line in map(json.loads, done.stdout.splitlines())}

    plain = check()
    assert plain["1-credential.json"]["outcome"] == "verified"
    refused = plain["2-presentation.json"]
    assert refused["kind"] == "presentation" and refused["outcome"] == "invalid" and refused["verified"] is False
    assert refused["failed"][0] == "kind"
    challenged = check("--challenge", "c", "--domain", "d")
    assert challenged["2-presentation.json"]["outcome"] == "verified"
    only_credentials = check("--challenge", "c", "--domain", "d", "--expect", "credential")
    assert only_credentials["2-presentation.json"]["outcome"] == "invalid"


def test_verify_of_a_presentation_without_a_challenge_says_replay_is_not_prevented(received):
    result = run("verify", received / "2-presentation.json", "--did-doc", DID_DOC, "--now", NOW)
    assert "warning: no challenge was requested, so replay of this presentation is not prevented" in result.output
    asked = run(
        "verify", received / "2-presentation.json", "--did-doc", DID_DOC, "--now", NOW, "--challenge", "c",
        "--domain", "d",
    )  # fmt: skip
    assert asked.exit_code == 0 and "replay" not in asked.output
