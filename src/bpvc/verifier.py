"""The verifier: runs every check on a credential or presentation and reports each one.

A :class:`Verifier` is built once from its policy (contexts, DID documents, allowed
suites, clock skew, network opt-in) and is immutable and safe to share between
threads. ``verify`` never raises for bad input: it returns a
:class:`~bpvc.result.VerificationResult` that separates *invalid* from *could not decide*.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from . import dates, model
from .canonicalize import DEFAULT_MAX_GROUP, DEFAULT_MAX_WORK, canonicalize
from .contexts import ContextLoader
from .data_integrity import ProofOutcome, proofs_of, verify_proofs
from .did import Resolver
from .errors import (
    BpvcError,
    ContextError,
    MalformedError,
    ParsingError,
    RangeValueError,
    VerificationMethodError,
)
from .fetch import Fetcher
from .result import Check, Outcome, Problem, VerificationResult
from .suites import DEFAULT_ALLOWED, SUITES

DEFAULT_CLOCK_SKEW = 300.0
CHECK_NAMES = ("structure", "contexts", "proof", "key_ownership", "validity", "status", "schema", "trust")


def _failed(name: str, errors: list[BpvcError], outcome: Outcome = Outcome.FAILED) -> Check:
    return Check(name, outcome, tuple(Problem.from_error(e) for e in errors))


def _parse_input(data: Any) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ParsingError("input is not UTF-8 text") from None
    if isinstance(data, str):
        try:
            parsed = json.loads(data)
        except json.JSONDecodeError as err:
            raise ParsingError(f"input is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
        if not isinstance(parsed, dict):
            raise ParsingError("input must be a JSON object (a credential or a presentation)")
        return parsed
    raise ParsingError(f"cannot verify a {type(data).__name__}; pass a dict or JSON text")


class Verifier:
    """Verifies credentials and presentations under one policy."""

    def __init__(
        self,
        *,
        contexts: Mapping[str, str | Path | Mapping[str, Any]] | None = None,
        context_pins: Mapping[str, str] | None = None,
        did_documents: Mapping[str, Mapping[str, Any]] | None = None,
        fetcher: Fetcher | None = None,
        allowed_suites: frozenset[str] | set[str] = DEFAULT_ALLOWED,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        require_status: bool = True,
        max_canonicalization_work: int = DEFAULT_MAX_WORK,
    ) -> None:
        unknown = set(allowed_suites) - set(SUITES)
        if unknown:
            raise ValueError(f"unknown cryptosuite(s) in allowed_suites: {', '.join(sorted(unknown))}")
        self._loader = ContextLoader(contexts, pins=context_pins)
        self._resolver = Resolver(did_documents, fetcher=fetcher)
        self._allowed_suites = frozenset(allowed_suites)
        self._clock_skew = float(clock_skew)
        self._require_status = require_status
        self._max_work = max_canonicalization_work

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
        """Verify a credential or presentation given as a dict or JSON text."""
        instant = dates.from_datetime(now or dates.now_instant())
        try:
            document = _parse_input(data)
        except BpvcError as err:
            return VerificationResult((_failed("structure", [err]),), None)
        try:
            if "VerifiablePresentation" in model.types_of(document):
                return self._verify_presentation(document, instant, challenge, domain)
            return self._verify_credential(document, instant)
        except Exception as err:  # a last guard: verification must never raise for bad input
            problem = MalformedError(f"verification stopped on unexpected input: {type(err).__name__}: {err}")
            return VerificationResult((_failed("structure", [problem], Outcome.INDETERMINATE),), document)

    # -- credentials ---------------------------------------------------------------------------

    def _verify_credential(self, document: dict[str, Any], now: dates.Instant) -> VerificationResult:
        checks = [self._structure(model.check_credential(document))]
        memo: dict[tuple[str, str], Any] = {}
        checks.append(self._contexts(document, memo))
        outcomes = verify_proofs(
            document, resolver=self._resolver, loader=self._loader, expected_purpose="assertionMethod", now=now,
            clock_skew=self._clock_skew, allowed_suites=self._allowed_suites, memo=memo,
        ) if proofs_of(document) else []
        checks.append(self._proof_check(outcomes))
        checks.append(self._key_ownership(outcomes, model.issuer_id(document), "assertionMethod", "issuer"))
        checks.append(self._validity(document, now))
        checks.append(self._status(document))
        checks.append(self._schema(document))
        checks.append(Check("trust", Outcome.SKIPPED, detail="no trust policy: any issuer whose key checks out"))
        return VerificationResult(tuple(checks), document)

    def _structure(self, problems: list[BpvcError]) -> Check:
        return _failed("structure", problems) if problems else Check("structure", Outcome.PASSED)

    def _contexts(self, document: dict[str, Any], memo: dict[tuple[str, str], Any]) -> Check:
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        try:
            canonicalize(unsecured, loader=self._loader, memo=memo, max_work=self._max_work)
        except ContextError as err:
            return _failed("contexts", [err], Outcome.INDETERMINATE)
        except BpvcError as err:
            return _failed("contexts", [err])
        return Check("contexts", Outcome.PASSED)

    def _proof_check(self, outcomes: list[ProofOutcome]) -> Check:
        if not outcomes:
            return _failed("proof", [MalformedError("the document has no proof", json_path="$.proof")])
        failed = [o for o in outcomes if o.error is not None and not isinstance(o.error, VerificationMethodError)]
        if failed:
            undecided = all(o.indeterminate or isinstance(o.error, ContextError) for o in failed)
            return _failed("proof", [o.error for o in failed if o.error is not None],
                           Outcome.INDETERMINATE if undecided else Outcome.FAILED)
        if any(o.error is not None for o in outcomes):
            return Check("proof", Outcome.FAILED, detail="a proof's verification method is unusable (see key_ownership)")
        return Check("proof", Outcome.PASSED, detail=f"{len(outcomes)} proof(s) verified")

    def _key_ownership(self, outcomes: list[ProofOutcome], controller: str | None, purpose: str, role: str) -> Check:
        if not outcomes:
            return Check("key_ownership", Outcome.SKIPPED, detail="no proof to check")
        errors: list[BpvcError] = []
        for o in outcomes:
            if isinstance(o.error, VerificationMethodError):
                errors.append(o.error)
            elif o.method is not None and purpose not in o.method.relationships:
                errors.append(VerificationMethodError(
                    f"{o.method.id} is not authorized for {purpose} by its controller {o.method.controller}",
                    verification_method=o.method.id, json_path=f"$.proof[{o.index}].verificationMethod"))
        if errors:
            return _failed("key_ownership", errors)
        verified = [o for o in outcomes if o.verified and o.method is not None]
        if not verified:
            outcome = Outcome.INDETERMINATE if any(o.indeterminate for o in outcomes) else Outcome.SKIPPED
            return Check("key_ownership", outcome, detail="no proof verified, so no key could be checked")
        if controller is None:
            return _failed("key_ownership", [MalformedError(f"the document names no {role}")])
        if any(o.method.controller == controller for o in verified):  # type: ignore[union-attr]
            return Check("key_ownership", Outcome.PASSED, detail=f"signed with a key controlled by the {role} {controller}")
        signers = ", ".join(sorted({o.method.controller for o in verified}))  # type: ignore[union-attr]
        return _failed("key_ownership", [VerificationMethodError(
            f"no proof was made with a key controlled by the {role} {controller} (signed by {signers})",
            json_path="$.proof.verificationMethod")])

    def _validity(self, document: dict[str, Any], now: dates.Instant) -> Check:
        version = "1.1" if model.version_of_or_none(document) == "1.1" else "2.0"
        start_field, end_field = ("issuanceDate", "expirationDate") if version == "1.1" else ("validFrom", "validUntil")
        skew = dates.Instant(self._clock_skew)
        try:
            start = dates.parse(document[start_field], field=start_field, require_offset=version == "2.0",
                                json_path=f"$.{start_field}") if start_field in document else None
            end = dates.parse(document[end_field], field=end_field, require_offset=version == "2.0",
                              json_path=f"$.{end_field}") if end_field in document else None
        except BpvcError as err:
            return _failed("validity", [err])
        if start is not None and now + skew < start:
            return _failed("validity", [RangeValueError(f"not valid before {document[start_field]}",
                                                        json_path=f"$.{start_field}")])
        if end is not None and now - skew > end:
            return _failed("validity", [RangeValueError(f"expired at {document[end_field]}", json_path=f"$.{end_field}")])
        if start is None and end is None:
            return Check("validity", Outcome.PASSED, detail="no validity period: valid indefinitely")
        return Check("validity", Outcome.PASSED)

    def _status(self, document: dict[str, Any]) -> Check:
        if "credentialStatus" not in document:
            return Check("status", Outcome.SKIPPED, detail="the credential has no credentialStatus")
        if not self._require_status:
            return Check("status", Outcome.SKIPPED, detail="status checking is turned off by the policy")
        return _failed("status", [MalformedError(
            "status checking is not available in this version of bpvc, so the credential's status cannot be "
            "determined (failing closed)", json_path="$.credentialStatus")], Outcome.INDETERMINATE)

    def _schema(self, document: dict[str, Any]) -> Check:
        if "credentialSchema" not in document:
            return Check("schema", Outcome.SKIPPED, detail="the credential names no credentialSchema")
        return Check("schema", Outcome.SKIPPED, detail="credentialSchema validation is not available in this version")

    # -- presentations -------------------------------------------------------------------------

    def _verify_presentation(self, document: dict[str, Any], now: dates.Instant, challenge: str | None,
                             domain: str | list[str] | None) -> VerificationResult:
        checks = [self._structure(model.check_presentation(document))]
        memo: dict[tuple[str, str], Any] = {}
        checks.append(self._contexts(document, memo))
        holder = document.get("holder")
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        outcomes = verify_proofs(
            document, resolver=self._resolver, loader=self._loader, expected_purpose="authentication", now=now,
            clock_skew=self._clock_skew, domain=domain, challenge=challenge, allowed_suites=self._allowed_suites,
            memo=memo,
        ) if proofs_of(document) else []
        if outcomes:
            checks.append(self._proof_check(outcomes))
            checks.append(self._key_ownership(outcomes, holder_id if isinstance(holder_id, str) else None,
                                              "authentication", "holder"))
        else:
            checks.append(Check("proof", Outcome.SKIPPED, detail="the presentation has no proof"))
        creds = document.get("verifiableCredential", [])
        results = []
        for item in creds if isinstance(creds, list) else [creds]:
            if isinstance(item, dict) and "EnvelopedVerifiableCredential" not in model.types_of(item):
                results.append(self._verify_credential(item, now))
        return VerificationResult(tuple(checks), document, "presentation", tuple(results))


__all__ = ["CHECK_NAMES", "DEFAULT_CLOCK_SKEW", "Verifier"]
