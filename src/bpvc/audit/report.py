"""The result of an audit: what was sampled, what each check found, the decision, and how to reproduce it.

``AuditReport.to_dict`` is the JSON record; ``render_html`` is a single self-contained page for people,
with no scripts and no external references so it can be archived, mailed and opened offline.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, get_args

from ._page import page
from .stats import Plan, clopper_pearson

__all__ = [
    "UNKNOWN_ISSUER",
    "AuditInput",
    "AuditItem",
    "AuditReport",
    "Decision",
    "ItemOutcome",
    "NotCredential",
    "render_html",
]

ItemOutcome = Literal["passed", "defect", "undecided"]
Decision = Literal["accepted", "rejected", "inconclusive", "no decision"]

REPORT_SCHEMA = "bpvc-audit-report/1"
SAMPLING_METHOD = "hmac-sha256-rank"
# Stands in for a missing issuer wherever figures are grouped by issuer.
UNKNOWN_ISSUER = "(unknown issuer)"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _as_tuple(instance: object, name: str) -> None:
    """Freeze a sequence field in place, so a caller's list cannot change a frozen record later."""
    object.__setattr__(instance, name, tuple(getattr(instance, name)))


@dataclass(frozen=True, kw_only=True)
class AuditItem:
    """One sampled credential and what the verifier made of it.

    ``defects`` names the checks that failed; it is non-empty exactly when ``outcome`` is ``"defect"``.
    ``undecided`` is a credential the verifier could not judge (say, an unreachable status list): it is
    neither passed nor defective, and the report treats it as possibly defective when deciding.
    """

    id: str
    outcome: ItemOutcome
    format: str
    issuer: str | None = None
    stratum: str | None = None
    defects: Sequence[str] = ()
    reasons: Sequence[str] = ()
    signed_by: str | None = None
    source: str | None = None  # where it was read: a path, "batch.jsonl:12" or "batch.zip:member"
    passport_id: str | None = None
    serial: str | None = None  # the battery's partInstanceId
    battery_model: str | None = None
    plant: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in get_args(ItemOutcome):
            raise ValueError(f"outcome must be one of {get_args(ItemOutcome)}, got {self.outcome!r}")
        object.__setattr__(self, "defects", tuple(dict.fromkeys(self.defects)))
        _as_tuple(self, "reasons")
        if bool(self.defects) != (self.outcome == "defect"):
            raise ValueError(
                f"defects: credential {self.id!r} is {self.outcome!r} but lists {len(self.defects)} failed checks"
            )

    def to_dict(self) -> dict[str, Any]:
        """The item as JSON-ready data, keys in a fixed order."""
        return {
            "id": self.id,
            "source": self.source,
            "passport_id": self.passport_id,
            "serial": self.serial,
            "battery_model": self.battery_model,
            "plant": self.plant,
            "outcome": self.outcome,
            "defects": list(self.defects),
            "reasons": list(self.reasons),
            "issuer": self.issuer,
            "signed_by": self.signed_by,
            "format": self.format,
            "stratum": self.stratum,
        }


@dataclass(frozen=True)
class AuditInput:
    """A file the audit read, pinned by its SHA-256 so a rerun can prove it saw the same bytes."""

    path: str
    sha256: str

    def __post_init__(self) -> None:
        if not _SHA256_HEX.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, got {self.sha256!r}")

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class NotCredential:
    """An item of the batch that is no credential at all: listed with the reason, never sampled or counted."""

    source: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason}


@dataclass(frozen=True)
class _IssuerFigures:
    decided: int
    defects: int


@dataclass(frozen=True, kw_only=True)
class AuditReport:
    """A finished audit. Times and the tool version are passed in (nothing here reads a clock).

    ``sample_ids`` is the draw in rank order; ``items`` holds one result per sampled id. ``plan`` is the
    sampling plan the batch is judged by, or ``None``: then a sample decides nothing ("no decision"), and
    only a check of the whole batch is accepted or rejected (any defect rejects). ``interval_confidence``
    sets the two-sided Clopper-Pearson interval printed beside the observed rate.
    """

    command: str
    inputs: Sequence[AuditInput]
    seed: int | str
    population: int
    sample_ids: Sequence[str]
    plan: Plan | None
    items: Sequence[AuditItem]
    started: str
    finished: str
    tool_version: str
    evaluated_at: str | None = None  # the time credentials were judged as of (``--now``, or the clock at start)
    not_credentials: Sequence[NotCredential] = ()
    interval_confidence: float = 0.95

    def __post_init__(self) -> None:
        for name in ("inputs", "sample_ids", "items", "not_credentials"):
            _as_tuple(self, name)
        self._check_ids()
        population = self.population
        if isinstance(population, bool) or not isinstance(population, int) or population < len(self.sample_ids):
            raise ValueError(
                f"population must be at least the sample size ({len(self.sample_ids)}), got {self.population!r}"
            )
        if not 0.0 < self.interval_confidence < 1.0:
            raise ValueError(f"interval_confidence must be strictly between 0 and 1, got {self.interval_confidence!r}")

    def _check_ids(self) -> None:
        """Every sampled id has exactly one result: a missing result must be reported as undecided."""
        if len(set(self.sample_ids)) != len(self.sample_ids):
            raise ValueError("sample_ids must not repeat an id")
        item_ids = [item.id for item in self.items]
        if len(set(item_ids)) != len(item_ids) or set(item_ids) != set(self.sample_ids):
            raise ValueError("items must hold exactly one result for each id in sample_ids")

    @cached_property
    def _by_issuer(self) -> dict[str, _IssuerFigures]:
        """Decided and defective counts per issuer, issuers sorted by name."""
        decided: Counter[str] = Counter()
        defects: Counter[str] = Counter()
        for item in self.items:
            issuer = item.issuer or UNKNOWN_ISSUER
            decided[issuer] += item.outcome != "undecided"
            defects[issuer] += item.outcome == "defect"
        return {name: _IssuerFigures(decided[name], defects[name]) for name in sorted(decided)}

    # --- counts -----------------------------------------------------------------------------------

    def _count(self, outcome: ItemOutcome) -> int:
        return sum(item.outcome == outcome for item in self.items)

    @property
    def sample_size(self) -> int:
        return len(self.items)

    @property
    def passed_count(self) -> int:
        return self._count("passed")

    @property
    def defect_count(self) -> int:
        """Sampled credentials with at least one failed check."""
        return self._count("defect")

    @property
    def undecided_count(self) -> int:
        return self._count("undecided")

    @property
    def decided_count(self) -> int:
        """Credentials with a verdict; the rate and interval are taken over these."""
        return self.passed_count + self.defect_count

    # --- rates ------------------------------------------------------------------------------------

    @property
    def observed_rate(self) -> float | None:
        """Defects over decided credentials, or ``None`` when nothing was decided."""
        return self.defect_count / self.decided_count if self.decided_count else None

    @cached_property
    def interval(self) -> tuple[float, float]:
        """The exact two-sided interval for the batch's defect rate ([0, 1] when nothing was decided)."""
        return clopper_pearson(self.defect_count, self.decided_count, self.interval_confidence)

    @property
    def defects_by_check(self) -> dict[str, int]:
        """How many sampled credentials failed each check, by check name."""
        counts = Counter(name for item in self.items for name in item.defects)
        return dict(sorted(counts.items()))

    @property
    def defects_by_issuer(self) -> dict[str, int]:
        """Defective credentials per issuer, every sampled issuer listed (``UNKNOWN_ISSUER`` for none)."""
        return {name: figures.defects for name, figures in self._by_issuer.items()}

    @property
    def decided_by_issuer(self) -> dict[str, int]:
        """Decided credentials per issuer: the denominators of the per-issuer defect rates."""
        return {name: figures.decided for name, figures in self._by_issuer.items()}

    # --- decision ---------------------------------------------------------------------------------

    @property
    def acceptance_number(self) -> int:
        """Defects the batch may show and still pass: the plan's, or zero without a plan."""
        return self.plan.acceptance_number if self.plan is not None else 0

    @property
    def short_of_plan(self) -> bool:
        """Fewer credentials were sampled than the plan needs, and the batch was not checked in full."""
        if self.plan is None:
            return False
        return self.sample_size < min(self.plan.sample_size, self.population)

    @property
    def sample_only(self) -> bool:
        """A sample without a plan: its figures describe the sample, and no decision on the batch follows."""
        return self.plan is None and self.sample_size < self.population

    @property
    def decision(self) -> Decision:
        """``no decision`` for a sample without a plan; ``rejected`` when defects exceed the acceptance
        number; ``inconclusive`` when the undecided credentials could tip it or the sample is short of the
        plan; otherwise ``accepted``."""
        if self.sample_only:
            return "no decision"
        if self.defect_count > self.acceptance_number:
            return "rejected"
        if self.defect_count + self.undecided_count > self.acceptance_number or self.short_of_plan:
            return "inconclusive"
        return "accepted"

    @property
    def accepted(self) -> bool:
        return self.decision == "accepted"

    @property
    def decision_reason(self) -> str:
        """One sentence saying why the decision came out as it did."""
        found = _plural(self.defect_count, "defective credential")
        if self.sample_only:
            undecided = _plural(self.undecided_count, "undecided credential")
            return (
                f"{found} and {undecided} in a sample of {self.sample_size} of {self.population}; no sampling plan "
                "was given, so the sample decides nothing about the batch (give --confidence and --tolerable-rate)."
            )
        if self.plan is None:
            limit = "the whole batch was checked, and any defect rejects it"
        else:
            limit = f"the plan accepts at most {self.acceptance_number}"
        if self.decision == "rejected":
            return f"{found} in a sample of {self.sample_size}; {limit}."
        if self.short_of_plan and self.plan is not None:
            return f"Only {self.sample_size} credentials were checked; the plan needs {self.plan.sample_size}."
        if self.decision == "inconclusive":
            undecided = _plural(self.undecided_count, "undecided credential")
            return f"{found} and {undecided} in a sample of {self.sample_size}; {limit}, so the undecided ones decide."
        return f"{found} in a sample of {self.sample_size}; {limit}."

    # --- JSON -------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: inputs, seed, plan and every figure, in a fixed key order."""
        lower, upper = self.interval
        return {
            "schema": REPORT_SCHEMA,
            "tool_version": self.tool_version,
            "command": self.command,
            "started": self.started,
            "finished": self.finished,
            "evaluated_at": self.evaluated_at,
            "inputs": [entry.to_dict() for entry in self.inputs],
            "sampling": {"method": SAMPLING_METHOD, "seed": self.seed, "population": self.population},
            "plan": self.plan.to_dict() if self.plan is not None else None,
            "sample_ids": list(self.sample_ids),
            "summary": {
                "sample_size": self.sample_size,
                "passed": self.passed_count,
                "defects": self.defect_count,
                "undecided": self.undecided_count,
                "observed_rate": self.observed_rate,
                "interval": {
                    "method": "clopper-pearson",
                    "confidence": self.interval_confidence,
                    "lower": lower,
                    "upper": upper,
                },
                "acceptance_number": self.acceptance_number,
                "decision": self.decision,
                "accepted": self.accepted,
            },
            "defects_by_check": self.defects_by_check,
            "by_issuer": {
                name: {"decided": figures.decided, "defects": figures.defects}
                for name, figures in self._by_issuer.items()
            },
            "items": [item.to_dict() for item in self.items],
            "not_credentials": [entry.to_dict() for entry in self.not_credentials],
        }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_html(report: AuditReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched)."""
    return page(report)
