"""What every Data Integrity cryptosuite provides, and the shared RDFC transformation.

A suite turns a document and proof options into hashData and signs or checks it.
Its ``verify`` returns ``None`` or raises; the verifier turns errors into results.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, ClassVar

from ... import multibase
from ...dates import parse as parse_date
from ...errors import BpvcError, MalformedError, ProofError, ProofGenerationError, SignatureError
from ...jsonld.canonicalize import canonicalize
from ...jsonld.contexts import ContextLoader
from ...keys.primitives import PublicKey, Signer


class Cryptosuite:
    """A Data Integrity cryptosuite over RDFC-1.0 (the shape of eddsa-rdfc-2022 and ecdsa-rdfc-2019)."""

    name: ClassVar[str]
    proof_type: ClassVar[str] = "DataIntegrityProof"
    # the proof member that carries the signature
    value_field: ClassVar[str] = "proofValue"
    key_types: ClassVar[tuple[str, ...]]
    # the key type a suite picks when the caller names no other
    default_key_type: ClassVar[str]

    def hash_name(self, key_type: str) -> str:
        return "sha256"

    def shape_problems(self, proof: dict[str, Any]) -> list[BpvcError]:
        """Defects visible without keys or canonicalization (reported alongside the options' problems)."""
        return []

    def check_key(self, key_type: str) -> None:
        if key_type not in self.key_types:
            raise ProofError(f"{self.name} cannot use a {key_type} key (allowed: {', '.join(self.key_types)})")

    def prepare_proof(self, options: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The proof as it will be emitted, before its value; an RDFC proof carries no ``@context``."""
        return options

    def proof_configuration(self, proof: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The proof options without proofValue, with the document's @context (spec §3.3.5)."""
        if proof.get("type") != self.proof_type:
            raise ProofError(f"proof type must be {self.proof_type!r} for {self.name}")
        if self.proof_type == "DataIntegrityProof" and proof.get("cryptosuite") != self.name:
            raise ProofError(f"proof cryptosuite must be {self.name!r}")
        for field in ("created", "expires"):
            if field in proof:
                parse_date(proof[field], field=f"proof {field}", json_path=f"$.proof.{field}")
        config = {k: v for k, v in proof.items() if k != self.value_field}
        if "@context" in document:
            config["@context"] = document["@context"]
        return config

    def hash_data(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        key_type: str,
        loader: ContextLoader,
        memo: dict[tuple[str, str], Any] | None = None,
    ) -> bytes:
        """SHA(canonical proof configuration) || SHA(canonical document).

        ``document`` is what the proof covers: the unsecured document, or for a proof
        chain the document carrying exactly the proofs named by ``previousProof``.
        """
        hash_name = self.hash_name(key_type)
        config = self.proof_configuration(proof, document)
        canon_doc = canonicalize(document, loader=loader, hash_name=hash_name, memo=memo)
        canon_proof = canonicalize(config, loader=loader, hash_name=hash_name, memo=memo)
        return (
            hashlib.new(hash_name, canon_proof.encode()).digest() + hashlib.new(hash_name, canon_doc.encode()).digest()
        )

    def create_proof_value(
        self, document: dict[str, Any], proof: dict[str, Any], signer: Signer, key_type: str, loader: ContextLoader
    ) -> str:
        self.check_key(key_type)
        if "proofValue" in proof:
            raise ProofGenerationError("proof options must not contain a proofValue")
        data = self.hash_data(document, proof, key_type, loader)
        return multibase.encode(signer.sign(data), "z")

    def verify(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        key: PublicKey,
        loader: ContextLoader,
        memo: dict[tuple[str, str], Any] | None = None,
    ) -> None:
        self.check_key(key.key_type)
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise MalformedError(
                "proofValue must be a base58btc multibase string ('z…')", json_path="$.proof.proofValue"
            )
        limit = _max_proof_chars(key.key_type)
        if len(value) > limit:
            raise MalformedError(
                f"proofValue has {len(value)} characters; a {key.key_type} signature has at most {limit}",
                json_path="$.proof.proofValue",
            )
        signature = multibase.decode(value, max_chars=limit)
        data = self.hash_data(document, proof, key.key_type, loader, memo)
        try:
            key.verify(signature, data)
        except SignatureError:
            raise SignatureError(
                f"{self.name} signature does not verify: the credential or its proof was altered, "
                "or it was signed by another key"
            ) from None


# Signature sizes of the key types the suites use; base58btc needs at most ceil(n * log 256 / log 58) characters.
_SIGNATURE_BYTES = {"ed25519": 64, "p256": 64, "p384": 96, "secp256k1": 64}


def _max_proof_chars(key_type: str) -> int:
    return 1 + math.ceil(_SIGNATURE_BYTES.get(key_type, 96) * math.log(256) / math.log(58))
