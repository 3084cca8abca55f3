"""bpvc serve with a real registry: issue with status, change it over HTTP, serve the signed list."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime

from bpvc import errors
from bpvc.issue.credential import issue_credential
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.server.app import ServerConfig, create_app
from bpvc.status.checker import StatusChecker
from bpvc.status.registry import Registry
from bpvc.status.service import RegistryStatusService
from bpvc.verify.verifier import Verifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

TOKEN = "registry-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://status.battery-maker.example/lists"
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_status_cycle_over_http(tmp_path, example_credential):
    key = KeyPair.generate("ed25519")
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    registry = Registry(str(tmp_path / "registry.sqlite"), create=True)
    service = RegistryStatusService(registry, key, BASE, clock=lambda: NOW)
    client = TestClient(
        create_app(ServerConfig(Verifier(), issuer=key, token=TOKEN, status=service, clock=lambda: NOW))
    )
    body = {
        "credential": dict(
            example_credential, id="urn:uuid:0c7e7b4e-9a57-4b3c-8a0e-2f7a9b1d5e11", issuer=key.controller
        ),
        "options": {"statusPurpose": ["revocation", "suspension"]},
    }
    issued = client.post("/credentials/issue", json=body, headers=AUTH)
    assert issued.status_code == 201, issued.text
    vc = issued.json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in vc["credentialStatus"]] == ["revocation", "suspension"]

    def lists():
        found = {}
        for entry in vc["credentialStatus"]:
            url = entry["statusListCredential"]
            response = client.get("/status-lists/" + url.rsplit("/", 1)[1])
            assert response.status_code == 200 and "max-age=" in response.headers["cache-control"]
            found[url] = response.json()
        return found

    now = NOW
    assert Verifier(status_lists=lists()).verify(vc, now=now).verified
    changed = client.post(
        "/credentials/status",
        headers=AUTH,
        json={
            "credentialId": vc["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
    )
    assert changed.status_code == 200, changed.text
    result = Verifier(status_lists=lists()).verify(vc, now=now)
    assert [p.type for p in result.check("status").problems] == [errors.CREDENTIAL_REVOKED]
    unknown = client.post(
        "/credentials/status",
        headers=AUTH,
        json={
            "credentialId": "urn:uuid:nope",
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        },
    )
    assert unknown.status_code == 404
    assert client.get("/status-lists/revocation-99").status_code == 404
    assert json.loads(json.dumps(registry.show(vc["id"])))["status"][0]["state"] == "revoked"
    registry.close()


def test_the_service_decides_the_status_of_what_it_issued(tmp_path, example_credential):
    """The service's verifier reads its own lists from the registry: issue, verify, revoke, verify again,
    suspend and reinstate, all through HTTP, with no --status-list and no network."""
    key = KeyPair.generate("ed25519")
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    registry = Registry(str(tmp_path / "registry.sqlite"), create=True)
    service = RegistryStatusService(registry, key, BASE, clock=lambda: NOW)
    verifier = Verifier(status_checker=StatusChecker(source=service.list_for_url))
    client = TestClient(create_app(ServerConfig(verifier, issuer=key, token=TOKEN, status=service, clock=lambda: NOW)))
    credential = dict(example_credential, id="urn:uuid:5d1c3a9e-2b7f-4e61-9c0a-8f4e2d6b1a37", issuer=key.controller)
    issued = client.post(
        "/credentials/issue",
        json={"credential": credential, "options": {"statusPurpose": ["revocation", "suspension"]}},
        headers=AUTH,
    )
    assert issued.status_code == 201, issued.text
    vc = issued.json()["verifiableCredential"]

    def verify():
        return client.post("/credentials/verify", json={"verifiableCredential": vc})

    def change(purpose, status):
        body = {
            "credentialId": vc["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": status,
        }
        assert client.post("/credentials/status", headers=AUTH, json=body).status_code == 200

    first = verify()
    assert first.status_code == 200, first.text
    change("suspension", True)
    suspended = verify()
    assert suspended.status_code == 422
    assert errors.CREDENTIAL_SUSPENDED in {p["type"] for p in suspended.json()["problemDetails"]}
    change("suspension", False)
    assert verify().status_code == 200
    change("revocation", True)
    revoked = verify()
    assert revoked.status_code == 422
    assert errors.CREDENTIAL_REVOKED in {p["type"] for p in revoked.json()["problemDetails"]}
    registry.close()


def test_a_list_the_service_does_not_hold_names_options_that_exist(tmp_path, example_credential):
    verifier = Verifier(status_checker=StatusChecker(source=lambda url: None))
    doc = dict(
        example_credential,
        credentialStatus={
            "id": "https://elsewhere.example/lists/1#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": "https://elsewhere.example/lists/1",
        },
    )
    key = KeyPair.generate("ed25519")
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    signed = issue_credential(dict(doc, issuer=key.controller), key, created="2027-01-01T00:00:00Z")
    result = verifier.verify(signed, now=NOW)
    assert result.check("status").outcome.value == "indeterminate"
    assert "--status-list URL=FILE or allow network access" in result.check("status").problems[0].detail
