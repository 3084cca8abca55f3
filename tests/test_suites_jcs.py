"""eddsa-jcs-2022 and ecdsa-jcs-2019: issue and verify, the proof's @context, and what JCS refuses."""

import json
from datetime import UTC, datetime

import pytest

from bpvc.errors import DataLossError, MalformedError, ProofError
from bpvc.issue.credential import default_loader, issue_credential
from bpvc.jsonld.contexts import CREDENTIALS_V2
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.securing.data_integrity import add_proof
from bpvc.securing.suites import SUITES, suite_for_key
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)
CREATED = "2026-11-20T00:00:00Z"
SUITE_KEYS = [("eddsa-jcs-2022", "ed25519"), ("ecdsa-jcs-2019", "p256"), ("ecdsa-jcs-2019", "p384")]
IDS = [f"{s}-{k}" for s, k in SUITE_KEYS]


def _did_key(key_type):
    key = KeyPair.generate(key_type)
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def _issue(example_credential, suite, key_type):
    key = _did_key(key_type)
    return issue_credential(dict(example_credential, issuer=key.controller), key, cryptosuite=suite, created=CREATED)


@pytest.mark.parametrize("suite, key_type", SUITE_KEYS, ids=IDS)
def test_jcs_credentials_issue_and_verify(example_credential, suite, key_type):
    signed = _issue(example_credential, suite, key_type)
    proof = signed["proof"]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", suite)
    assert proof["@context"] == example_credential["@context"]
    assert list(proof)[-2:] == ["@context", "proofValue"]
    result = Verifier().verify(signed, now=NOW)
    assert result.verified, result.to_dict()
    assert result.check("key_ownership").outcome is Outcome.PASSED


@pytest.mark.parametrize("suite, key_type", SUITE_KEYS, ids=IDS)
def test_jcs_signs_the_json_so_any_changed_value_fails(example_credential, suite, key_type):
    signed = _issue(example_credential, suite, key_type)
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["ratedCapacity"] = "281"
    result = Verifier().verify(tampered, now=NOW)
    assert result.check("proof").outcome is Outcome.FAILED
    assert f"{suite} signature does not verify" in result.check("proof").problems[0].detail
    tampered = json.loads(json.dumps(signed))
    tampered["proof"]["created"] = "2026-11-20T00:00:01Z"
    assert Verifier().verify(tampered, now=NOW).check("proof").outcome is Outcome.FAILED


def test_key_order_and_whitespace_do_not_matter(example_credential):
    """JCS hashes the canonical form, so a re-serialized credential verifies unchanged."""
    signed = _issue(example_credential, "eddsa-jcs-2022", "ed25519")

    def reordered(value):
        if isinstance(value, dict):
            return {k: reordered(value[k]) for k in reversed(list(value))}
        return [reordered(v) for v in value] if isinstance(value, list) else value

    text = json.dumps(reordered(signed), indent=3, ensure_ascii=True)
    assert text != json.dumps(signed)
    assert Verifier().verify(text, now=NOW).verified


def test_the_rdfc_suites_stay_the_defaults_and_carry_no_proof_context(example_credential):
    assert suite_for_key("ed25519").name == "eddsa-rdfc-2022"
    assert suite_for_key("p384").name == "ecdsa-rdfc-2019"
    key = _did_key("ed25519")
    signed = issue_credential(dict(example_credential, issuer=key.controller), key, created=CREATED)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "@context" not in signed["proof"]


def test_a_suite_refuses_a_key_of_another_type(example_credential):
    key = _did_key("ed25519")
    with pytest.raises(ProofError, match="ecdsa-jcs-2019 cannot use a ed25519 key"):
        issue_credential(dict(example_credential, issuer=key.controller), key, cryptosuite="ecdsa-jcs-2019")


def _resigned(signed, key, **proof_changes):
    """``signed`` with its proof replaced by one over ``proof_changes`` applied to the options, signed by ``key``."""
    suite = SUITES[signed["proof"]["cryptosuite"]]
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    options.update(proof_changes)
    options = {k: v for k, v in options.items() if v is not None}
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    options["proofValue"] = suite.create_proof_value(unsecured, dict(options), key, key.key_type, default_loader())
    return dict(unsecured, proof=options)


def test_document_context_must_start_with_the_proofs_context(example_credential):
    key = _did_key("ed25519")
    signed = issue_credential(
        dict(example_credential, issuer=key.controller), key, cryptosuite="eddsa-jcs-2022", created=CREATED
    )
    # a proof cannot even be made over a @context the document does not start with
    with pytest.raises(ProofError, match="does not start with the contexts the proof signed"):
        _resigned(signed, key, **{"@context": list(reversed(signed["@context"]))})
    # the same contexts in another order
    swapped = json.loads(json.dumps(signed))
    swapped["@context"] = list(reversed(swapped["@context"]))
    swapped["proof"]["@context"] = list(reversed(swapped["proof"]["@context"]))
    problems = Verifier().verify(swapped, now=NOW).check("proof").problems
    assert problems and problems[0].type.endswith("CRYPTOGRAPHIC_SECURITY_ERROR")
    # the document's @context altered after signing, the proof's left alone
    altered = json.loads(json.dumps(signed))
    altered["@context"] = [CREDENTIALS_V2]
    check = Verifier().verify(altered, now=NOW).check("proof")
    assert check.outcome is Outcome.FAILED
    assert check.problems[0].json_path == "$.proof['@context']"
    assert check.problems[0].detail == (
        "the document's @context does not start with the contexts the proof signed "
        f"({CREDENTIALS_V2}, an inline context)"
    )


def test_contexts_appended_after_signing_verify_as_the_spec_says(example_credential):
    """Verify Proof step 4: the document is hashed with the proof's @context, so contexts appended later
    (as a second suite in a proof set may need) leave the proof intact; the contexts check still judges them."""
    key = _did_key("ed25519")
    minimal = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "issuer": key.controller,
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = issue_credential(minimal, key, cryptosuite="eddsa-jcs-2022")
    appended = dict(signed, **{"@context": example_credential["@context"]})
    result = Verifier().verify(appended, now=NOW)
    assert result.verified, result.to_dict()
    # an appended context that safe mode refuses (it redefines a protected term) fails the contexts check
    appended["@context"] = [CREDENTIALS_V2, {"name": "https://attacker.example/name"}]
    result = Verifier().verify(appended, now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED
    assert result.check("contexts").outcome is Outcome.FAILED


def test_jcs_issue_still_refuses_what_json_ld_would_drop(example_credential):
    """JCS signs JSON, but the credential must still mean what it says: safe mode runs at issue, as for RDFC."""
    key = _did_key("ed25519")
    doc = dict(example_credential, issuer=key.controller, **{"@context": [CREDENTIALS_V2]})
    with pytest.raises(DataLossError, match="ratedCapacity"):
        add_proof(doc, key, loader=default_loader(), cryptosuite="eddsa-jcs-2022", created=CREATED)


def test_a_proof_without_context_is_hashed_as_it_is(example_credential):
    """Some implementations skip Create Proof step 2; their proofs hash the options without @context."""
    key = _did_key("p256")
    signed = issue_credential(
        dict(example_credential, issuer=key.controller), key, cryptosuite="ecdsa-jcs-2019", created=CREATED
    )
    bare = _resigned(signed, key, **{"@context": None})
    assert "@context" not in bare["proof"]
    assert Verifier().verify(bare, now=NOW).verified
    # the proofValue of one does not fit the other: the proof configuration differs
    mixed = json.loads(json.dumps(bare))
    mixed["proof"]["proofValue"] = signed["proof"]["proofValue"]
    assert Verifier().verify(mixed, now=NOW).check("proof").outcome is Outcome.FAILED


def test_values_jcs_cannot_represent_are_refused_cleanly(example_credential):
    key = _did_key("ed25519")
    doc = dict(example_credential, issuer=key.controller)
    doc["credentialSubject"] = dict(doc["credentialSubject"], ratedCapacity=2**60)
    with pytest.raises(MalformedError, match="cannot be canonicalized with JCS"):
        add_proof(doc, key, loader=default_loader(), cryptosuite="eddsa-jcs-2022", created=CREATED)
    signed = _issue(example_credential, "eddsa-jcs-2022", "ed25519")
    signed["credentialSubject"]["ratedCapacity"] = 2**60
    check = Verifier().verify(signed, now=NOW).check("proof")
    assert check.outcome is Outcome.FAILED
    assert "cannot be canonicalized with JCS" in check.problems[0].detail


def test_jcs_proof_sets_chains_and_presentations(example_credential):
    """A JCS proof chained after an RDFC one, and a JCS-secured presentation with challenge and domain."""
    key = _did_key("p384")
    first = issue_credential(
        dict(example_credential, issuer=key.controller), key, created=CREATED, proof_id="urn:uuid:proof-1"
    )
    chained = issue_credential(
        first, key, cryptosuite="ecdsa-jcs-2019", created=CREATED, previous_proof="urn:uuid:proof-1"
    )
    assert [p["cryptosuite"] for p in chained["proof"]] == ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"]
    result = Verifier().verify(chained, now=NOW)
    assert result.verified, result.to_dict()
    assert result.check("proof").detail == "2 proof(s) verified"
    holder = _did_key("ed25519")
    vp = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [chained],
    }
    signed_vp = add_proof(
        vp,
        holder,
        loader=default_loader(),
        cryptosuite="eddsa-jcs-2022",
        purpose="authentication",
        created=CREATED,
        challenge="c-1",
        domain="verifier.example",
    )
    assert Verifier().verify(signed_vp, now=NOW, challenge="c-1", domain="verifier.example").verified
    assert not Verifier().verify(signed_vp, now=NOW, challenge="c-2", domain="verifier.example").verified


def test_the_policy_can_narrow_to_the_jcs_suites(example_credential):
    signed = _issue(example_credential, "eddsa-jcs-2022", "ed25519")
    assert Verifier(allowed_suites={"eddsa-jcs-2022"}).verify(signed, now=NOW).verified
    refused = Verifier(allowed_suites={"eddsa-rdfc-2022"}).verify(signed, now=NOW).check("proof")
    assert refused.outcome is Outcome.FAILED
    assert "not allowed by the verification policy" in refused.problems[0].detail
