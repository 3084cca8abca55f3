"""Running an audit: full verification of every sampled credential on every core, then the footprint links.

Workers are processes, each with its own :class:`~bpvc.verify.verifier.Verifier` built once from a
picklable :class:`VerifierConfig` (DI verification is CPU-bound Python). Footprint credentials
that a passport references in ``relatedResource`` must be in the batch, match their digest,
verify, be Active and be valid on the passport's issue date; a linked carbon-footprint declaration
must be in the batch, match its digest, verify, and carry the passport's carbonFootprint values.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .. import data_model as model
from .. import dates
from ..cf import declaration
from ..errors import BpvcError
from ..securing.data_integrity import proofs_of
from ..verify.policy import Policy, load_policy
from ..verify.result import Outcome, VerificationResult
from ..verify.verifier import Verifier
from .report import AuditItem, ItemOutcome
from .source import Received
from .trace import trace_of

LINK_CHECK = "footprint-links"
DECLARATION_CHECK = "footprint-declaration"  # a passport's carbonFootprint against the declaration it links
KIND_CHECK = "kind"  # the defect of an item that is not a credential (a presentation in a batch of credentials)
_PRESENTATION_TYPES = ("VerifiablePresentation", "EnvelopedVerifiablePresentation")


@dataclass(frozen=True)
class VerifierConfig:
    """Everything a worker needs to build the same Verifier (plain data, so it pickles)."""

    now: datetime
    policy_path: str | None = None
    did_documents: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, str] = field(default_factory=dict)
    status_lists: dict[str, str] = field(default_factory=dict)
    schemas: dict[str, str] = field(default_factory=dict)

    def build(self) -> Verifier:
        policy: Policy | None = load_policy(self.policy_path) if self.policy_path else None
        return Verifier(
            policy=policy,
            did_documents=self.did_documents,
            contexts=self.contexts,
            status_lists=self.status_lists,
            schemas=self.schemas,
        )


@dataclass(frozen=True)
class Checked:
    """A verified credential: the audit's view of it, plus the facts the footprint-link check needs."""

    key: str
    item: AuditItem
    verified: bool
    pcf_status: str | None
    valid_period: tuple[str | None, str | None]


_worker: tuple[Verifier, datetime] | None = None


def _init_worker(config: VerifierConfig) -> None:
    global _worker
    _worker = (config.build(), config.now)


def _check_in_worker(job: tuple[Received, str]) -> Checked:
    assert _worker is not None, "worker not initialised"
    verifier, now = _worker
    return check(job[0], verifier, now, stratum=job[1])


def check(received: Received, verifier: Verifier, now: datetime, *, stratum: str | None = None) -> Checked:
    """Verify one received credential and describe the outcome for the audit."""
    result = verifier.verify(received.raw, now=now)
    defects = [c.name for c in result.checks if c.outcome is Outcome.FAILED]
    reasons = [
        f"{c.name}: {p.detail}"
        for c in result.checks
        for p in c.problems
        if c.outcome in (Outcome.FAILED, Outcome.INDETERMINATE)
    ]
    outcome: ItemOutcome = "passed" if result.verified else "defect" if result.invalid else "undecided"
    wrong_kind = _not_a_credential(received, result)
    if wrong_kind:  # listed, never counted as a verified credential, whatever its proof says
        outcome, defects, reasons = "defect", [KIND_CHECK, *defects], [f"{KIND_CHECK}: {wrong_kind}", *reasons]
    trace = trace_of(received.document)
    item = AuditItem(
        id=received.key,
        outcome=outcome,
        format=_format(received),
        issuer=received.issuer,
        stratum=stratum,
        defects=defects,
        reasons=reasons,
        signed_by=", ".join(result.verification_methods) or None,
        source=received.name,
        passport_id=trace.passport_id,
        serial=trace.serial,
        battery_model=trace.battery_model,
        plant=trace.plant,
    )
    subject = _subject(result)
    period = (subject.get("validityPeriodStart"), subject.get("validityPeriodEnd")) if subject else (None, None)
    verified = result.verified and not wrong_kind
    return Checked(received.key, item, verified, subject.get("status") if subject else None, period)


def _not_a_credential(received: Received, result: VerificationResult) -> str | None:
    """Why an item of the batch is not a credential (None when it is one): the audit checks credentials only."""
    if result.kind != "credential":
        return f"a {result.kind}, not a credential"
    for document in (result.document, received.document):
        if document is not None and any(t in _PRESENTATION_TYPES for t in model.types_of(document)):
            return "typed as a presentation, not a credential"
    return None


def _subject(result: VerificationResult) -> dict[str, Any] | None:
    subject = result.document.get("credentialSubject") if result.document else None
    return subject if isinstance(subject, dict) else None


def _format(received: Received) -> str:
    text = received.raw.lstrip()[:2]
    if text == b"ey":
        return "vc+jwt"
    proofs = proofs_of(received.document) if received.document else []
    suites = sorted({str(p.get("cryptosuite") or p.get("type")) for p in proofs if isinstance(p, dict)})
    if suites:
        return ",".join(suites)
    if received.document is None:
        return "unreadable"
    return "enveloped" if received.enveloped else "no proof"


def start_pool(config: VerifierConfig, workers: int | None) -> ProcessPoolExecutor | None:
    """Worker processes, started early so they import bpvc and build their Verifier while the batch is read."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,))
    for _ in range(workers):  # start the workers now, not at the first job
        pool.submit(os.getpid)
    return pool


def verify_all(
    jobs: Sequence[tuple[Received, str]],
    config: VerifierConfig,
    *,
    workers: int | None = None,
    on_done: Callable[[Checked], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[Checked]:
    """Verify ``jobs`` (credential, stratum) on ``workers`` processes (default: every core); order kept.

    ``pool`` is a pool from :func:`start_pool`; without one, a pool is made for this call.
    """
    workers = workers or os.cpu_count() or 1
    own_pool = None
    if pool is None and workers > 1 and len(jobs) >= 2:
        own_pool = pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,))
    try:
        outcomes: Iterator[Checked]
        if pool is not None and len(jobs) >= 2:
            chunk = max(1, min(64, len(jobs) // (workers * 8)))
            outcomes = pool.map(_check_in_worker, jobs, chunksize=chunk)
        else:
            verifier = config.build()
            outcomes = (check(r, verifier, config.now, stratum=s) for r, s in jobs)
        results = []
        for checked in outcomes:
            results.append(checked)
            if on_done:
                on_done(checked)
        return results
    finally:
        if own_pool is not None:
            own_pool.shutdown()


def _sri(raw: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(raw.strip()).digest()).decode("ascii")


def footprint_links(
    sampled: list[Checked],
    batch: dict[str, Received],
    config: VerifierConfig,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[Checked]:
    """Add the footprint-link findings to each sampled passport that references footprint credentials."""
    by_id = {r.id: r for r in batch.values()}
    known = {c.key: c for c in sampled}
    wanted = []
    for checked in sampled:
        for ref in _references(batch[checked.key]):
            target = by_id.get(str(ref.get("id")))
            if target is not None and target.key not in known and target not in wanted:
                wanted.append(target)
    for extra in verify_all([(r, "") for r in wanted], config, workers=workers, pool=pool):
        known[extra.key] = extra
    out = []
    for checked in sampled:
        received = batch[checked.key]
        findings: list[tuple[str, str]] = []
        for ref in _references(received):
            findings += [(LINK_CHECK, p) for p in _link_problems(ref, by_id, known, received)]
            findings += [(DECLARATION_CHECK, p) for p in _declaration_problems(ref, by_id, received)]
        if not findings:
            out.append(checked)
            continue
        item = checked.item
        defects = list(dict.fromkeys([*item.defects, *(check for check, _ in findings)]))
        reasons = [*item.reasons, *(f"{check}: {problem}" for check, problem in findings)]
        patched = replace(item, outcome="defect", defects=defects, reasons=reasons)
        out.append(Checked(checked.key, patched, False, checked.pcf_status, checked.valid_period))
    return out


def _is_declaration(received: Received) -> bool:
    return received.document is not None and declaration.CREDENTIAL_TYPE in model.types_of(received.document)


def _declaration_problems(ref: dict[str, Any], by_id: dict[str, Received], passport: Received) -> list[str]:
    """Where the passport's carbonFootprint entries differ from the linked declaration's (values, not a recompute)."""
    target = by_id.get(str(ref.get("id")))
    if target is None or target.document is None or passport.document is None or not _is_declaration(target):
        return []
    return [f"{target.id}: {p}" for p in declaration.passport_problems(passport.document, target.document)]


def _references(received: Received) -> list[dict[str, Any]]:
    refs = received.document.get("relatedResource") if received.document else None
    items = refs if isinstance(refs, list) else [refs] if isinstance(refs, dict) else []
    return [r for r in items if isinstance(r, dict)]


def _link_problems(
    ref: dict[str, Any], by_id: dict[str, Received], known: dict[str, Checked], passport: Received
) -> list[str]:
    ref_id = str(ref.get("id"))
    target = by_id.get(ref_id)
    if target is None:
        return [f"the referenced footprint credential {ref_id} is not in the batch"]
    what = "declaration" if _is_declaration(target) else "footprint credential"
    problems = []
    if "digestSRI" in ref and ref["digestSRI"] != _sri(target.raw):
        problems.append(f"{ref_id} does not match the digest the passport names (it was changed or replaced)")
    facts = known[target.key]
    if not facts.verified:
        failed = ", ".join(facts.item.defects) or "undecided"
        problems.append(f"the referenced {what} {ref_id} does not verify ({failed})")
    if what == "declaration":  # a declaration has no PCF status or validity period of its own
        return problems
    if facts.pcf_status is not None and facts.pcf_status != "Active":
        problems.append(f"the referenced footprint {ref_id} is {facts.pcf_status}, not Active")
    issued = passport.document.get("validFrom") if passport.document else None
    start, end = facts.valid_period
    try:
        if isinstance(issued, str) and isinstance(start, str) and isinstance(end, str):
            moment = dates.parse(issued)
            if not dates.parse(start) <= moment <= dates.parse(end):
                problems.append(
                    f"the footprint {ref_id} is valid {start} to {end}, not on the passport's issue date {issued}"
                )
    except BpvcError:
        problems.append(f"the validity dates of {ref_id} or the passport cannot be read")
    return problems
