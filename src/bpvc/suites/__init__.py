"""The Data Integrity cryptosuites bpvc signs and verifies with, by name."""

from __future__ import annotations

from ..errors import ProofError
from .base import Cryptosuite
from .ecdsa_rdfc_2019 import EcdsaRdfc2019
from .eddsa_rdfc_2022 import EddsaRdfc2022

SUITES: dict[str, Cryptosuite] = {s.name: s for s in (EddsaRdfc2022(), EcdsaRdfc2019())}
DEFAULT_ALLOWED = frozenset(SUITES)


def suite_for_key(key_type: str) -> Cryptosuite:
    """The default suite for a key type: Ed25519 -> eddsa-rdfc-2022, P-256/P-384 -> ecdsa-rdfc-2019."""
    for suite in SUITES.values():
        if key_type in suite.key_types:
            return suite
    raise ProofError(f"no cryptosuite signs with a {key_type} key")


def get_suite(name: object, allowed: frozenset[str] = DEFAULT_ALLOWED) -> Cryptosuite:
    if not isinstance(name, str) or name not in SUITES:
        raise ProofError(f"unknown cryptosuite {name!r} (supported: {', '.join(sorted(SUITES))})")
    if name not in allowed:
        raise ProofError(f"cryptosuite {name!r} is not allowed by the verification policy")
    return SUITES[name]


__all__ = ["Cryptosuite", "SUITES", "get_suite", "suite_for_key"]
