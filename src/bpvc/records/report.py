"""What validating a record found: errors and warnings, each with the JSON path it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    message: str
    json_path: str = "$"
    check: str = "schema"  # "schema", "import" or the name of a domain check

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "check": self.check, "message": self.message, "json_path": self.json_path}


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of ``bpvc validate``: valid when there is no error (warnings are allowed)."""

    kind: str
    model: str
    record: dict[str, Any] | None
    findings: tuple[Finding, ...] = ()
    conversions: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return self.record is not None and not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "kind": self.kind,
            "model": self.model,
            "errors": [f.to_dict() for f in self.errors],
            "warnings": [f.to_dict() for f in self.warnings],
            "conversions": list(self.conversions),
        }
