"""Records become credentials: the record goes into ``credentialSubject`` unchanged, plus an id and a type.

Catena-X partners can consume the subject as the aspect document they already know; the
credential around it adds the JSON-LD contexts that map every field to its SAMM URN, a
``credentialSchema`` pointing at the published schema (resolved offline to the bundled file,
with its ``digestSRI``), and the validity period from the record itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..jsonld.contexts import CREDENTIALS_V2
from ..schema import SchemaRegistry, default_registry

BPVC_CREDENTIALS = "https://w3id.org/bpvc/contexts/credentials/v1"


@dataclass(frozen=True)
class RecordModel:
    """One record model (a SAMM aspect in one version) and how it maps onto a credential."""

    kind: str  # "passport" or "footprint"
    version: str
    credential_type: str
    subject_type: str
    context: str
    schema_id: str
    # the record as carried in the subject -> the record as the model defines it
    record_from_subject: Callable[[dict[str, Any]], dict[str, Any]]


def build(
    model: RecordModel,
    subject: dict[str, Any],
    *,
    issuer: str,
    valid_from: str | None,
    valid_until: str | None,
    credential_id: str | None = None,
    registry: SchemaRegistry | None = None,
) -> dict[str, Any]:
    """An unsigned VCDM 2.0 credential carrying ``subject`` (which already holds ``id`` and ``type``)."""
    schema = (registry or default_registry()).get(model.schema_id)
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, BPVC_CREDENTIALS, model.context],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", model.credential_type],
        "issuer": issuer,
    }
    if valid_from:
        credential["validFrom"] = valid_from
    if valid_until:
        credential["validUntil"] = valid_until
    credential["credentialSchema"] = {"id": model.schema_id, "type": "JsonSchema", "digestSRI": schema.digest_sri}
    credential["credentialSubject"] = subject
    return credential


def date_start(value: Any) -> str | None:
    """A record date (YYYY-MM-DD) as the first instant of that day in UTC."""
    return f"{value}T00:00:00Z" if isinstance(value, str) and len(value) == 10 else None


def date_end(value: Any) -> str | None:
    """A record date (YYYY-MM-DD) as the last second of that day in UTC: valid through that date."""
    return f"{value}T23:59:59Z" if isinstance(value, str) and len(value) == 10 else None
