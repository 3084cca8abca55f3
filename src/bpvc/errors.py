"""Exceptions and problem types.

Primitives raise one of these; only the verifier turns them into problem details.
Each exception names its problem type from the VCDM 2.0, Data Integrity or
Bitstring Status List vocabulary so the translation is mechanical.
"""

from __future__ import annotations

from typing import Any

VC = "https://www.w3.org/TR/vc-data-model#"
SEC = "https://w3id.org/security#"
STATUS = "https://www.w3.org/ns/credentials/status-list#"

PARSING_ERROR = VC + "PARSING_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR = VC + "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_VALUE_ERROR = VC + "MALFORMED_VALUE_ERROR"
RANGE_ERROR = VC + "RANGE_ERROR"

PROOF_GENERATION_ERROR = SEC + "PROOF_GENERATION_ERROR"
PROOF_VERIFICATION_ERROR = SEC + "PROOF_VERIFICATION_ERROR"
PROOF_TRANSFORMATION_ERROR = SEC + "PROOF_TRANSFORMATION_ERROR"
INVALID_DOMAIN_ERROR = SEC + "INVALID_DOMAIN_ERROR"
INVALID_CHALLENGE_ERROR = SEC + "INVALID_CHALLENGE_ERROR"
DATA_LOSS_DETECTION_ERROR = SEC + "DATA_LOSS_DETECTION_ERROR"
INVALID_VERIFICATION_METHOD = SEC + "INVALID_VERIFICATION_METHOD"
INVALID_VERIFICATION_METHOD_URL = SEC + "INVALID_VERIFICATION_METHOD_URL"
INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD = SEC + "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"

STATUS_RETRIEVAL_ERROR = STATUS + "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = STATUS + "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH_ERROR = STATUS + "STATUS_LIST_LENGTH_ERROR"

# Not errors in any spec's sense but outcomes a caller must be able to tell apart.
BPVC = "https://w3id.org/bpvc/problems#"
CREDENTIAL_REVOKED = BPVC + "CREDENTIAL_REVOKED"
CREDENTIAL_SUSPENDED = BPVC + "CREDENTIAL_SUSPENDED"
UNTRUSTED_ISSUER = BPVC + "UNTRUSTED_ISSUER"


class BpvcError(Exception):
    """Base class of every error bpvc raises on purpose."""

    problem_type: str = MALFORMED_VALUE_ERROR
    title: str = "Invalid input"

    def __init__(self, detail: str, *, json_path: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.json_path = json_path


class MalformedError(BpvcError):
    """A value does not have the form the data model requires."""


class ParsingError(BpvcError):
    """Input is not JSON, not a JSON object, or not a compact JWS."""

    problem_type = PARSING_ERROR
    title = "Parsing error"


class RangeValueError(BpvcError):
    """A value is outside its allowed range (for example validFrom after validUntil)."""

    problem_type = RANGE_ERROR
    title = "Value out of range"


class ContextError(BpvcError):
    """A JSON-LD context is unknown, not allowed, or does not match its pinned digest."""

    title = "Context not allowed"

    def __init__(self, detail: str, *, url: str | None = None, json_path: str | None = "$['@context']") -> None:
        super().__init__(detail, json_path=json_path)
        self.url = url


class UnsupportedError(BpvcError):
    """A securing mechanism or format bpvc does not implement (the outcome is indeterminate)."""

    problem_type = PROOF_VERIFICATION_ERROR
    title = "Unsupported securing mechanism"


class ProcessingError(BpvcError):
    """bpvc could not finish processing (an internal fault, not the input's): the outcome is undecided."""

    problem_type = PROOF_TRANSFORMATION_ERROR
    title = "Processing error"


class DataLossError(BpvcError):
    """JSON-LD processing would drop or rewrite data (safe mode)."""

    problem_type = DATA_LOSS_DETECTION_ERROR
    title = "Data loss detected"


class CanonicalizationLimitError(BpvcError):
    """RDF canonicalization exceeded its work budget (a poisoned dataset)."""

    problem_type = PROOF_TRANSFORMATION_ERROR
    title = "Canonicalization budget exceeded"


class ProofError(BpvcError):
    """A proof is missing fields, uses an unknown suite, or has the wrong purpose."""

    problem_type = PROOF_VERIFICATION_ERROR
    title = "Proof verification error"


class SignatureError(BpvcError):
    """The signature does not verify over the document: it was altered or signed by another key."""

    problem_type = CRYPTOGRAPHIC_SECURITY_ERROR
    title = "Signature does not verify"


class DomainError(ProofError):
    problem_type = INVALID_DOMAIN_ERROR
    title = "Domain mismatch"


class ChallengeError(ProofError):
    problem_type = INVALID_CHALLENGE_ERROR
    title = "Challenge mismatch"


class ProofGenerationError(BpvcError):
    problem_type = PROOF_GENERATION_ERROR
    title = "Proof generation error"


class KeyFileError(BpvcError):
    """A key file is missing, malformed, encrypted without a passphrase, or of the wrong type."""

    title = "Key error"


class ResolutionError(BpvcError):
    """A DID or verification method could not be resolved (the outcome is indeterminate)."""

    problem_type = INVALID_VERIFICATION_METHOD_URL
    title = "Verification method not resolvable"

    def __init__(self, detail: str, *, verification_method: str | None = None, json_path: str | None = None) -> None:
        super().__init__(detail, json_path=json_path)
        self.verification_method = verification_method


class VerificationMethodError(BpvcError):
    """A verification method exists but is unusable for this proof (wrong controller or relationship)."""

    problem_type = INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    title = "Verification method not authorized"

    def __init__(
        self,
        detail: str,
        *,
        verification_method: str | None = None,
        json_path: str | None = None,
        problem_type: str | None = None,
    ) -> None:
        super().__init__(detail, json_path=json_path)
        self.verification_method = verification_method
        if problem_type:
            self.problem_type = problem_type


class TrustError(BpvcError):
    """The issuer is not trusted for this kind of credential by the verifier's policy."""

    problem_type = UNTRUSTED_ISSUER
    title = "Issuer not trusted"


class StatusError(BpvcError):
    """A status list could not be retrieved, verified or read (the status is undecided)."""

    problem_type = STATUS_RETRIEVAL_ERROR
    title = "Status could not be determined"

    def __init__(
        self, detail: str, *, problem_type: str = STATUS_RETRIEVAL_ERROR, json_path: str | None = None
    ) -> None:
        super().__init__(detail, json_path=json_path)
        self.problem_type = problem_type


class StatusOutcome(BpvcError):
    """The credential is revoked or suspended (a definite status, reported as a problem)."""

    title = "Credential status"

    def __init__(self, detail: str, *, problem_type: str, json_path: str | None = None) -> None:
        super().__init__(detail, json_path=json_path)
        self.problem_type = problem_type


class FetchError(BpvcError):
    """A remote fetch was refused or failed (network off, non-https, private address, too large)."""

    problem_type = PARSING_ERROR
    title = "Fetch refused or failed"

    def __init__(self, detail: str, *, url: str | None = None) -> None:
        super().__init__(detail)
        self.url = url


_EXTRAS = {"server": "the HTTP service", "qr": "QR codes", "postgres": "a PostgreSQL registry"}


class MissingExtraError(BpvcError):
    """A feature needs an optional dependency that is not installed."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"{_EXTRAS.get(extra, 'this feature')} needs the {extra!r} extra ({module} is not installed): "
            f"pip install 'bpvc[{extra}]'"
        )
        self.extra = extra
        self.module = module


class RecordRefusedError(MalformedError):
    """A passport or footprint record failed its schema or domain checks; ``report`` lists every finding."""

    def __init__(self, kind: str, report: Any) -> None:
        errors = list(report.errors)
        first = f": {errors[0].message} at {errors[0].json_path}" if errors else ""
        super().__init__(f"the {kind} record is invalid ({len(errors)} error(s)){first}", json_path=None)
        self.kind = kind
        self.report = report


class InvalidDocumentError(BpvcError):
    """The document to sign breaks the data model; ``problems`` lists every reason."""

    title = "Document cannot be issued"

    def __init__(self, problems: list[BpvcError]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        where = f" at {first.json_path}" if first.json_path else ""
        super().__init__(f"{first.detail}{where}{more}", json_path=first.json_path)
        self.problem_type = first.problem_type
        self.problems = problems


class KeyBindingError(ProofError):
    """The key-binding JWT is missing when required, or does not bind this presentation to the holder."""

    title = "Key binding failed"


class DisclosureError(MalformedError):
    """A disclosure that is not base64url JSON of the right shape, or breaks an RFC 9901 rule."""

    title = "Invalid SD-JWT disclosure"


class PassportFolderError(BpvcError):
    """The passport folder cannot be served: a file that is not a passport credential, or two with one identifier."""

    problem_type = MALFORMED_VALUE_ERROR
    title = "Passport folder not usable"


class ClassificationError(BpvcError):
    """A classification file is unreadable or says something bpvc cannot apply (the message names the entry)."""

    title = "Invalid field classification"


class OdrlError(BpvcError):
    """A policy breaks the Catena-X profile; ``constraint`` names the failing left operand, when one does."""

    title = "Policy does not conform to the Catena-X ODRL profile"

    def __init__(
        self, detail: str, *, json_path: str | None = None, constraint: str | None = None, rules: str | None = None
    ) -> None:
        super().__init__(detail, json_path=json_path)
        self.constraint = constraint
        self.rules = rules


class ProfileUnavailableError(BpvcError):
    """The profile's schemas were named but cannot be read: nothing can be checked against them."""

    title = "Catena-X ODRL profile not available"


class ExportLogError(BpvcError):
    """The log cannot be read or appended to (not a chain break: those are reported by ``verify``)."""

    title = "Export log error"


class DerivedRecordError(MalformedError):
    """A record derived from a result breaks its model's rules (a bug in the derivation)."""

    title = "Derived record is invalid"


class DeclarationError(BpvcError):
    """A declaration cannot be issued (undecided or non-compliant result) or read."""

    title = "Carbon footprint declaration"


class UnitMismatchError(MalformedError):
    """Two units measure different things (or a needed conversion factor is missing)."""

    title = "Unit mismatch"


class ProfileError(MalformedError):
    """A profile file is missing, unreadable or sets a parameter wrongly."""

    title = "Invalid rule profile"


class InventoryError(MalformedError):
    """The inventory is invalid; ``report`` holds every finding."""

    title = "Invalid inventory"

    def __init__(self, report: Any, source: str = "inventory") -> None:
        errors = report.errors
        first = errors[0] if errors else None
        super().__init__(
            f"{source} is not a valid inventory ({len(errors)} error(s))"
            + (f"; first: {first.json_path}: {first.message}" if first else ""),
            json_path=first.json_path if first else None,
        )
        self.report = report


class DigestMismatchError(MalformedError):
    """A related resource's bytes do not match the digest the credential binds."""

    title = "Related resource digest mismatch"


class SchemaUnavailableError(BpvcError):
    """The schema is not bundled or supplied (it is never fetched)."""

    title = "Schema not available"


class SchemaUnusableError(BpvcError):
    """A schema bpvc holds cannot be applied (another draft, not a valid schema, a ``$ref`` it cannot
    resolve offline): the schema check is undecided, never passed."""

    title = "Schema cannot be applied"


class RegistryError(BpvcError):
    """The registry refused an operation (unknown credential, revoked, bad configuration)."""

    title = "Registry error"


class UnknownCredentialError(RegistryError, LookupError):
    """No credential with that id was issued through this registry."""


class RegistryUnavailableError(RegistryError):
    """The registry cannot be used: it does not exist, is not a bpvc registry, or its database failed."""


class StatusListLengthError(MalformedError):
    """The decoded list is shorter than the minimum length."""


class ResolverError(MalformedError):
    """The passport's identifier needs a resolver that was not given, or the one given is not https."""
