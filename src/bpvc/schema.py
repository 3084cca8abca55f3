"""JSON Schemas: the bundled record schemas, caller-supplied ones, and VC JSON Schema checks.

Schemas are looked up by ``$id`` and never fetched. Validators are built once per schema
(building one costs ~30 ms, using it <1 ms) and check formats for real: ``date``,
``date-time`` and ``uri`` are enforced through jsonschema's format checker.

A compiled jsonschema-rs validator of the same schema answers first whether a record is valid
(a passport in ~0.1 ms instead of ~10 ms); its ``format`` and ``pattern`` keywords are jsonschema's
own Python checks, so both validators apply the same rules. Only when it finds the record invalid
does jsonschema list the errors, so every message and JSON path is jsonschema's. A schema
jsonschema-rs cannot take (or one with keywords whose numeric or regex semantics differ between
the two: ``multipleOf``, ``patternProperties``) is validated by jsonschema alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012 as _DRAFT

from . import strict_json
from .errors import MalformedError
from .errors import SchemaUnavailableError as SchemaUnavailableError
from .errors import SchemaUnusableError as SchemaUnusableError

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
TIER_KEYWORD = "x-bpvc-access-tier"
TIERS = ("public", "legitimate-interest", "authorities", "individual-battery")

PASSPORT_6_1 = "https://w3id.org/bpvc/schemas/battery-pass-6.1.0.schema.json"
PASSPORT_6_0 = "https://w3id.org/bpvc/schemas/battery-pass-6.0.0.schema.json"
FOOTPRINT_8_0 = "https://w3id.org/bpvc/schemas/pcf-8.0.0.schema.json"


# keywords whose jsonschema-rs semantics are not jsonschema's (float division, Rust regex on names)
_SLOW_ONLY = ("multipleOf", "patternProperties")
_FORMATS = Draft202012Validator.FORMAT_CHECKER


class _PythonPattern:
    """``pattern`` for jsonschema-rs with jsonschema's semantics (Python ``re.search``)."""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self._regex = re.compile(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self._regex.search(instance):
            raise ValueError(f"{instance!r} does not match {self._regex.pattern!r}")


def _python_format(name: str) -> Any:
    return lambda value: _FORMATS.conforms(value, name)


def _refuse_fast_retrieval(uri: str) -> Any:
    raise ValueError(f"{uri} is not held offline (never fetched)")


def _refuse_retrieval(uri: str) -> Resource[Any]:
    """The registry's only retriever: a ``$ref`` to a schema bpvc does not hold is never fetched."""
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@dataclass(frozen=True)
class SchemaEntry:
    id: str
    raw: bytes
    document: dict[str, Any]

    @property
    def digest_sri(self) -> str:
        """The VC ``digestSRI`` of the schema file (sha384, base64)."""
        return "sha384-" + base64.b64encode(hashlib.sha384(self.raw).digest()).decode("ascii")


_BUNDLED: dict[str, SchemaEntry] | None = None
# Validators for bundled schemas are shared by every registry (they never change).
_SHARED_VALIDATORS: dict[str, Draft202012Validator] = {}
_SHARED_FAST: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()


def _bundled() -> dict[str, SchemaEntry]:
    global _BUNDLED
    if _BUNDLED is None:
        entries = {}
        for item in resources.files("bpvc.schemas").iterdir():
            if item.name.endswith(".schema.json"):
                raw = item.read_bytes()
                doc = strict_json.loads(raw)
                entries[doc["$id"]] = SchemaEntry(doc["$id"], raw, doc)
        _BUNDLED = entries
    return _BUNDLED


class SchemaRegistry:
    """Schemas by ``$id``: bpvc's own plus any the caller adds. Immutable; validators are cached."""

    def __init__(self, extra: Mapping[str, str | Path] | None = None) -> None:
        self._entries = dict(_bundled())
        for url, path in (extra or {}).items():
            try:
                raw = strict_json.read_bounded(path)
                doc = strict_json.loads(raw)
            except (OSError, ValueError) as err:
                raise MalformedError(f"schema file for {url} cannot be read as JSON: {err}") from None
            if not isinstance(doc, dict):
                raise MalformedError(f"schema file for {url} is not a JSON object")
            self._entries[url] = SchemaEntry(url, raw, doc)
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._shared = {k for k, v in self._entries.items() if _bundled().get(k) is v}
        # $refs resolve among the schemas held here and nowhere else (jsonschema would otherwise urlopen them)
        self._registry: Registry[Any] = Registry(retrieve=_refuse_retrieval).with_resources(  # type: ignore[call-arg]
            (url, Resource.from_contents(entry.document, default_specification=_DRAFT))
            for url, entry in self._entries.items()
        )

    def __contains__(self, schema_id: object) -> bool:
        return schema_id in self._entries

    def get(self, schema_id: str) -> SchemaEntry:
        try:
            return self._entries[schema_id]
        except KeyError:
            raise SchemaUnavailableError(
                f"schema {schema_id} is not available offline (not bundled or supplied)"
            ) from None

    def validator(self, schema_id: str) -> Draft202012Validator:
        cache, lock = (
            (_SHARED_VALIDATORS, _SHARED_LOCK) if schema_id in self._shared else (self._validators, self._lock)
        )
        with lock:
            found = cache.get(schema_id)
        if found is not None:
            return found
        entry = self.get(schema_id)
        if entry.document.get("$schema") != DRAFT_2020_12:
            raise SchemaUnusableError(
                f"schema {schema_id} declares {entry.document.get('$schema')!r}; only JSON Schema 2020-12 is processed"
            )
        try:
            Draft202012Validator.check_schema(entry.document)
        except SchemaError as err:
            raise SchemaUnusableError(f"schema {schema_id} is not a valid JSON Schema: {err.message}") from None
        built = Draft202012Validator(
            entry.document,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
            registry=self._registry,
        )
        with lock:
            cache[schema_id] = built
        return built

    def fast_validator(self, schema_id: str) -> Any:
        """The compiled jsonschema-rs validator of a schema, or None when jsonschema alone must validate it.

        Call :meth:`validator` first: it refuses the schemas that cannot be applied at all.
        """
        cache, lock = (_SHARED_FAST, _SHARED_LOCK) if schema_id in self._shared else (self._fast, self._lock)
        with lock:
            if schema_id in cache:
                return cache[schema_id]
        document = self.get(schema_id).document
        text = json.dumps(document)
        built: Any = None
        if not any(f'"{keyword}"' in text for keyword in _SLOW_ONLY):
            try:
                registry = jsonschema_rs.Registry(
                    [(url, entry.document) for url, entry in self._entries.items()], retriever=_refuse_fast_retrieval
                )
                built = jsonschema_rs.validator_for(
                    document,
                    validate_formats=True,
                    formats={name: _python_format(name) for name in _FORMATS.checkers},
                    keywords={"pattern": _PythonPattern},
                    registry=registry,
                    retriever=_refuse_fast_retrieval,
                )
            except Exception:  # noqa: BLE001 - any schema jsonschema-rs cannot take goes to jsonschema alone
                built = None
        with lock:
            cache[schema_id] = built
        return built

    def _fast_says_valid(self, instance: Any, schema_id: str) -> bool:
        fast = self.fast_validator(schema_id)
        if fast is None:
            return False
        try:
            return bool(fast.is_valid(instance))
        except Exception:  # noqa: BLE001 - e.g. a string jsonschema-rs cannot encode: jsonschema decides
            return False

    def errors(self, instance: Any, schema_id: str, *, prefix: str = "$") -> list[MalformedError]:
        """Every schema violation as a MalformedError naming the JSON path."""
        out = []
        try:
            slow = self.validator(schema_id)
            if self._fast_says_valid(instance, schema_id):
                return []
            found = sorted(slow.iter_errors(instance), key=lambda e: list(e.absolute_path))
        except Unresolvable as unresolvable:
            ref = getattr(unresolvable, "ref", "?")
            raise SchemaUnusableError(
                f"schema {schema_id} refers to {ref}, which is not held offline (never fetched)"
            ) from None
        except RecursionError:
            raise SchemaUnusableError(f"schema {schema_id} recurses too deeply to apply") from None
        for err in found:
            path = prefix + err.json_path[1:]
            out.append(MalformedError(f"{_field(err.json_path)}: {err.message}", json_path=path))
        return out


def _field(json_path: str) -> str:
    return json_path[2:] if json_path.startswith("$.") else "record" if json_path == "$" else json_path[1:]


_default: SchemaRegistry | None = None


def default_registry() -> SchemaRegistry:
    global _default
    if _default is None:
        _default = SchemaRegistry()
    return _default


@dataclass(frozen=True)
class Field:
    path: str
    type: str
    tier: str | None
    required: bool


def fields(schema_id: str, registry: SchemaRegistry | None = None) -> list[Field]:
    """Every property path of a schema with its type and access tier, in schema order."""
    doc = (registry or default_registry()).get(schema_id).document
    return list(_walk(doc, doc, "", 0))


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/$defs/"):
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**root["$defs"][node["$ref"][len("#/$defs/") :]], **merged}
    return node


def _walk(node: dict[str, Any], root: dict[str, Any], path: str, depth: int) -> Iterator[Field]:
    if depth > 32:  # the record schemas are not recursive; this only guards a hand-made one
        return
    node = _resolve(node, root)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        yield from _walk(node["items"], root, path + "[]", depth + 1)
        return
    needed = set(node.get("required", []))
    for name, child in (node.get("properties") or {}).items():
        child_path = f"{path}.{name}" if path else name
        resolved = _resolve(child, root)
        kind = resolved.get("type") or (
            "object" if "properties" in resolved else "enum" if "enum" in resolved else "any"
        )
        if kind == "array" and isinstance(resolved.get("items"), dict):
            inner = _resolve(resolved["items"], root)
            kind = f"array of {inner.get('type', 'object')}"
        yield Field(child_path, str(kind), child.get(TIER_KEYWORD) or resolved.get(TIER_KEYWORD), name in needed)
        yield from _walk(resolved, root, child_path, depth + 1)
