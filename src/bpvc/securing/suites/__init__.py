"""The cryptosuites bpvc signs and verifies with, by name (legacy proof types verify only)."""

from __future__ import annotations

from typing import Any

from ...errors import ProofError
from .base import Cryptosuite
from .ecdsa_jcs_2019 import EcdsaJcs2019
from .ecdsa_rdfc_2019 import EcdsaRdfc2019
from .ed25519_signature_2020 import Ed25519Signature2020
from .eddsa_jcs_2022 import EddsaJcs2022
from .eddsa_rdfc_2022 import EddsaRdfc2022
from .json_web_signature_2020 import JsonWebSignature2020

# The first suite for a key type is its default (suite_for_key): the RDFC suites, as before.
SUITES: dict[str, Cryptosuite] = {s.name: s for s in (EddsaRdfc2022(), EcdsaRdfc2019(), EddsaJcs2022(), EcdsaJcs2019())}
LEGACY_SUITES: dict[str, Cryptosuite] = {s.name: s for s in (Ed25519Signature2020(), JsonWebSignature2020())}
ALL_SUITES = {**SUITES, **LEGACY_SUITES}
DEFAULT_ALLOWED = frozenset(ALL_SUITES)


def suite_for_key(key_type: str) -> Cryptosuite:
    """The default suite for a key type: Ed25519 -> eddsa-rdfc-2022, P-256/P-384 -> ecdsa-rdfc-2019."""
    for suite in SUITES.values():
        if key_type in suite.key_types:
            return suite
    raise ProofError(f"no cryptosuite signs with a {key_type} key")


def get_suite(name: object, allowed: frozenset[str] = DEFAULT_ALLOWED) -> Cryptosuite:
    """A signing suite (Data Integrity cryptosuite) by name."""
    if not isinstance(name, str) or name not in SUITES:
        raise ProofError(f"unknown cryptosuite {name!r} (supported: {', '.join(sorted(SUITES))})")
    if name not in allowed:
        raise ProofError(f"cryptosuite {name!r} is not allowed by the verification policy")
    return SUITES[name]


def suite_for_proof(proof: dict[str, Any], allowed: frozenset[str] = DEFAULT_ALLOWED) -> Cryptosuite:
    """The suite that verifies ``proof``: by ``cryptosuite`` for DataIntegrityProof, else by proof type."""
    proof_type = proof.get("type")
    if proof_type == "DataIntegrityProof":
        return get_suite(proof.get("cryptosuite"), allowed)
    if isinstance(proof_type, str) and proof_type in LEGACY_SUITES:
        if proof_type not in allowed:
            raise ProofError(
                f"proof type {proof_type!r} is not allowed by the verification policy", json_path="$.proof.type"
            )
        return LEGACY_SUITES[proof_type]
    raise ProofError(f"unsupported proof type {proof_type!r}", json_path="$.proof.type")


__all__ = ["ALL_SUITES", "Cryptosuite", "LEGACY_SUITES", "SUITES", "get_suite", "suite_for_key", "suite_for_proof"]
