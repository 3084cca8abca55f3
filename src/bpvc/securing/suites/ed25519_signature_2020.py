"""Ed25519Signature2020 (legacy, verify only): eddsa-rdfc-2022's algorithm under its older proof type.

The document carries https://w3id.org/security/suites/ed25519-2020/v1 and the proof has no
``cryptosuite``; keys are Ed25519VerificationKey2020 or Multikey.
"""

from __future__ import annotations

from .base import Cryptosuite


class Ed25519Signature2020(Cryptosuite):
    name = "Ed25519Signature2020"
    proof_type = "Ed25519Signature2020"
    key_types = ("ed25519",)
    default_key_type = "ed25519"
