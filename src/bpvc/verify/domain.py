"""Domain rules: checks a credential's subject must pass beyond its JSON Schema, plugged into the Verifier.

The VC core knows nothing about batteries. A :class:`DomainRules` object says which credential
schemas it owns and, for a credential naming one, returns the schema errors of the record inside
and the domain findings on it. bpvc's battery passport and footprint rules
(:mod:`bpvc.records.rules`) are wired in as the default by the ``bpvc`` package; a caller can pass
its own to ``Verifier(domain_rules=...)`` or issuing, or :data:`NO_DOMAIN_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BpvcError
from ..schema import SchemaRegistry

if TYPE_CHECKING:
    from .. import dates
    from .result import VerificationResult
    from .verifier import Verifier


@dataclass(frozen=True)
class RuleFindings:
    """What the rules found on one credential for one schema."""

    schema_errors: list[BpvcError] = field(default_factory=list)
    errors: list[BpvcError] = field(default_factory=list)
    warnings: list[BpvcError] = field(default_factory=list)


class DomainRules(Protocol):
    def owns(self, schema_id: str) -> bool:
        """Whether this schema's credentials are checked here (the schema then applies to the subject)."""
        ...

    def apply(self, document: dict[str, Any], schema_id: str, schemas: SchemaRegistry) -> RuleFindings:
        """The schema errors and domain findings for a credential that names ``schema_id``."""
        ...

    def verify_sd_jwt(
        self,
        verifier: Verifier,
        text: str,
        now: dates.Instant,
        challenge: str | None,
        domain: str | list[str] | None,
    ) -> VerificationResult | None:
        """Verify an SD-JWT VC whose ``vct`` these rules know, or None when they know no SD-JWT VCs."""
        ...


class _NoRules:
    def owns(self, schema_id: str) -> bool:
        return False

    def apply(self, document: dict[str, Any], schema_id: str, schemas: SchemaRegistry) -> RuleFindings:
        return RuleFindings()

    def verify_sd_jwt(
        self,
        verifier: Verifier,
        text: str,
        now: dates.Instant,
        challenge: str | None,
        domain: str | list[str] | None,
    ) -> VerificationResult | None:
        return None


NO_DOMAIN_RULES: DomainRules = _NoRules()
_default: list[DomainRules] = [NO_DOMAIN_RULES]


def set_default(rules: DomainRules) -> None:
    """Make ``rules`` what a Verifier or issuer uses when given none (the ``bpvc`` package does this once)."""
    _default[0] = rules


def default_rules() -> DomainRules:
    return _default[0]
