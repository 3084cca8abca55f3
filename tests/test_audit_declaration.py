"""bpvc audit of passports that link a carbon-footprint declaration (relatedResource with digestSRI)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cf_helpers import explicit_input, inventory, own_process, with_lines
from click.testing import CliRunner
from conftest import ROOT, load
from status_helpers import issuer

from bpvc.cf import bundled_profile, compute, inputs, parse_inventory
from bpvc.cf import declaration as decl
from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential
from bpvc.records import passport

CREATED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
NOW = "2026-12-01T00:00:00Z"
DECLARATION_ID = "urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def _passport_linking(key: Any, number: int, entries: Any, link: dict[str, Any] | None) -> str:
    record = copy.deepcopy(load(ROOT / "examples" / "passport-6.1.0.json"))
    record["metadata"]["passportIdentifier"] = f"00000000-0000-4000-8000-{number:012d}"
    record["sustainability"]["carbonFootprint"] = entries
    cred = passport.to_credential(
        record, issuer=key.controller, credential_id=f"urn:uuid:20000000-0000-4000-8000-{number:012d}"
    )
    if link is not None:
        cred["relatedResource"] = [link]
    return json.dumps(issue_credential(cred, key, created=CREATED))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four passports: one agreeing with the declaration, one changed, one with a stale digest, one orphaned."""
    folder = tmp_path_factory.mktemp("decl")
    key, doc = issuer()
    inv = parse_inventory(
        with_lines(
            inventory(),
            inputs=[explicit_input("cathode", 1200, pds=20), explicit_input("housing", 1100, pds=10)],
            processes=[own_process("assembly", 400, primary=True, verified=95)],
            transport=[],
        )
    )
    result = compute(inv, {}, bundled_profile("eu-battery-2024-draft"))
    signed = decl.issue_declaration(
        result, inv, key, issuer=key.controller, created=CREATED, credential_id=DECLARATION_ID
    )
    raw = json.dumps(signed).encode()
    entries = signed["credentialSubject"]["batteryPassCarbonFootprint"]
    link = {"id": DECLARATION_ID, "digestSRI": inputs.digest_sri(raw)}
    changed = copy.deepcopy(entries)
    changed[1]["value"] += 0.001
    received = folder / "received"
    received.mkdir()
    (received / "declaration.json").write_bytes(raw)
    (received / "p0-agrees.json").write_text(_passport_linking(key, 0, entries, link))
    (received / "p1-changed.json").write_text(_passport_linking(key, 1, changed, link))
    stale = dict(link, digestSRI=inputs.digest_sri(json.dumps(signed, indent=1).encode()))  # another rendering
    (received / "p2-stale-digest.json").write_text(_passport_linking(key, 2, entries, stale))
    orphan = dict(link, id="urn:uuid:99999999-0000-4000-8000-000000000000")
    (received / "p3-orphan.json").write_text(_passport_linking(key, 3, entries, orphan))
    (folder / "did.json").write_text(json.dumps(doc))
    return folder


@pytest.fixture(scope="module")
def report(batch: Path) -> dict[str, Any]:
    args = ["audit", str(batch / "received"), "--sample", "5", "--seed", "s", "--workers", "1", "--now", NOW]
    args += ["--did-doc", str(batch / "did.json"), "--json", str(batch / "r.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    data: dict[str, Any] = json.loads((batch / "r.json").read_text())
    return {item["source"]: item for item in data["items"]}


def test_a_passport_agreeing_with_its_declaration_passes(report: dict[str, Any]) -> None:
    assert report["declaration.json"]["outcome"] == "passed", report["declaration.json"]
    assert report["p0-agrees.json"]["outcome"] == "passed", report["p0-agrees.json"]


def test_a_changed_value_is_named_under_the_declaration_check(report: dict[str, Any]) -> None:
    item = report["p1-changed.json"]
    assert item["defects"] == ["footprint-declaration"]
    (reason,) = item["reasons"]
    assert reason.startswith(f"footprint-declaration: {DECLARATION_ID}: ") and "the passport gives" in reason


def test_a_declaration_that_is_not_the_one_linked_or_not_in_the_batch_is_a_link_defect(report: dict[str, Any]) -> None:
    stale = report["p2-stale-digest.json"]
    assert stale["defects"] == ["footprint-links"]
    assert stale["reasons"] == [
        f"footprint-links: {DECLARATION_ID} does not match the digest the passport names (it was changed or replaced)"
    ]
    orphan = report["p3-orphan.json"]
    assert orphan["defects"] == ["footprint-links"] and "is not in the batch" in orphan["reasons"][0]
