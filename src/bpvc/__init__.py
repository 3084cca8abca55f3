"""bpvc: battery passport and carbon-footprint data as W3C Verifiable Credentials.

Sign with Data Integrity proofs (eddsa-rdfc-2022, ecdsa-rdfc-2019, and the JCS suites) and verify
credentials received from suppliers, offline by default.
"""

from __future__ import annotations

from .did import Resolver, VerificationMethod
from .errors import BpvcError
from .fetch import Fetcher
from .issue.credential import InvalidDocumentError, issue_credential
from .jsonld.contexts import ContextLoader
from .keys.primitives import KeyPair, PublicKey, Signer, load_key
from .records.rules import BATTERY_RECORD_RULES as _BATTERY_RECORD_RULES
from .verify import domain as _domain
from .verify.policy import Policy, TrustedIssuer, load_policy
from .verify.result import Check, Outcome, Problem, VerificationResult
from .verify.verifier import Verifier

# The VC core (verify/, issue/) knows no battery rules; the package plugs bpvc's in as the default.
_domain.set_default(_BATTERY_RECORD_RULES)

__all__ = [
    "BpvcError",
    "Check",
    "ContextLoader",
    "Fetcher",
    "InvalidDocumentError",
    "KeyPair",
    "Outcome",
    "Problem",
    "Policy",
    "PublicKey",
    "Resolver",
    "Signer",
    "TrustedIssuer",
    "VerificationMethod",
    "VerificationResult",
    "Verifier",
    "issue_credential",
    "load_key",
    "load_policy",
]
