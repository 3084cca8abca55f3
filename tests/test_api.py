"""The public Python API is pinned: a change to it is a deliberate change to this test."""

from datetime import UTC

import bpvc


def test_public_names_are_pinned():
    assert sorted(bpvc.__all__) == [
        "BpvcError", "Check", "ContextLoader", "DomainRules", "FetchError", "Fetcher", "InvalidDocumentError",
        "KeyFileError", "KeyPair", "MalformedError", "MissingExtraError", "NO_DOMAIN_RULES", "Outcome", "Policy",
        "Problem", "ProofError", "PublicKey", "RecordRefusedError", "ResolutionError", "Resolver", "SignatureError",
        "Signer", "StatusError", "TrustError", "TrustedIssuer", "UnsupportedError", "VerificationMethod",
        "VerificationResult", "Verifier", "issue_credential", "issue_credential_jwt", "issue_footprint",
        "issue_passport", "load_key", "load_policy", "present", "secure_credential",
    ]  # fmt: skip
    for name in bpvc.__all__:
        assert getattr(bpvc, name) is not None


def test_a_kms_style_signer_fits_the_signer_slot(example_credential):
    """Anything with verification_method, algorithm and sign() can issue (a KMS or HSM key)."""
    inner = bpvc.KeyPair.generate("ed25519")
    vm = f"did:key:{inner.public_key.multikey()}#{inner.public_key.multikey()}"

    class RemoteSigner:
        verification_method = vm
        algorithm = "EdDSA"

        def sign(self, data: bytes) -> bytes:
            return inner.sign(data)

    doc = dict(example_credential, issuer=vm.split("#")[0])
    signed = bpvc.issue_credential(doc, RemoteSigner(), created="2026-11-20T00:00:00Z")
    from datetime import datetime

    assert bpvc.Verifier().verify(signed, now=datetime(2027, 1, 1, tzinfo=UTC)).verified


def test_a_python_user_issues_a_passport_without_the_cli():
    import json
    from datetime import datetime
    from pathlib import Path

    import pytest

    record = json.loads((Path(__file__).resolve().parents[1] / "examples" / "passport-6.1.0.json").read_text())
    key = bpvc.KeyPair.generate("p256")
    key = key.with_verification_method(f"did:key:{key.public_key.multikey()}#{key.public_key.multikey()}")
    signed = bpvc.issue_passport(record, key, created=datetime(2026, 11, 20, tzinfo=UTC))
    assert isinstance(signed, dict) and signed["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert bpvc.Verifier().verify(signed, now=datetime(2027, 1, 1, tzinfo=UTC)).verified
    record["operation"]["manufacturer"]["manufacturingDate"] = "2026-02-30"
    with pytest.raises(bpvc.RecordRefusedError) as caught:
        bpvc.issue_passport(record, key)
    assert caught.value.kind == "passport"
    assert "$.operation.manufacturer.manufacturingDate" in [e.json_path for e in caught.value.report.errors]
