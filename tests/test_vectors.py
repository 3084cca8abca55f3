"""W3C Data Integrity vectors: byte-exact re-signing through the CLI, and verification."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from conftest import CITIZENSHIP_V4, EXAMPLES_V2, load, need_reference

from bpvc import multibase
from bpvc.cli.main import main
from bpvc.jsonld.contexts import ContextLoader
from bpvc.keys.primitives import KeyPair
from bpvc.securing.suites import SUITES
from bpvc.securing.suites.jcs import jcs
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

# folder, key pair file, signed file, expected proofValue (standards.md §3)
VECTORS = [
    (
        "eddsa-rdfc-2022",
        "keyPair.json",
        "signedDataInt.json",
        "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme",
    ),
    (
        "eddsa-rdfc-2022/employ",
        "../keyPair.json",
        "signedDataInt.json",
        "zeuuS9pi2ZR8Q41bFFJKS9weSWkwa7pRcxHTHzxjDEHtVSZp3D9Rm3JdzT82EQpmXMb9wvfFJLuDPeSXZaRX1q1c",
    ),
    (
        "ecdsa-rdfc-2019-p256",
        "p256KeyPair.json",
        "signedECDSAP256.json",
        "zaHXrr7AQdydBk3ahpCDpWbxfLokDqmCToYm2dyWvpcFVyWooC2he63w1f7UNQoAMKdhaRtcnaE2KTo5o5vTCcfw",
    ),
    (
        "ecdsa-rdfc-2019-p256/employ",
        "../p256KeyPair.json",
        "signedECDSAP256.json",
        "z4y9rJ7JxwfZZUBAHgDHJh7FzMbsycPhEtcSHqrfyn7fx3S5MWdajNu1r6SsJmirzfcWHe7vp9XKHmRqW6qe7u3d3",
    ),
    (
        "ecdsa-rdfc-2019-p384",
        "p384KeyPair.json",
        "signedECDSAP384.json",
        "z967Mvv5bxtmLNqTzPZ8KmJjFmFXaAKeQNzq7GWnQkMcLtaGSSmuozE5WtJ8PipMe178B1tE28K1vsJur9bGVJhz6jgSJsRHFSQeqgH8hhjcg8gZDFJC1b9FsR5ggNmDBqHv",
    ),
    (
        "ecdsa-rdfc-2019-p384/employ",
        "../p384KeyPair.json",
        "signedECDSAP384.json",
        "zz3ca1oME3iYPHM8SgApWFUFVQjiaL9moPqCZ1NAENj3biEQ34qc1ex5VJNLD4jh4N4MY2cmDyDCYGv7EyD87yCGYwag8wRwiJE1xiHKLhTEhDQFNfuNMsgLiZnqpkCDJPye",
    ),
    (
        "eddsa-jcs-2022",
        "keyPair.json",
        "signedJCS.json",
        "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
    ),
    (
        "ecdsa-jcs-2019-p256",
        "p256KeyPair.json",
        "signedJCSECDSAP256.json",
        "z5ptCet75SaEgzG4v4zJhbJtfNi74Wv7Fq15hhKouJQQjEPQvPZKaYxcMXAMLPQS2FXrkCWokNJkFVkwxNzZfD5oT",
    ),
    (
        "ecdsa-jcs-2019-p384",
        "p384KeyPair.json",
        "signedJCSECDSAP384.json",
        "zq3EuTeLiGurmB2JR5oL8oWEsT7u2tba4HT1oZbiMYWc5qzsoW2kLYcBcF4HM5vCpJyTkceULKrVXuJQkXeN5seL4uXrFNFRMm53GWy1Yrto8rTWxZi9DkNeWP7yUPs7ELAm",
    ),
]
# JCS folders and the suffix of their intermediate files (canonDoc<S>.txt, proofHash<S>.txt...)
JCS_VECTORS = [
    ("eddsa-jcs-2022", "keyPair.json", "JCS"),
    ("ecdsa-jcs-2019-p256", "p256KeyPair.json", "JCSECDSAP256"),
    ("ecdsa-jcs-2019-p384", "p384KeyPair.json", "JCSECDSAP384"),
]
IDS = [v[0] for v in VECTORS]
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"


def _vector(folder, key_file, signed_file):
    d = need_reference("vectors", folder)
    keys = load(d / key_file)
    secret = keys.get("secretKeyMultibase") or keys["privateKeyMultibase"]
    return load(d / signed_file), secret


@pytest.mark.parametrize("folder, key_file, signed_file, proof_value", VECTORS, ids=IDS)
def test_cli_resigns_vectors_byte_exact(tmp_path, folder, key_file, signed_file, proof_value, vector_contexts):
    signed, secret = _vector(folder, key_file, signed_file)
    assert signed["proof"]["proofValue"] == proof_value
    proof = signed["proof"]
    key_file_path = tmp_path / "key.jwk.json"
    key_file_path.write_text(json.dumps(KeyPair.from_multikey(secret).private_jwk()))
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps({k: v for k, v in signed.items() if k != "proof"}))
    out = tmp_path / "signed.json"
    args = [
        "issue",
        "credential",
        str(unsigned),
        "--key",
        str(key_file_path),
        "--suite",
        proof["cryptosuite"],
        "--verification-method",
        proof["verificationMethod"],
        "--created",
        proof["created"],
        "-o",
        str(out),
    ]
    for url in (EXAMPLES_V2, CITIZENSHIP_V4):
        args += ["--context", f"{url}={vector_contexts[url]}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["proof"] == proof


@pytest.mark.parametrize("folder, key_file, signed_file, proof_value", VECTORS, ids=IDS)
def test_vector_proofs_verify(folder, key_file, signed_file, proof_value, vector_contexts):
    signed, _ = _vector(folder, key_file, signed_file)
    result = Verifier(contexts=vector_contexts).verify(signed, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.check("proof").outcome is Outcome.PASSED
    # The vectors' issuer does not control the did:key that signed them: key ownership must say so.
    ownership = result.check("key_ownership")
    assert ownership.outcome is Outcome.FAILED
    issuer = signed["issuer"]["id"] if isinstance(signed["issuer"], dict) else signed["issuer"]
    assert issuer in ownership.problems[0].detail
    assert not result.verified


@pytest.mark.parametrize("folder, key_file, signed_file, proof_value", VECTORS, ids=IDS)
def test_vectors_verify_fully_when_the_policy_skips_key_ownership(
    folder, key_file, signed_file, proof_value, vector_contexts
):
    """Proof only: the spec's vectors verify as the specs intend; every other check keeps its outcome."""
    signed, _ = _vector(folder, key_file, signed_file)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    strict = Verifier(contexts=vector_contexts).verify(signed, now=now)
    result = Verifier(contexts=vector_contexts, key_ownership="skip").verify(signed, now=now)
    assert result.verified, result.to_dict()
    ownership = result.check("key_ownership")
    assert ownership.outcome is Outcome.SKIPPED
    assert 'key_ownership = "skip"' in ownership.detail and signed["proof"]["verificationMethod"] in ownership.detail
    assert {c.name: c.outcome for c in result.checks if c.name != "key_ownership"} == {
        c.name: c.outcome for c in strict.checks if c.name != "key_ownership"
    }
    tampered = dict(signed, name="Altered Credential")
    assert not Verifier(contexts=vector_contexts, key_ownership="skip").verify(tampered, now=now).verified


@pytest.mark.parametrize("folder, key_file, suffix", JCS_VECTORS, ids=[v[0] for v in JCS_VECTORS])
def test_jcs_intermediate_values_are_byte_exact(folder, key_file, suffix, vector_contexts):
    """canonDoc, proofCanon, both hashes, hashData and the signature bytes of the W3C JCS vectors."""
    d = need_reference("vectors", folder)
    unsigned = load(d / "unsigned.json")
    config = load(d / f"proofConfig{suffix}.json")
    signed = load(d / f"signed{suffix}.json")
    suite = SUITES[config["cryptosuite"]]
    key = KeyPair.from_multikey(
        load(d / key_file).get("secretKeyMultibase") or load(d / key_file)["privateKeyMultibase"]
    )
    hash_name = suite.hash_name(key.key_type)
    text = {name: (d / f"{name}{suffix}.txt").read_text(encoding="utf-8") for name in _JCS_FILES}
    assert jcs(unsigned, what="document").decode() == text["canonDoc"]
    assert jcs(config, what="proof configuration").decode() == text["proofCanon"]
    assert hashlib.new(hash_name, text["canonDoc"].encode()).hexdigest() == text["docHash"]
    assert hashlib.new(hash_name, text["proofCanon"].encode()).hexdigest() == text["proofHash"]
    proof = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert proof == config  # the emitted proof keeps the document's @context, and nothing else is added
    assert proof["@context"] == unsigned["@context"]
    hash_data = suite.hash_data(unsigned, proof, key.key_type, ContextLoader(vector_contexts))
    assert hash_data.hex() == text["combinedHash"]
    assert key.sign(hash_data).hex() == text["sigHex"]
    assert multibase.encode(bytes.fromhex(text["sigHex"]), "z") == text["sigBTC58"] == signed["proof"]["proofValue"]


_JCS_FILES = ("canonDoc", "proofCanon", "docHash", "proofHash", "combinedHash", "sigHex", "sigBTC58")


@pytest.mark.parametrize(
    "name", ["signedProofSet1.json", "signedProofSet2.json", "signedProofChain1.json", "signedProofChain2.json"]
)
def test_proof_set_and_chain_vectors_verify(name, vector_contexts):
    doc = load(need_reference("vectors", "eddsa-proof-set-chain") / name)
    result = Verifier(contexts=vector_contexts).verify(doc, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.check("proof").outcome is Outcome.PASSED, result.to_dict()
    count = len(doc["proof"]) if isinstance(doc["proof"], list) else 1
    assert result.check("proof").detail.startswith(f"{count} proof")


def _assertion_fixtures():
    folder = need_reference("vectors", "data-integrity-test-suite-assertion")
    return sorted(p for p in folder.glob("*-SimpleSigned2.json"))


@pytest.mark.parametrize(
    "stem",
    [
        "1.1-previousProofArrayMissingFail",
        "1.1-previousProofArrayOk",
        "1.1-previousProofMissingFail",
        "1.1-previousProofNotStringFail",
        "1.1-previousProofStringMissingFail",
        "1.1-previousProofStringOk",
        "2.0-previousProofArrayMissingFail",
        "2.0-previousProofArrayOk",
        "2.0-previousProofMissingFail",
        "2.0-previousProofNotStringFail",
        "2.0-previousProofStringMissingFail",
        "2.0-previousProofStringOk",
    ],
)
def test_previous_proof_fixtures_pass_or_fail_as_named(stem):
    doc = load(need_reference("vectors", "data-integrity-test-suite-assertion", f"{stem}-SimpleSigned2.json"))
    # VCDM 1.1 credentials carry the data-integrity/v2 context, which bpvc does not bundle: the caller supplies it.
    contexts = {DATA_INTEGRITY_V2: str(need_reference("vectors", "contexts", "data-integrity-v2.jsonld"))}
    result = Verifier(contexts=contexts).verify(doc, now=datetime(2024, 1, 1, tzinfo=UTC))
    proof = result.check("proof")
    if stem.endswith("Ok"):
        assert proof.outcome is Outcome.PASSED, result.to_dict()
    else:
        assert proof.outcome is Outcome.FAILED, result.to_dict()
        assert any("previousProof" in p.detail for p in proof.problems)
