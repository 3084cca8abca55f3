"""Legacy input partners send today: VCDM 1.1 JWTs (ES256K), Ed25519Signature2020, JsonWebSignature2020."""

import json
from datetime import UTC, datetime

import jwt as pyjwt
import pytest
from conftest import load, need_reference
from cryptography.hazmat.primitives.asymmetric import ec

from bpvc import errors, multibase
from bpvc.jsonld.contexts import CREDENTIALS_V2, ContextLoader
from bpvc.keys.primitives import KeyPair, PublicKey
from bpvc.securing.suites import LEGACY_SUITES
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DID = "did:web:wallet.catena-x.example:BPNL000000000001"


def _secp256k1_wallet():
    private = ec.generate_private_key(ec.SECP256K1())
    jwk = PublicKey("secp256k1", private.public_key()).jwk()
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": DID,
        "verificationMethod": [
            {"id": f"{DID}#key-1", "type": "JsonWebKey2020", "controller": DID, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [f"{DID}#key-1"],
        "authentication": [f"{DID}#key-1"],
    }
    return private, doc


MEMBERSHIP = {
    "@context": ["https://www.w3.org/2018/credentials/v1"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {},
}


def _legacy_token(private, claims, kid=f"{DID}#key-1"):
    return pyjwt.encode(claims, private, algorithm="ES256K", headers={"kid": kid, "typ": "JWT"})


def test_vcdm_11_jwt_with_es256k_verifies_and_maps_claims():
    private, doc = _secp256k1_wallet()
    claims = {
        "vc": MEMBERSHIP,
        "iss": DID,
        "sub": "did:web:holder.example",
        "jti": "urn:uuid:1234",
        "nbf": 1_735_689_600,
        "exp": 1_767_225_600,
    }
    result = Verifier(did_documents={DID: doc}).verify(_legacy_token(private, claims), now=NOW)
    assert result.verified, result.to_dict()
    assert result.document["issuer"] == DID
    assert result.document["id"] == "urn:uuid:1234"
    assert result.document["issuanceDate"] == "2025-01-01T00:00:00Z"
    assert result.document["expirationDate"] == "2026-01-01T00:00:00Z"
    assert result.document["credentialSubject"]["id"] == "did:web:holder.example"


def test_vcdm_11_jwt_expiry_and_tampering():
    private, doc = _secp256k1_wallet()
    claims = {"vc": MEMBERSHIP, "iss": DID, "nbf": 1_700_000_000, "exp": 1_700_086_400}
    expired = Verifier(did_documents={DID: doc}).verify(_legacy_token(private, claims), now=NOW)
    assert expired.check("validity").outcome is Outcome.FAILED
    other, _ = _secp256k1_wallet()
    forged = Verifier(did_documents={DID: doc}).verify(_legacy_token(other, dict(claims, exp=1_800_000_000)), now=NOW)
    assert [p.type for p in forged.check("proof").problems] == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


def test_vcdm_11_jwt_claim_contradicting_the_credential_is_refused():
    private, doc = _secp256k1_wallet()
    vc = dict(MEMBERSHIP, issuer="did:web:someone.else")
    result = Verifier(did_documents={DID: doc}).verify(_legacy_token(private, {"vc": vc, "iss": DID}), now=NOW)
    assert "contradicts" in result.problems[0].detail


def test_es256k_can_be_excluded_by_policy():
    private, doc = _secp256k1_wallet()
    verifier = Verifier(did_documents={DID: doc}, allowed_algorithms={"EdDSA", "ES256"})
    result = verifier.verify(_legacy_token(private, {"vc": MEMBERSHIP, "iss": DID}), now=NOW)
    assert "not allowed" in result.check("proof").problems[0].detail


def test_ed25519_signature_2020_vector_verifies(vector_contexts):
    signed = load(need_reference("vectors", "Ed25519Signature2020", "signedEdSig.json"))
    result = Verifier(contexts=vector_contexts).verify(signed, now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED, result.to_dict()
    signed["credentialSubject"]["alumniOf"] = "Another School"
    assert Verifier(contexts=vector_contexts).verify(signed, now=NOW).check("proof").outcome is Outcome.FAILED


def _jws2020_sign(doc, key, header):
    """A test-side JsonWebSignature2020 signer (bpvc only verifies this legacy suite)."""
    proof = {
        "type": "JsonWebSignature2020",
        "created": "2025-01-01T00:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": key.verification_method,
    }
    suite = LEGACY_SUITES["JsonWebSignature2020"]
    data = suite.hash_data(doc, proof, key.key_type, ContextLoader())
    encoded = multibase.b64url_encode(json.dumps(header).encode())
    proof["jws"] = encoded + ".." + multibase.b64url_encode(key.sign(encoded.encode() + b"." + data))
    return dict(doc, proof=proof)


@pytest.fixture
def jws2020_key():
    key = KeyPair.generate("p256", "did:web:dpp.example#key-1")
    doc = {
        "id": "did:web:dpp.example",
        "verificationMethod": [
            {
                "id": key.verification_method,
                "type": "JsonWebKey2020",
                "controller": "did:web:dpp.example",
                "publicKeyJwk": key.public_key.jwk(),
            }
        ],
        "assertionMethod": [key.verification_method],
    }
    return key, doc


CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/suites/jws-2020/v1"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:dpp.example",
    "credentialSubject": {"id": "urn:uuid:7d0c6a8e-3b5f-4e2a-8c91-5a4f2e6b1d03"},
}


def test_json_web_signature_2020_verifies(jws2020_key):
    key, doc = jws2020_key
    signed = _jws2020_sign(CREDENTIAL, key, {"alg": "ES256", "b64": False, "crit": ["b64"]})
    verifier = Verifier(did_documents={doc["id"]: doc})
    assert verifier.verify(signed, now=NOW).verified
    signed["credentialSubject"]["id"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    assert [p.type for p in verifier.verify(signed, now=NOW).check("proof").problems] == [
        errors.CRYPTOGRAPHIC_SECURITY_ERROR
    ]


def test_json_web_signature_2020_header_defects_are_named(jws2020_key):
    key, doc = jws2020_key
    signed = _jws2020_sign(CREDENTIAL, key, {"typ": "vc+ld", "b64": False, "crv": "P-256"})
    result = Verifier(did_documents={doc["id"]: doc}).verify(signed, now=NOW)
    details = " ".join(p.detail for p in result.check("proof").problems)
    assert "no supported alg" in details and "crit" in details


def test_tractusx_cdc_example_is_refused_for_its_defects():
    doc = load(need_reference("samples", "tractusx-dpp-verification", "DigitalProductPassCDC-Example.jsonld"))
    result = Verifier().verify(doc, now=datetime(2026, 11, 26, tzinfo=UTC))
    assert not result.verified
    proof_details = " | ".join(p.detail for p in result.check("proof").problems)
    assert "no supported alg" in proof_details  # JWS header without alg
    assert "crit" in proof_details  # b64 false without crit
    assert "proof created '2024-06-21T16:52:40+00:00Z' is not an XML Schema dateTimeStamp" in proof_details
    assert result.check("validity").problems[0].detail == "expired at 2024-12-06T16:52:40Z"
    # its contexts live on raw.githubusercontent.com: never fetched, so undecided
    assert result.check("contexts").outcome is Outcome.INDETERMINATE


# -- data:application/jwt envelopes (what the W3C VCDM 2.0 test suite sends) -----------------------

HOLDER = "did:web:wallet.catena-x.example:BPNL000000000002"


def _holder_wallet():
    private, doc = _secp256k1_wallet()
    doc = json.loads(json.dumps(doc).replace(DID, HOLDER))
    return private, doc


def _jwt_envelope(kind, token):
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": f"data:application/jwt,{token}", "type": kind}


def _vp_token(holder_key, credential_token, **claims):
    """The shape of the W3C VCDM 2.0 suite's fixture: a VCDM 2.0 presentation in a ``vp`` claim, its
    credentials enveloped as ``data:application/jwt`` too."""
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER,
        "verifiableCredential": [_jwt_envelope("EnvelopedVerifiableCredential", credential_token)],
    }
    return _legacy_token(holder_key, {"vp": vp, "iss": HOLDER, **claims}, kid=f"{HOLDER}#key-1")


def test_enveloped_application_jwt_credential_maps_its_vc_claim():
    private, doc = _secp256k1_wallet()
    claims = {"vc": MEMBERSHIP, "iss": DID, "sub": HOLDER, "jti": "urn:uuid:1234", "nbf": 1_735_689_600}
    token = _legacy_token(private, claims)
    result = Verifier(did_documents={DID: doc}).verify(_jwt_envelope("EnvelopedVerifiableCredential", token), now=NOW)
    assert result.verified, result.to_dict()
    assert result.kind == "credential"
    assert (result.document["issuer"], result.document["id"]) == (DID, "urn:uuid:1234")
    assert result.document["issuanceDate"] == "2025-01-01T00:00:00Z"


def test_enveloped_application_jwt_presentation_with_its_credentials():
    issuer_key, issuer_doc = _secp256k1_wallet()
    holder_key, holder_doc = _holder_wallet()
    subject = {"id": HOLDER, "name": "Alice"}
    v2 = {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "credentialSubject": subject, "issuer": DID}
    vc = _legacy_token(issuer_key, {"vc": v2, "iss": DID, "sub": HOLDER})
    envelope = _jwt_envelope("EnvelopedVerifiablePresentation", _vp_token(holder_key, vc, nonce="n-1", aud="v.example"))
    verifier = Verifier(did_documents={DID: issuer_doc, HOLDER: holder_doc})
    result = verifier.verify(envelope, now=NOW, challenge="n-1", domain="v.example")
    assert result.verified, result.to_dict()
    assert result.kind == "presentation" and result.document["holder"] == HOLDER
    assert [c.document["issuer"] for c in result.credentials] == [DID]
    assert result.check("key_ownership").outcome is Outcome.PASSED
    # the challenge is bound through the JWT's nonce
    assert not verifier.verify(envelope, now=NOW, challenge="n-2", domain="v.example").verified
    # a forged credential inside fails the presentation
    other, _ = _secp256k1_wallet()
    forged = _vp_token(holder_key, _legacy_token(other, {"vc": v2, "iss": DID}), nonce="n-1", aud="v.example")
    result = verifier.verify(_jwt_envelope("EnvelopedVerifiablePresentation", forged), now=NOW, challenge="n-1")
    assert not result.verified and result.credentials[0].check("proof").outcome is Outcome.FAILED


def test_application_jwt_credential_enveloped_in_a_presentation():
    issuer_key, issuer_doc = _secp256k1_wallet()
    token = _legacy_token(issuer_key, {"vc": MEMBERSHIP, "iss": DID, "sub": HOLDER, "iat": 1_735_689_600})
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_jwt_envelope("EnvelopedVerifiableCredential", token)],
    }
    result = Verifier(did_documents={DID: issuer_doc}).verify(vp, now=NOW)
    assert result.credentials[0].verified, result.credentials[0].to_dict()
    assert result.credentials[0].document["issuer"] == DID


@pytest.mark.parametrize(
    "kind, claims, headers, reason",
    [
        ("EnvelopedVerifiableCredential", {"vp": {"type": ["VerifiablePresentation"]}}, {}, "with a 'vc' claim"),
        ("EnvelopedVerifiablePresentation", {"vc": MEMBERSHIP}, {}, "with a 'vp' claim"),
        ("EnvelopedVerifiableCredential", {"vc": MEMBERSHIP, "vp": {}}, {}, "no 'vp' claim"),
        ("EnvelopedVerifiableCredential", {"vc": MEMBERSHIP}, {"typ": "vc+jwt"}, "typ JWT"),
    ],
    ids=["vp in a credential envelope", "vc in a presentation envelope", "both claims", "vc+jwt typ"],
)
def test_application_jwt_envelope_must_carry_the_matching_vcdm_11_claim(kind, claims, headers, reason):
    private, doc = _secp256k1_wallet()
    token = pyjwt.encode(
        dict(claims, iss=DID), private, algorithm="ES256K", headers={"kid": f"{DID}#key-1", "typ": "JWT", **headers}
    )
    result = Verifier(did_documents={DID: doc}).verify(_jwt_envelope(kind, token), now=NOW)
    assert result.invalid
    [problem] = result.check("structure").problems
    assert reason in problem.detail and problem.json_path == "$.id"


def test_application_jwt_envelope_that_is_no_jwt_or_a_bad_wrapper_is_refused():
    result = Verifier().verify(_jwt_envelope("EnvelopedVerifiableCredential", "not-a-token"), now=NOW)
    assert result.invalid and "is not a JWT" in result.check("structure").problems[0].detail
    private, doc = _secp256k1_wallet()
    envelope = _jwt_envelope("EnvelopedVerifiablePresentation", _legacy_token(private, {"vp": {}, "iss": DID}))
    envelope["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    result = Verifier(did_documents={DID: doc}).verify(envelope, now=NOW)
    assert result.invalid and "@context starting with" in result.check("structure").problems[0].detail
