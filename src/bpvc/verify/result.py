"""Verification results: one entry per check, problem details, invalid vs. could-not-decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import BpvcError


class CheckName(StrEnum):
    """The checks a verification result can hold, in the order they run."""

    STRUCTURE = "structure"
    CONTEXTS = "contexts"
    PROOF = "proof"
    KEY_OWNERSHIP = "key_ownership"
    KEY_BINDING = "key_binding"  # SD-JWT VC only
    VALIDITY = "validity"
    STATUS = "status"
    SCHEMA = "schema"
    DOMAIN = "domain"
    TRUST = "trust"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INDETERMINATE = "indeterminate"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem detail in the VCDM 2.0 / Data Integrity vocabulary."""

    type: str
    title: str
    detail: str
    json_path: str | None = None

    @classmethod
    def from_error(cls, err: BpvcError) -> Problem:
        return cls(err.problem_type, err.title, err.detail, err.json_path)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "title": self.title, "detail": self.detail, "json_path": self.json_path}


@dataclass(frozen=True)
class Check:
    name: CheckName | str  # a CheckName for bpvc's checks; a str compares equal to it
    outcome: Outcome
    problems: tuple[Problem, ...] = ()
    detail: str = ""
    # things worth knowing that do not change the outcome
    warnings: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "outcome": self.outcome.value,
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.detail:
            out["detail"] = self.detail
        if self.warnings:
            out["warnings"] = [w.to_dict() for w in self.warnings]
        return out


@dataclass(frozen=True)
class VerificationResult:
    """``verified`` only when no check failed or was left undecided."""

    checks: tuple[Check, ...]
    document: dict[str, Any] | None = None
    kind: str = "credential"
    credentials: tuple[VerificationResult, ...] = field(default=())
    # selectively disclosed credentials (SD-JWT VC): the JSON paths of the claims the holder disclosed
    disclosed: tuple[str, ...] | None = None
    # how the credential was secured, in the policy's format names (di, vc+jwt, vcdm1.1-jwt, legacy-ld)
    securing: str | None = None
    # the verification methods its proofs (or its JWS ``kid``) name, in order
    verification_methods: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return all(c.outcome in (Outcome.PASSED, Outcome.SKIPPED) for c in self.checks) and all(
            c.verified for c in self.credentials
        )

    @property
    def invalid(self) -> bool:
        """Something is definitely wrong (as opposed to: could not be decided)."""
        return any(c.outcome is Outcome.FAILED for c in self.checks) or any(c.invalid for c in self.credentials)

    @property
    def indeterminate(self) -> bool:
        return not self.verified and not self.invalid

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for c in self.checks for p in c.problems)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "kind": self.kind,
            "checks": [c.to_dict() for c in self.checks],
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.credentials:
            out["credentials"] = [c.to_dict() for c in self.credentials]
        if self.disclosed is not None:
            out["disclosed"] = list(self.disclosed)
        return out
