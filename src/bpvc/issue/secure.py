"""The one issuing path: check a credential (data model, safe-mode JSON-LD, the domain rules of the
record it carries) and secure it as Data Integrity or ``vc+jwt``.

``bpvc issue ...`` and ``POST /credentials/issue`` both end here, so a passport with a date that
does not exist or stages that do not add up is refused the same way by both, before any
signature exists or a status entry is handed out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import BpvcError, MalformedError
from ..jsonld.contexts import ContextLoader
from ..keys.primitives import Signer
from ..schema import SchemaRegistry, SchemaUnusableError, default_registry
from ..verify import domain
from ..verify.domain import DomainRules
from .credential import InvalidDocumentError, issue_credential, issue_credential_jwt


def record_problems(
    document: dict[str, Any],
    *,
    domain_rules: DomainRules | None = None,
    schemas: SchemaRegistry | None = None,
) -> list[BpvcError]:
    """Schema errors and domain errors of the records in a credential that names a rules-owned schema."""
    rules = domain_rules if domain_rules is not None else domain.default_rules()
    entries = document.get("credentialSchema")
    problems: list[BpvcError] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        schema_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(schema_id, str) or not rules.owns(schema_id):
            continue
        try:
            found = rules.apply(document, schema_id, schemas or default_registry())
        except SchemaUnusableError as err:
            problems.append(MalformedError(f"schema {schema_id} cannot be applied: {err.detail}"))
            continue
        problems += found.schema_errors + found.errors
    return problems


def check_issuable(document: dict[str, Any], *, domain_rules: DomainRules | None = None) -> None:
    """Raise :class:`InvalidDocumentError` with every record problem, when there are any."""
    problems = record_problems(document, domain_rules=domain_rules)
    if problems:
        raise InvalidDocumentError(problems)


def secure_credential(
    document: dict[str, Any],
    signer: Signer,
    *,
    fmt: str = "di",
    cryptosuite: str | None = None,
    created: datetime | None = None,
    envelope: bool = False,
    loader: ContextLoader | None = None,
    domain_rules: DomainRules | None = None,
) -> dict[str, Any] | str:
    """Check, then sign: a Data Integrity document (``fmt="di"``) or a ``vc+jwt`` (``fmt="jwt"``)."""
    check_issuable(document, domain_rules=domain_rules)
    if fmt == "jwt":
        return issue_credential_jwt(document, signer, loader=loader, envelope=envelope)
    if fmt != "di":
        raise ValueError(f"fmt must be 'di' or 'jwt', not {fmt!r}")
    return issue_credential(document, signer, loader=loader, cryptosuite=cryptosuite, created=created)
