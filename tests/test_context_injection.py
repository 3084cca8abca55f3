"""Context injection (VC Data Integrity): the Data Integrity v2 context is added only when no context defines
the proof terms, and bpvc's transcription of that context means exactly what the W3C file means."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import need_reference
from pyld import jsonld

from bpvc.issue.credential import issue_credential
from bpvc.jsonld.contexts import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2, ContextLoader
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _key() -> KeyPair:
    key = KeyPair.generate("ed25519")
    return key.with_verification_method(keystore.verification_method_for("did:key", key))


def _v1_credential(issuer: str) -> dict:
    return {
        "@context": [CREDENTIALS_V1, {"@vocab": "https://battery-maker.example/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:pack-1", "chemistry": "LFP"},
    }


def test_a_vcdm_1_1_credential_gets_the_data_integrity_context():
    key = _key()
    signed = issue_credential(_v1_credential(key.controller), key, created="2026-11-20T00:00:00Z")
    assert signed["@context"][-1] == DATA_INTEGRITY_V2
    assert signed["@context"][:-1] == _v1_credential(key.controller)["@context"]
    result = Verifier().verify(signed, now=NOW)
    assert result.verified, result.to_dict()


def test_nothing_is_injected_where_the_terms_are_defined(example_credential):
    key = _key()
    v2 = issue_credential(dict(example_credential, issuer=key.controller), key, created="2026-11-20T00:00:00Z")
    assert v2["@context"] == example_credential["@context"]
    already = _v1_credential(key.controller)
    already["@context"].append(DATA_INTEGRITY_V2)
    signed = issue_credential(already, key, created="2026-11-20T00:00:00Z")
    assert signed["@context"].count(DATA_INTEGRITY_V2) == 1


def test_the_transcription_expands_like_the_w3c_file():
    reference = json.loads(need_reference("vectors", "contexts", "data-integrity-v2.jsonld").read_text())
    loader = ContextLoader()
    ours = loader(DATA_INTEGRITY_V2)["document"]
    assert ours == reference  # the same term definitions, member for member
    proof = {
        "@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-20T00:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": "did:example:a#k",
        "proofValue": "z3",
    }
    by_reference = jsonld.expand(
        proof,
        {
            "documentLoader": lambda url, options=None: (
                {"document": reference, "documentUrl": url, "contextUrl": None}
                if url == DATA_INTEGRITY_V2
                else loader(url)
            )
        },
    )
    assert jsonld.expand(proof, {"documentLoader": loader}) == by_reference
    assert CREDENTIALS_V2 not in proof["@context"]
