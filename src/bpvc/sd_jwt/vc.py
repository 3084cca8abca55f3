"""SD-JWT VC (``dc+sd-jwt``) for bpvc's records: issue from a record credential, present by tier, verify.

The payload is the SD-JWT VC draft's: ``iss``, ``iat``, ``nbf``/``exp`` (the credential's validity),
``vct`` (one per record model), ``sub`` (the passport or footprint id), ``cnf`` (the holder's key),
``status`` (the credential's Bitstring Status List entries, under ``bitstring_status_list``) and
the record under ``record``, every restricted field of it (per the classification) concealed.

Verifying rebuilds the VCDM credential those claims stand for and runs the Verifier's own
validity, status and trust checks on it, and its schema check on the disclosed view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import data_model as model
from .. import dates
from ..errors import BpvcError, MalformedError, RangeValueError, ResolutionError
from ..jsonld.contexts import CREDENTIALS_V2
from ..keys.primitives import Signer
from ..records import MODELS_BY_SCHEMA, RecordModel
from ..records.credential import BPVC_CREDENTIALS
from ..securing import jose
from ..securing.data_integrity import JWS_INDEX, ProofOutcome
from ..verify.result import Check, CheckName, Outcome, Problem, VerificationResult
from .compact import SdJwt, looks_like_sd_jwt
from .disclosures import DEFAULT_HASH, new_salt
from .issue import default_decoys, issue
from .present import bind, select
from .verify import KeyBindingError, unpack, verify_issuer_signature, verify_key_binding

if TYPE_CHECKING:
    from ..crossborder.classification import Classification
    from ..verify.verifier import Verifier

RECORD_CLAIM = "record"
STATUS_MEMBER = "bitstring_status_list"
VCT_BASE = "https://w3id.org/bpvc/vct/"


def vct_of(record_model: RecordModel) -> str:
    """``https://w3id.org/bpvc/vct/battery-pass/6.1.0``: the context's name and version under bpvc's vct base."""
    name, version = record_model.context.rstrip("/").split("/")[-2:]
    return f"{VCT_BASE}{name}/{version}"


MODELS_BY_VCT: dict[str, RecordModel] = {vct_of(m): m for m in MODELS_BY_SCHEMA.values()}


def _epoch(value: Any, field: str) -> int:
    return int(dates.parse(value, field=field, json_path=f"$.{field}"))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def claims_of(
    credential: dict[str, Any], *, iat: datetime | int, holder_jwk: dict[str, Any] | None = None
) -> tuple[dict[str, Any], RecordModel]:
    """The SD-JWT VC claims for a bpvc record credential (unsigned, as ``passport.to_credential`` makes it)."""
    entries = credential.get("credentialSchema")
    schema_id = entries.get("id") if isinstance(entries, dict) else None
    record_model = MODELS_BY_SCHEMA.get(str(schema_id))
    if record_model is None:
        raise MalformedError("only bpvc record credentials (passport, footprint) are issued as SD-JWT VC")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise MalformedError("the credential has no credentialSubject object", json_path="$.credentialSubject")
    issuer = model.issuer_id(credential)
    if not issuer:
        raise MalformedError("the credential names no issuer", json_path="$.issuer")
    claims: dict[str, Any] = {
        "iss": issuer,
        "iat": int(iat.timestamp()) if isinstance(iat, datetime) else int(iat),
        "vct": vct_of(record_model),
    }
    if "validFrom" in credential:
        claims["nbf"] = _epoch(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"], "validUntil")
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    if isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if holder_jwk is not None:
        claims["cnf"] = {"jwk": {k: v for k, v in holder_jwk.items() if k in ("kty", "crv", "x", "y")}}
    if "credentialStatus" in credential:
        claims["status"] = {STATUS_MEMBER: credential["credentialStatus"]}
    claims[RECORD_CLAIM] = record_model.record_from_subject(subject)
    return claims, record_model


def issue_credential_sd_jwt(
    credential: dict[str, Any],
    signer: Signer,
    classification: Classification,
    *,
    iat: datetime | int,
    holder_jwk: dict[str, Any] | None = None,
    salt: Callable[[], str] = new_salt,
    decoys: int | Callable[[], int] = default_decoys,
) -> str:
    """Issue a record credential as an SD-JWT VC: every restricted field of the classification concealed."""
    claims, record_model = claims_of(credential, iat=iat, holder_jwk=holder_jwk)
    if classification.schema_id != record_model.schema_id:
        raise MalformedError(f"the classification is for {classification.schema_id}, not {record_model.schema_id}")
    paths = [f"{RECORD_CLAIM}.{unit}" for unit in classification.units()]
    return issue(claims, paths, signer, salt=salt, decoys=decoys).serialize()


def present_credential(
    text: str,
    *,
    disclose: Iterable[str] | None = None,
    tier: str | None = None,
    export: bool = False,
    classification: Classification | None = None,
    holder: Signer | None = None,
    audience: str | None = None,
    nonce: str | None = None,
    iat: datetime | int | None = None,
) -> str:
    """A presentation of the holder's full SD-JWT VC: the record paths in ``disclose``, or a tier's fields."""
    sd_jwt = SdJwt.parse(text)
    if tier is not None:
        if classification is None:
            raise MalformedError("presenting by tier needs the classification")
        units = classification.allowed_units(tier, export=export)
        chosen = select(sd_jwt, [f"{RECORD_CLAIM}.{u}" for u in units], exact=True)
    else:
        chosen = select(sd_jwt, [f"{RECORD_CLAIM}.{p}" for p in (disclose or ())])
    if holder is None:
        return chosen.serialize()
    if audience is None or nonce is None or iat is None:
        raise MalformedError("key binding needs the audience, the nonce and the time (iat)")
    moment = int(iat.timestamp()) if isinstance(iat, datetime) else int(iat)
    return bind(chosen, holder, audience=audience, nonce=nonce, iat=moment).serialize()


def credential_from_claims(claims: dict[str, Any]) -> tuple[dict[str, Any], RecordModel | None]:
    """The VCDM credential the disclosed claims stand for (so the Verifier's checks apply to it)."""
    record_model = MODELS_BY_VCT.get(str(claims.get("vct")))
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, BPVC_CREDENTIALS, record_model.context] if record_model else [CREDENTIALS_V2],
        "type": ["VerifiableCredential", record_model.credential_type] if record_model else ["VerifiableCredential"],
    }
    if isinstance(claims.get("jti"), str):
        credential["id"] = claims["jti"]
    if claims.get("iss") is not None:
        credential["issuer"] = claims["iss"]
    for claim, field in (("nbf", "validFrom"), ("exp", "validUntil")):
        value = claims.get(claim)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            credential[field] = _iso(value)
    status = claims.get("status")
    if isinstance(status, dict) and STATUS_MEMBER in status:
        credential["credentialStatus"] = status[STATUS_MEMBER]
    if record_model is not None:
        record = claims.get(RECORD_CLAIM)
        subject: dict[str, Any] = {"type": record_model.subject_type}
        if isinstance(claims.get("sub"), str):
            subject["id"] = claims["sub"]
        subject.update({k: v for k, v in (record if isinstance(record, dict) else {}).items() if k != "id"})
        credential["credentialSubject"] = subject
    else:
        reserved = {"iss", "iat", "nbf", "exp", "vct", "cnf", "status", "jti"}
        credential["credentialSubject"] = {k: v for k, v in claims.items() if k not in reserved}
    return credential, record_model


def _problem_check(name: str, err: BpvcError, outcome: Outcome = Outcome.FAILED) -> Check:
    return Check(name, outcome, (Problem.from_error(err),))


def verify_with(
    verifier: Verifier,
    text: str,
    now: dates.Instant,
    challenge: str | None,
    domain: str | list[str] | None,
) -> VerificationResult:
    """Every check of an SD-JWT VC, by the Verifier's policy; the result lists the disclosed claims.

    Key binding is required when the caller names a challenge (``nonce``) or domain (``aud``), or
    the policy says ``require_key_binding``; a KB-JWT that is present is always checked.
    """
    try:
        sd_jwt = SdJwt.parse(text)
        decoded = jose.decode(sd_jwt.jwt)
    except BpvcError as err:
        return VerificationResult((_problem_check("structure", err),), None)
    allowed = verifier._allowed_algorithms
    try:
        unpacked = unpack(decoded.payload, sd_jwt.disclosures)
    except BpvcError as err:
        return VerificationResult((_problem_check("structure", err),), None)
    claims = unpacked.claims
    credential, record_model = credential_from_claims(claims)
    checks: list[Check] = []
    structure = verifier._structure(model.check_credential(credential))
    if structure.outcome is Outcome.PASSED:
        counts = f"{len(unpacked.disclosed)} disclosure(s) match their digests; {unpacked.undisclosed} undisclosed"
        structure = Check(CheckName.STRUCTURE, Outcome.PASSED, detail=counts)
    checks.append(structure)
    # the issuer's JWS, as a proof outcome (index -1) so the Verifier's proof and key checks apply to it
    iss = claims.get("iss") if isinstance(claims.get("iss"), str) else None
    try:
        iat = claims.get("iat")
        if (
            isinstance(iat, (int, float))
            and not isinstance(iat, bool)
            and iat > now + dates.Instant(verifier.policy.clock_skew)
        ):
            raise RangeValueError("the SD-JWT's iat is in the future", json_path="$.iat")
        method = verify_issuer_signature(decoded, verifier.resolver, allowed)
        outcome = ProofOutcome(
            index=JWS_INDEX, proof=decoded.header, method=method, errors=(), indeterminate=False, warnings=()
        )
    except ResolutionError as err:
        outcome = ProofOutcome(
            index=JWS_INDEX, proof=decoded.header, method=None, errors=(err,), indeterminate=True, warnings=()
        )
    except BpvcError as err:
        outcome = ProofOutcome(
            index=JWS_INDEX, proof=decoded.header, method=None, errors=(err,), indeterminate=False, warnings=()
        )
    checks.append(verifier._proof_check([outcome], "dc+sd-jwt"))
    checks.append(verifier._key_ownership([outcome], iss, "assertionMethod", "issuer"))
    checks.append(_key_binding(verifier, sd_jwt, claims, unpacked.hash_alg, now, challenge, domain))
    checks.append(verifier._validity(credential, now, {}))
    trust = verifier._trust(credential)
    status = (
        Check(CheckName.STATUS, Outcome.SKIPPED, detail="not read: the issuer is not trusted by the policy")
        if trust.outcome is Outcome.FAILED
        else verifier._status(credential, now)
    )
    checks.append(status)
    checks += _view_checks(verifier, claims, record_model, unpacked.disclosed)
    checks.append(trust)
    disclosed = tuple(p.removeprefix(f"$.{RECORD_CLAIM}.") for p in unpacked.disclosed)
    return VerificationResult(tuple(checks), credential, disclosed=disclosed)


def _key_binding(
    verifier: Verifier,
    sd_jwt: SdJwt,
    claims: dict[str, Any],
    hash_alg: str,
    now: dates.Instant,
    challenge: str | None,
    domain: str | list[str] | None,
) -> Check:
    required = challenge is not None or domain is not None or verifier.policy.require_key_binding
    if not sd_jwt.kb_jwt and not required:
        detail = "no key-binding JWT, and none was asked for (pass a challenge/domain to require one)"
        return Check(CheckName.KEY_BINDING, Outcome.SKIPPED, detail=detail)
    try:
        payload = verify_key_binding(
            sd_jwt,
            claims,
            hash_alg=hash_alg or DEFAULT_HASH,
            allowed=verifier._allowed_algorithms,
            now=float(now),
            clock_skew=verifier.policy.clock_skew,
            nonce=challenge,
            audience=domain,
        )
    except KeyBindingError as err:
        return _problem_check("key_binding", err)
    except BpvcError as err:
        return _problem_check("key_binding", err)
    return Check(CheckName.KEY_BINDING, Outcome.PASSED, detail=f"bound to the holder's key for {payload.get('aud')!r}")


def _view_checks(
    verifier: Verifier, claims: dict[str, Any], record_model: RecordModel | None, disclosed: tuple[str, ...]
) -> list[Check]:
    """The view schema applied, through the Verifier's schema check, to the disclosed record."""
    if record_model is None:
        return [
            Check(CheckName.SCHEMA, Outcome.SKIPPED, detail=f"vct {claims.get('vct')!r} names no bpvc view schema"),
            Check(CheckName.DOMAIN, Outcome.SKIPPED, detail="not a bpvc record"),
        ]
    from ..crossborder.views import VIEW_TYPE, view_schema_id

    record = claims.get(RECORD_CLAIM)
    view = {
        "type": VIEW_TYPE,
        "viewOf": str(claims.get("sub") or "unidentified"),
        "model": record_model.schema_id,
        "record": record if isinstance(record, dict) else {},
        "disclosed": [p.removeprefix(f"$.{RECORD_CLAIM}.") for p in disclosed],
        "credentialSchema": {"id": view_schema_id(record_model.schema_id), "type": "JsonSchema"},
    }
    schema_check, domain_check = verifier._schema(view)
    return [schema_check, domain_check]


__all__ = [
    "MODELS_BY_VCT",
    "credential_from_claims",
    "issue_credential_sd_jwt",
    "looks_like_sd_jwt",
    "present_credential",
    "verify_with",
    "vct_of",
]
