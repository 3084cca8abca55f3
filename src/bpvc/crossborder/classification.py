"""Field classification: per field path, its Annex XIII tier, its class under China's export rules, its export action.

The bundled file (``bpvc.schemas/field-classification.json``) gives defaults; an operator's file in the
same format overrides it entry by entry. An entry covers its path and everything under it unless a
deeper entry says otherwise. Passport tiers come from the record schemas (``x-bpvc-access-tier``);
footprint tiers, which the PCF model does not define, from the classification.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .. import strict_json
from ..errors import ClassificationError as ClassificationError
from ..schema import TIERS, fields

CHINA_CLASSES = ("personal-information", "important-data-candidate", "ordinary")
# The five scenarios of the 2026 automotive data export guidelines.
SCENARIOS = (
    "rd-and-design",
    "production-and-manufacturing",
    "driving-automation",
    "software-upgrades",
    "connected-operation",
)
ACTIONS = ("export", "aggregate", "withhold")
KINDS = ("passport", "footprint")
CLASSIFICATION_ENV = "BPVC_CLASSIFICATION"
_ENTRY_KEYS = {"tier", "chinaClass", "scenario", "action", "aggregate", "note"}

# Who may see which Annex XIII tiers (Art. 77): the public sees (1); persons with a legitimate
# interest (2) and (4); notified bodies, market surveillance and the Commission (2) and (3).
AUDIENCES: dict[str, frozenset[str]] = {
    "public": frozenset({"public"}),
    "legitimate-interest": frozenset({"public", "legitimate-interest", "individual-battery"}),
    "authorities": frozenset({"public", "legitimate-interest", "authorities"}),
}

MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class FieldClass:
    """One field path (array elements as ``[]``) with its effective classification."""

    path: str
    type: str
    required: bool
    tier: str
    china_class: str
    scenario: str | None
    action: str
    aggregate: str | None
    note: str | None

    @property
    def restricted(self) -> bool:
        """Not for everyone: a non-public tier, or not exported as it is."""
        return self.tier != "public" or self.action != "export"

    def visible_to(self, audience: str, *, export: bool = False) -> bool:
        """Whether a recipient of ``audience`` may see the field (after the export action when ``export``)."""
        return self.tier in AUDIENCES[audience] and (not export or self.action == "export")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "type": self.type,
            "required": self.required,
            "tier": self.tier,
            "chinaClass": self.china_class,
            "action": self.action,
        }
        for key, value in (("scenario", self.scenario), ("aggregate", self.aggregate), ("note", self.note)):
            if value is not None:
                out[key] = value
        return out


def parent_of(path: str) -> str | None:
    """``a.b[].c`` -> ``a.b``; a top-level field has no parent."""
    if "." not in path:
        return None
    parent = path.rsplit(".", 1)[0]
    return parent[:-2] if parent.endswith("[]") else parent


def ancestors(path: str) -> Iterator[str]:
    """The path itself, then each enclosing field up to the top."""
    current: str | None = path
    while current is not None:
        yield current
        current = parent_of(current)


class Classification:
    """The classification of one record schema: every field path, effective values resolved."""

    def __init__(self, kind: str, schema_id: str, table: Mapping[str, FieldClass], retention_years: int) -> None:
        self.kind = kind
        self.schema_id = schema_id
        self.retention_years = retention_years
        self._table = dict(table)

    def __iter__(self) -> Iterator[FieldClass]:
        return iter(self._table.values())

    def __contains__(self, path: object) -> bool:
        return path in self._table

    def get(self, path: str) -> FieldClass:
        """The class of a template path (``a.b[].c``); a path the schema does not have is an error."""
        try:
            return self._table[path]
        except KeyError:
            raise ClassificationError(f"{path} is not a field of {self.schema_id}") from None

    def units(self) -> list[str]:
        """The selectively disclosable units: each restricted field whose parent is open or differs in tier/action.

        A unit is disclosed whole; a unit inside a unit (a withheld field inside a legitimate-interest
        object) is its own disclosure, so the outer one can be shown without it.
        """
        out = []
        for f in self._table.values():
            if not f.restricted:
                continue
            parent = parent_of(f.path)
            above = self._table.get(parent) if parent else None
            if above is None or not above.restricted or (above.tier, above.action) != (f.tier, f.action):
                out.append(f.path)
        return out

    def allowed_units(self, audience: str, *, export: bool = False) -> list[str]:
        """The units a recipient of ``audience`` may see, each with every enclosing unit also allowed."""
        allowed = []
        for unit in self.units():
            chain = [p for p in ancestors(unit) if p in self._table]
            if all(self._table[p].visible_to(audience, export=export) for p in chain):
                allowed.append(unit)
        return allowed


def _bundled_text() -> str:
    return (resources.files("bpvc.schemas") / "field-classification.json").read_text(encoding="utf-8")


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = strict_json.load_file(path, max_bytes=MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ClassificationError(f"classification file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ClassificationError(f"classification file {path}: cannot read: {err}") from None
    except ValueError as err:
        raise ClassificationError(f"classification file {path}: not acceptable JSON: {err}") from None
    if not isinstance(data, dict):
        raise ClassificationError(f"classification file {path}: must be a JSON object")
    return data


def _check_entry(entry: Any, where: str, *, partial: bool) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ClassificationError(f"{where}: must be a JSON object")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise ClassificationError(f"{where}: unknown member(s) {', '.join(sorted(unknown))}")
    checks = (("tier", TIERS), ("chinaClass", CHINA_CLASSES), ("scenario", SCENARIOS), ("action", ACTIONS))
    for key, allowed in checks:
        if key in entry and entry[key] not in allowed:
            raise ClassificationError(f"{where}.{key}: {entry[key]!r} is not one of {', '.join(allowed)}")
    if entry.get("chinaClass") == "important-data-candidate" and "scenario" not in entry:
        raise ClassificationError(f"{where}: an important-data-candidate needs its scenario ({', '.join(SCENARIOS)})")
    if "scenario" in entry and entry.get("chinaClass", "important-data-candidate") != "important-data-candidate":
        raise ClassificationError(f"{where}: a scenario goes with chinaClass important-data-candidate only")
    if entry.get("action") == "aggregate":
        from .views import check_aggregate  # the aggregate methods live with the views that compute them

        check_aggregate(entry.get("aggregate"), f"{where}.aggregate")
    elif "aggregate" in entry and "action" in entry:
        raise ClassificationError(f"{where}: an aggregate method goes with action aggregate only")
    if not partial and ("chinaClass" not in entry or "action" not in entry):
        raise ClassificationError(f"{where}: the default needs chinaClass and action")
    return entry


def _merged(
    bundled: dict[str, Any], override: dict[str, Any] | None, kind: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    section = dict(bundled.get(kind) or {})
    default = dict(section.get("default") or {})
    entries: dict[str, Any] = dict(section.get("fields") or {})
    if override is not None:
        unknown = set(override) - {"version", "description", "retentionYears", *KINDS}
        if unknown:
            raise ClassificationError(f"classification: unknown member(s) {', '.join(sorted(unknown))}")
        extra = override.get(kind) or {}
        if not isinstance(extra, dict):
            raise ClassificationError(f"classification: {kind} must be a JSON object")
        default.update(extra.get("default") or {})
        fields_ = extra.get("fields") or {}
        if not isinstance(fields_, dict):
            raise ClassificationError(f"classification: {kind}.fields must be a JSON object")
        entries.update(fields_)
    return default, entries


def load(
    kind: str,
    schema_id: str,
    *,
    override: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Classification:
    """The classification of ``schema_id`` (a ``kind`` record): the bundled file, then ``override`` over it."""
    if kind not in KINDS:
        raise ClassificationError(f"kind must be one of {', '.join(KINDS)}")
    bundled = json.loads(_bundled_text())
    extra = dict(override) if isinstance(override, Mapping) else (_read(override) if override is not None else None)
    default, entries = _merged(bundled, extra, kind)
    _check_entry(default, f"{kind}.default", partial=False)
    schema_fields = fields(schema_id)
    known = {f.path for f in schema_fields}
    for path, entry in entries.items():
        if path not in known:
            raise ClassificationError(f"{kind}.fields[{path!r}]: {path} is not a field of {schema_id}")
        _check_entry(entry, f"{kind}.fields[{path!r}]", partial=True)
    retention = (extra or {}).get("retentionYears", bundled.get("retentionYears", 3))
    if isinstance(retention, bool) or not isinstance(retention, int) or retention < 3:
        raise ClassificationError("classification: retentionYears must be an integer of at least 3")
    table: dict[str, FieldClass] = {}
    for f in schema_fields:  # schema order: a parent comes before its children
        chain = [entries[p] for p in ancestors(f.path) if p in entries]

        def nearest(key: str, chain: list[dict[str, Any]] = chain) -> Any:
            return next((e[key] for e in chain if key in e), default.get(key))

        explicit_tier = next((e["tier"] for e in chain if "tier" in e), None)
        parent = parent_of(f.path)
        inherited = table[parent].tier if parent in table else None
        tier = explicit_tier or f.tier or inherited or default.get("tier") or "public"
        action_entry = next((e for e in chain if "action" in e), default)
        class_entry = next((e for e in chain if "chinaClass" in e), default)
        table[f.path] = FieldClass(
            path=f.path,
            type=f.type,
            required=f.required,
            tier=tier,
            china_class=class_entry["chinaClass"],
            scenario=class_entry.get("scenario"),
            action=action_entry["action"],
            aggregate=action_entry.get("aggregate"),
            note=nearest("note"),
        )
    return Classification(kind, schema_id, table, retention)


def load_for(schema_id: str, *, override: str | os.PathLike[str] | Mapping[str, Any] | None = None) -> Classification:
    """The classification for a record schema id (passport or footprint, any bundled version)."""
    from ..records import MODELS_BY_SCHEMA

    model = MODELS_BY_SCHEMA.get(schema_id)
    if model is None:
        raise ClassificationError(f"{schema_id} is not a bpvc record schema; nothing to classify")
    return load(model.kind, schema_id, override=override)


def override_from_env() -> str | None:
    """The operator's classification file named by ``BPVC_CLASSIFICATION``, if any."""
    return os.environ.get(CLASSIFICATION_ENV) or None


__all__ = [
    "ACTIONS",
    "AUDIENCES",
    "CHINA_CLASSES",
    "SCENARIOS",
    "Classification",
    "ClassificationError",
    "FieldClass",
    "load",
    "load_for",
]
