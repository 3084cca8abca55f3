"""Interop with the SD-JWT reference implementation (the `sd-jwt` package, on jwcrypto), both ways.

bpvc's SD-JWT VCs and presentations verify there; SD-JWT VCs and presentations made there verify
in bpvc; and the refusals bpvc must make hold for presentations made there.
"""

import json
from datetime import UTC, datetime

import pytest
from conftest import ROOT
from status_helpers import issuer

from bpvc.crossborder import classification as c
from bpvc.keys.primitives import KeyPair
from bpvc.records import passport
from bpvc.sd_jwt import SdJwt
from bpvc.sd_jwt.vc import RECORD_CLAIM, claims_of, issue_credential_sd_jwt, present_credential
from bpvc.verify.verifier import Verifier

sd_jwt = pytest.importorskip("sd_jwt", reason="the sd-jwt package (test extra) is not installed")
from jwcrypto.jwk import JWK  # noqa: E402  (jwcrypto comes with sd-jwt)
from sd_jwt.common import SDObj  # noqa: E402
from sd_jwt.holder import SDJWTHolder  # noqa: E402
from sd_jwt.issuer import SDJWTIssuer  # noqa: E402
from sd_jwt.verifier import SDJWTVerifier  # noqa: E402

PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
ISSUED = datetime(2026, 11, 21, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
AUD, NONCE = "did:web:carmaker.example", "n-42"


def _jwk(key, private=False):
    data = key.private_jwk() if private else key.public_key.jwk()
    return JWK(**{k: v for k, v in data.items() if k in ("kty", "crv", "x", "y", "d")})


@pytest.fixture(scope="module")
def world():
    key, doc = issuer()
    holder = KeyPair.generate("p256", "did:web:battery-maker.example#holder")  # the package binds with ES256
    record = json.loads(PASSPORT.read_text())
    credential = passport.to_credential(record, issuer=key.controller)
    table = c.load("passport", passport.MODELS["6.1.0"].schema_id)
    return {"key": key, "doc": doc, "holder": holder, "record": record, "credential": credential, "table": table}


def _verifier(world):
    return Verifier(did_documents={world["doc"]["id"]: world["doc"]})


def test_bpvc_sd_jwt_vc_verifies_in_the_reference_implementation(world):
    full = issue_credential_sd_jwt(
        world["credential"], world["key"], world["table"], iat=ISSUED, holder_jwk=world["holder"].public_key.jwk()
    )
    presented = present_credential(
        full,
        tier="legitimate-interest",
        export=True,
        classification=world["table"],
        holder=world["holder"],
        audience=AUD,
        nonce=NONCE,
        iat=NOW,
    )
    verifier = SDJWTVerifier(presented, lambda iss, header: _jwk(world["key"]), expected_aud=AUD, expected_nonce=NONCE)
    payload = verifier.get_verified_payload()
    ours = _verifier(world).verify(presented, now=NOW, challenge=NONCE, domain=AUD)
    assert ours.verified
    subject = {k: v for k, v in ours.document["credentialSubject"].items() if k not in ("id", "type")}
    assert payload[RECORD_CLAIM] == subject
    assert "handling" in payload[RECORD_CLAIM] and "producer" not in payload[RECORD_CLAIM]["handling"]["content"]
    with pytest.raises(ValueError, match="nonce"):  # the reference implementation refuses a wrong nonce too
        SDJWTVerifier(presented, lambda iss, header: _jwk(world["key"]), expected_aud=AUD, expected_nonce="other")


def _reference_issued(world, monkeypatch, *, record_overrides=None):
    """An SD-JWT VC of bpvc's shape made by the reference implementation: restricted units as SDObj."""
    claims, _ = claims_of(world["credential"], iat=ISSUED, holder_jwk=world["holder"].public_key.jwk())
    record = json.loads(json.dumps(claims.pop(RECORD_CLAIM)))
    record.update(record_overrides or {})
    units = world["table"].units()

    def wrap(node, prefix):
        if isinstance(node, list):
            return [wrap(item, prefix + "[]") for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for name, value in node.items():
            path = f"{prefix}.{name}" if prefix else name
            out[SDObj(name) if path in units else name] = wrap(value, path)
        return out

    claims.pop("cnf")
    user_claims = {**claims, RECORD_CLAIM: wrap(record, "")}
    made = SDJWTIssuer(
        user_claims,
        _jwk(world["key"], private=True),
        holder_key=_jwk(world["holder"]),
        sign_alg="EdDSA",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": world["key"].verification_method},
    )
    return made.sd_jwt_issuance


def _reference_presentation(issuance, world, monkeypatch, disclose, *, nonce=NONCE, aud=AUD):
    monkeypatch.setattr("sd_jwt.holder.time", lambda: NOW.timestamp())  # the package reads the clock for iat
    holder = SDJWTHolder(issuance)
    holder.create_presentation(disclose, nonce=nonce, aud=aud, holder_key=_jwk(world["holder"], private=True))
    return holder.sd_jwt_presentation


def test_reference_sd_jwt_vcs_and_presentations_verify_in_bpvc(world, monkeypatch):
    issuance = _reference_issued(world, monkeypatch)
    full = _verifier(world).verify(issuance, now=NOW)
    assert full.verified, full.to_dict()
    assert full.document["credentialSubject"]["handling"] == world["record"]["handling"]
    presented = _reference_presentation(issuance, world, monkeypatch, {RECORD_CLAIM: {"handling": True}})
    result = _verifier(world).verify(presented, now=NOW, challenge=NONCE, domain=AUD)
    assert result.verified, result.to_dict()
    assert result.disclosed == ("handling",)
    assert result.check("key_binding").outcome == "passed"


def test_bpvc_refuses_what_it_must_in_reference_presentations(world, monkeypatch):
    issuance = _reference_issued(world, monkeypatch)
    disclose = {RECORD_CLAIM: {"handling": True, "materials": {"composition": True}}}
    presented = _reference_presentation(issuance, world, monkeypatch, disclose)
    verifier = _verifier(world)
    token = SdJwt.parse(presented)
    # a tampered disclosure
    first = token.disclosures[0]
    tampered = SdJwt(
        token.jwt,
        (first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB"), *token.disclosures[1:]),
        token.kb_jwt,
    )
    assert not verifier.verify(tampered.serialize(), now=NOW).verified
    # a dropped KB-JWT when holder binding is required
    dropped = SdJwt(token.jwt, token.disclosures).serialize()
    assert verifier.verify(dropped, now=NOW, challenge=NONCE, domain=AUD).check("key_binding").outcome == "failed"
    # a wrong nonce, a wrong audience
    assert verifier.verify(presented, now=NOW, challenge="n-0", domain=AUD).check("key_binding").outcome == "failed"
    assert (
        verifier.verify(presented, now=NOW, challenge=NONCE, domain="did:web:x.example").check("key_binding").outcome
        == "failed"
    )
    # a duplicated digest: the same disclosure twice
    doubled = SdJwt(token.jwt, (*token.disclosures, token.disclosures[0])).serialize()
    result = verifier.verify(doubled, now=NOW)
    assert not result.verified and "sent twice" in result.problems[0].detail
    # a disclosure for another credential
    other = _reference_issued(world, monkeypatch)
    foreign = SdJwt.parse(other).disclosures[0]
    mixed = SdJwt(token.jwt, (*token.disclosures, foreign)).serialize()
    result = verifier.verify(mixed, now=NOW)
    assert not result.verified and "not referenced by this credential" in result.problems[0].detail
