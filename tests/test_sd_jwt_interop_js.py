"""Interop with @sd-jwt/core and @sd-jwt/sd-jwt-vc (npm), both ways, offline.

Needs Node and `bash interop/js/setup.sh` (the CI script runs it); skips with the reason otherwise.
"""

import json
import shutil
import subprocess
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

JS = ROOT / "interop" / "js"
PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
ISSUED = datetime(2026, 11, 21, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
AUD, NONCE = "did:web:carmaker.example", "n-js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (JS / "node_modules" / "@sd-jwt" / "sd-jwt-vc").exists(),
    reason="Node or the @sd-jwt packages are missing (run: bash interop/js/setup.sh)",
)


def _node(*args):
    return subprocess.run(["node", str(JS / "sdjwt.mjs"), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sdjwt-js")
    key, doc = issuer()
    holder = KeyPair.generate("p256", "did:web:battery-maker.example#holder")
    files = {}
    for name, jwk in (("issuer", key.private_jwk()), ("issuer-public", key.public_key.jwk())):
        files[name] = tmp / f"{name}.json"
        files[name].write_text(json.dumps(jwk))
    files["holder"] = tmp / "holder.json"
    files["holder"].write_text(json.dumps(holder.private_jwk()))
    record = json.loads(PASSPORT.read_text())
    credential = passport.to_credential(record, issuer=key.controller)
    table = c.load("passport", passport.MODELS["6.1.0"].schema_id)
    verifier = Verifier(did_documents={doc["id"]: doc})
    return {"tmp": tmp, "key": key, "holder": holder, "files": files, "record": record, "credential": credential,
            "table": table, "verifier": verifier}  # fmt: skip


def test_bpvc_sd_jwt_vcs_verify_in_js(world):
    full = issue_credential_sd_jwt(
        world["credential"], world["key"], world["table"], iat=ISSUED, holder_jwk=world["holder"].public_key.jwk()
    )
    eu = present_credential(
        full, tier="legitimate-interest", export=True, classification=world["table"], holder=world["holder"],
        audience=AUD, nonce=NONCE, iat=NOW,
    )  # fmt: skip
    path = world["tmp"] / "eu.sd-jwt"
    path.write_text(eu)
    run = _node("verify", "--issuer-jwk", world["files"]["issuer-public"], "--nonce", NONCE,
                "--now", int(NOW.timestamp()), path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["kb"]["payload"]["aud"] == AUD and out["payload"]["vct"].endswith("battery-pass/6.1.0")
    ours = world["verifier"].verify(eu, now=NOW, challenge=NONCE, domain=AUD)
    subject = {k: v for k, v in ours.document["credentialSubject"].items() if k not in ("id", "type")}
    assert out["claims"][RECORD_CLAIM] == subject
    wrong = _node("verify", "--issuer-jwk", world["files"]["issuer-public"], "--nonce", "other",
                  "--now", int(NOW.timestamp()), path)  # fmt: skip
    assert wrong.returncode == 1


def _frame(units):
    """The JS library's disclosure frame for bpvc's units (with one decoy per object)."""
    frame = {RECORD_CLAIM: {}}
    for unit in units:
        if "[]" in unit:
            continue
        *parents, name = unit.split(".")
        node = frame[RECORD_CLAIM]
        for part in parents:
            node = node.setdefault(part, {})
        node.setdefault("_sd", []).append(name)
        node["_sd_decoy"] = 1
    return frame


def _js_issued(world):
    claims, _ = claims_of(world["credential"], iat=ISSUED, holder_jwk=world["holder"].public_key.jwk())
    (world["tmp"] / "claims.json").write_text(json.dumps(claims))
    (world["tmp"] / "frame.json").write_text(json.dumps(_frame(world["table"].units())))
    run = _node("issue", "--issuer-jwk", world["files"]["issuer"], "--kid", world["key"].verification_method,
                "--claims", world["tmp"] / "claims.json", "--frame", world["tmp"] / "frame.json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _js_present(world, issued, frame, name="js.sd-jwt"):
    (world["tmp"] / name).write_text(issued)
    (world["tmp"] / "pframe.json").write_text(json.dumps(frame))
    iat = int(NOW.timestamp())
    run = _node("present", "--holder-jwk", world["files"]["holder"], "--aud", AUD, "--nonce", NONCE,
                "--iat", iat, "--frame", world["tmp"] / "pframe.json", world["tmp"] / name)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_js_sd_jwt_vcs_and_presentations_verify_in_bpvc(world):
    issued = _js_issued(world)
    full = world["verifier"].verify(issued, now=NOW)
    assert full.verified, full.to_dict()
    assert set(full.disclosed) == set(world["table"].units())  # the issuance carries every disclosure
    assert full.document["credentialSubject"]["handling"] == world["record"]["handling"]
    presented = _js_present(world, issued, {RECORD_CLAIM: {"handling": True, "materials": {"composition": True}}})
    result = world["verifier"].verify(presented, now=NOW, challenge=NONCE, domain=AUD)
    assert result.verified, result.to_dict()
    assert set(result.disclosed) == {"handling", "materials.composition"}
    assert (
        result.document["credentialSubject"]["materials"]["composition"] == world["record"]["materials"]["composition"]
    )
    assert "producer" not in result.document["credentialSubject"]["handling"]["content"]


def test_bpvc_refuses_what_it_must_in_js_presentations(world):
    issued = _js_issued(world)
    presented = _js_present(world, issued, {RECORD_CLAIM: {"handling": True}})
    token = SdJwt.parse(presented)
    v = world["verifier"]
    dropped = SdJwt(token.jwt, token.disclosures).serialize()
    assert v.verify(dropped, now=NOW, challenge=NONCE, domain=AUD).check("key_binding").outcome == "failed"
    assert v.verify(presented, now=NOW, challenge="n-0", domain=AUD).check("key_binding").outcome == "failed"
    assert (
        v.verify(presented, now=NOW, challenge=NONCE, domain="did:web:x.example").check("key_binding").outcome
        == "failed"
    )
    doubled = SdJwt(token.jwt, (*token.disclosures, token.disclosures[0])).serialize()
    assert "sent twice" in v.verify(doubled, now=NOW).problems[0].detail
    foreign = SdJwt.parse(_js_issued(world)).disclosures[0]
    mixed = SdJwt(token.jwt, (*token.disclosures, foreign)).serialize()
    assert "not referenced by this credential" in v.verify(mixed, now=NOW).problems[0].detail
