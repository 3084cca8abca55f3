"""The view schemas: each record schema with nothing required, wrapped in the view document's shape.

A view or a selectively disclosed credential carries only part of a record, so presence cannot be
checked; what is there must still have the record schema's types, formats and enumerations. The
files are generated from the record schemas and bundled; a test keeps them equal to
:func:`generate`. Regenerate with ``python -m bpvc.crossborder.view_schema DIR``.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from ..schema import DRAFT_2020_12, SchemaRegistry, default_registry
from .classification import ACTIONS, AUDIENCES, CHINA_CLASSES, SCENARIOS
from .views import VIEW_TYPE, view_schema_id

RECORD_DEF = "BpvcViewRecord"


def _relax(node: Any) -> Any:
    """Drop every ``required`` list of a schema: a view may leave any field out."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _relax(value)
        for key, value in node.items()
        if not (key == "required" and isinstance(value, list) and all(isinstance(v, str) for v in value))
    }


def generate(schema_id: str, registry: SchemaRegistry | None = None) -> dict[str, Any]:
    """The view schema of one record schema."""
    record = copy.deepcopy((registry or default_registry()).get(schema_id).document)
    defs = record.pop("$defs", {})
    for key in ("$schema", "$id"):
        record.pop(key, None)
    relaxed_defs = {name: _relax(d) for name, d in defs.items()}
    relaxed_defs[RECORD_DEF] = _relax(record)
    withheld = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "minLength": 1},
            "reason": {"enum": ["tier", "export", "unclassified"]},
            "tier": {"type": "string"},
            "chinaClass": {"enum": list(CHINA_CLASSES)},
            "scenario": {"enum": list(SCENARIOS)},
            "action": {"enum": list(ACTIONS)},
        },
        "required": ["path", "reason"],
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT_2020_12,
        "$id": view_schema_id(schema_id),
        "title": f"bpvc view of {record.get('title', schema_id)}",
        "description": (
            "A minimised record for one recipient: the record's fields, none required, plus what was "
            f"withheld and the aggregates that replace withheld detail. Generated from {schema_id}."
        ),
        "type": "object",
        "properties": {
            "type": {"const": VIEW_TYPE},
            "viewOf": {"type": "string", "minLength": 1},
            "model": {"const": schema_id},
            "tier": {"enum": list(AUDIENCES)},
            "exportTo": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "record": {"$ref": f"#/$defs/{RECORD_DEF}"},
            "withheld": {"type": "array", "items": withheld},
            "aggregates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "method": {"type": "string"}, "value": {}},
                    "required": ["path", "method", "value"],
                    "additionalProperties": False,
                },
            },
            "disclosed": {"type": "array", "items": {"type": "string"}},
            "credentialSchema": {"type": "object"},
        },
        "required": ["type", "viewOf", "model", "record"],
        "additionalProperties": False,
        "$defs": relaxed_defs,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:  # pragma: no cover - a maintainer's tool
    from ..records import MODELS_BY_SCHEMA

    out = Path(argv[0]) if argv else Path("schemas")
    for schema_id in MODELS_BY_SCHEMA:
        target = out / view_schema_id(schema_id).rsplit("/", 1)[-1]
        target.write_text(render(generate(schema_id)), encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
