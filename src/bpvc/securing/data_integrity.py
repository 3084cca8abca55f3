"""Data Integrity proofs (W3C VC Data Integrity 1.0 §4): add and verify, with proof sets and chains.

This layer knows proof options, purposes, domains, challenges and ``previousProof``;
the cryptosuites know how to hash and sign. Verification of one proof returns a
:class:`ProofOutcome` instead of raising, so the verifier can report every proof.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import dates
from ..did import Resolver, VerificationMethod
from ..errors import (
    BpvcError,
    ChallengeError,
    DomainError,
    ParsingError,
    ProofError,
    ProofGenerationError,
    RangeValueError,
    ResolutionError,
)
from ..jsonld.canonicalize import dataset_of
from ..jsonld.contexts import CREDENTIALS_V2, DATA_INTEGRITY_V2, ContextLoader
from ..keys.primitives import Signer
from .suites import DEFAULT_ALLOWED, get_suite, suite_for_key, suite_for_proof

ALGORITHM_KEY_TYPES = {"EdDSA": "ed25519", "Ed25519": "ed25519", "ES256": "p256", "ES384": "p384"}
_OPTION_ORDER = (
    "id",
    "type",
    "cryptosuite",
    "created",
    "expires",
    "verificationMethod",
    "proofPurpose",
    "domain",
    "challenge",
    "nonce",
    "previousProof",
)


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _previous_ids(proof: dict[str, Any]) -> list[str]:
    previous = proof.get("previousProof")
    if previous is None:
        return []
    items = previous if isinstance(previous, list) else [previous]
    if not all(isinstance(p, str) for p in items):
        raise ProofError("previousProof must be a string or a list of strings", json_path="$.proof.previousProof")
    return items


def _matching_proofs(all_proofs: list[Any], proof: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = _previous_ids(proof)
    by_id = {p.get("id"): p for p in all_proofs if isinstance(p, dict) and p.get("id")}
    matches = []
    for pid in wanted:
        if pid not in by_id:
            raise ProofError(
                f"previousProof {pid!r} names no proof in this document", json_path="$.proof.previousProof"
            )
        matches.append(by_id[pid])
    return matches


def _secured_input(document: dict[str, Any], matching: list[dict[str, Any]]) -> dict[str, Any]:
    """The document a proof covers: without ``proof``, or with exactly its previous proofs."""
    out = {k: v for k, v in document.items() if k != "proof"}
    if matching:
        out["proof"] = matching if len(matching) > 1 else matching[0]
    return out


def inject_context(document: dict[str, Any]) -> dict[str, Any]:
    """VC Data Integrity §2.4.1 (context injection): a document whose contexts define no Data Integrity
    terms (neither the credentials v2 context nor the Data Integrity v2 context) gets the Data Integrity
    v2 context appended, so its proof's terms are defined. Nothing else is ever injected."""
    context = document.get("@context")
    items = context if isinstance(context, list) else [context] if context is not None else []
    if not items or CREDENTIALS_V2 in items or DATA_INTEGRITY_V2 in items:
        return document
    return {**document, "@context": [*items, DATA_INTEGRITY_V2]}


def add_proof(
    document: dict[str, Any],
    signer: Signer,
    *,
    loader: ContextLoader,
    cryptosuite: str | None = None,
    purpose: str = "assertionMethod",
    created: datetime | str | None = None,
    expires: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    domain: str | list[str] | None = None,
    challenge: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof (a set if one existed)."""
    key_type = ALGORITHM_KEY_TYPES.get(signer.algorithm)
    if key_type is None:
        raise ProofGenerationError(f"signer algorithm {signer.algorithm!r} is not supported")
    suite = get_suite(cryptosuite) if cryptosuite else suite_for_key(key_type)
    suite.check_key(key_type)
    options: dict[str, Any] = {"type": suite.proof_type, "cryptosuite": suite.name}
    if proof_id:
        options["id"] = proof_id
    for name, value in (("created", created), ("expires", expires)):
        if value is not None:
            options[name] = value if isinstance(value, str) else dates.format_instant(value)
            dates.parse(options[name], field=name)
    options["verificationMethod"] = signer.verification_method
    options["proofPurpose"] = purpose
    if domain is not None:
        options["domain"] = domain
    if challenge is not None:
        options["challenge"] = challenge
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    document = inject_context(document)
    existing = proofs_of(document)
    matching = _matching_proofs(existing, options)
    unsecured = _secured_input(document, matching)
    options = suite.prepare_proof(options, unsecured)
    options["proofValue"] = suite.create_proof_value(unsecured, dict(options), signer, key_type, loader)
    out = dict(document)
    out["proof"] = existing + [options] if existing else options
    return out


JWS_INDEX = -1  # the ProofOutcome of a JWS (one signature, no proof array) carries this index


@dataclass(frozen=True, kw_only=True)
class ProofOutcome:
    """What became of one proof (or one JWS): no errors when it verified."""

    index: int  # the proof's position in ``proof``, or JWS_INDEX
    proof: Any
    method: VerificationMethod | None
    errors: tuple[BpvcError, ...] = ()
    # True when the errors mean "could not decide" (an unresolvable key), not "invalid".
    indeterminate: bool = False
    warnings: tuple[BpvcError, ...] = ()

    @property
    def is_jws(self) -> bool:
        return self.index == JWS_INDEX

    @property
    def error(self) -> BpvcError | None:
        return self.errors[0] if self.errors else None

    @property
    def verified(self) -> bool:
        return not self.errors


def _set(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def proof_option_problems(
    proof: Any,
    *,
    expected_purpose: str,
    domain: str | list[str] | None,
    challenge: str | None,
    now: dates.Instant,
    clock_skew: float,
) -> list[BpvcError]:
    """DI §4.4 steps 1–5 plus the created/expires window: every problem, not just the first."""
    if not isinstance(proof, dict):
        return [ParsingError("proof must be a JSON object", json_path="$.proof")]
    problems: list[BpvcError] = []
    for field in ("type", "verificationMethod", "proofPurpose"):
        if field not in proof:
            problems.append(ProofError(f"proof has no {field}", json_path=f"$.proof.{field}"))
    if "proofPurpose" in proof and proof["proofPurpose"] != expected_purpose:
        problems.append(
            ProofError(
                f"proofPurpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}",
                json_path="$.proof.proofPurpose",
            )
        )
    if domain is not None and _set(proof.get("domain")) != _set(domain):
        problems.append(
            DomainError(
                f"proof domain {proof.get('domain')!r} does not match the expected {domain!r}",
                json_path="$.proof.domain",
            )
        )
    if challenge is not None and proof.get("challenge") != challenge:
        problems.append(
            ChallengeError("proof challenge does not match the expected challenge", json_path="$.proof.challenge")
        )
    skew = dates.Instant(clock_skew)
    for field in ("created", "expires"):
        if field not in proof:
            continue
        try:
            moment = dates.parse(proof[field], field=f"proof {field}", json_path=f"$.proof.{field}")
        except BpvcError as err:
            problems.append(err)
            continue
        if field == "created" and moment > now + skew:
            problems.append(
                RangeValueError(f"proof created {proof[field]} is in the future", json_path="$.proof.created")
            )
        if field == "expires" and moment < now - skew:
            problems.append(RangeValueError(f"proof expired at {proof[field]}", json_path="$.proof.expires"))
    return problems


def context_problems(document: dict[str, Any], proof: Any) -> list[BpvcError]:
    """DI §4.4 (Verify Proof): a proof's own ``@context`` must open the secured document's, in order.

    Every suite: RDFC proofs carry none, JCS proofs the document's (their suite also hashes with it).
    """
    if not isinstance(proof, dict) or "@context" not in proof:
        return []
    signed = [] if proof["@context"] is None else _set(proof["@context"])
    present = _set(document.get("@context")) if document.get("@context") is not None else []
    if present[: len(signed)] == signed:
        return []
    names = ", ".join(c if isinstance(c, str) else "an inline context" for c in signed)
    return [
        ProofError(
            f"the document's @context does not start with the contexts the proof signed ({names or 'none'})",
            json_path="$.proof['@context']",
        )
    ]


def check_proof_shapes(document: dict[str, Any], *, loader: ContextLoader, memo: dict[tuple[str, str], Any]) -> None:
    """Safe mode and the signed shape (:mod:`bpvc.jsonld.signed_shape`) for what each proof's signature covers.

    The proof options are read as JSON (``expires``, ``proofPurpose``, ``domain``...), so a member written
    under another name would be signed but not checked. Each proof configuration, with the document's
    ``@context``, is expanded once through ``memo``; the RDFC suites' hashing reuses it (a JCS proof costs
    this one small expansion more). A proof that cannot be verified at all (unknown type or
    suite, no key or signature) is left to the proof check. Raises the first problem, with its JSON path.
    """
    all_proofs = proofs_of(document)
    for index, proof in enumerate(all_proofs):
        if not isinstance(proof, dict):
            continue
        try:
            suite = suite_for_proof(proof)
            config = suite.proof_configuration(proof, document)
        except BpvcError:
            continue
        if "@context" in document:  # the proof means what it says inside the document (RDFC suites hash it so)
            config["@context"] = document["@context"]
        if any(field not in proof for field in ("verificationMethod", "proofPurpose", suite.value_field)):
            continue
        try:
            dataset_of(config, loader=loader, memo=memo)
        except BpvcError as err:
            located = copy.copy(err)
            path = err.json_path or "$"
            if not path.startswith("$['@context']"):  # the document's own @context: already its own path
                located.json_path = (f"$.proof[{index}]" if len(all_proofs) > 1 else "$.proof") + path[1:]
            raise located from None


def _indexed(err: BpvcError, index: int, many: bool) -> BpvcError:
    if many and err.json_path and err.json_path.startswith("$.proof"):
        err.json_path = err.json_path.replace("$.proof", f"$.proof[{index}]", 1)
    return err


def verify_proofs(
    document: dict[str, Any],
    *,
    resolver: Resolver,
    loader: ContextLoader,
    expected_purpose: str,
    now: dates.Instant,
    clock_skew: float = 300,
    domain: str | list[str] | None = None,
    challenge: str | None = None,
    allowed_suites: frozenset[str] = DEFAULT_ALLOWED,
    memo: dict[tuple[str, str], Any] | None = None,
) -> list[ProofOutcome]:
    """Verify every proof on ``document``; all must verify for the document to pass."""
    all_proofs = proofs_of(document)
    many = len(all_proofs) > 1
    outcomes = []
    for index, proof in enumerate(all_proofs):
        problems = proof_option_problems(
            proof, expected_purpose=expected_purpose, domain=domain, challenge=challenge, now=now, clock_skew=clock_skew
        )
        problems += context_problems(document, proof)
        method = None
        try:
            suite = suite_for_proof(proof, allowed_suites) if isinstance(proof, dict) else None
            if suite is not None:
                problems += suite.shape_problems(proof)
            if problems or suite is None:
                raise problems[0]
            matching = _matching_proofs(all_proofs, proof)
            try:
                method = resolver.resolve(proof["verificationMethod"])
            except ResolutionError as err:
                outcomes.append(
                    ProofOutcome(
                        index=index, proof=proof, method=None, errors=(_indexed(err, index, many),), indeterminate=True
                    )
                )
                continue
            suite.verify(_secured_input(document, matching), proof, method.public_key, loader, memo)
        except BpvcError as err:
            errors = problems if problems else [err]
            outcomes.append(
                ProofOutcome(
                    index=index, proof=proof, method=method, errors=tuple(_indexed(e, index, many) for e in errors)
                )
            )
            continue
        outcomes.append(ProofOutcome(index=index, proof=proof, method=method))
    return outcomes
