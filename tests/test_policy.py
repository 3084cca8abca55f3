"""Trust policy: trusted issuers per credential type (and BPNL), formats, suites, age; the TOML file."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest
from conftest import ROOT, load

from bpvc import errors
from bpvc.did import did_web_document
from bpvc.errors import MalformedError
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.records import passport
from bpvc.verify.policy import Policy, TrustedIssuer, load_policy, parse_policy
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _maker(host="battery-maker.example"):
    key = KeyPair.generate("ed25519", f"did:web:{host}#key-1")
    return key, did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])


@pytest.fixture(scope="module")
def signed_passport():
    key, doc = _maker()
    record = load(ROOT / "examples" / "passport-6.1.0.json")
    vc = issue_credential(passport.to_credential(record, issuer=key.controller), key, created="2026-11-20T00:00:00Z")
    return vc, doc, record["metadata"]["economicOperatorId"]


def _verify(vc, doc, policy):
    return Verifier(policy=policy, did_documents={doc["id"]: doc}).verify(vc, now=NOW)


def test_trusted_issuer_for_the_type(signed_passport):
    vc, doc, _ = signed_passport
    policy = Policy(trusted_issuers=(TrustedIssuer(frozenset({"BatteryPassportCredential"}), did=doc["id"]),))
    result = _verify(vc, doc, policy)
    assert result.verified and result.check("trust").outcome is Outcome.PASSED


def test_untrusted_issuer_is_named_with_the_type(signed_passport):
    vc, doc, _ = signed_passport
    policy = Policy(trusted_issuers=(TrustedIssuer(frozenset({"*"}), did="did:web:someone.example"),))
    result = _verify(vc, doc, policy)
    assert not result.verified and result.invalid
    problem = result.check("trust").problems[0]
    assert problem.type == errors.UNTRUSTED_ISSUER
    assert doc["id"] in problem.detail and "BatteryPassportCredential" in problem.detail


def test_issuer_trusted_for_another_type_only(signed_passport):
    vc, doc, _ = signed_passport
    policy = Policy(trusted_issuers=(TrustedIssuer(frozenset({"ProductCarbonFootprintCredential"}), did=doc["id"]),))
    detail = _verify(vc, doc, policy).check("trust").problems[0].detail
    assert "not trusted for BatteryPassportCredential" in detail


def test_did_web_host_bound_to_a_bpnl(signed_passport):
    vc, doc, bpnl = signed_passport
    good = Policy(trusted_issuers=(TrustedIssuer(frozenset({"*"}), did_web_host="battery-maker.example", bpnl=bpnl),))
    assert _verify(vc, doc, good).verified
    other = Policy(
        trusted_issuers=(
            TrustedIssuer(frozenset({"*"}), did_web_host="battery-maker.example", bpnl="BPNL000000000XYZ"),
        )
    )
    detail = _verify(vc, doc, other).check("trust").problems[0].detail
    assert "speaks for BPNL000000000XYZ only" in detail and bpnl in detail


def test_untrusted_issuers_status_list_is_never_fetched(signed_passport, example_credential):
    key, doc = _maker()
    cred = dict(
        copy.deepcopy(example_credential),
        issuer=key.controller,
        credentialStatus={
            "id": "https://evil.example/l#1",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": "https://evil.example/l",
        },
    )
    vc = issue_credential(cred, key, created="2026-11-20T00:00:00Z")
    policy = Policy(trusted_issuers=(TrustedIssuer(frozenset({"*"}), did="did:web:other.example"),))
    result = _verify(vc, doc, policy)
    assert result.check("status").outcome is Outcome.SKIPPED
    assert "not trusted" in result.check("status").detail


def test_formats_and_algorithms(signed_passport, example_credential):
    vc, doc, _ = signed_passport
    only_jwt = Policy(formats=frozenset({"vc+jwt"}))
    assert "di format is not allowed" in _verify(vc, doc, only_jwt).check("proof").problems[0].detail
    key, doc2 = _maker("p256.example")
    token = issue_credential_jwt(dict(example_credential, issuer=key.controller), key)
    assert Verifier(policy=only_jwt, did_documents={doc2["id"]: doc2}).verify(token, now=NOW).verified
    no_eddsa = Policy(algorithms=frozenset({"ES256"}))
    result = Verifier(policy=no_eddsa, did_documents={doc2["id"]: doc2}).verify(token, now=NOW)
    assert "not allowed" in result.check("proof").problems[0].detail


def test_maximum_credential_age(signed_passport):
    vc, doc, _ = signed_passport
    result = _verify(vc, doc, Policy(max_credential_age_days=30))  # issued 2026-10-28, checked 2027-03-01
    assert result.check("validity").outcome is Outcome.FAILED
    assert "the policy accepts at most 30" in result.check("validity").problems[0].detail
    assert _verify(vc, doc, Policy(max_credential_age_days=365)).verified


def test_policy_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("""
[verification]
clock_skew = 60
max_credential_age_days = 400
require_status = true
formats = ["di", "vc+jwt"]
cryptosuites = ["eddsa-rdfc-2022"]

[[trusted_issuers]]
did = "did:web:battery-maker.example"
types = ["BatteryPassportCredential"]

[[trusted_issuers]]
did_web_host = "cathode-supplier.example"
bpnl = "BPNL00000005QSCM"
types = ["ProductCarbonFootprintCredential"]
""")
    policy = load_policy(path)
    assert policy.clock_skew == 60 and policy.cryptosuites == frozenset({"eddsa-rdfc-2022"})
    assert policy.trusted_issuers[1].matches("did:web:cathode-supplier.example:pcf")
    assert not policy.trusted_issuers[1].matches("did:web:evil.example")
    verifier = Verifier(policy=policy)
    assert verifier.policy.formats == frozenset({"di", "vc+jwt"})
    assert verifier.replace(clock_skew=10).policy.clock_skew == 10 and verifier.policy.clock_skew == 60


@pytest.mark.parametrize(
    "text, message",
    [
        ("[verification]\nclock_skew = -1", "clock_skew"),
        ('[verification]\nformats = ["pdf"]', "unknown format"),
        ("[verification]\nnetwork = true", "unknown [verification] key"),
        ('[[trusted_issuers]]\ntypes = ["*"]', "exactly one of did or did_web_host"),
        ('[[trusted_issuers]]\ndid = "did:web:x.example"', "needs types"),
        ('[[trusted_issuers]]\ndid_web_host = "x.example"\nbpnl = "BPNL1"\ntypes = ["*"]', "is not a BPNL"),
        ("[oops", "not valid TOML"),
    ],
)
def test_policy_mistakes_are_named(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(MalformedError, match=re.escape(message)):
        load_policy(path)


def test_parse_policy_defaults():
    assert parse_policy({}) == Policy()


def _signed_by_someone_else(example_credential):
    """A credential naming one issuer, signed by a key another DID controls (as in the W3C vectors)."""
    key, doc = _maker("key-holder.example")
    vc = issue_credential(
        dict(example_credential, issuer="did:web:battery-maker.example"), key, created="2027-01-01T00:00:00Z"
    )
    return vc, doc


def test_key_ownership_skip_checks_the_proof_only(tmp_path, example_credential):
    vc, doc = _signed_by_someone_else(example_credential)
    strict = _verify(vc, doc, Policy())
    assert strict.check("key_ownership").outcome is Outcome.FAILED and not strict.verified
    path = tmp_path / "policy.toml"
    path.write_text('[verification]\nkey_ownership = "skip"\n')
    policy = load_policy(path)
    assert policy.key_ownership == "skip" and Policy().key_ownership == "check"
    relaxed = _verify(vc, doc, policy)
    assert relaxed.verified, relaxed.to_dict()
    ownership = relaxed.check("key_ownership")
    assert ownership.outcome is Outcome.SKIPPED
    assert ownership.detail == (
        'the policy skips it (key_ownership = "skip"): did:web:key-holder.example#key-1 was not bound to the issuer'
    )
    others = {c.name: c.outcome for c in relaxed.checks if c.name != "key_ownership"}
    assert others == {c.name: c.outcome for c in strict.checks if c.name != "key_ownership"}
    # the keyword overrides the policy, both ways
    assert Verifier(key_ownership="skip", did_documents={doc["id"]: doc}).verify(vc, now=NOW).verified
    back = Verifier(policy=policy, key_ownership="check", did_documents={doc["id"]: doc})
    assert back.verify(vc, now=NOW).check("key_ownership").outcome is Outcome.FAILED
    # the signature itself is still checked
    vc["credentialSubject"] = dict(vc["credentialSubject"], chemistry="NMC")
    assert _verify(vc, doc, policy).check("proof").outcome is Outcome.FAILED


def test_key_ownership_skip_still_needs_a_key_fit_for_the_purpose(example_credential):
    """Proof only still means a proof the key may make: a key listed for authentication only cannot assert."""
    key = KeyPair.generate("ed25519", "did:web:key-holder.example#key-1")
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": key.controller,
        "verificationMethod": [keystore.multikey_method(key)],
        "authentication": [key.verification_method],
    }
    vc = issue_credential(dict(example_credential, issuer=key.controller), key, created="2027-01-01T00:00:00Z")
    result = _verify(vc, doc, Policy(key_ownership="skip"))
    assert result.check("key_ownership").outcome is Outcome.FAILED
    assert "not authorized for assertionMethod" in result.check("key_ownership").problems[0].detail


@pytest.mark.parametrize("value", ["off", "true", "1"])
def test_key_ownership_takes_check_or_skip_only(tmp_path, value):
    path = tmp_path / "p.toml"
    path.write_text(f"[verification]\nkey_ownership = {value if value != 'off' else repr(value)}\n")
    with pytest.raises(MalformedError, match='key_ownership must be "check" or "skip"'):
        load_policy(path)
    with pytest.raises(ValueError, match="key_ownership must be one of check, skip"):
        Verifier(key_ownership=value)
