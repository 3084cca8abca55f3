"""Interop with Digital Bazaar's JS stack (@digitalbazaar/vc + DI cryptosuites), both directions.

Needs Node and `bash interop/js/setup.sh` (the CI script runs it); skips with the reason otherwise.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from conftest import ROOT

from bpvc.did import did_web_document
from bpvc.issue.credential import issue_credential
from bpvc.jsonld.contexts import ContextLoader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

JS = ROOT / "interop" / "js"
NOW = datetime(2027, 1, 1, tzinfo=UTC)
SUITE_OF = {"ed25519": "eddsa-rdfc-2022", "p256": "ecdsa-rdfc-2019", "p384": "ecdsa-rdfc-2019"}

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (JS / "node_modules" / "@digitalbazaar" / "vc").exists(),
    reason="Node or the JS interop packages are missing (run: bash interop/js/setup.sh)",
)


def _node(script, *args):
    return subprocess.run(["node", str(JS / script), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def ctx_file(tmp_path_factory):
    """Every context bpvc serves, handed to the JS side so both read the same documents."""
    loader = ContextLoader()
    path = tmp_path_factory.mktemp("ctx") / "ctx.json"
    path.write_text(json.dumps({e.url: loader(e.url)["document"] for e in loader.entries()}))
    return path


def _keys():
    """A did:key and a did:web key of every type, with the DID documents the JS side needs."""
    keys, dids = [], {}
    for key_type in SUITE_OF:
        k = KeyPair.generate(key_type)
        keys.append(k.with_verification_method(keystore.verification_method_for("did:key", k)))
        web = KeyPair.generate(key_type, f"did:web:{key_type}.maker.example#key-1")
        dids[web.controller] = did_web_document(
            web.controller, [keystore.multikey_method(web)], active=[web.verification_method]
        )
        keys.append(web)
    return keys, dids


def test_bpvc_credentials_verify_in_js(tmp_path, ctx_file, example_credential):
    keys, dids = _keys()
    (tmp_path / "dids.json").write_text(json.dumps(dids))
    files = []
    for i, key in enumerate(keys):
        signed = issue_credential(dict(example_credential, issuer=key.controller), key, created="2026-11-20T00:00:00Z")
        path = tmp_path / f"vc-{i}-{key.key_type}.json"
        path.write_text(json.dumps(signed))
        files.append(path)
    tampered = json.loads(files[0].read_text())
    tampered["credentialSubject"]["ratedCapacity"] = "1"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    run = _node(
        "verify.mjs",
        "--contexts",
        ctx_file,
        "--dids",
        tmp_path / "dids.json",
        "--now",
        "2027-01-01T00:00:00Z",
        *files,
        tmp_path / "tampered.json",
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == len(files) + 1, run.stderr
    for line in lines[:-1]:
        assert line["verified"], line
    assert lines[-1]["verified"] is False


@pytest.mark.parametrize("key_type", list(SUITE_OF))
def test_js_credentials_verify_in_bpvc(tmp_path, ctx_file, example_credential, key_type):
    key = KeyPair.generate(key_type)
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    (tmp_path / "key.jwk.json").write_text(json.dumps(key.private_jwk()))
    (tmp_path / "unsigned.json").write_text(json.dumps(dict(example_credential, issuer=key.controller)))
    run = _node(
        "sign.mjs",
        "--contexts",
        ctx_file,
        "--key",
        tmp_path / "key.jwk.json",
        "--vm",
        key.verification_method,
        "--suite",
        SUITE_OF[key_type],
        "--created",
        "2026-11-20T00:00:00Z",
        tmp_path / "unsigned.json",
    )
    assert run.returncode == 0, run.stderr
    signed = json.loads(run.stdout)
    assert signed["proof"]["cryptosuite"] == SUITE_OF[key_type]
    result = Verifier().verify(signed, now=NOW)
    assert result.verified, result.to_dict()
    signed["credentialSubject"]["chemistry"] = "NMC"
    assert not Verifier().verify(signed, now=NOW).verified


def test_passport_and_footprint_credentials_verify_in_js(tmp_path, ctx_file):
    """The Catena-X samples (date corrected), our example passport and footprint, issued by bpvc, verify in JS."""
    from conftest import need_reference

    from bpvc.records import footprint, passport

    key = KeyPair.generate("p256", "did:web:battery-maker.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    (tmp_path / "dids.json").write_text(json.dumps({doc["id"]: doc}))
    records = []
    for name in (
        "io.catenax.battery.battery_pass_6.1.0_BatteryPass.json",
        "io.catenax.battery.battery_pass_6.0.0_BatteryPass.json",
    ):
        record = json.loads(need_reference("samples", "catenax", name).read_text())
        record["operation"]["intoServiceDate"] = "2024-05-08"
        records.append(passport.to_credential(record, issuer=key.controller))
    records.append(
        passport.to_credential(
            json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text()), issuer=key.controller
        )
    )
    pcf = json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text())
    records.append(footprint.to_credential(pcf, issuer=key.controller))
    files = []
    for i, unsigned in enumerate(records):
        path = tmp_path / f"record-{i}.json"
        path.write_text(json.dumps(issue_credential(unsigned, key, created="2026-11-20T00:00:00Z")))
        files.append(path)
    run = _node(
        "verify.mjs", "--contexts", ctx_file, "--dids", tmp_path / "dids.json", "--now", "2026-12-01T00:00:00Z", *files
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == len(files), run.stderr
    assert all(line["verified"] for line in lines), lines


def test_published_status_list_verifies_in_js_with_the_same_bits(tmp_path, ctx_file, example_credential):
    """Digital Bazaar's stack verifies our list credential and reads the same bits at the same positions."""
    from bpvc.status.publish import publish
    from bpvc.status.registry import Registry

    key = KeyPair.generate("ed25519", "did:web:battery-maker.example#key-1")
    doc = did_web_document(key.controller, [keystore.multikey_method(key)], active=[key.verification_method])
    (tmp_path / "dids.json").write_text(json.dumps({doc["id"]: doc}))
    with Registry(str(tmp_path / "r.sqlite"), create=True) as registry:
        issued = []
        for i in range(12):
            cred = dict(example_credential, id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}", issuer=key.controller)
            issued.append(
                registry.issue(cred, purposes=["revocation"], status_base="https://status.example/l", sign=lambda d: d)
            )
        for vc in issued[::3]:
            registry.set_status(vc["id"], "revoke")
        [path] = publish(
            registry,
            lambda d: issue_credential(d, key, created="2026-11-20T00:00:00Z"),
            tmp_path / "pub",
            issuer=key.controller,
            now=datetime(2026, 11, 20, tzinfo=UTC),
        )
    run = _node(
        "verify.mjs", "--contexts", ctx_file, "--dids", tmp_path / "dids.json", "--now", "2026-11-20T12:00:00Z", path
    )
    assert json.loads(run.stdout)["verified"], run.stdout + run.stderr
    encoded = json.loads(path.read_text())["credentialSubject"]["encodedList"]
    indexes = [vc["credentialStatus"]["statusListIndex"] for vc in issued]
    bits = json.loads(_node("bits.mjs", encoded, *indexes).stdout)
    assert bits["length"] == 131072
    assert [bits["values"][i] for i in indexes] == [1 if n % 3 == 0 else 0 for n in range(12)]


# -- JCS: eddsa-jcs-2022 and ecdsa-jcs-2019 with @digitalbazaar/{eddsa-jcs-2022,ecdsa-jcs-2019}-cryptosuite ----------

JCS_OF = {"ed25519": "eddsa-jcs-2022", "p256": "ecdsa-jcs-2019", "p384": "ecdsa-jcs-2019"}
# numbers whose JCS form (ECMAScript shortest round trip) differs from Python's repr or is at a limit
EDGE_NUMBERS = [1e21, 1e-7, 333333333.3333333, -0.0, 5e-324, 9007199254740991, 532.0]


def _jcs_records(issuer):
    """Credentials whose contexts are all URLs: the passport, the footprint, and the passport with edge numbers."""
    from bpvc.records import footprint, passport

    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text())
    plain = passport.to_credential(record, issuer=issuer)
    pcf = footprint.to_credential(json.loads((ROOT / "examples" / "footprint-8.0.0.json").read_text()), issuer=issuer)
    edgy = json.loads(json.dumps(plain))
    for entry, number in zip(
        edgy["credentialSubject"]["sustainability"]["carbonFootprint"], EDGE_NUMBERS, strict=False
    ):
        entry["value"] = number
    return [plain, pcf, edgy]


def test_bpvc_jcs_credentials_verify_in_js(tmp_path, ctx_file):
    keys, dids = _keys()
    (tmp_path / "dids.json").write_text(json.dumps(dids))
    files = []
    for i, key in enumerate(keys):
        for j, unsigned in enumerate(_jcs_records(key.controller)):
            signed = issue_credential(unsigned, key, cryptosuite=JCS_OF[key.key_type], created="2026-11-20T00:00:00Z")
            assert signed["proof"]["@context"] == unsigned["@context"]
            path = tmp_path / f"vc-{i}-{j}-{key.key_type}.json"
            path.write_text(json.dumps(signed))
            files.append(path)
    tampered = json.loads(files[0].read_text())
    tampered["credentialSubject"]["sustainability"]["carbonFootprint"][0]["value"] = 61.4
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    run = _node(
        "verify.mjs",
        "--contexts",
        ctx_file,
        "--dids",
        tmp_path / "dids.json",
        "--now",
        "2027-01-01T00:00:00Z",
        *files,
        tmp_path / "tampered.json",
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == len(files) + 1 == 19, run.stderr
    assert [line["file"] for line in lines if not line["verified"]] == [str(tmp_path / "tampered.json")], lines


def _js_sign(tmp_path, ctx_file, key, unsigned, suite):
    (tmp_path / "key.jwk.json").write_text(json.dumps(key.private_jwk()))
    (tmp_path / "unsigned.json").write_text(json.dumps(unsigned))
    run = _node(
        "sign.mjs",
        "--contexts",
        ctx_file,
        "--key",
        tmp_path / "key.jwk.json",
        "--vm",
        key.verification_method,
        "--suite",
        suite,
        "--created",
        "2026-11-20T00:00:00Z",
        tmp_path / "unsigned.json",
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("key_type", list(JCS_OF))
def test_js_jcs_credentials_verify_in_bpvc(tmp_path, ctx_file, key_type):
    key = KeyPair.generate(key_type)
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    plain, pcf, edgy = _jcs_records(key.controller)
    for unsigned in (plain, pcf):
        signed = _js_sign(tmp_path, ctx_file, key, unsigned, JCS_OF[key_type])
        assert (signed["proof"]["cryptosuite"], signed["proof"]["@context"]) == (JCS_OF[key_type], unsigned["@context"])
        result = Verifier().verify(signed, now=NOW)
        assert result.verified, result.to_dict()
        signed["credentialSubject"]["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
        assert Verifier().verify(signed, now=NOW).check("proof").outcome is Outcome.FAILED
    # the edge numbers hash alike on both sides (the schema may object to them; the proof does not)
    result = Verifier().verify(_js_sign(tmp_path, ctx_file, key, edgy, JCS_OF[key_type]), now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED, result.to_dict()
    assert result.check("key_ownership").outcome is Outcome.PASSED


def test_inline_contexts_verify_in_bpvc_but_not_in_digital_bazaars_jcs_verifier(tmp_path, ctx_file, example_credential):
    """A known limit of the pinned JS suites (1.0.0): they compare the proof's and the document's @context entries
    by identity, so an inline context never "starts" the document's. bpvc compares values, as the spec says."""
    key = KeyPair.generate("ed25519")
    key = key.with_verification_method(keystore.verification_method_for("did:key", key))
    unsigned = dict(example_credential, issuer=key.controller)
    from_js = _js_sign(tmp_path, ctx_file, key, unsigned, "eddsa-jcs-2022")
    assert Verifier().verify(from_js, now=NOW).verified
    (tmp_path / "js.json").write_text(json.dumps(from_js))
    run = _node("verify.mjs", "--contexts", ctx_file, "--now", "2027-01-01T00:00:00Z", tmp_path / "js.json")
    line = json.loads(run.stdout)
    assert line["verified"] is False and "does not start with proof.@context" in line["error"]
