"""The HTTP service: VC API status codes, problem documents, limits, auth, access logs, the serve command."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from bpvc import errors
from bpvc.cli.main import main
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.issue.present import build, present
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.server.app import ServerConfig, create_app
from bpvc.verify.verifier import Verifier

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = datetime(2027, 3, 1, tzinfo=UTC)
CREATED = datetime(2026, 11, 20, tzinfo=UTC)
TOKEN = "test-token-7f3a9c1e5b2d4f60"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROBLEM = "application/problem+json"


def _did_key(key_type: str = "ed25519") -> KeyPair:
    key = KeyPair.generate(key_type)
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


class FakeStatus:
    """An in-memory StatusService: enough of a registry to drive the endpoints."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], str] = {}
        self.updates: list[tuple[str, str, str]] = []
        self.lists: dict[str, dict[str, Any]] = {
            "1": {
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {"ttl": 300000},
            },
            "2": {"type": ["VerifiableCredential", "BitstringStatusListCredential"], "credentialSubject": {}},
        }

    def update(self, credential_id: str, purpose: str, action: str) -> None:
        if (credential_id, purpose) not in self.states:
            raise LookupError(credential_id)
        if self.states[(credential_id, purpose)] == "revoke" and action == "reinstate":
            raise errors.MalformedError("a revoked credential cannot be reinstated")
        self.states[(credential_id, purpose)] = action
        self.updates.append((credential_id, purpose, action))

    def list_credential(self, list_id: str) -> dict[str, Any] | None:
        return self.lists.get(list_id)

    def issue(self, credential: dict[str, Any], purposes: list[str], sign: Any) -> dict[str, Any] | str:
        if not isinstance(credential.get("id"), str):
            raise errors.MalformedError("a credential with status needs an id", json_path="$.id")
        out = copy.deepcopy(credential)
        entries = []
        for i, purpose in enumerate(purposes):
            self.states[(out["id"], purpose)] = "active"
            entries.append(
                {
                    "id": f"https://status.example/lists/1#{i}",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "statusListIndex": str(i),
                    "statusListCredential": "https://status.example/lists/1",
                }
            )
        out["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        return sign(out)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return _did_key()


@pytest.fixture(scope="module")
def holder_key() -> KeyPair:
    return _did_key("p256")


@pytest.fixture
def unsigned(example_credential: dict[str, Any], issuer_key: KeyPair) -> dict[str, Any]:
    doc = copy.deepcopy(example_credential)
    doc["issuer"] = issuer_key.controller
    return doc


@pytest.fixture
def signed(unsigned: dict[str, Any], issuer_key: KeyPair) -> dict[str, Any]:
    return issue_credential(unsigned, issuer_key, created=CREATED)


@pytest.fixture
def status() -> FakeStatus:
    return FakeStatus()


@pytest.fixture
def config(issuer_key: KeyPair, status: FakeStatus) -> ServerConfig:
    return ServerConfig(Verifier(), issuer=issuer_key, token=TOKEN, status=status, clock=lambda: NOW)


@pytest.fixture
def client(config: ServerConfig) -> TestClient:
    return TestClient(create_app(config))


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "detail", "status"} <= set(body)
    assert body["status"] == status
    return body


def _types(body: dict[str, Any]) -> list[str]:
    return [p["type"] for p in body["problemDetails"]]


# -- /credentials/verify ---------------------------------------------------------------------------


def test_valid_credential_is_200(client: TestClient, signed: dict[str, Any]) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"verified": True, "problemDetails": []}


def test_tampered_credential_is_422_with_the_verification_body(client: TestClient, signed: dict[str, Any]) -> None:
    signed["credentialSubject"]["category"] = "Tampered"
    body = _is_problem(client.post("/credentials/verify", json={"verifiableCredential": signed}), 422)
    assert body["verified"] is False and body["indeterminate"] is False
    assert body["type"] == errors.CRYPTOGRAPHIC_SECURITY_ERROR
    assert _types(body) == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]
    assert {"type", "title", "detail", "json_path"} == set(body["problemDetails"][0])


def test_expired_credential_is_422(client: TestClient, unsigned: dict[str, Any], issuer_key: KeyPair) -> None:
    unsigned["validFrom"] = "2025-01-01T00:00:00Z"
    unsigned["validUntil"] = "2026-01-01T00:00:00Z"
    expired = issue_credential(unsigned, issuer_key, created=CREATED)
    body = _is_problem(client.post("/credentials/verify", json={"verifiableCredential": expired}), 422)
    assert errors.RANGE_ERROR in _types(body)
    assert "$.verifiableCredential.validUntil" in [p["json_path"] for p in body["problemDetails"]]


def test_the_clock_is_the_configured_one(config: ServerConfig, unsigned: dict[str, Any], issuer_key: KeyPair) -> None:
    unsigned["validUntil"] = "2027-02-01T00:00:00Z"
    credential = issue_credential(unsigned, issuer_key, created=CREATED)
    earlier = TestClient(create_app(ServerConfig(Verifier(), clock=lambda: datetime(2027, 1, 1, tzinfo=UTC))))
    assert earlier.post("/credentials/verify", json={"verifiableCredential": credential}).status_code == 200
    later = TestClient(create_app(config))
    assert later.post("/credentials/verify", json={"verifiableCredential": credential}).status_code == 422


def test_return_results_lists_every_check(client: TestClient, signed: dict[str, Any]) -> None:
    response = client.post(
        "/credentials/verify",
        json={"verifiableCredential": signed, "options": {"returnResults": True, "returnCredential": True}},
    )
    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["results"]["checks"]][:3] == ["structure", "contexts", "proof"]
    assert body["credential"] == signed


def test_unknown_verify_options_are_ignored(client: TestClient, signed: dict[str, Any]) -> None:
    options = {"checks": ["proof", "credentialStatus"], "returnProblemDetails": True}
    response = client.post("/credentials/verify", json={"verifiableCredential": signed, "options": options})
    assert response.status_code == 200


@pytest.mark.parametrize("envelope", [False, True])
def test_vc_jwt_credential_verifies(
    client: TestClient, unsigned: dict[str, Any], issuer_key: KeyPair, envelope: bool
) -> None:
    vc = issue_credential_jwt(unsigned, issuer_key, envelope=envelope)
    response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 200, response.text


def test_raw_vc_jwt_body_verifies(client: TestClient, unsigned: dict[str, Any], issuer_key: KeyPair) -> None:
    token = issue_credential_jwt(unsigned, issuer_key)
    assert isinstance(token, str)
    headers = {"Content-Type": "application/vc+jwt"}
    assert client.post("/credentials/verify", content=token, headers=headers).status_code == 200
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    body = _is_problem(client.post("/credentials/verify", content=tampered, headers=headers), 422)
    assert body["verified"] is False
    _is_problem(client.post("/credentials/verify", content="not a jws", headers=headers), 400)


@pytest.mark.parametrize(
    "payload",
    [
        {"verifiableCredential": 5},
        {"verifiableCredential": None},
        {"verifiableCredential": [1, 2]},
        {"verifiableCredential": "not a JWS"},
        {},
        {"verifiableCredential": {}, "options": "x"},
        {"verifiableCredential": {}, "options": {"challenge": 7}},
        {"verifiableCredential": {}, "options": {"domain": []}},
        {"verifiableCredential": {}, "options": {"returnResults": "yes"}},
    ],
    ids=["number", "null", "list", "string", "missing", "options", "challenge", "domain", "flag"],
)
def test_malformed_verify_requests_are_400(client: TestClient, payload: dict[str, Any]) -> None:
    body = _is_problem(client.post("/credentials/verify", json=payload), 400)
    assert body["type"] == errors.MALFORMED_VALUE_ERROR
    assert body["problemDetails"][0]["json_path"].startswith("$")


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b"5",
        b'"text"',
        b'{"a": 1, "a": 2}',
        b'{"a": NaN}',
        b'{"a": 1e999}',
        b'{"a": "\\ud800"}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
    ids=["syntax", "empty", "array", "number", "string", "duplicate", "nan", "infinity", "surrogate", "utf8", "deep"],
)
def test_unacceptable_json_is_400(client: TestClient, raw: bytes) -> None:
    response = client.post("/credentials/verify", content=raw, headers={"Content-Type": "application/json"})
    body = _is_problem(response, 400)
    assert body["type"] == errors.PARSING_ERROR


def test_a_paired_surrogate_escape_is_fine(client: TestClient, signed: dict[str, Any]) -> None:
    raw = json.dumps({"verifiableCredential": signed, "note": "\U0001f50b"}, ensure_ascii=True)
    assert "\\ud83d" in raw
    response = client.post("/credentials/verify", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"])
def test_wrong_content_type_is_415(client: TestClient, signed: dict[str, Any], content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/credentials/verify", content=json.dumps({"verifiableCredential": signed}), headers=headers)
    _is_problem(response, 415)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/ld+json", "Application/JSON"])
def test_json_content_types_are_accepted(client: TestClient, signed: dict[str, Any], content_type: str) -> None:
    content = json.dumps({"verifiableCredential": signed})
    response = client.post("/credentials/verify", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 200


def test_a_presentation_sent_as_a_credential_is_400(
    client: TestClient, signed: dict[str, Any], unsigned: dict[str, Any], issuer_key: KeyPair, holder_key: KeyPair
) -> None:
    vp = present([signed], holder_key, challenge="c1", domain="verifier.example", created=CREATED)
    body = _is_problem(client.post("/credentials/verify", json={"verifiableCredential": vp}), 400)
    assert "/presentations/verify" in body["detail"]
    vc_jwt = issue_credential_jwt(unsigned, issuer_key)
    assert isinstance(vc_jwt, str)
    vp_jwt = present([vc_jwt], holder_key, challenge="c1", domain="verifier.example", format="jwt")
    _is_problem(client.post("/credentials/verify", json={"verifiableCredential": vp_jwt}), 400)


# -- /presentations/verify -------------------------------------------------------------------------


@pytest.fixture
def presentation(signed: dict[str, Any], holder_key: KeyPair) -> dict[str, Any]:
    vp = present([signed], holder_key, challenge="nonce-123", domain="verifier.example", created=CREATED)
    assert isinstance(vp, dict)
    return vp


def test_presentation_with_the_right_challenge_is_200(client: TestClient, presentation: dict[str, Any]) -> None:
    options = {"challenge": "nonce-123", "domain": "verifier.example"}
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": options})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True


def test_presentation_with_a_wrong_challenge_is_422(client: TestClient, presentation: dict[str, Any]) -> None:
    options = {"challenge": "another", "domain": "verifier.example"}
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": options})
    body = _is_problem(response, 422)
    assert errors.INVALID_CHALLENGE_ERROR in _types(body)


def test_presentation_with_a_wrong_domain_is_422(client: TestClient, presentation: dict[str, Any]) -> None:
    options = {"challenge": "nonce-123", "domain": "elsewhere.example"}
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": options})
    assert errors.INVALID_DOMAIN_ERROR in _types(_is_problem(response, 422))


def test_presentation_without_a_challenge_is_400(client: TestClient, presentation: dict[str, Any]) -> None:
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    body = _is_problem(response, 400)
    assert body["problemDetails"][0]["json_path"] == "$.options.challenge"


def test_a_tampered_credential_in_a_presentation_is_422(
    client: TestClient, signed: dict[str, Any], holder_key: KeyPair
) -> None:
    signed["credentialSubject"]["category"] = "Tampered"
    vp = present([signed], holder_key, challenge="n", domain="d.example", created=CREATED)
    options = {"challenge": "n", "domain": "d.example"}
    body = _is_problem(
        client.post("/presentations/verify", json={"verifiablePresentation": vp, "options": options}), 422
    )
    assert [p["json_path"] for p in body["problemDetails"]] == [None]
    assert "credential 0" in body["detail"]


def test_vp_jwt_with_the_right_nonce_is_200(
    client: TestClient, unsigned: dict[str, Any], issuer_key: KeyPair, holder_key: KeyPair
) -> None:
    vc = issue_credential_jwt(unsigned, issuer_key)
    assert isinstance(vc, str)
    vp = present([vc], holder_key, challenge="n-1", domain="d.example", format="jwt")
    for challenge, expected in (("n-1", 200), ("n-2", 422)):
        options = {"challenge": challenge, "domain": "d.example"}
        response = client.post("/presentations/verify", json={"verifiablePresentation": vp, "options": options})
        assert response.status_code == expected, response.text


def test_proofless_presentation(client: TestClient, signed: dict[str, Any], holder_key: KeyPair) -> None:
    vp = build([signed], holder_key.controller)
    assert client.post("/presentations/verify", json={"presentation": vp}).status_code == 200
    # asked for a challenge, nothing answers it
    response = client.post("/presentations/verify", json={"presentation": vp, "options": {"challenge": "x"}})
    assert errors.INVALID_CHALLENGE_ERROR in _types(_is_problem(response, 422))


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"verifiablePresentation": {"type": ["VerifiablePresentation"]}, "presentation": {}},
        {"verifiablePresentation": 5, "options": {"challenge": "x"}},
        {"presentation": "eyJ.eyJ.sig"},
        {"presentation": {"type": ["VerifiableCredential"]}},
    ],
    ids=["empty", "both", "number", "string", "credential"],
)
def test_malformed_presentation_requests_are_400(client: TestClient, payload: dict[str, Any]) -> None:
    _is_problem(client.post("/presentations/verify", json=payload), 400)


def test_verification_runs_off_the_event_loop(signed: dict[str, Any]) -> None:
    threads: list[bool] = []

    class Recording(Verifier):
        def verify(self, data: Any, **kw: Any) -> Any:
            try:
                asyncio.get_running_loop()
                threads.append(False)
            except RuntimeError:
                threads.append(True)
            return super().verify(data, **kw)

    client = TestClient(create_app(ServerConfig(Recording(), clock=lambda: NOW)))
    assert client.post("/credentials/verify", json={"verifiableCredential": signed}).status_code == 200
    assert threads == [True]


# -- /credentials/issue ----------------------------------------------------------------------------


def test_issue_needs_the_token(client: TestClient, unsigned: dict[str, Any]) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        response = client.post("/credentials/issue", json={"credential": unsigned}, headers=headers)
        _is_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_issue_is_checked_before_the_body_is_read(client: TestClient) -> None:
    response = client.post("/credentials/issue", content=b"{broken", headers={"Content-Type": "text/plain"})
    _is_problem(response, 401)


def test_issue_di_is_201_and_verifies(client: TestClient, unsigned: dict[str, Any]) -> None:
    response = client.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH)
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vc["proof"]["created"].startswith("2027-03-01")  # the configured clock
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).status_code == 200


def test_issue_accepts_a_lowercase_scheme(client: TestClient, unsigned: dict[str, Any]) -> None:
    headers = {"Authorization": f"bearer {TOKEN}"}
    assert client.post("/credentials/issue", json={"credential": unsigned}, headers=headers).status_code == 201


def test_issue_jwt_is_an_enveloped_credential(client: TestClient, unsigned: dict[str, Any]) -> None:
    body = {"credential": unsigned, "options": {"format": "jwt"}}
    response = client.post("/credentials/issue", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    vc = response.json()["verifiableCredential"]
    assert vc["type"] == "EnvelopedVerifiableCredential"
    assert vc["id"].startswith("data:application/vc+jwt,")
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).status_code == 200


def test_issue_with_status_purpose_adds_entries(
    client: TestClient, unsigned: dict[str, Any], status: FakeStatus
) -> None:
    body = {"credential": unsigned, "options": {"statusPurpose": ["revocation", "suspension"]}}
    response = client.post("/credentials/issue", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    entries = response.json()["verifiableCredential"]["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert set(status.states) == {(unsigned["id"], "revocation"), (unsigned["id"], "suspension")}


def test_an_invalid_credential_is_422_and_uses_no_status_entry(
    client: TestClient, unsigned: dict[str, Any], status: FakeStatus
) -> None:
    del unsigned["credentialSubject"]
    unsigned["validFrom"] = "yesterday"
    body = {"credential": unsigned, "options": {"statusPurpose": "revocation"}}
    problem = _is_problem(client.post("/credentials/issue", json=body, headers=AUTH), 422)
    assert len(problem["problemDetails"]) >= 2
    assert all(p["json_path"].startswith("$.credential") for p in problem["problemDetails"])
    assert status.states == {}


def test_an_undefined_term_is_422(client: TestClient, unsigned: dict[str, Any]) -> None:
    unsigned["credentialSubject"]["injected"] = 1
    problem = _is_problem(client.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH), 422)
    assert problem["type"] == errors.DATA_LOSS_DETECTION_ERROR


def test_issue_for_another_issuer_is_422(client: TestClient, unsigned: dict[str, Any]) -> None:
    unsigned["issuer"] = "did:web:someone-else.example"
    problem = _is_problem(client.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH), 422)
    assert problem["problemDetails"][0]["json_path"] == "$.credential.issuer"


@pytest.mark.parametrize(
    "options",
    [
        {"format": "cbor"},
        {"mandatoryPointers": ["/issuer"]},
        {"statusPurpose": "message"},
        {"statusPurpose": []},
        {"cryptosuite": "bbs-2023"},
        {"format": "jwt", "cryptosuite": "eddsa-rdfc-2022"},
    ],
    ids=["format", "unknown", "purpose", "no-purposes", "suite", "suite-with-jwt"],
)
def test_bad_issue_options_are_400(client: TestClient, unsigned: dict[str, Any], options: dict[str, Any]) -> None:
    response = client.post("/credentials/issue", json={"credential": unsigned, "options": options}, headers=AUTH)
    _is_problem(response, 400)


def test_issue_needs_a_credential_object(client: TestClient) -> None:
    _is_problem(client.post("/credentials/issue", json={"credential": "x"}, headers=AUTH), 400)
    _is_problem(client.post("/credentials/issue", json={}, headers=AUTH), 400)


def test_issue_and_status_are_404_when_not_configured(unsigned: dict[str, Any]) -> None:
    client = TestClient(create_app(ServerConfig(Verifier(), token=TOKEN)))
    _is_problem(client.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH), 404)
    _is_problem(client.post("/credentials/status", json={}, headers=AUTH), 404)
    _is_problem(client.get("/status-lists/1"), 404)


def test_status_purpose_without_a_registry_is_400(issuer_key: KeyPair, unsigned: dict[str, Any]) -> None:
    client = TestClient(create_app(ServerConfig(Verifier(), issuer=issuer_key, token=TOKEN)))
    body = {"credential": unsigned, "options": {"statusPurpose": "revocation"}}
    _is_problem(client.post("/credentials/issue", json=body, headers=AUTH), 400)


def test_config_refuses_a_key_without_a_token(issuer_key: KeyPair) -> None:
    with pytest.raises(ValueError, match="token"):
        ServerConfig(Verifier(), issuer=issuer_key)
    with pytest.raises(ValueError, match="token"):
        ServerConfig(Verifier(), status=FakeStatus())
    with pytest.raises(ValueError, match="empty"):
        ServerConfig(Verifier(), issuer=issuer_key, token=" ")
    with pytest.raises(ValueError):
        ServerConfig(Verifier(), max_body_bytes=0)


# -- /credentials/status and /status-lists ---------------------------------------------------------


def _status_request(credential_id: str = "urn:uuid:1", purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        **extra,
    }


@pytest.mark.parametrize(
    ("purpose", "status_value", "action"),
    [
        ("revocation", None, "revoke"),
        ("revocation", True, "revoke"),
        ("revocation", "revoked", "revoke"),
        ("suspension", True, "suspend"),
        ("suspension", "suspended", "suspend"),
        ("suspension", False, "reinstate"),
        ("suspension", "active", "reinstate"),
    ],
)
def test_status_update_maps_to_an_action(
    client: TestClient, status: FakeStatus, purpose: str, status_value: Any, action: str
) -> None:
    status.states[("urn:uuid:1", purpose)] = "active"
    extra = {} if status_value is None else {"status": status_value}
    response = client.post("/credentials/status", json=_status_request(purpose=purpose, **extra), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"credentialId": "urn:uuid:1", "statusPurpose": purpose, "action": action}
    assert status.updates == [("urn:uuid:1", purpose, action)]


def test_status_update_of_an_unknown_credential_is_404(client: TestClient) -> None:
    _is_problem(client.post("/credentials/status", json=_status_request("urn:uuid:nobody"), headers=AUTH), 404)


def test_status_update_refused_by_the_registry_is_422(client: TestClient, status: FakeStatus) -> None:
    status.states[("urn:uuid:1", "revocation")] = "revoke"
    response = client.post("/credentials/status", json=_status_request(status=False), headers=AUTH)
    body = _is_problem(response, 422)
    assert "cannot be reinstated" in body["detail"]


def test_unavailable_registry_is_503(client: TestClient, status: FakeStatus, monkeypatch) -> None:
    from bpvc.status.registry import RegistryUnavailableError

    def broken(*args: Any) -> None:
        raise RegistryUnavailableError("the database server closed the connection")

    monkeypatch.setattr(status, "update", broken)
    body = _is_problem(client.post("/credentials/status", json=_status_request(), headers=AUTH), 503)
    assert "not available" in body["detail"]


def test_status_update_needs_the_token(client: TestClient, status: FakeStatus) -> None:
    status.states[("urn:uuid:1", "revocation")] = "active"
    _is_problem(client.post("/credentials/status", json=_status_request()), 401)
    assert status.updates == []


@pytest.mark.parametrize(
    "payload",
    [
        {"credentialStatus": {"statusPurpose": "revocation"}},
        {"credentialId": "", "credentialStatus": {"statusPurpose": "revocation"}},
        {"credentialId": "urn:uuid:1"},
        {"credentialId": "urn:uuid:1", "credentialStatus": {"statusPurpose": "message"}},
        {"credentialId": "urn:uuid:1", "credentialStatus": {"type": "Other", "statusPurpose": "revocation"}},
        _status_request(status="suspended"),
        _status_request(status=1),
    ],
    ids=["no-id", "empty-id", "no-status", "purpose", "type", "mismatch", "number"],
)
def test_malformed_status_requests_are_400(client: TestClient, payload: dict[str, Any]) -> None:
    _is_problem(client.post("/credentials/status", json=payload, headers=AUTH), 400)


def test_status_list_is_public_with_cache_control_from_ttl(client: TestClient, status: FakeStatus) -> None:
    response = client.get("/status-lists/1")
    assert response.status_code == 200
    assert response.json() == status.lists["1"]
    assert response.headers["cache-control"] == "public, max-age=300"
    assert client.get("/status-lists/2").headers["cache-control"] == "no-cache"
    _is_problem(client.get("/status-lists/404"), 404)


# -- service endpoints, routing, limits, errors ----------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/healthz"])
def test_health(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["version"]


def test_openapi_lists_every_path(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    routes = {r.path.replace("{list_id}", "{id}") for r in client.app.routes}  # type: ignore[attr-defined]
    assert routes == set(document["paths"])
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], f"{method} {path}"
    text = json.dumps(document)
    for kind in ("schemas", "responses"):
        for name in document["components"][kind]:
            assert f'"#/components/{kind}/{name}"' in text, f"{kind}/{name} is never used"
    for ref in re.findall(r'"#/components/(\w+)/(\w+)"', text):
        assert ref[1] in document["components"][ref[0]], ref


def test_unknown_path_is_404_and_wrong_method_is_405(client: TestClient) -> None:
    _is_problem(client.get("/nowhere"), 404)
    _is_problem(client.get("/health/"), 404)
    response = client.get("/credentials/verify")
    _is_problem(response, 405)
    assert response.headers["allow"] == "POST"
    _is_problem(client.delete("/status-lists/1"), 405)


def test_a_large_content_length_is_413(client: TestClient) -> None:
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    response = client.post("/credentials/verify", content=body, headers={"Content-Type": "application/json"})
    _is_problem(response, 413)


def _asgi_post(app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST a streamed body straight through ASGI; returns (status, chunks the app read)."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/credentials/verify",
        "raw_path": b"/credentials/verify",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], read


def test_a_streamed_body_over_the_limit_is_413_without_reading_it_all(config: ServerConfig) -> None:
    app = create_app(config)
    chunk = b" " * 65536
    chunks = [chunk] * 32  # 2 MiB, no Content-Length (chunked)
    status, read = _asgi_post(app, chunks, [(b"content-type", b"application/json")])
    assert status == 413
    assert read == config.max_body_bytes // len(chunk) + 1 < len(chunks)


def test_a_declared_length_over_the_limit_is_413_before_reading(config: ServerConfig) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(2 * 1024 * 1024).encode())]
    status, read = _asgi_post(create_app(config), [b"{}"], headers)
    assert (status, read) == (413, 0)


def test_the_limit_is_configurable(signed: dict[str, Any]) -> None:
    client = TestClient(create_app(ServerConfig(Verifier(), max_body_bytes=100, clock=lambda: NOW)))
    _is_problem(client.post("/credentials/verify", json={"verifiableCredential": signed}), 413)


def test_an_unexpected_error_is_a_bare_500_and_logged(signed: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Verifier):
        def verify(self, data: Any, **kw: Any) -> Any:
            raise RuntimeError("internal secret detail /srv/keys")

    client = TestClient(create_app(ServerConfig(Broken())))
    with caplog.at_level(logging.INFO):
        response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    body = _is_problem(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert body["type"] == "about:blank"
    errors_logged = [r for r in caplog.records if r.name == "bpvc.server.app"]
    assert errors_logged and errors_logged[0].exc_info is not None
    assert json.loads([r for r in caplog.records if r.name == "bpvc.access"][0].getMessage())["status"] == 500


# -- access log ------------------------------------------------------------------------------------


def test_access_log_has_one_json_line_per_request_and_never_the_token(
    client: TestClient,
    unsigned: dict[str, Any],
    signed: dict[str, Any],
    status: FakeStatus,
    caplog: pytest.LogCaptureFixture,
) -> None:
    status.states[("urn:uuid:1", "revocation")] = "active"
    with caplog.at_level(logging.DEBUG):
        client.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH)
        client.post("/credentials/issue", json={"credential": unsigned}, headers={"Authorization": f"Bearer {TOKEN}x"})
        client.post("/credentials/status", json=_status_request(), headers=AUTH)
        client.post("/credentials/verify", json={"verifiableCredential": signed})
        client.get("/health?token=" + "q")
    captured = caplog.text + "".join(str(r.args) + r.getMessage() for r in caplog.records)
    assert TOKEN not in captured
    assert "Bearer" not in captured
    assert signed["proof"]["proofValue"] not in captured  # never a body
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bpvc.access"]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("POST", "/credentials/issue", 201),
        ("POST", "/credentials/issue", 401),
        ("POST", "/credentials/status", 200),
        ("POST", "/credentials/verify", 200),
        ("GET", "/health", 200),
    ]
    assert set(lines[0]) == {"method", "path", "status", "duration_ms", "request_bytes", "response_bytes", "client"}
    assert lines[0]["request_bytes"] > 1000 and lines[0]["response_bytes"] > 1000
    assert lines[1]["request_bytes"] == 0  # refused before the body was read
    assert lines[0]["client"] == "testclient"


# -- bpvc serve ------------------------------------------------------------------------------------


def test_serve_is_a_bpvc_command() -> None:
    code = "from bpvc.cli.main import main; main(['serve', '--help'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "--token-env" in done.stdout and "--issuer-key" in done.stdout


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, int]]:
    calls: list[tuple[Any, str, int]] = []
    monkeypatch.setattr("bpvc.cli.serve._run", lambda app, host, port: calls.append((app, host, port)))
    return calls


def test_serve_defaults_to_loopback_and_verify_only(
    served: list[tuple[Any, str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BPVC_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    app, host, port = served[0]
    assert (host, port) == ("127.0.0.1", 8080)
    assert TestClient(app).post("/credentials/issue", json={}).status_code == 404


def test_serve_with_an_issuer_key_reads_the_token_from_the_environment(
    served: list[tuple[Any, str, int]], monkeypatch: pytest.MonkeyPatch, example_key_dir: Any, unsigned: dict[str, Any]
) -> None:
    monkeypatch.setenv("PARTNER_TOKEN", TOKEN)
    monkeypatch.delenv("BPVC_PASSPHRASE", raising=False)
    args = ["serve", "--issuer-key", str(example_key_dir), "--token-env", "PARTNER_TOKEN", "--port", "9999"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    app = TestClient(served[0][0])
    assert app.post("/credentials/issue", json={"credential": unsigned}).status_code == 401
    # the example key is did:web, so this credential (issued by a did:key) is refused, but past the auth
    assert app.post("/credentials/issue", json={"credential": unsigned}, headers=AUTH).status_code == 422


def test_serve_refuses_an_issuer_key_without_a_token(
    served: list[tuple[Any, str, int]], monkeypatch: pytest.MonkeyPatch, example_key_dir: Any
) -> None:
    monkeypatch.delenv("BPVC_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["serve", "--issuer-key", str(example_key_dir)])
    assert result.exit_code == 2  # a setup error: the service cannot start as configured
    assert "BPVC_TOKEN" in result.output and not served
    monkeypatch.setenv("BPVC_TOKEN", "short")
    result = CliRunner().invoke(main, ["serve", "--issuer-key", str(example_key_dir)])
    assert result.exit_code == 2 and "shorter" in result.output


def test_serve_verifies_under_the_policy(
    served: list[tuple[Any, str, int]], tmp_path: Any, signed: dict[str, Any]
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[[trusted_issuers]]\ndid = "did:web:only-this.example"\ntypes = ["*"]\n')
    result = CliRunner().invoke(main, ["serve", "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    response = TestClient(served[0][0]).post("/credentials/verify", json={"verifiableCredential": signed})
    body = _is_problem(response, 422)
    assert "trust" in body["detail"]


def test_serve_refuses_a_bad_policy(served: list[tuple[Any, str, int]], tmp_path: Any) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[verification]\nclock_skew = -1\n")
    result = CliRunner().invoke(main, ["serve", "--policy", str(policy)])
    assert result.exit_code == 2 and "clock_skew" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["serve", "--policy", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not served


def test_verify_responses_match_the_openapi_document(client: TestClient, signed: dict[str, Any]) -> None:
    """The real bodies, valid and tampered, against the schemas the service publishes (no check left out)."""
    from jsonschema import Draft202012Validator

    document = client.get("/openapi.json").json()
    validator = Draft202012Validator({"$ref": "#/components/schemas/VerifyResponse", **document})
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    for credential in (signed, tampered):
        body = {"verifiableCredential": credential, "options": {"returnResults": True}}
        response = client.post("/credentials/verify", json=body)
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(response.json())]
        assert not errors, errors
        names = {c["name"] for c in response.json()["results"]["checks"]}
        assert "domain" in names
    schema_names = document["components"]["schemas"]["VerifyResponse"]["properties"]["results"]["properties"]
    assert "domain" in schema_names["checks"]["items"]["properties"]["name"]["enum"]
