"""bpvc audit end to end: a 10,000-credential batch with 1 % seeded defects of known kinds."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from conftest import ROOT, load
from status_helpers import issuer

from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential
from bpvc.records import footprint
from bpvc.securing import jose
from bpvc.status.publish import publish
from bpvc.status.registry import Registry

NOW = "2026-12-01T00:00:00Z"
BASE = "https://status.battery-maker.example/lists"
KINDS = {
    "tampered": "proof",
    "revoked": "status",
    "expired": "validity",
    "untrusted": "trust",
    "inconsistent": "domain",
}
TOTAL, PER_KIND, WITH_STATUS = 10_000, 20, 400
pytestmark = pytest.mark.slow  # the 10,000-credential batch: ~20 s in all


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """10,000 PCF credentials (vc+jwt); 100 of them defective, 20 of each kind, at known positions."""
    folder = tmp_path_factory.mktemp("audit")
    key, doc = issuer()
    rogue, rogue_doc = issuer("rogue-supplier")
    record = load(ROOT / "examples" / "footprint-8.0.0.json")
    seeded: dict[str, str] = {}
    positions = {i * 97 + 13: kind for i, kind in enumerate(k for k in KINDS for _ in range(PER_KIND))}
    lines = []
    with Registry(str(folder / "registry.sqlite"), create=True) as registry:
        for i in range(TOTAL):
            kind = positions.get(i)
            rec = dict(record, id=str(uuid.UUID(int=i, version=4)))
            if kind == "inconsistent":
                rec = copy.deepcopy(rec)
                rec["pcf"]["pcfIncludingBiogenicUptake"] = rec["pcf"]["pcfExcludingBiogenicUptake"] + 1.0
            signer = rogue if kind == "untrusted" else key
            cred = footprint.to_credential(
                rec, issuer=signer.controller, credential_id=f"urn:uuid:{uuid.UUID(int=TOTAL + i, version=4)}"
            )
            if kind == "expired":
                cred["validUntil"] = "2026-06-01T00:00:00Z"
            if kind == "revoked" or i < WITH_STATUS:
                token = str(
                    registry.issue(
                        cred, purposes=["revocation"], status_base=BASE, sign=lambda d, s=signer: jose.sign(d, s)
                    )
                )
                if kind == "revoked":
                    registry.set_status(cred["id"], "revoke")
            else:
                token = jose.sign(cred, signer)
            if kind == "tampered":
                head, body, sig = token.split(".")
                payload = jose.decode(token).payload
                payload["credentialSubject"]["pcf"]["pcfExcludingBiogenicUptake"] += 0.001
                from bpvc.multibase import b64url_encode

                token = ".".join([head, b64url_encode(json.dumps(payload).encode()), sig])
            if kind:
                seeded[cred["id"]] = kind
            lines.append(json.dumps(token))
        publish(
            registry,
            lambda d: issue_credential(d, key, created=datetime(2026, 11, 30, tzinfo=UTC)),
            folder / "lists",
            issuer=key.controller,
            now=datetime(2026, 11, 30, tzinfo=UTC),
        )
        lists = [f"{lst.url}={folder / 'lists' / 'lists' / lst.id}" for lst in registry.lists()]
    (folder / "batch.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "did.json").write_text(json.dumps(doc))
    (folder / "rogue.json").write_text(json.dumps(rogue_doc))
    (folder / "policy.toml").write_text(
        f'[[trusted_issuers]]\ndid = "{key.controller}"\ntypes = ["ProductCarbonFootprintCredential"]\n'
    )
    return folder, seeded, lists


def _audit(batch, *extra):
    folder, _, lists = batch
    args = [
        "audit",
        str(folder / "batch.jsonl"),
        "--policy",
        str(folder / "policy.toml"),
        "--now",
        NOW,
        "--did-doc",
        str(folder / "did.json"),
        "--did-doc",
        str(folder / "rogue.json"),
        "--workers",
        "2",
        "--report",
        str(folder / "report.html"),
        "--json",
        str(folder / "report.json"),
        *extra,
    ]
    for spec in lists:
        args += ["--status-list", spec]
    result = CliRunner().invoke(main, args)
    return result, json.loads((folder / "report.json").read_text())


def test_audit_flags_exactly_the_seeded_defects_in_its_sample(batch):
    _, seeded, _ = batch
    result, report = _audit(batch, "--sample", "3000", "--seed", "battery-2026", "--no-decision")
    assert result.exit_code == 0, result.output  # a sample without a plan decides nothing, as asked
    assert report["summary"]["decision"] == "no decision" and "NO DECISION" in result.output
    sampled = set(report["sample_ids"])
    flagged = {item["id"]: item for item in report["items"] if item["outcome"] != "passed"}
    expected = {cid: kind for cid, kind in seeded.items() if cid in sampled}
    assert set(expected.values()) == set(KINDS), "the sample should hold seeded defects of every kind"
    assert set(flagged) == set(expected)
    for cid, kind in expected.items():
        assert flagged[cid]["outcome"] == "defect"
        assert KINDS[kind] in flagged[cid]["defects"], (kind, flagged[cid])
    interval = report["summary"]["interval"]
    assert interval["lower"] <= len(seeded) / TOTAL <= interval["upper"]  # the exact interval covers the true 1 %
    for kind, check in KINDS.items():
        assert report["defects_by_check"].get(check, 0) == sum(1 for k in expected.values() if k == kind)


def test_same_seed_same_sample_and_reproducible_report(batch):
    _, first = _audit(batch, "--sample", "200", "--seed", "same", "--no-decision")
    _, second = _audit(batch, "--sample", "200", "--seed", "same", "--no-decision")
    _, other = _audit(batch, "--sample", "200", "--seed", "other", "--no-decision")

    assert first["sample_ids"] == second["sample_ids"] and first["sample_ids"] != other["sample_ids"]
    assert first["sampling"]["seed"] == "same"
    assert "--seed same" in json.dumps(first) and "--no-decision" in first["command"]


def test_a_sample_without_a_plan_needs_no_decision_or_a_plan(batch):
    folder = batch[0]
    result = CliRunner().invoke(
        main,
        ["audit", str(folder / "batch.jsonl"), "--sample", "20", "--seed", "s", "--report", str(folder / "r.html")],
    )
    assert result.exit_code == 2
    assert "give --confidence with --tolerable-rate" in result.output and "--no-decision" in result.output


def test_acceptance_plan_from_confidence(batch):
    result, report = _audit(
        batch, "--confidence", "0.95", "--tolerable-rate", "0.05", "--aql", "0.01", "--seed", "plan"
    )
    text = json.dumps(report)
    assert '"acceptance_number": 4' in text and '"sample_size": 181' in text
    assert result.exit_code in (0, 1)
    html = (batch[0] / "report.html").read_text()
    assert "<script" not in html.lower() and "181" in html
