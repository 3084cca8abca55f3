"""The JSON Canonicalization Scheme transformation shared by eddsa-jcs-2022 and ecdsa-jcs-2019.

Unlike the RDFC suites, a JCS proof signs the JSON itself (RFC 8785), and the proof carries
the document's ``@context`` (Create Proof, §3.3.1 step 2 of vc-di-eddsa and of vc-di-ecdsa) so that a
verifier can tell which contexts were signed: the document's ``@context`` must start with the
proof's, and the document is hashed with the proof's ``@context`` in place of its own.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from ...errors import MalformedError, ProofError
from ...jsonld.canonicalize import to_dataset
from ...jsonld.contexts import ContextLoader
from ...keys.primitives import Signer
from .base import Cryptosuite


def jcs(value: Any, *, what: str) -> bytes:
    """RFC 8785 bytes of ``value``; what JCS cannot represent (an integer beyond 2^53, a lone surrogate) is refused."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as err:
        raise MalformedError(f"the {what} cannot be canonicalized with JCS (RFC 8785): {err}") from None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class JcsCryptosuite(Cryptosuite):
    """A Data Integrity cryptosuite over JCS: hashData = H(JCS(proof configuration)) || H(JCS(document))."""

    def prepare_proof(self, options: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The emitted proof keeps the document's ``@context`` (Create Proof step 2)."""
        if "@context" in document:
            return {**options, "@context": document["@context"]}
        return options

    def create_proof_value(
        self, document: dict[str, Any], proof: dict[str, Any], signer: Signer, key_type: str, loader: ContextLoader
    ) -> str:
        # JCS signs the JSON, but the credential is still JSON-LD: refuse what safe mode would drop, as
        # RDFC does while canonicalizing (the verifier's contexts check holds every credential to it).
        to_dataset(document, loader)
        return super().create_proof_value(document, proof, signer, key_type, loader)

    def proof_configuration(self, proof: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The proof options without proofValue, as they are: nothing is added (Proof Configuration §3.3.5)."""
        config = super().proof_configuration(proof, {})
        if "@context" in proof:
            config["@context"] = proof["@context"]
        return config

    def hash_data(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        key_type: str,
        loader: ContextLoader,
        memo: dict[tuple[str, str], Any] | None = None,
    ) -> bytes:
        hash_name = self.hash_name(key_type)
        config = self.proof_configuration(proof, document)
        unsecured = dict(document)
        if "@context" in config:
            signed, present = _as_list(config["@context"]), _as_list(document.get("@context"))
            if present[: len(signed)] != signed:
                names = ", ".join(c if isinstance(c, str) else "an inline context" for c in signed)
                raise ProofError(
                    f"the document's @context does not start with the contexts the proof signed ({names or 'none'})",
                    json_path="$.proof['@context']",
                )
            unsecured["@context"] = config["@context"]
        canon_proof = jcs(config, what="proof configuration")
        canon_doc = jcs(unsecured, what="document")
        return hashlib.new(hash_name, canon_proof).digest() + hashlib.new(hash_name, canon_doc).digest()
