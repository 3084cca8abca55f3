"""VC-JOSE: the W3C vc-jose-cose fixtures, bpvc's own vc+jwt, envelopes, and an independent JOSE check."""

import json
from datetime import UTC, datetime

import pytest
from conftest import EXAMPLES_V2, load, need_reference

from bpvc import errors
from bpvc.issue.credential import issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.securing import jose
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

ISSUER = "https://example.issuer/vc-jose-cose"
NOW = datetime(2024, 12, 16, 2, 0, tzinfo=UTC)  # inside presentation-jose-multiple's iat..exp


@pytest.fixture(scope="module")
def fixture_verifier():
    folder = need_reference("vectors", "vc-jose-cose-test-suite")
    methods = []
    for name in ("vm-p256.json", "vm-p384.json", "vm-ed25519.json", "vm-p521.json"):
        vm = load(folder / name)
        vm.pop("secretKeyJwk")
        methods.append(vm)
    ids = [m["id"] for m in methods]
    doc = {"id": ISSUER, "verificationMethod": methods, "assertionMethod": ids, "authentication": ids}
    contexts = {EXAMPLES_V2: str(need_reference("vectors", "contexts", "credentials-examples-v2.jsonld"))}
    return Verifier(contexts=contexts, did_documents={ISSUER: doc}, check_status=False)


def _fixture(name):
    return need_reference("vectors", "vc-jose-cose-test-suite", name).read_text().strip()


@pytest.mark.parametrize("name", ["credential-jose-minimal.txt", "credential-issuer-match-signed.txt"])
def test_good_fixtures_verify(fixture_verifier, name):
    result = fixture_verifier.verify(_fixture(name), now=NOW)
    assert result.verified, result.to_dict()
    # Their iat is a string: bpvc ignores it and says so as a warning, never as a failure.
    if name.startswith("credential"):
        assert "iat" in result.check("proof").warnings[0].detail


def test_good_presentation_fixture(fixture_verifier):
    """The vp+jwt and its vc+jwt credential verify; its SD-JWT and COSE credentials are undecided (unsupported)."""
    result = fixture_verifier.verify(_fixture("presentation-jose-multiple.txt"), now=NOW)
    assert result.kind == "presentation"
    assert all(c.outcome is Outcome.PASSED for c in result.checks), result.to_dict()
    jwt_vc, sd_jwt_vc, cose_vc = result.credentials
    assert jwt_vc.verified
    for other, media in ((sd_jwt_vc, "vc+sd-jwt"), (cose_vc, "vc+cose")):
        assert other.indeterminate
        assert media in other.check("proof").problems[0].detail


@pytest.mark.parametrize(
    "name, check, reason",
    [
        ("credential-jose-bad-signature.txt", "proof", errors.CRYPTOGRAPHIC_SECURITY_ERROR),
        ("credential-jose-bad-media-type.txt", "proof", "typ must be vc+jwt"),
        ("presentation-jose-bad-media-type.txt", "proof", "typ must be"),
        ("credential-jose-vc-vp-claims.txt", "proof", "must not contain the 'vc' claim"),
        ("credential-jose-unknown-extensions.txt", "proof", "'ES512' is not allowed"),
    ],
)
def test_bad_fixtures_fail_with_the_reason_named(fixture_verifier, name, check, reason):
    result = fixture_verifier.verify(_fixture(name), now=NOW)
    assert not result.verified
    found = result.check(check)
    assert found.outcome is Outcome.FAILED
    assert any(reason in (p.type + p.detail) for p in found.problems), found


def test_presentation_with_bad_credential_fails(fixture_verifier):
    result = fixture_verifier.verify(_fixture("presentation-jose-bad-credential.txt"), now=NOW)
    assert not result.verified
    assert result.invalid


def test_unsigned_json_credential_fails(fixture_verifier):
    doc = load(need_reference("vectors", "vc-jose-cose-test-suite", "credential-minimal.json"))
    assert fixture_verifier.verify(doc, now=NOW).check("proof").outcome is Outcome.FAILED


def _did_web_key(key_type="ed25519"):
    key = KeyPair.generate(key_type, "did:web:maker.example#key-1")
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": "did:web:maker.example",
        "verificationMethod": [keystore.multikey_method(key)],
        "assertionMethod": [key.verification_method],
        "authentication": [key.verification_method],
    }
    return key, doc


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "p384"])
def test_bpvc_vc_jwt_round_trip(example_credential, key_type):
    key, doc = _did_web_key(key_type)
    token = issue_credential_jwt(dict(example_credential, issuer=key.controller), key)
    header = jose.decode(token).header
    assert header == {"alg": key.algorithm, "typ": "vc+jwt", "cty": "vc", "kid": key.verification_method}
    assert jose.decode(token).payload["iss"] == key.controller
    verifier = Verifier(did_documents={doc["id"]: doc})
    result = verifier.verify(token, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert result.verified, result.to_dict()
    head, payload, sig = token.split(".")
    forged = jose.decode(token).payload
    forged["credentialSubject"]["ratedCapacity"] = "999"
    import base64

    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    tampered = verifier.verify(f"{head}.{body}.{sig}", now=datetime(2027, 1, 1, tzinfo=UTC))
    assert [p.type for p in tampered.check("proof").problems] == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


def test_alg_none_and_hmac_are_refused(example_credential):
    key, doc = _did_web_key()
    token = issue_credential_jwt(dict(example_credential, issuer=key.controller), key)
    payload = token.split(".")[1]
    import base64

    for alg in ("none", "HS256"):
        header = (
            base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "vc+jwt", "kid": key.verification_method}).encode())
            .rstrip(b"=")
            .decode()
        )
        result = Verifier(did_documents={doc["id"]: doc}).verify(
            f"{header}.{payload}.", now=datetime(2027, 1, 1, tzinfo=UTC)
        )
        assert "never accepted" in result.check("proof").problems[0].detail


def test_iss_must_match_issuer(example_credential):
    key, doc = _did_web_key()
    cred = dict(example_credential, issuer=key.controller)
    token = jose.sign(cred, key, claims={"iss": "did:web:someone.else"})
    result = Verifier(did_documents={doc["id"]: doc}).verify(token, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert "is not the issuer" in result.check("proof").problems[0].detail


def test_exp_in_the_past_fails_validity(example_credential):
    key, doc = _did_web_key()
    token = jose.sign(dict(example_credential, issuer=key.controller), key, claims={"exp": 1_700_000_000})
    result = Verifier(did_documents={doc["id"]: doc}).verify(token, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert result.check("validity").outcome is Outcome.FAILED
    assert result.check("validity").problems[0].json_path == "$.exp"


def test_envelope_round_trip(example_credential):
    key, doc = _did_web_key()
    env = issue_credential_jwt(dict(example_credential, issuer=key.controller), key, envelope=True)
    assert env["type"] == "EnvelopedVerifiableCredential" and env["id"].startswith("data:application/vc+jwt,ey")
    assert Verifier(did_documents={doc["id"]: doc}).verify(env, now=datetime(2027, 1, 1, tzinfo=UTC)).verified


def test_independent_jose_implementation_verifies_bpvc_tokens(example_credential):
    jwk_module = pytest.importorskip("jwcrypto.jwk", reason="jwcrypto is the independent JOSE implementation")
    from jwcrypto import jws

    for key_type in ("ed25519", "p256", "p384"):
        key, _ = _did_web_key(key_type)
        token = issue_credential_jwt(dict(example_credential, issuer=key.controller), key)
        verifier = jws.JWS()
        verifier.deserialize(token)
        verifier.verify(jwk_module.JWK(**key.public_key.jwk()), alg=key.algorithm)
        assert json.loads(verifier.payload)["issuer"] == key.controller


def test_untp_enveloped_credential_decodes_and_is_undecided_offline():
    wrapper = load(need_reference("samples", "untp", "tests-untp_credentials_dpp.json"))
    envelope = wrapper["verifiableCredential"]
    media, token = jose.unwrap_envelope(envelope)
    decoded = jose.decode(token)
    assert (media, decoded.header["alg"], decoded.header["typ"]) == ("vc", "EdDSA", "vc+jwt")
    assert "DigitalProductPassport" in decoded.payload["type"]
    result = Verifier().verify(envelope, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert not result.verified
    assert result.check("proof").outcome is Outcome.INDETERMINATE
    assert "did:web:uncefact.github.io" in result.check("proof").problems[0].detail
