"""The partner-style embedding script and the HTTP service give the same answer on a mixed batch."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings
from datetime import UTC, datetime

import pytest
from conftest import ROOT
from status_helpers import issuer

from bpvc.issue.credential import issue_credential
from bpvc.issue.present import present
from bpvc.server.app import ServerConfig, create_app
from bpvc.status.publish import publish
from bpvc.status.registry import Registry
from bpvc.verify.policy import load_policy
from bpvc.verify.verifier import Verifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = "2026-12-01T00:00:00+00:00"
EXPECTED = {  # file -> (outcome, the check that says why)
    "1-valid.json": ("verified", None),
    "2-tampered.json": ("invalid", "proof"),
    "3-revoked.json": ("invalid", "status"),
    "4-expired.json": ("invalid", "validity"),
    "5-untrusted.json": ("invalid", "trust"),
    "6-unknown-context.json": ("undecided", "contexts"),
    "7-undefined-term.json": ("invalid", "contexts"),
    "8-wrong-challenge.json": ("invalid", "proof"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partner")
    received = folder / "received"
    received.mkdir()
    key, doc = issuer()
    rogue, rogue_doc = issuer("rogue")
    example = json.loads((ROOT / "examples" / "battery-credential.json").read_text())

    def cred(n, signer=key, **changes):
        return dict(
            copy.deepcopy(example),
            id=f"urn:uuid:00000000-0000-4000-8000-00000000000{n}",
            issuer=signer.controller,
            **changes,
        )

    def sign(document, signer=key):
        return issue_credential(document, signer, created="2026-11-20T00:00:00Z")

    with Registry(str(folder / "registry.sqlite"), create=True) as registry:
        revoked = registry.issue(
            cred(3), purposes=["revocation"], status_base="https://status.battery-maker.example/l", sign=sign
        )
        registry.set_status(revoked["id"], "revoke")
        [list_file] = publish(
            registry, sign, folder / "lists", issuer=key.controller, now=datetime(2026, 11, 30, tzinfo=UTC)
        )
        list_url = registry.lists()[0].url
    tampered = sign(cred(2))
    tampered["credentialSubject"]["ratedCapacity"] = "300"
    unknown = sign(cred(6))
    unknown["@context"] = [*unknown["@context"], "https://contexts.partner.example/extra/v1"]
    undefined = sign(cred(7))
    undefined["credentialSubject"]["hiddenClause"] = "not in any context"
    vp = present(
        [sign(cred(8))], key, challenge="issued-challenge", domain="verifier.example", created="2026-11-21T00:00:00Z"
    )
    items = {
        "1-valid.json": sign(cred(1)),
        "2-tampered.json": tampered,
        "3-revoked.json": revoked,
        "4-expired.json": sign(cred(4, validFrom="2026-01-01T00:00:00Z", validUntil="2026-06-01T00:00:00Z")),
        "5-untrusted.json": sign(cred(5, signer=rogue), rogue),
        "6-unknown-context.json": unknown,
        "7-undefined-term.json": undefined,
        "8-wrong-challenge.json": vp,
    }
    for name, document in items.items():
        (received / name).write_text(json.dumps(document))
    (folder / "did.json").write_text(json.dumps(doc))
    (folder / "rogue.json").write_text(json.dumps(rogue_doc))
    (folder / "policy.toml").write_text(f'[[trusted_issuers]]\ndid = "{key.controller}"\ntypes = ["*"]\n')
    return folder, f"{list_url}={list_file}"


def _script(batch):
    folder, status_list = batch
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "partner_check.py"),
            str(folder / "received"),
            "--did-doc",
            str(folder / "did.json"),
            "--did-doc",
            str(folder / "rogue.json"),
            "--status-list",
            status_list,
            "--policy",
            str(folder / "policy.toml"),
            "--challenge",
            "expected-challenge",
            "--domain",
            "verifier.example",
            "--now",
            NOW,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {line["file"]: line for line in map(json.loads, run.stdout.splitlines())}


def test_partner_script_gets_every_outcome_right(batch):
    results = _script(batch)
    assert set(results) == set(EXPECTED)
    for name, (outcome, check) in EXPECTED.items():
        assert results[name]["outcome"] == outcome, (name, results[name])
        if check:
            assert check in results[name]["failed"], (name, results[name])


def test_http_service_answers_the_same_batch_identically(batch):
    folder, status_list = batch
    url, path = status_list.split("=", 1)
    docs = {d["id"]: d for d in (json.loads((folder / f).read_text()) for f in ("did.json", "rogue.json"))}
    verifier = Verifier(policy=load_policy(folder / "policy.toml"), did_documents=docs, status_lists={url: path})
    client = TestClient(create_app(ServerConfig(verifier, clock=lambda: datetime.fromisoformat(NOW))))
    script = _script(batch)
    options = {"challenge": "expected-challenge", "domain": "verifier.example"}
    for name in EXPECTED:
        document = json.loads((folder / "received" / name).read_text())
        if "VerifiablePresentation" in document["type"]:
            response = client.post(
                "/presentations/verify", json={"verifiablePresentation": document, "options": options}
            )
        else:
            response = client.post("/credentials/verify", json={"verifiableCredential": document})
        body = response.json()
        assert response.status_code == (200 if script[name]["verified"] else 422), (name, body)
        assert body["verified"] is script[name]["verified"]
        http_problems = sorted({p["type"].rsplit("#", 1)[-1] for p in body["problemDetails"]})
        assert http_problems == script[name]["problems"], (name, http_problems, script[name])
