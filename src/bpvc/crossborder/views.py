"""Minimised views: the part of a record one recipient may see, with aggregates where detail stays home.

A view keeps the record's own shape (so it validates against a schema derived from the record
schema) minus every field the recipient's Annex XIII audience may not see and, for an export,
every field whose export action is not ``export``. It lists what was withheld and why; an
``aggregate`` field the audience may see is replaced by its aggregate (a count, a sum...).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..schema import SchemaRegistry, default_registry
from .classification import AUDIENCES, Classification, ClassificationError, FieldClass

VIEW_TYPE = "RecordView"
DOMESTIC = "CN"  # the exporter's jurisdiction: a view for it is not an export
_SUM = re.compile(r"sum:([A-Za-z0-9_]+)(?: by ([A-Za-z0-9_]+))?")


def check_aggregate(method: Any, where: str) -> None:
    """Refuse an aggregate method bpvc cannot compute: ``count``, ``sum:FIELD [by KEY]``, ``country``."""
    if method in ("count", "country") or (isinstance(method, str) and _SUM.fullmatch(method)):
        return
    raise ClassificationError(
        f"{where}: {method!r} is not an aggregate bpvc computes (count, sum:FIELD [by KEY], country)"
    )


def aggregate(method: str, values: list[Any]) -> Any:
    """The aggregate of every occurrence of one field (several when it sits inside an array)."""
    if method == "count":
        return sum(len(v) if isinstance(v, list) else 1 for v in values)
    if method == "country":
        countries = sorted({v.split("-", 1)[0] for v in values if isinstance(v, str) and v})
        return countries[0] if len(countries) == 1 else countries
    match = _SUM.fullmatch(method)
    if match is None:
        raise ClassificationError(f"unknown aggregate method {method!r}")
    field, key = match.groups()
    items = [item for v in values for item in (v if isinstance(v, list) else [v]) if isinstance(item, dict)]
    if key is None:
        return round(sum(_number(i.get(field)) for i in items), 6)
    groups: dict[str, float] = {}
    for item in items:
        name = str(item.get(key, "unspecified"))
        groups[name] = round(groups.get(name, 0.0) + _number(item.get(field)), 6)
    return dict(sorted(groups.items()))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def is_export(export_to: str | None) -> bool:
    """A view for anywhere but the exporter's own jurisdiction is an export."""
    return export_to is not None and export_to.upper() != DOMESTIC


def view_schema_id(schema_id: str) -> str:
    return schema_id.removesuffix(".schema.json") + ".view.schema.json"


def record_identifier(kind: str, record: dict[str, Any]) -> str | None:
    if kind == "passport":
        metadata = record.get("metadata")
        ident = metadata.get("passportIdentifier") if isinstance(metadata, dict) else None
        return f"urn:uuid:{ident}" if isinstance(ident, str) else None
    ident = record.get("id")
    return f"urn:uuid:{ident}" if isinstance(ident, str) else None


def build_view(
    record: dict[str, Any], classification: Classification, audience: str, *, export_to: str | None = None
) -> dict[str, Any]:
    """The minimised view of ``record`` for ``audience`` (``public``, ``legitimate-interest``, ``authorities``)."""
    if audience not in AUDIENCES:
        raise ClassificationError(f"audience must be one of {', '.join(AUDIENCES)}")
    export = is_export(export_to)
    withheld: dict[str, dict[str, Any]] = {}
    occurrences: dict[str, list[Any]] = {}

    def keep(node: Any, template: str) -> Any:
        if isinstance(node, list):
            return [keep(item, template + "[]") for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for name, value in node.items():
            path = f"{template}.{name}" if template else name
            field = classification.get(path) if path in classification else None
            if field is None:  # not in the schema: nothing says it may leave, so it does not
                withheld.setdefault(path, {"path": path, "reason": "unclassified"})
                continue
            if not field.visible_to(audience):
                withheld.setdefault(path, _withheld(field, "tier"))
            elif export and field.action != "export":
                withheld.setdefault(path, _withheld(field, "export"))
                if field.action == "aggregate":
                    occurrences.setdefault(path, []).append(value)
            else:
                out[name] = keep(value, path)
        return out

    minimised = keep(copy.deepcopy(record), "")
    aggregates = [
        {
            "path": path,
            "method": str(classification.get(path).aggregate),
            "value": aggregate(str(classification.get(path).aggregate), values),
        }
        for path, values in occurrences.items()
    ]
    view: dict[str, Any] = {
        "type": VIEW_TYPE,
        "viewOf": record_identifier(classification.kind, record) or "unidentified",
        "model": classification.schema_id,
        "tier": audience,
    }
    if export_to is not None:
        view["exportTo"] = export_to
    view["record"] = minimised
    view["withheld"] = list(withheld.values())
    view["aggregates"] = aggregates
    return view


def _withheld(field: FieldClass, reason: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": field.path, "reason": reason, "tier": field.tier, "chinaClass": field.china_class}
    if field.scenario:
        entry["scenario"] = field.scenario
    entry["action"] = field.action
    return entry


def validate_view(view: dict[str, Any], registry: SchemaRegistry | None = None) -> list[str]:
    """Every violation of the view schema as ``json_path: message`` (empty when the view is valid)."""
    schema_id = view_schema_id(str(view.get("model")))
    registry = registry or default_registry()
    if schema_id not in registry:
        return [f"$.model: no view schema for {view.get('model')!r}"]
    return [f"{e.json_path}: {e.detail}" for e in registry.errors(view, schema_id)]


__all__ = ["VIEW_TYPE", "aggregate", "build_view", "check_aggregate", "is_export", "validate_view", "view_schema_id"]
