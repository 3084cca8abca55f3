"""The public Python API is pinned: a change to it is a deliberate change to this test."""

from datetime import UTC

import bpvc


def test_public_names_are_pinned():
    assert sorted(bpvc.__all__) == [
        "BpvcError", "Check", "ContextLoader", "Fetcher", "InvalidDocumentError", "KeyPair", "Outcome", "Policy",
        "Problem", "PublicKey", "Resolver", "Signer", "TrustedIssuer", "VerificationMethod", "VerificationResult",
        "Verifier", "issue_credential", "load_key", "load_policy",
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
