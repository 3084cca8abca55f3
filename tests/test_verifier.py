"""The verifier's checks on bpvc's own credentials: tampering, safe mode, keys, purposes, time."""

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from bpvc import errors
from bpvc.did import did_web_document
from bpvc.issue.credential import InvalidDocumentError, issue_credential
from bpvc.jsonld.contexts import default_loader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.securing.data_integrity import add_proof
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 3, 1, tzinfo=UTC)
CREATED = datetime(2026, 11, 20, tzinfo=UTC)


def _did_key(key_type="ed25519"):
    key = KeyPair.generate(key_type)
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def _sign(doc, key, **kw):
    doc = copy.deepcopy(doc)
    doc["issuer"] = key.controller
    return issue_credential(doc, key, created=CREATED, **kw)


def _problem_types(result, check):
    return [p.type for p in result.check(check).problems]


@pytest.fixture(params=["ed25519", "p256", "p384"])
def key(request):
    return _did_key(request.param)


def test_signed_credential_verifies(example_credential, key):
    result = Verifier().verify(_sign(example_credential, key), now=NOW)
    assert result.verified, result.to_dict()
    assert [c.name for c in result.checks] == [
        "structure",
        "contexts",
        "proof",
        "key_ownership",
        "validity",
        "status",
        "schema",
        "domain",
        "trust",
    ]
    suite = "eddsa-rdfc-2022" if key.key_type == "ed25519" else "ecdsa-rdfc-2019"
    assert _sign(example_credential, key)["proof"]["cryptosuite"] == suite


def test_changed_claim_fails_with_cryptographic_error(example_credential, key):
    signed = _sign(example_credential, key)
    signed["credentialSubject"]["carbonFootprintPerFunctionalUnit"] = "61.4"
    result = Verifier().verify(signed, now=NOW)
    assert not result.verified and result.invalid
    assert _problem_types(result, "proof") == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


@pytest.mark.parametrize("position", [5, 20, -1])
def test_changed_proof_value_character_fails(example_credential, position):
    signed = _sign(example_credential, _did_key())
    value = signed["proof"]["proofValue"]
    i = position % len(value)
    replacement = "2" if value[i] != "2" else "3"
    signed["proof"]["proofValue"] = value[:i] + replacement + value[i + 1 :]
    result = Verifier().verify(signed, now=NOW)
    assert not result.verified
    assert _problem_types(result, "proof") == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


def test_term_added_after_signing_is_data_loss(example_credential):
    signed = _sign(example_credential, _did_key())
    signed["credentialSubject"]["injected"] = "not in any context"
    result = Verifier().verify(signed, now=NOW)
    assert not result.verified
    assert errors.DATA_LOSS_DETECTION_ERROR in _problem_types(result, "contexts")
    assert "injected" in result.check("contexts").problems[0].detail


def test_undefined_term_is_refused_at_issue(example_credential):
    doc = copy.deepcopy(example_credential)
    doc["credentialSubject"]["injected"] = 1
    with pytest.raises(errors.DataLossError, match="injected"):
        _sign(doc, _did_key())


def test_unknown_context_is_not_verified(example_credential):
    signed = _sign(example_credential, _did_key())
    signed["@context"].append("https://unknown.example/ctx/v1")
    result = Verifier().verify(signed, now=NOW)
    assert not result.verified
    assert "unknown.example" in result.check("contexts").problems[0].detail


def test_unknown_cryptosuite_fails(example_credential):
    signed = _sign(example_credential, _did_key())
    signed["proof"]["cryptosuite"] = "eddsa-rdfc-1999"
    result = Verifier().verify(signed, now=NOW)
    assert result.invalid
    assert "unknown cryptosuite" in result.check("proof").problems[0].detail


def test_disallowed_cryptosuite_fails(example_credential):
    signed = _sign(example_credential, _did_key("p256"))
    result = Verifier(allowed_suites={"eddsa-rdfc-2022"}).verify(signed, now=NOW)
    assert "not allowed" in result.check("proof").problems[0].detail


def test_wrong_proof_purpose_fails(example_credential):
    key = _did_key()
    doc = copy.deepcopy(example_credential)
    doc["issuer"] = key.controller
    signed = add_proof(doc, key, loader=default_loader(), purpose="authentication", created=CREATED)
    result = Verifier().verify(signed, now=NOW)
    assert result.invalid
    assert _problem_types(result, "proof") == [errors.PROOF_VERIFICATION_ERROR]
    assert "proofPurpose" in result.check("proof").problems[0].detail


def test_non_object_proof_is_a_parsing_error(example_credential):
    signed = _sign(example_credential, _did_key())
    signed["proof"] = "z123"
    result = Verifier().verify(signed, now=NOW)
    assert _problem_types(result, "proof") == [errors.PARSING_ERROR]


def test_missing_proof_fails(example_credential):
    result = Verifier().verify(example_credential, now=NOW)
    assert result.check("proof").outcome is Outcome.FAILED


def test_issuer_must_control_the_key(example_credential):
    signed = _sign(example_credential, _did_key())
    other = _did_key()
    signed = dict(signed)
    resigned = copy.deepcopy(signed)
    del resigned["proof"]
    resigned = issue_credential(resigned, other, created=CREATED)  # the issuer stays the first key's DID
    result = Verifier().verify(resigned, now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED
    assert result.check("key_ownership").outcome is Outcome.FAILED


def test_did_web_key_from_supplied_document(example_credential):
    key = KeyPair.generate("p256", "did:web:maker.example#key-1")
    method = keystore.multikey_method(key)
    doc = did_web_document("did:web:maker.example", [method], active=[key.verification_method])
    signed = _sign(example_credential, key)
    assert Verifier(did_documents={doc["id"]: doc}).verify(signed, now=NOW).verified
    offline = Verifier().verify(signed, now=NOW)
    assert offline.indeterminate and not offline.invalid
    assert offline.check("proof").outcome is Outcome.INDETERMINATE


def test_key_not_authorized_for_assertion_fails(example_credential):
    key = KeyPair.generate("ed25519", "did:web:maker.example#key-1")
    doc = did_web_document("did:web:maker.example", [keystore.multikey_method(key)], active=[])
    doc["authentication"] = [key.verification_method]
    result = Verifier(did_documents={doc["id"]: doc}).verify(_sign(example_credential, key), now=NOW)
    assert result.invalid
    assert _problem_types(result, "key_ownership") == [errors.INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD]


@pytest.mark.parametrize(
    "now, outcome",
    [
        (datetime(2026, 10, 31, 23, 56, tzinfo=UTC), Outcome.PASSED),  # within the 300 s skew
        (datetime(2026, 10, 31, 23, 50, tzinfo=UTC), Outcome.FAILED),
        (datetime(2036, 11, 1, 0, 4, tzinfo=UTC), Outcome.PASSED),
        (datetime(2036, 11, 1, 0, 6, tzinfo=UTC), Outcome.FAILED),
    ],
)
def test_validity_window_with_clock_skew(example_credential, now, outcome):
    signed = _sign(example_credential, _did_key())
    assert Verifier().verify(signed, now=now).check("validity").outcome is outcome


def test_proof_created_in_the_future_fails(example_credential):
    signed = _sign(example_credential, _did_key())
    result = Verifier().verify(signed, now=CREATED - timedelta(days=1))
    assert "in the future" in result.check("proof").problems[0].detail


def test_credential_status_fails_closed(example_credential):
    doc = copy.deepcopy(example_credential)
    doc["credentialStatus"] = {
        "id": "https://status.example/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/1",
    }
    result = Verifier().verify(_sign(doc, _did_key()), now=NOW)
    assert result.check("status").outcome is Outcome.INDETERMINATE
    assert not result.verified


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", b"\xff\xfe", 42, None])
def test_bad_input_never_raises(data):
    result = Verifier().verify(data, now=NOW)
    assert not result.verified
    assert result.problems


def test_json_text_input(example_credential):
    text = json.dumps(_sign(example_credential, _did_key()))
    assert Verifier().verify(text, now=NOW).verified


def test_issue_refuses_invalid_documents(example_credential):
    doc = copy.deepcopy(example_credential)
    del doc["credentialSubject"]
    doc["validFrom"] = "yesterday"
    with pytest.raises(InvalidDocumentError) as info:
        issue_credential(doc, _did_key())
    assert {p.json_path for p in info.value.problems} == {"$.credentialSubject", "$.validFrom"}


def test_proof_set_of_two_issuer_keys(example_credential):
    key = KeyPair.generate("ed25519", "did:web:maker.example#key-1")
    key2 = KeyPair.generate("p384", "did:web:maker.example#key-2")
    methods = [keystore.multikey_method(key), keystore.multikey_method(key2)]
    doc = did_web_document("did:web:maker.example", methods, active=[key.verification_method, key2.verification_method])
    signed = _sign(example_credential, key)
    both = add_proof(signed, key2, loader=default_loader(), created=CREATED)
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    verifier = Verifier(did_documents={doc["id"]: doc})
    assert verifier.verify(both, now=NOW).verified
    both["proof"][1]["created"] = "2026-11-21T00:00:00Z"
    result = verifier.verify(both, now=NOW)
    assert not result.verified
    assert _problem_types(result, "proof") == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


@pytest.mark.parametrize(
    "text, reason",
    [
        (
            '{"type": ["VerifiableCredential"], "issuer": "did:example:1", "issuer": "did:example:2"}',
            "duplicate member 'issuer'",
        ),
        ('{"validFrom": NaN}', "NaN is not JSON"),
        ('{"n": 1e999}', "beyond the range"),
    ],
)
def test_json_that_parsers_disagree_on_is_refused(text, reason):
    result = Verifier().verify(text, now=NOW)
    assert not result.verified
    assert reason in result.problems[0].detail and result.problems[0].type == errors.PARSING_ERROR
