"""vc+jwt: the contexts check keeps safe mode, the work budget and the signed shape, without RDFC."""

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bpvc import strict_json
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.jsonld import canonicalize
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.securing import jose
from bpvc.verify.verifier import Verifier

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "battery-credential.json"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    pair = KeyPair.generate("ed25519")
    return pair.with_verification_method(keystore.verification_method_for("did:key", pair))


def _credential(issuer: str) -> dict:
    doc = strict_json.loads(EXAMPLE.read_bytes())
    doc["issuer"] = issuer
    doc["validFrom"], doc["validUntil"] = "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"
    return doc


@pytest.fixture
def rdfc_calls(monkeypatch):
    calls = {"n": 0}
    original = canonicalize._BoundedRDFC.main

    def counting(self, dataset, options):
        calls["n"] += 1
        return original(self, dataset, options)

    monkeypatch.setattr(canonicalize._BoundedRDFC, "main", counting)
    return calls


def _check(result, name):
    return next(c for c in result.checks if c.name == name)


def test_vc_jwt_verifies_without_canonicalizing(key, rdfc_calls):
    token = issue_credential_jwt(_credential(key.controller), key)
    rdfc_calls["n"] = 0
    result = Verifier().verify(token, now=NOW)
    assert result.verified, result
    assert rdfc_calls["n"] == 0


def test_data_integrity_still_canonicalizes(key, rdfc_calls):
    signed = issue_credential(_credential(key.controller), key, created="2026-11-20T00:00:00Z")
    rdfc_calls["n"] = 0
    assert Verifier().verify(signed, now=NOW).verified
    assert rdfc_calls["n"] >= 2  # the document and the proof configuration


def test_vc_jwt_undefined_term_still_fails_the_contexts_check(key):
    doc = _credential(key.controller)
    doc["credentialSubject"] = dict(doc["credentialSubject"], notDefinedAnywhere=1)
    token = jose.sign(doc, key, media="vc")  # issue_credential_jwt would refuse it
    result = Verifier().verify(token, now=NOW)
    assert not result.verified
    check = _check(result, "contexts")
    assert check.outcome.value == "failed"
    assert "notDefinedAnywhere" in str(check)


def test_vc_jwt_work_budget_still_applies(key):
    doc = _credential(key.controller)
    subject = copy.deepcopy(doc["credentialSubject"])
    doc["credentialSubject"] = [dict(subject, id=f"urn:example:{i}") for i in range(6000)]
    token = jose.sign(doc, key, media="vc")
    result = Verifier().verify(token, now=NOW)
    assert not result.verified
    assert "work limit" in str(_check(result, "contexts"))
