"""Product records (battery passports, carbon footprints) and the credentials that carry them."""

from __future__ import annotations

from typing import Any

from . import footprint, passport
from .credential import RecordModel
from .report import Finding, ValidationReport

MODELS_BY_SCHEMA: dict[str, RecordModel] = {m.schema_id: m for m in (*passport.MODELS.values(), footprint.MODEL)}


def domain_findings(model: RecordModel, record: dict[str, Any]) -> list[Finding]:
    """The domain checks of ``model``'s kind on a record."""
    return passport.domain_findings(record) if model.kind == "passport" else footprint.domain_findings(record)


__all__ = ["MODELS_BY_SCHEMA", "Finding", "RecordModel", "ValidationReport", "domain_findings"]
