"""SD-JWT VC for passports and footprints: issue by classification, present by tier, verify in the Verifier."""

import json
from datetime import UTC, datetime

import pytest
from conftest import ROOT
from status_helpers import issuer

from bpvc.crossborder import classification as c
from bpvc.issue.credential import issue_credential
from bpvc.keys.primitives import KeyPair
from bpvc.records import footprint, passport
from bpvc.sd_jwt import SdJwt
from bpvc.sd_jwt.disclosures import Disclosure
from bpvc.sd_jwt.vc import issue_credential_sd_jwt, present_credential, vct_of
from bpvc.securing import jose
from bpvc.status.publish import publish
from bpvc.status.registry import Registry
from bpvc.verify.policy import Policy, TrustedIssuer
from bpvc.verify.verifier import Verifier

PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
FOOTPRINT = ROOT / "examples" / "footprint-8.0.0.json"
ISSUED = datetime(2026, 11, 21, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CARMAKER = "did:web:carmaker.example"
P61 = passport.MODELS["6.1.0"]


@pytest.fixture(scope="module")
def world():
    key, doc = issuer()
    holder = KeyPair.generate("p256", "did:web:battery-maker.example#holder")
    record = json.loads(PASSPORT.read_text())
    credential = passport.to_credential(
        record, issuer=key.controller, credential_id="urn:uuid:" + "1" * 8 + "-1111-4111-8111-" + "1" * 12
    )
    table = c.load("passport", P61.schema_id)
    full = issue_credential_sd_jwt(credential, key, table, iat=ISSUED, holder_jwk=holder.public_key.jwk())
    verifier = Verifier(did_documents={doc["id"]: doc})
    return {"key": key, "doc": doc, "holder": holder, "record": record, "table": table, "full": full, "v": verifier}


def _present(world, **kw):
    options = {"classification": world["table"], "holder": world["holder"], "audience": CARMAKER, "nonce": "n-1"}
    return present_credential(world["full"], iat=NOW, **{**options, **kw})


def _record_paths(node, prefix=""):
    if isinstance(node, list):
        for item in node:
            yield from _record_paths(item, prefix + "[]")
    elif isinstance(node, dict):
        for name, value in node.items():
            path = f"{prefix}.{name}" if prefix else name
            yield path
            yield from _record_paths(value, path)


def test_the_issued_sd_jwt_vc_has_the_draft_claims(world):
    token = SdJwt.parse(world["full"])
    decoded = jose.decode(token.jwt)
    assert decoded.header["typ"] == "dc+sd-jwt" and decoded.header["kid"] == world["key"].verification_method
    payload = decoded.payload
    assert payload["iss"] == world["key"].controller and payload["iat"] == int(ISSUED.timestamp())
    assert payload["vct"] == vct_of(P61) == "https://w3id.org/bpvc/vct/battery-pass/6.1.0"
    assert payload["cnf"]["jwk"] == world["holder"].public_key.jwk()
    assert payload["sub"] == "urn:uuid:" + world["record"]["metadata"]["passportIdentifier"]
    assert payload["nbf"] == int(datetime(2026, 10, 28, tzinfo=UTC).timestamp())
    # restricted fields are digests; public ones are plain
    assert "handling" not in payload["record"] and "performance" in payload["record"]
    assert "dynamic" not in payload["record"]["performance"]
    present = set(_record_paths(world["record"]))
    assert len(token.disclosures) == len([u for u in world["table"].units() if u in present])


def test_full_sd_jwt_verifies_with_every_check(world):
    result = world["v"].verify(world["full"], now=NOW)
    assert result.verified, result.to_dict()
    names = [ch.name for ch in result.checks]
    for name in ("structure", "proof", "key_ownership", "key_binding", "validity", "status", "schema", "trust"):
        assert name in names
    assert result.document["type"] == ["VerifiableCredential", "BatteryPassportCredential"]
    assert result.document["credentialSubject"]["handling"] == world["record"]["handling"]
    assert "handling.content.producer" in result.disclosed


def test_public_presentation_holds_no_annex_xiii_2_to_4_field(world):
    presented = _present(world, tier="public")
    result = world["v"].verify(presented, now=NOW, challenge="n-1", domain=CARMAKER)
    assert result.verified, result.to_dict()
    assert result.disclosed == ()
    present = set(_record_paths(result.document["credentialSubject"]))
    tiered = {f.path for f in world["table"] if f.tier != "public"}
    assert tiered and not present & tiered


@pytest.mark.parametrize("tier", ["legitimate-interest", "authorities"])
def test_a_tier_presentation_discloses_exactly_that_tiers_fields(world, tier):
    presented = _present(world, tier=tier)
    result = world["v"].verify(presented, now=NOW, challenge="n-1", domain=CARMAKER)
    assert result.verified, result.to_dict()
    allowed = c.AUDIENCES[tier]
    subject = result.document["credentialSubject"]
    present = set(_record_paths(subject)) - {"id", "type"}
    in_record = set(_record_paths(world["record"]))
    for path in in_record:
        visible = all(world["table"].get(a).tier in allowed for a in c.ancestors(path))
        assert (path in present) == visible, path
    assert present <= in_record


def test_an_eu_export_presentation_keeps_withheld_fields_home(world):
    presented = _present(world, tier="legitimate-interest", export=True)
    result = world["v"].verify(presented, now=NOW, challenge="n-1", domain=CARMAKER)
    assert result.verified
    subject = result.document["credentialSubject"]
    assert "producer" not in subject["handling"]["content"] and "composition" not in subject["materials"]
    assert "dynamic" not in subject["performance"] and "intoServiceDate" not in subject["operation"]


def test_a_withheld_field_is_proven_later_against_the_digest_already_sent(world):
    sent = _present(world, tier="legitimate-interest", export=True)
    later = _present(world, disclose=["materials.composition"], nonce="n-9", audience="did:web:msa.example")
    assert SdJwt.parse(later).jwt == SdJwt.parse(sent).jwt  # the same issuer-signed credential
    result = world["v"].verify(later, now=NOW, challenge="n-9", domain="did:web:msa.example")
    assert result.verified and result.disclosed == ("materials.composition",)
    assert (
        result.document["credentialSubject"]["materials"]["composition"] == world["record"]["materials"]["composition"]
    )
    encoded = SdJwt.parse(later).disclosures[0]
    digests = jose.decode(SdJwt.parse(sent).jwt).payload["record"]["materials"]["_sd"]
    assert Disclosure.parse(encoded).digest() in digests


def test_refusals(world):
    v = world["v"]
    bound = _present(world, tier="legitimate-interest")
    token = SdJwt.parse(bound)
    # a dropped KB-JWT when the verifier asks for holder binding
    unbound = SdJwt(token.jwt, token.disclosures).serialize()
    result = v.verify(unbound, now=NOW, challenge="n-1", domain=CARMAKER)
    assert not result.verified and result.check("key_binding").outcome == "failed"
    # wrong nonce, wrong audience
    assert v.verify(bound, now=NOW, challenge="n-2", domain=CARMAKER).check("key_binding").outcome == "failed"
    assert (
        v.verify(bound, now=NOW, challenge="n-1", domain="did:web:x.example").check("key_binding").outcome == "failed"
    )
    # a tampered disclosure
    d = Disclosure.parse(token.disclosures[0])
    forged = Disclosure.create(d.name, "forged", salt=d.salt)
    tampered = SdJwt(token.jwt, (forged.encoded, *token.disclosures[1:])).serialize()
    result = v.verify(tampered, now=NOW)
    assert result.check("structure").outcome == "failed" and "not referenced" in result.problems[0].detail
    # a disclosure for another credential
    other_key, other_doc = issuer("other-maker")
    other = passport.to_credential(world["record"], issuer=other_key.controller)
    foreign = SdJwt.parse(issue_credential_sd_jwt(other, other_key, world["table"], iat=ISSUED)).disclosures[0]
    mixed = SdJwt(token.jwt, (*token.disclosures, foreign)).serialize()
    assert "not referenced" in v.verify(mixed, now=NOW).problems[0].detail
    # a signature by a key the issuer does not control
    stranger = KeyPair.generate("ed25519", world["key"].verification_method)
    resigned = issue_credential_sd_jwt(
        passport.to_credential(world["record"], issuer=world["key"].controller), stranger, world["table"], iat=ISSUED
    )
    assert v.verify(resigned, now=NOW).check("proof").outcome == "failed"
    # expired
    assert v.verify(world["full"], now=datetime(2042, 1, 1, tzinfo=UTC)).check("validity").outcome == "failed"


def test_trust_policy_applies_to_sd_jwt_vcs(world):
    policy = Policy(trusted_issuers=(TrustedIssuer(frozenset({"BatteryPassportCredential"}), did="did:web:x.example"),))
    result = world["v"].replace(policy=policy).verify(world["full"], now=NOW)
    assert result.check("trust").outcome == "failed" and not result.verified
    trusted = Policy(
        trusted_issuers=(TrustedIssuer(frozenset({"BatteryPassportCredential"}), did=world["key"].controller),)
    )
    assert world["v"].replace(policy=trusted).verify(world["full"], now=NOW).verified


def test_status_is_the_bitstring_status_list(world, tmp_path):
    key, doc = world["key"], world["doc"]
    reg = Registry(str(tmp_path / "registry.sqlite"), create=True)
    credential = passport.to_credential(world["record"], issuer=key.controller)
    text = reg.issue(
        credential,
        purposes=["revocation"],
        status_base="https://status.battery-maker.example/lists",
        sign=lambda d: issue_credential_sd_jwt(d, key, world["table"], iat=ISSUED),
    )
    payload = jose.decode(SdJwt.parse(text).jwt).payload
    assert payload["status"]["bitstring_status_list"]["type"] == "BitstringStatusListEntry"

    def lists():
        out = tmp_path / "pub"
        publish(reg, lambda d: issue_credential(d, key, created=NOW), out, issuer=key.controller, now=NOW)
        return {lst.url: str(out / "lists" / lst.id) for lst in reg.lists()}

    v = Verifier(did_documents={doc["id"]: doc}, status_lists=lists())
    assert v.verify(text, now=NOW).check("status").outcome == "passed"
    reg.set_status(credential["id"], "revoke")
    v = Verifier(did_documents={doc["id"]: doc}, status_lists=lists())
    result = v.verify(text, now=NOW)
    assert result.check("status").outcome == "failed" and not result.verified
    reg.close()


def test_footprints_issue_and_verify_too(world):
    report = footprint.validate(json.loads(FOOTPRINT.read_text()))
    credential = footprint.to_credential(report.record, issuer=world["key"].controller)
    table = c.load("footprint", footprint.MODEL.schema_id)
    full = issue_credential_sd_jwt(credential, world["key"], table, iat=ISSUED)
    public = present_credential(full, tier="public", classification=table)
    result = world["v"].verify(public, now=NOW)
    assert result.verified, result.to_dict()
    pcf = result.document["credentialSubject"]["pcf"]
    assert "pcfExcludingBiogenicUptake" in pcf and "fossilGhgEmissions" not in pcf


def test_the_policy_decides_the_format_and_whether_key_binding_is_required(world):
    from bpvc.verify.policy import parse_policy

    no_sd_jwt = world["v"].replace(policy=Policy(formats=frozenset({"di", "vc+jwt"})))
    result = no_sd_jwt.verify(world["full"], now=NOW)
    assert result.check("proof").outcome == "failed" and "dc+sd-jwt format is not allowed" in result.problems[0].detail
    strict = world["v"].replace(policy=parse_policy({"verification": {"require_key_binding": True}}))
    unbound = present_credential(world["full"], tier="public", classification=world["table"])
    assert strict.verify(unbound, now=NOW).check("key_binding").outcome == "failed"
    assert world["v"].verify(unbound, now=NOW).check("key_binding").outcome == "skipped"
    bound = _present(world, tier="public")
    assert strict.verify(bound, now=NOW).check("key_binding").outcome == "passed"
