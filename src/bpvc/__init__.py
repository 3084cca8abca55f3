"""bpvc: battery passport and carbon-footprint data as W3C Verifiable Credentials.

Sign with Data Integrity proofs (eddsa-rdfc-2022, ecdsa-rdfc-2019, and the JCS suites) and verify
credentials received from suppliers, offline by default.
"""

from __future__ import annotations

from .did import Resolver, VerificationMethod
from .errors import (
    BpvcError,
    FetchError,
    KeyFileError,
    MalformedError,
    MissingExtraError,
    ProofError,
    RecordRefusedError,
    ResolutionError,
    SignatureError,
    StatusError,
    TrustError,
    UnsupportedError,
)
from .fetch import Fetcher
from .issue.credential import InvalidDocumentError, issue_credential, issue_credential_jwt
from .issue.present import present
from .issue.secure import secure_credential
from .jsonld.contexts import ContextLoader
from .keys.primitives import KeyPair, PublicKey, Signer, load_key
from .records.issuing import issue_footprint, issue_passport
from .records.rules import BATTERY_RECORD_RULES as _BATTERY_RECORD_RULES
from .verify import domain as _domain
from .verify.domain import NO_DOMAIN_RULES, DomainRules
from .verify.policy import Policy, TrustedIssuer, load_policy
from .verify.result import Check, Outcome, Problem, VerificationResult
from .verify.verifier import Verifier

# The VC core (verify/, issue/) knows no battery rules; the package plugs bpvc's in as the default.
_domain.set_default(_BATTERY_RECORD_RULES)

__all__ = [
    "BpvcError",
    "Check",
    "ContextLoader",
    "DomainRules",
    "FetchError",
    "Fetcher",
    "InvalidDocumentError",
    "KeyFileError",
    "KeyPair",
    "MalformedError",
    "MissingExtraError",
    "NO_DOMAIN_RULES",
    "Outcome",
    "Policy",
    "Problem",
    "ProofError",
    "PublicKey",
    "RecordRefusedError",
    "ResolutionError",
    "Resolver",
    "SignatureError",
    "Signer",
    "StatusError",
    "TrustError",
    "TrustedIssuer",
    "UnsupportedError",
    "VerificationMethod",
    "VerificationResult",
    "Verifier",
    "issue_credential",
    "issue_credential_jwt",
    "issue_footprint",
    "issue_passport",
    "load_key",
    "load_policy",
    "present",
    "secure_credential",
]
