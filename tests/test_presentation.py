"""Presentations: Data Integrity (authentication proof) and vp+jwt, challenge and domain, holder binding."""

import copy
from datetime import UTC, datetime

import pytest

from bpvc import errors
from bpvc.did import did_web_document
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.issue.present import present
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _party(name, key_type="ed25519"):
    key = KeyPair.generate(key_type, f"did:web:{name}.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    return key, doc


@pytest.fixture
def world(example_credential):
    issuer, issuer_doc = _party("maker")
    holder, holder_doc = _party("carmaker", "p256")
    vc = issue_credential(dict(example_credential, issuer=issuer.controller), issuer, created="2026-11-20T00:00:00Z")
    verifier = Verifier(did_documents={issuer_doc["id"]: issuer_doc, holder_doc["id"]: holder_doc})
    return issuer, holder, vc, verifier


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_presentation_verifies_with_challenge_and_domain(world, example_credential, fmt):
    issuer, holder, vc, verifier = world
    cred = vc if fmt == "di" else issue_credential_jwt(dict(example_credential, issuer=issuer.controller), issuer)
    vp = present(
        [cred], holder, challenge="n-123", domain="verifier.example", format=fmt, created="2026-12-01T00:00:00Z"
    )
    result = verifier.verify(vp, now=NOW, challenge="n-123", domain="verifier.example")
    assert result.verified, result.to_dict()
    assert result.kind == "presentation" and len(result.credentials) == 1


@pytest.mark.parametrize("fmt", ["di", "jwt"])
@pytest.mark.parametrize(
    "challenge, domain, problem",
    [
        ("wrong", "verifier.example", errors.INVALID_CHALLENGE_ERROR),
        ("n-123", "other.example", errors.INVALID_DOMAIN_ERROR),
    ],
)
def test_wrong_challenge_or_domain_fails(world, example_credential, fmt, challenge, domain, problem):
    issuer, holder, vc, verifier = world
    cred = vc if fmt == "di" else issue_credential_jwt(dict(example_credential, issuer=issuer.controller), issuer)
    vp = present(
        [cred], holder, challenge="n-123", domain="verifier.example", format=fmt, created="2026-12-01T00:00:00Z"
    )
    result = verifier.verify(vp, now=NOW, challenge=challenge, domain=domain)
    assert not result.verified
    assert problem in [p.type for p in result.check("proof").problems]


def test_tampered_embedded_credential_fails_the_presentation(world):
    issuer, holder, vc, verifier = world
    vp = present([vc], holder, challenge="c", domain="d.example", created="2026-12-01T00:00:00Z")
    vp = copy.deepcopy(vp)
    vp["verifiableCredential"][0]["credentialSubject"]["chemistry"] = "NMC"
    result = verifier.verify(vp, now=NOW, challenge="c", domain="d.example")
    assert not result.verified
    assert result.check("proof").outcome is Outcome.FAILED  # the holder's proof covers the embedded credential


def test_presentation_signed_by_someone_else_than_the_holder(world):
    issuer, holder, vc, verifier = world
    vp = present([vc], holder, challenge="c", domain="d.example", created="2026-12-01T00:00:00Z")
    vp = dict(vp, holder="did:web:impostor.example")
    vp.pop("proof")
    from bpvc.jsonld.contexts import default_loader
    from bpvc.securing.data_integrity import add_proof

    signed = add_proof(
        vp,
        holder,
        loader=default_loader(),
        purpose="authentication",
        challenge="c",
        domain="d.example",
        created="2026-12-01T00:00:00Z",
    )
    result = verifier.verify(signed, now=NOW, challenge="c", domain="d.example")
    assert result.check("key_ownership").outcome is Outcome.FAILED


def test_self_asserted_credential_needs_the_holder(world):
    _, holder, _, verifier = world
    claim = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": holder.controller,
        "credentialSubject": {"id": "did:example:subject"},
    }
    vp = present([claim], holder, challenge="c", domain="d.example", created="2026-12-01T00:00:00Z")
    assert verifier.verify(vp, now=NOW, challenge="c", domain="d.example").verified
    other = dict(claim, issuer="did:web:someone.example")
    vp2 = present([other], holder, challenge="c", domain="d.example", created="2026-12-01T00:00:00Z")
    assert not verifier.verify(vp2, now=NOW, challenge="c", domain="d.example").verified
