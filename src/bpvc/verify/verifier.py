"""The verifier: runs every check on a credential or presentation and reports each one.

A :class:`Verifier` is built once from its policy (contexts, DID documents, allowed
suites and algorithms, clock skew, network opt-in) and is immutable and safe to share
between threads. ``verify`` never raises for bad input: it returns a
:class:`~bpvc.verify.result.VerificationResult` that separates *invalid* from *could not decide*.

Inputs: a credential or presentation as a dict or JSON text (Data Integrity proofs,
including legacy Ed25519Signature2020 / JsonWebSignature2020), a compact JWS (``vc+jwt``,
``vp+jwt``, or a VCDM 1.1 JWT), or an Enveloped credential or presentation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from .. import data_model as model
from .. import dates, strict_json
from ..did import Resolver
from ..errors import (
    BpvcError,
    ChallengeError,
    ContextError,
    DomainError,
    MalformedError,
    ParsingError,
    ProcessingError,
    ProofError,
    RangeValueError,
    ResolutionError,
    TrustError,
    UnsupportedError,
    VerificationMethodError,
)
from ..fetch import Fetcher
from ..jsonld.canonicalize import DEFAULT_MAX_WORK, canonicalize, dataset_of
from ..jsonld.contexts import ContextLoader
from ..schema import SchemaRegistry, SchemaUnavailableError, SchemaUnusableError
from ..sd_jwt import compact as sd_jwt_compact
from ..securing import jose
from ..securing.data_integrity import JWS_INDEX, ProofOutcome, check_proof_shapes, proofs_of, verify_proofs
from ..securing.legacy_jwt import from_legacy_claims
from ..securing.suites import ALL_SUITES, DEFAULT_ALLOWED
from ..status.checker import StatusChecker, outcome_problems
from . import domain, related_resources
from .domain import DomainRules
from .policy import KEY_OWNERSHIP, Policy, credential_bpnls
from .result import Check, CheckName, Outcome, Problem, VerificationResult

DEFAULT_CLOCK_SKEW = 300.0
CHECK_NAMES = tuple(n.value for n in CheckName if n is not CheckName.KEY_BINDING)
# JWT claims of the JOSE layer: the JWS signature covers them, so the JSON-LD check leaves them out
# (some, like jti and nonce, no context defines; aud is often a bare host name).
_JWT_CLAIMS = ("jti", "nonce", "aud", "iat", "nbf", "exp", "cnf")


def _failed(name: CheckName, errors: list[BpvcError], outcome: Outcome = Outcome.FAILED) -> Check:
    return Check(name, outcome, tuple(Problem.from_error(e) for e in errors))


_T = TypeVar("_T")


def _guarded(name: CheckName, run: Callable[[], _T], fallback: Callable[[Check], _T]) -> _T:
    """Run one check; an unexpected error makes that check undecided and leaves the others' outcomes standing."""
    try:
        return run()
    except Exception as err:  # noqa: BLE001 - a last guard per check: verification never raises for bad input
        text = str(err)[:200]
        problem = ProcessingError(f"the {name} check stopped on an unexpected error: {type(err).__name__}: {text}")
        return fallback(_failed(name, [problem], Outcome.INDETERMINATE))


def _parse_input(data: Any) -> dict[str, Any] | str:
    """A dict for JSON input, a string for a compact JWS."""
    if isinstance(data, Mapping):
        try:  # a caller's dict gets the same bounds as text (depth, lone surrogates)
            strict_json.check_value(data)
        except strict_json.StrictJsonError as err:
            raise ParsingError(f"input is not acceptable JSON: {err}") from None
        return dict(data)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ParsingError("input is not UTF-8 text") from None
    if isinstance(data, str):
        if jose.looks_like_jws(data) or sd_jwt_compact.looks_like_sd_jwt(data):
            return data.strip()
        try:
            parsed = strict_json.loads(data)
        except strict_json.StrictJsonError as err:
            raise ParsingError(f"input is not acceptable JSON: {err}") from None
        except json.JSONDecodeError as err:
            raise ParsingError(
                f"input is neither JSON nor a compact JWS: {err.msg} at line {err.lineno} column {err.colno}"
            ) from None
        except RecursionError:
            raise ParsingError("input is nested too deeply") from None
        if not isinstance(parsed, dict):
            raise ParsingError("input must be a JSON object (a credential or a presentation) or a compact JWS")
        return parsed
    raise ParsingError(f"cannot verify a {type(data).__name__}; pass a dict, JSON text or a compact JWS")


class Verifier:
    """Verifies credentials and presentations under one policy."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        contexts: Mapping[str, str | Path | Mapping[str, Any]] | None = None,
        context_pins: Mapping[str, str] | None = None,
        did_documents: Mapping[str, Mapping[str, Any]] | None = None,
        fetcher: Fetcher | None = None,
        schemas: Mapping[str, str | Path] | None = None,
        status_lists: Mapping[str, str | Path | Mapping[str, Any]] | None = None,
        allowed_suites: frozenset[str] | set[str] | None = None,
        allowed_algorithms: frozenset[str] | set[str] | None = None,
        clock_skew: float | None = None,
        check_status: bool | None = None,
        require_status: bool | None = None,
        trusted_status_issuers: frozenset[str] | set[str] | None = None,
        max_canonicalization_work: int = DEFAULT_MAX_WORK,
        status_checker: StatusChecker | None = None,
        key_ownership: str | None = None,
        domain_rules: DomainRules | None = None,
        loader: ContextLoader | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        """Build once, share everywhere. Keyword options override the matching ``policy`` fields."""
        self._init = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        overrides: dict[str, Any] = {
            "cryptosuites": frozenset(allowed_suites) if allowed_suites is not None else None,
            "algorithms": frozenset(allowed_algorithms) if allowed_algorithms is not None else None,
            "clock_skew": float(clock_skew) if clock_skew is not None else None,
            "check_status": check_status,
            "require_status": require_status,
            "trusted_status_issuers": frozenset(trusted_status_issuers) if trusted_status_issuers is not None else None,
            "key_ownership": key_ownership,
        }
        self._policy = replace(policy or Policy(), **{k: v for k, v in overrides.items() if v is not None})
        if self._policy.key_ownership not in KEY_OWNERSHIP:
            raise ValueError(f"key_ownership must be one of {', '.join(KEY_OWNERSHIP)}")
        suites = self._policy.cryptosuites if self._policy.cryptosuites is not None else DEFAULT_ALLOWED
        algorithms = self._policy.algorithms if self._policy.algorithms is not None else jose.LEGACY_ALLOWED_ALGORITHMS
        unknown = set(suites) - set(ALL_SUITES)
        if unknown:
            raise ValueError(f"unknown cryptosuite(s): {', '.join(sorted(unknown))}")
        bad_algs = set(algorithms) - set(jose.JOSE_ALGORITHMS)
        if bad_algs:
            raise ValueError(f"unsupported JOSE algorithm(s): {', '.join(sorted(bad_algs))}")
        if loader is not None and (contexts or context_pins):
            raise ValueError("pass loader, or contexts/context_pins for the default one, not both")
        self._loader = loader or ContextLoader(contexts, pins=context_pins)
        self._schemas = SchemaRegistry(schemas)
        if status_checker is not None and status_lists:
            raise ValueError("pass status_checker, or status_lists for the default one, not both")
        self._status_checker = status_checker or StatusChecker(
            lists=status_lists, fetcher=fetcher, trusted_list_issuers=self._policy.trusted_status_issuers
        )
        if resolver is not None and did_documents:
            raise ValueError("pass resolver, or did_documents for the default one, not both")
        self._resolver = resolver or Resolver(did_documents, fetcher=fetcher)
        self._allowed_suites = frozenset(suites)
        self._allowed_algorithms = frozenset(algorithms)
        self._clock_skew = self._policy.clock_skew
        if self._policy.require_status and not self._policy.check_status:
            raise ValueError("require_status needs check_status: a required status must be read")
        self._check_status = self._policy.check_status
        self._require_status = self._policy.require_status
        self._max_work = max_canonicalization_work
        self._domain_rules = domain_rules if domain_rules is not None else domain.default_rules()

    @property
    def policy(self) -> Policy:
        return self._policy

    def replace(self, **changes: Any) -> Verifier:
        """A new Verifier with some options changed; this one is left as it is."""
        return Verifier(**{**self._init, **changes})

    @property
    def loader(self) -> ContextLoader:
        return self._loader

    @property
    def resolver(self) -> Resolver:
        return self._resolver

    def verify(
        self,
        data: Any,
        *,
        now: datetime | None = None,
        challenge: str | None = None,
        domain: str | list[str] | None = None,
    ) -> VerificationResult:
        """Verify a credential or presentation given as a dict, JSON text or compact JWS."""
        instant = dates.from_datetime(now or dates.now_instant())
        try:
            parsed = _parse_input(data)
        except BpvcError as err:
            return VerificationResult((_failed(CheckName.STRUCTURE, [err]),), None)
        try:
            return self._dispatch(parsed, instant, challenge, domain)
        except Exception as err:  # a last guard: verification must never raise for bad input
            problem = MalformedError(f"verification stopped on unexpected input: {type(err).__name__}: {err}")
            return VerificationResult(
                (_failed(CheckName.STRUCTURE, [problem], Outcome.INDETERMINATE),),
                parsed if isinstance(parsed, dict) else None,
            )

    def _dispatch(
        self, parsed: dict[str, Any] | str, now: dates.Instant, challenge: str | None, domain: str | list[str] | None
    ) -> VerificationResult:
        if isinstance(parsed, str) and sd_jwt_compact.looks_like_sd_jwt(parsed):
            result = self._domain_rules.verify_sd_jwt(self, parsed, now, challenge, domain)
            if result is None:
                problem = UnsupportedError("SD-JWT VCs are not understood by this verifier's domain rules")
                return VerificationResult((_failed(CheckName.PROOF, [problem], Outcome.INDETERMINATE),), None)
            return result
        if isinstance(parsed, str):
            return self._verify_jws(parsed, now, challenge, domain)
        kind = _kind_of(parsed)
        try:
            enveloped = jose.unwrap_envelope(parsed)
        except UnsupportedError as err:
            return VerificationResult((_failed(CheckName.PROOF, [err], Outcome.INDETERMINATE),), parsed, kind)
        except BpvcError as err:
            return VerificationResult((_failed(CheckName.STRUCTURE, [err]),), parsed, kind)
        if enveloped is not None:
            return self._verify_jws(enveloped[1], now, challenge, domain, expected_media=enveloped[0])
        if kind == "presentation":
            return self._verify_presentation(parsed, now, challenge, domain)
        return self._verify_credential(parsed, now)

    # -- credentials ---------------------------------------------------------------------------

    def _verify_credential(
        self,
        document: dict[str, Any],
        now: dates.Instant,
        *,
        secured_by: ProofOutcome | None = None,
        jwt_claims: dict[str, Any] | None = None,
        self_asserted_by: str | None = None,
        check_status: bool = True,
    ) -> VerificationResult:
        """All credential checks. ``secured_by`` is a JWS outcome (VC-JOSE) instead of embedded proofs.

        Each check is guarded on its own: an unexpected error makes that check undecided and the
        others keep their outcomes.
        """
        one = _one_check
        checks = [_guarded(CheckName.STRUCTURE, lambda: self._credential_structure(document), one)]
        memo: dict[tuple[str, str], Any] = {}
        jose_secured = secured_by is not None
        checks.append(
            _guarded(CheckName.CONTEXTS, lambda: self._contexts(document, memo, canonical=not jose_secured), one)
        )
        outcomes: list[ProofOutcome] | None
        if secured_by is not None:
            outcomes = [secured_by]
        elif proofs_of(document):
            outcomes = self._embedded_proofs(document, now, memo, "assertionMethod")
        else:
            outcomes = []
        if outcomes is None:
            undecided = "the proofs could not be checked"
            checks.append(Check(CheckName.PROOF, Outcome.INDETERMINATE, detail=undecided))
            checks.append(Check(CheckName.KEY_OWNERSHIP, Outcome.INDETERMINATE, detail=undecided))
        elif not outcomes and self_asserted_by is not None:
            checks.append(
                Check(
                    CheckName.PROOF,
                    Outcome.PASSED,
                    detail=f"self-asserted by the holder {self_asserted_by}; secured by the presentation's proof",
                )
            )
            checks.append(
                Check(CheckName.KEY_OWNERSHIP, Outcome.PASSED, detail="the issuer is the presentation's holder")
            )
        else:
            proven = outcomes
            checks.append(
                _guarded(CheckName.PROOF, lambda: self._proof_check(proven, _format_of(proven, jwt_claims)), one)
            )
            checks.append(
                _guarded(
                    CheckName.KEY_OWNERSHIP,
                    lambda: self._key_ownership(proven, model.issuer_id(document), "assertionMethod", "issuer"),
                    one,
                )
            )
        checks.append(_guarded(CheckName.VALIDITY, lambda: self._validity(document, now, jwt_claims), one))
        # trust before status: an untrusted issuer's status list URL is never fetched
        if check_status:
            trust = _guarded(CheckName.TRUST, lambda: self._trust(document), one)
        else:
            trust = Check(CheckName.TRUST, Outcome.SKIPPED, detail="status list")
        if not check_status:
            status = Check(CheckName.STATUS, Outcome.SKIPPED, detail="status lists are not themselves status-checked")
        elif trust.outcome is Outcome.FAILED:
            status = Check(
                CheckName.STATUS, Outcome.SKIPPED, detail="not read: the issuer is not trusted by the policy"
            )
        else:
            status = _guarded(CheckName.STATUS, lambda: self._status(document, now), one)
        schema_checks = _guarded(
            CheckName.SCHEMA,
            lambda: self._schema(document),
            lambda check: (check, Check(CheckName.DOMAIN, Outcome.INDETERMINATE, detail="the schema check stopped")),
        )
        checks += [status, *schema_checks, trust]
        secured = outcomes or []
        return VerificationResult(
            tuple(checks),
            document,
            securing=_format_of(secured, jwt_claims),
            verification_methods=_methods_of(secured),
        )

    def _embedded_proofs(
        self,
        document: dict[str, Any],
        now: dates.Instant,
        memo: dict[tuple[str, str], Any],
        purpose: str,
        challenge: str | None = None,
        domain: str | list[str] | None = None,
    ) -> list[ProofOutcome] | None:
        """Every embedded proof's outcome, or None when an unexpected error stopped the proof check."""
        return _guarded(
            CheckName.PROOF,
            lambda: verify_proofs(
                document,
                resolver=self._resolver,
                loader=self._loader,
                expected_purpose=purpose,
                now=now,
                clock_skew=self._clock_skew,
                domain=domain,
                challenge=challenge,
                allowed_suites=self._allowed_suites,
                memo=memo,
            ),
            lambda check: None,
        )

    def _credential_structure(self, document: dict[str, Any]) -> Check:
        """The data model, and the digests of the related resources bpvc holds offline."""
        problems = model.check_credential(document)
        errors, notes = related_resources.check(document, self._held_resource)
        problems += errors
        warnings = tuple(Problem.from_error(n) for n in notes)
        if problems:
            return Check(
                CheckName.STRUCTURE, Outcome.FAILED, tuple(Problem.from_error(e) for e in problems), warnings=warnings
            )
        return Check(CheckName.STRUCTURE, Outcome.PASSED, warnings=warnings)

    def _held_resource(self, url: str) -> bytes | None:
        """The bytes of a context or schema this verifier holds (never fetched)."""
        if url in self._loader:
            return self._loader.file_bytes(url)
        if url in self._schemas:
            return self._schemas.get(url).raw
        return None

    def _trust(self, document: dict[str, Any]) -> Check:
        """The policy's trusted issuers: the issuer must be trusted for the credential's types (and BPNL)."""
        trusted = self._policy.trusted_issuers
        if trusted is None:
            return Check(CheckName.TRUST, Outcome.SKIPPED, detail="no trust policy: any issuer whose key checks out")
        issuer = model.issuer_id(document)
        types = model.types_of(document)
        kinds = ", ".join(t for t in types if t != "VerifiableCredential") or "VerifiableCredential"
        candidates = [t for t in trusted if issuer is not None and t.matches(issuer)]
        if not candidates:
            return _failed(CheckName.TRUST, [TrustError(f"the issuer {issuer} is not trusted (for {kinds})")])
        allowed = [t for t in candidates if t.allows(types)]
        if not allowed:
            return _failed(CheckName.TRUST, [TrustError(f"the issuer {issuer} is not trusted for {kinds}")])
        bound = [t for t in allowed if t.bpnl is None or t.bpnl in credential_bpnls(document)]
        if not bound:
            names = ", ".join(sorted(credential_bpnls(document))) or "none"
            return _failed(
                CheckName.TRUST,
                [
                    TrustError(
                        f"the issuer {issuer} speaks for {allowed[0].bpnl} only, but the credential names {names}"
                    )
                ],
            )
        return Check(CheckName.TRUST, Outcome.PASSED, detail=f"{issuer} is trusted for {kinds}")

    def _structure(self, problems: list[BpvcError]) -> Check:
        return _failed(CheckName.STRUCTURE, problems) if problems else Check(CheckName.STRUCTURE, Outcome.PASSED)

    def _contexts(self, document: dict[str, Any], memo: dict[tuple[str, str], Any], *, canonical: bool = True) -> Check:
        """Safe-mode JSON-LD, the work budget and the signed shape of the document and its proofs.

        ``canonical`` also computes the canonical N-Quads (kept in ``memo`` for the Data Integrity proofs);
        a JOSE-secured document signs its bytes, not N-Quads, so it is only expanded to RDF.
        """
        unsecured = {k: v for k, v in document.items() if k != "proof" and k not in _JWT_CLAIMS}
        try:
            if canonical:
                canonicalize(unsecured, loader=self._loader, memo=memo, max_work=self._max_work)
            else:
                dataset_of(unsecured, loader=self._loader, memo=memo)
            check_proof_shapes(document, loader=self._loader, memo=memo)
        except (ContextError, ProcessingError) as err:
            return _failed(CheckName.CONTEXTS, [err], Outcome.INDETERMINATE)
        except BpvcError as err:
            return _failed(CheckName.CONTEXTS, [err])
        return Check(CheckName.CONTEXTS, Outcome.PASSED)

    def _proof_check(self, outcomes: list[ProofOutcome], fmt: str | None = None) -> Check:
        if fmt is not None and fmt not in self._policy.formats:
            allowed = ", ".join(sorted(self._policy.formats))
            return _failed(CheckName.PROOF, [ProofError(f"the {fmt} format is not allowed by the policy ({allowed})")])
        if not outcomes:
            return _failed(CheckName.PROOF, [MalformedError("the document has no proof", json_path="$.proof")])
        warnings = tuple(Problem.from_error(w) for o in outcomes for w in o.warnings)
        failed = [o for o in outcomes if o.errors and not isinstance(o.error, VerificationMethodError)]
        if failed:
            undecided = all(o.indeterminate or isinstance(o.error, (ContextError, ProcessingError)) for o in failed)
            return Check(
                CheckName.PROOF,
                Outcome.INDETERMINATE if undecided else Outcome.FAILED,
                tuple(Problem.from_error(e) for o in failed for e in o.errors),
                warnings=warnings,
            )
        if any(o.errors for o in outcomes):
            return Check(
                CheckName.PROOF,
                Outcome.FAILED,
                detail="a proof's verification method is unusable (see key_ownership)",
                warnings=warnings,
            )
        kind = "JWS" if outcomes[0].is_jws else f"{len(outcomes)} proof(s)"
        return Check(CheckName.PROOF, Outcome.PASSED, detail=f"{kind} verified", warnings=warnings)

    def _key_ownership(self, outcomes: list[ProofOutcome], controller: str | None, purpose: str, role: str) -> Check:
        if not outcomes:
            return Check(CheckName.KEY_OWNERSHIP, Outcome.SKIPPED, detail="no proof to check")
        errors: list[BpvcError] = []
        for o in outcomes:
            if isinstance(o.error, VerificationMethodError):
                errors.extend(o.errors)
            elif o.method is not None and purpose not in o.method.relationships:
                path = "$.header.kid" if o.is_jws else f"$.proof[{o.index}].verificationMethod"
                errors.append(
                    VerificationMethodError(
                        f"{o.method.id} is not authorized for {purpose} by its controller {o.method.controller}",
                        verification_method=o.method.id,
                        json_path=path,
                    )
                )
        if errors:
            return _failed(CheckName.KEY_OWNERSHIP, errors)
        verified = [o for o in outcomes if o.verified and o.method is not None]
        if not verified:
            outcome = Outcome.INDETERMINATE if any(o.indeterminate for o in outcomes) else Outcome.SKIPPED
            return Check(CheckName.KEY_OWNERSHIP, outcome, detail="no proof verified, so no key could be checked")
        if self._policy.key_ownership == "skip":
            keys = ", ".join(sorted({o.method.id for o in verified}))  # type: ignore[union-attr]
            return Check(
                CheckName.KEY_OWNERSHIP,
                Outcome.SKIPPED,
                detail=f'the policy skips it (key_ownership = "skip"): {keys} was not bound to the {role}',
            )
        if controller is None and role == "holder":
            signers = ", ".join(sorted({o.method.controller for o in verified}))  # type: ignore[union-attr]
            return Check(
                CheckName.KEY_OWNERSHIP,
                Outcome.PASSED,
                detail=f"the presentation names no holder; presented by {signers}",
            )
        if controller is None:
            return _failed(CheckName.KEY_OWNERSHIP, [MalformedError(f"the document names no {role}")])
        if any(o.method.controller == controller for o in verified):  # type: ignore[union-attr]
            key = next(o.method.id for o in verified if o.method.controller == controller)  # type: ignore[union-attr]
            return Check(CheckName.KEY_OWNERSHIP, Outcome.PASSED, detail=f"signed with {key}, controlled by the {role}")
        signers = ", ".join(sorted({o.method.controller for o in verified}))  # type: ignore[union-attr]
        return _failed(
            CheckName.KEY_OWNERSHIP,
            [
                VerificationMethodError(
                    f"no proof was made with a key controlled by the {role} {controller} (signed by {signers})",
                    json_path="$.proof.verificationMethod",
                )
            ],
        )

    def _validity(self, document: dict[str, Any], now: dates.Instant, jwt_claims: dict[str, Any] | None) -> Check:
        version = "1.1" if model.version_of_or_none(document) == "1.1" else "2.0"
        start_field, end_field = ("issuanceDate", "expirationDate") if version == "1.1" else ("validFrom", "validUntil")
        skew = dates.Instant(self._clock_skew)
        errors: list[BpvcError] = []
        try:
            start = (
                dates.parse(
                    document[start_field],
                    field=start_field,
                    require_offset=version == "2.0",
                    json_path=f"$.{start_field}",
                )
                if start_field in document
                else None
            )
            end = (
                dates.parse(
                    document[end_field], field=end_field, require_offset=version == "2.0", json_path=f"$.{end_field}"
                )
                if end_field in document
                else None
            )
        except BpvcError as err:
            return _failed(CheckName.VALIDITY, [err])
        if start is not None and now + skew < start:
            errors.append(RangeValueError(f"not valid before {document[start_field]}", json_path=f"$.{start_field}"))
        if end is not None and now - skew > end:
            errors.append(RangeValueError(f"expired at {document[end_field]}", json_path=f"$.{end_field}"))
        errors += _jwt_time_problems(jwt_claims or {}, now, skew)
        max_age = self._policy.max_credential_age_days
        if max_age is not None and start is not None and now - start > dates.Instant(max_age * 86400) + skew:
            age = (now - start) / 86400
            errors.append(
                RangeValueError(
                    f"the credential was issued {age:.0f} days ago; the policy accepts at most {max_age:g}",
                    json_path=f"$.{start_field}",
                )
            )
        if errors:
            return _failed(CheckName.VALIDITY, errors)
        if start is None and end is None:
            return Check(CheckName.VALIDITY, Outcome.PASSED, detail="no validity period: valid indefinitely")
        return Check(CheckName.VALIDITY, Outcome.PASSED)

    def _status(self, document: dict[str, Any], now: dates.Instant) -> Check:
        """Revocation and suspension; fails closed: a status that cannot be read is never taken as fine."""
        if "credentialStatus" not in document:
            if self._require_status:
                return _failed(
                    CheckName.STATUS,
                    [
                        MalformedError(
                            "the policy requires a status, and the credential has no credentialStatus",
                            json_path="$.credentialStatus",
                        )
                    ],
                )
            return Check(CheckName.STATUS, Outcome.SKIPPED, detail="the credential has no credentialStatus")
        if not self._check_status:
            return Check(CheckName.STATUS, Outcome.SKIPPED, detail="status checking is turned off by the policy")
        results = self._status_checker.check(document, now, lambda doc: self._list_problems(doc, now))
        definite, undecided = outcome_problems(results)
        if definite:
            return _failed(CheckName.STATUS, definite + undecided)
        if undecided:
            return _failed(CheckName.STATUS, undecided, Outcome.INDETERMINATE)
        summary = ", ".join(r.summary for r in results)
        return Check(CheckName.STATUS, Outcome.PASSED, detail=summary)

    def _list_problems(self, document: dict[str, Any], now: dates.Instant) -> list[BpvcError]:
        """Why a status list credential is not acceptable (empty when it verifies)."""
        result = self._verify_credential(document, now, check_status=False)
        problems: list[BpvcError] = []
        for check in result.checks:
            if check.outcome in (Outcome.FAILED, Outcome.INDETERMINATE):
                details = "; ".join(p.detail for p in check.problems) or check.detail
                problems.append(MalformedError(f"{check.name}: {details}"))
        return problems

    def _schema(self, document: dict[str, Any]) -> tuple[Check, Check]:
        """VC JSON Schema, then the record's domain checks: ``(schema check, domain check)``.

        Each ``JsonSchema`` entry is resolved offline, its digest checked, and applied. bpvc's
        record schemas apply to the record in the credentialSubject and bring the record's
        domain checks (carbon footprint stages, units, dates...); other schemas apply to the
        whole credential, as VC JSON Schema says.
        """
        no_domain = Check(CheckName.DOMAIN, Outcome.SKIPPED, detail="no bpvc record schema named, so no domain checks")
        entries = document.get("credentialSchema")
        if entries is None:
            return Check(
                CheckName.SCHEMA, Outcome.SKIPPED, detail="the credential names no credentialSchema"
            ), no_domain
        errors: list[BpvcError] = []
        warnings: list[BpvcError] = []
        domain_errors: list[BpvcError] = []
        domain_warnings: list[BpvcError] = []
        undecided: list[BpvcError] = []
        checked = 0
        domain_run = False
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            path = f"$.credentialSchema[{i}]" if isinstance(entries, list) else "$.credentialSchema"
            if not isinstance(entry, dict) or entry.get("type") != "JsonSchema":
                kind = entry.get("type") if isinstance(entry, dict) else entry
                warnings.append(MalformedError(f"credentialSchema type {kind!r} is not supported", json_path=path))
                continue
            schema_id = str(entry.get("id"))
            if schema_id not in self._schemas:
                warnings.append(
                    SchemaUnavailableError(
                        f"schema {schema_id} is not available offline; add it with --schema URL=FILE",
                        json_path=f"{path}.id",
                    )
                )
                continue
            schema = self._schemas.get(schema_id)
            if "digestSRI" in entry and entry["digestSRI"] != schema.digest_sri:
                errors.append(
                    MalformedError(
                        f"schema {schema_id} does not match its digestSRI (the file has {schema.digest_sri})",
                        json_path=f"{path}.digestSRI",
                    )
                )
                continue
            try:
                found, (bad, notes) = self._apply_schema(document, schema_id)
            except SchemaUnusableError as err:
                undecided.append(err)
                continue
            checked += 1
            errors += found
            domain_run = domain_run or self._domain_rules.owns(schema_id)
            domain_errors += bad
            domain_warnings += notes
        domain = (
            _outcome_check(CheckName.DOMAIN, domain_errors, domain_warnings, 1, "domain checks passed")
            if domain_run
            else no_domain
        )
        if undecided and not errors:
            undecided_problems = tuple(Problem.from_error(u) for u in undecided)
            kept = tuple(Problem.from_error(w) for w in warnings)
            return Check(CheckName.SCHEMA, Outcome.INDETERMINATE, undecided_problems, warnings=kept), domain
        return _outcome_check(
            CheckName.SCHEMA, errors + undecided, warnings, checked, f"{checked} schema(s) applied"
        ), domain

    def _apply_schema(
        self, document: dict[str, Any], schema_id: str
    ) -> tuple[list[BpvcError], tuple[list[BpvcError], list[BpvcError]]]:
        """Schema errors, and the domain rules' (errors, warnings) for a schema they own."""
        if not self._domain_rules.owns(schema_id):
            return list(self._schemas.errors(document, schema_id)), ([], [])
        found = self._domain_rules.apply(document, schema_id, self._schemas)
        return found.schema_errors, (found.errors, found.warnings)

    # -- JOSE ------------------------------------------------------------------------------------

    def _verify_jws(
        self,
        token: str,
        now: dates.Instant,
        challenge: str | None,
        domain: str | list[str] | None,
        expected_media: str | None = None,
    ) -> VerificationResult:
        try:
            decoded = jose.decode(token)
        except BpvcError as err:
            return VerificationResult((_failed(CheckName.STRUCTURE, [err]),), None)
        payload = decoded.payload
        typ = jose.media_type(decoded.header.get("typ"))
        if typ in (None, "jwt") and ("vc" in payload or "vp" in payload):
            return self._verify_legacy_jwt(decoded, now, challenge, domain)
        media = expected_media or ("vp" if typ == "vp+jwt" else "vc")
        if media == "vp":
            outcome = self._jws_outcome(decoded, "vp", jose.holder_of(payload), now)
            return self._verify_presentation(payload, now, challenge, domain, secured_by=outcome, jwt_claims=payload)
        outcome = self._jws_outcome(decoded, "vc", model.issuer_id(payload), now)
        return self._verify_credential(payload, now, secured_by=outcome, jwt_claims=payload)

    def _jws_outcome(
        self, decoded: jose.DecodedJws, media: str, party: str | None, now: dates.Instant, *, legacy: bool = False
    ) -> ProofOutcome:
        """One JWS as a proof outcome (index -1), so proof and key-ownership checks treat it like a proof."""
        warnings: list[BpvcError] = []
        try:
            if legacy:
                jose.check_legacy_header(decoded, self._allowed_algorithms)
            else:
                jose.check_header(decoded, media, self._allowed_algorithms)
            iss = decoded.payload.get("iss")
            if iss is not None and iss != party:
                raise ProofError(
                    f"JWT iss {iss!r} is not the {'issuer' if media == 'vc' else 'holder'} {party!r}", json_path="$.iss"
                )
            iat = decoded.payload.get("iat")
            if iat is not None and not isinstance(iat, (int, float)):
                warnings.append(
                    MalformedError(f"JWT iat {iat!r} is not a NumericDate; it was ignored", json_path="$.iat")
                )
            elif iat is not None and dates.Instant(iat) > now + dates.Instant(self._clock_skew):
                raise RangeValueError("JWT iat is in the future", json_path="$.iat")
            method = jose.verify_jws(decoded, party, self._resolver)
        except ResolutionError as err:
            return ProofOutcome(
                index=JWS_INDEX,
                proof=decoded.header,
                method=None,
                errors=(err,),
                indeterminate=True,
                warnings=tuple(warnings),
            )
        except BpvcError as err:
            return ProofOutcome(
                index=JWS_INDEX,
                proof=decoded.header,
                method=None,
                errors=(err,),
                indeterminate=False,
                warnings=tuple(warnings),
            )
        return ProofOutcome(
            index=JWS_INDEX,
            proof=decoded.header,
            method=method,
            errors=(),
            indeterminate=False,
            warnings=tuple(warnings),
        )

    def _verify_legacy_jwt(
        self, decoded: jose.DecodedJws, now: dates.Instant, challenge: str | None, domain: str | list[str] | None
    ) -> VerificationResult:
        try:
            document, media = from_legacy_claims(decoded.payload)
        except BpvcError as err:
            return VerificationResult((_failed(CheckName.STRUCTURE, [err]),), decoded.payload)
        party = model.issuer_id(document) if media == "vc" else jose.holder_of(document)
        outcome = self._jws_outcome(decoded, media, party, now, legacy=True)
        if media == "vp":
            return self._verify_presentation(
                document, now, challenge, domain, secured_by=outcome, jwt_claims=decoded.payload
            )
        return self._verify_credential(document, now, secured_by=outcome, jwt_claims=decoded.payload)

    # -- presentations -------------------------------------------------------------------------

    def _verify_presentation(
        self,
        document: dict[str, Any],
        now: dates.Instant,
        challenge: str | None,
        domain: str | list[str] | None,
        *,
        secured_by: ProofOutcome | None = None,
        jwt_claims: dict[str, Any] | None = None,
    ) -> VerificationResult:
        one = _one_check
        checks = [_guarded(CheckName.STRUCTURE, lambda: self._structure(model.check_presentation(document)), one)]
        memo: dict[tuple[str, str], Any] = {}
        jose_secured = secured_by is not None
        checks.append(
            _guarded(CheckName.CONTEXTS, lambda: self._contexts(document, memo, canonical=not jose_secured), one)
        )
        holder = jose.holder_of(document)
        outcomes: list[ProofOutcome] | None
        if secured_by is not None:
            outcomes = [_with_binding(secured_by, jwt_claims or {}, challenge, domain)]
        elif proofs_of(document):
            outcomes = self._embedded_proofs(document, now, memo, "authentication", challenge, domain)
        else:
            outcomes = []
        replay = (
            ()
            if challenge is not None
            else (
                Problem.from_error(
                    ChallengeError("no challenge was requested, so replay of this presentation is not prevented")
                ),
            )
        )
        if outcomes is None:
            undecided = "the proofs could not be checked"
            checks.append(Check(CheckName.PROOF, Outcome.INDETERMINATE, detail=undecided))
            checks.append(Check(CheckName.KEY_OWNERSHIP, Outcome.INDETERMINATE, detail=undecided))
        elif outcomes:
            proven = outcomes
            proof = _guarded(CheckName.PROOF, lambda: self._proof_check(proven), one)
            checks.append(replace(proof, warnings=proof.warnings + replay))
            checks.append(
                _guarded(
                    CheckName.KEY_OWNERSHIP,
                    lambda: self._key_ownership(proven, holder, "authentication", "holder"),
                    one,
                )
            )
        elif challenge is not None or domain is not None:
            # a binding was asked for, and nothing in the presentation can answer it
            unanswered: list[BpvcError] = []
            if challenge is not None:
                unanswered.append(
                    ChallengeError("the presentation has no proof, so it does not answer the challenge", json_path="$")
                )
            if domain is not None:
                unanswered.append(
                    DomainError("the presentation has no proof, so it is not bound to the domain", json_path="$")
                )
            checks.append(_failed(CheckName.PROOF, unanswered))
        else:
            checks.append(
                Check(CheckName.PROOF, Outcome.SKIPPED, detail="the presentation has no proof", warnings=replay)
            )
        if jwt_claims:
            claims = jwt_claims
            checks.append(_guarded(CheckName.VALIDITY, lambda: self._validity({}, now, claims), one))
        holder_proven = bool(outcomes) and all(
            c.outcome is Outcome.PASSED for c in checks if c.name in (CheckName.PROOF, CheckName.KEY_OWNERSHIP)
        )
        results = []
        creds = document.get("verifiableCredential", [])
        for item in creds if isinstance(creds, list) else [creds]:
            if isinstance(item, str) and jose.looks_like_jws(item):  # VCDM 1.1 JWT VPs carry JWT strings
                results.append(self._verify_jws(item, now, None, None, expected_media="vc"))
            elif isinstance(item, dict):
                results.append(self._verify_embedded(item, now, holder if holder_proven else None))
        return VerificationResult(tuple(checks), document, "presentation", tuple(results))

    def _verify_embedded(
        self, item: dict[str, Any], now: dates.Instant, proven_holder: str | None
    ) -> VerificationResult:
        try:
            enveloped = jose.unwrap_envelope(item)
        except UnsupportedError as err:
            return VerificationResult((_failed(CheckName.PROOF, [err], Outcome.INDETERMINATE),), item)
        except BpvcError as err:
            return VerificationResult((_failed(CheckName.STRUCTURE, [err]),), item)
        if enveloped is not None:
            return self._verify_jws(enveloped[1], now, None, None, expected_media=enveloped[0])
        self_asserted = (
            proven_holder
            if (not proofs_of(item) and proven_holder is not None and model.issuer_id(item) == proven_holder)
            else None
        )
        return self._verify_credential(item, now, self_asserted_by=self_asserted)


def _one_check(check: Check) -> Check:
    return check


def _kind_of(document: dict[str, Any]) -> str:
    """What a document claims to be; one typed as both is checked as a credential, whose rules refuse it."""
    types = model.types_of(document)
    if "VerifiableCredential" in types or "EnvelopedVerifiableCredential" in types:
        return "credential"
    if "VerifiablePresentation" in types or "EnvelopedVerifiablePresentation" in types:
        return "presentation"
    return "credential"


def _with_binding(
    outcome: ProofOutcome, claims: dict[str, Any], challenge: str | None, domain: str | list[str] | None
) -> ProofOutcome:
    """A vp+jwt binds challenge and domain through the ``nonce`` and ``aud`` claims."""
    errors = list(outcome.errors)
    if challenge is not None and claims.get("nonce") != challenge:
        errors.append(ChallengeError("JWT nonce does not match the expected challenge", json_path="$.nonce"))
    if domain is not None:
        audience = claims.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        wanted = domain if isinstance(domain, list) else [domain]
        if not set(wanted) <= set(audience):
            errors.append(
                DomainError(
                    f"JWT aud {claims.get('aud')!r} does not include the expected domain {domain!r}", json_path="$.aud"
                )
            )
    if errors == list(outcome.errors):
        return outcome
    return replace(outcome, errors=tuple(errors), indeterminate=False)


def _outcome_check(
    name: CheckName, errors: list[BpvcError], warnings: list[BpvcError], applied: int, passed: str
) -> Check:
    """Failed on any error, skipped when nothing was ``applied``, else passed with the ``passed`` detail."""
    notes = tuple(Problem.from_error(w) for w in warnings)
    if errors:
        return Check(name, Outcome.FAILED, tuple(Problem.from_error(e) for e in errors), warnings=notes)
    if not applied:
        return Check(name, Outcome.SKIPPED, detail=f"nothing could be applied ({name})", warnings=notes)
    return Check(name, Outcome.PASSED, detail=passed, warnings=notes)


def _methods_of(outcomes: list[ProofOutcome]) -> tuple[str, ...]:
    """The verification methods the proofs name (a JWS's ``kid``), whether or not they resolved."""
    named = (o.proof.get("kid" if o.is_jws else "verificationMethod") for o in outcomes if isinstance(o.proof, dict))
    return tuple(str(m) for m in named if isinstance(m, str) and m)


def _format_of(outcomes: list[ProofOutcome], jwt_claims: dict[str, Any] | None) -> str | None:
    """The policy's name for how a credential is secured."""
    if not outcomes:
        return None
    if outcomes[0].is_jws:
        return "vcdm1.1-jwt" if jwt_claims is not None and "vc" in jwt_claims else "vc+jwt"
    types = {o.proof.get("type") for o in outcomes if isinstance(o.proof, dict)}
    return "di" if types <= {"DataIntegrityProof"} else "legacy-ld"


def _jwt_time_problems(claims: dict[str, Any], now: dates.Instant, skew: dates.Instant) -> list[BpvcError]:
    """``nbf``/``exp`` bound the JWS's lifetime; non-numeric values fail closed."""
    problems: list[BpvcError] = []
    for claim in ("nbf", "exp"):
        if claim not in claims:
            continue
        value = claims[claim]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(
                MalformedError(f"JWT {claim} must be a NumericDate, found {value!r}", json_path=f"$.{claim}")
            )
        elif claim == "nbf" and dates.Instant(value) > now + skew:
            problems.append(RangeValueError("the JWT is not valid yet (nbf)", json_path="$.nbf"))
        elif claim == "exp" and dates.Instant(value) < now - skew:
            problems.append(RangeValueError("the JWT has expired (exp)", json_path="$.exp"))
    return problems


__all__ = ["CHECK_NAMES", "DEFAULT_CLOCK_SKEW", "Verifier"]
