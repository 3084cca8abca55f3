"""The compiled jsonschema-rs validator agrees with jsonschema: same verdict, so the same errors and paths.

Every leaf of the example passport and PCF record is changed to a value of another shape or a
string breaking a format rule (``date``, ``date-time``, ``uri``) or a pattern (trailing newline);
each member is also removed, and an unknown one added. For every changed record both validators
must agree on whether it is valid, and ``SchemaRegistry.errors`` must give exactly what jsonschema
alone gives.
"""

import copy
import json
from pathlib import Path

import pytest

from bpvc import strict_json
from bpvc.schema import FOOTPRINT_8_0, PASSPORT_6_1, SchemaRegistry

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STRINGS = [
    "2024-02-30",
    "2024-01-01T25:00:00Z",
    "2024-01-01T00:00:00",
    "not a uri",
    "https://ex ample.com/a b",
    "",
    7,
    None,
]
OTHERS = [-1, "1", 1.5, True, None, [], {}]


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _members(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _members(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _members(item, (*path, index))


def _set(record, path, value):
    out = copy.deepcopy(record)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def _delete(record, path):
    out = copy.deepcopy(record)
    node = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


def _variants(record):
    for n, (path, value) in enumerate(_leaves(record)):
        if isinstance(value, str):
            yield _set(record, path, value + "\n")
            yield _set(record, path, STRINGS[n % len(STRINGS)])
            yield _set(record, path, STRINGS[(n + 3) % len(STRINGS)])
        else:
            yield _set(record, path, OTHERS[n % len(OTHERS)])
    for path in _members(record):
        yield _delete(record, path)
    yield dict(copy.deepcopy(record), notInTheSchema=1)


RECORDS = [
    (PASSPORT_6_1, "passport-6.1.0.json"),
    (FOOTPRINT_8_0, "footprint-8.0.0.json"),
]


@pytest.fixture(scope="module")
def registry():
    return SchemaRegistry()


@pytest.mark.parametrize("schema_id, name", RECORDS)
def test_the_bundled_schemas_compile(registry, schema_id, name):
    registry.validator(schema_id)
    assert registry.fast_validator(schema_id) is not None


@pytest.mark.slow
@pytest.mark.parametrize("schema_id, name", RECORDS)
def test_both_validators_give_the_same_verdict(registry, schema_id, name):
    record = strict_json.loads((EXAMPLES / name).read_bytes())
    slow, fast = registry.validator(schema_id), registry.fast_validator(schema_id)
    assert fast.is_valid(record) and next(slow.iter_errors(record), None) is None
    invalid = 0
    for variant in _variants(record):
        today = next(slow.iter_errors(variant), None) is None
        assert fast.is_valid(variant) == today, [e.json_path for e in slow.iter_errors(variant)]
        invalid += not today
    assert invalid > 100  # the variants do reach the schema's rules


def _errors_of_jsonschema_alone(registry, record, schema_id, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(registry, "fast_validator", lambda schema_id: None)
        return [(e.json_path, str(e)) for e in registry.errors(record, schema_id)]


DATE = ("operation", "manufacturer", "manufacturingDate")


@pytest.mark.parametrize("value", ["2024-02-30", "2024-1-01", "2024-01-01T00:00:00Z"])
def test_format_errors_name_the_same_path(registry, monkeypatch, value):
    expected_path = "$.operation.manufacturer.manufacturingDate"
    record = strict_json.loads((EXAMPLES / "passport-6.1.0.json").read_bytes())
    changed = _set(record, DATE, value)
    got = [(e.json_path, str(e)) for e in registry.errors(changed, PASSPORT_6_1)]
    assert got == _errors_of_jsonschema_alone(registry, changed, PASSPORT_6_1, monkeypatch)
    assert got and {p for p, _ in got} == {expected_path}


def test_format_and_pattern_rules_come_from_jsonschema(registry):
    fast = registry.fast_validator(PASSPORT_6_1)
    record = strict_json.loads((EXAMPLES / "passport-6.1.0.json").read_bytes())
    slow = registry.validator(PASSPORT_6_1)
    uris = [path for path, value in _leaves(record) if isinstance(value, str) and value.startswith("https://")]
    refused = 0
    for path in uris:  # jsonschema's rfc3986 check refuses a space where a WHATWG URL parser would encode it
        spaced = _set(record, path, "https://example.com/a b")
        today = next(slow.iter_errors(spaced), None) is None
        assert fast.is_valid(spaced) == today
        refused += not today
    assert refused >= 40  # the passport's document links are format "uri"
    # Python's re.search lets "$" match before a final newline; so must the compiled validator
    dated = _set(record, DATE, "2024-01-01\n")
    assert fast.is_valid(dated) == (next(registry.validator(PASSPORT_6_1).iter_errors(dated), None) is None)


def test_a_schema_with_python_only_semantics_uses_jsonschema_alone(tmp_path):
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.org/s.json",
        "type": "number",
        "multipleOf": 0.1,
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema))
    registry = SchemaRegistry({"https://example.org/s.json": path})
    assert registry.fast_validator("https://example.org/s.json") is None
    assert [e.json_path for e in registry.errors(0.3, "https://example.org/s.json")] == ["$"]  # 0.3 / 0.1 is not whole


def test_a_ref_to_a_schema_not_held_is_never_fetched(tmp_path):
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.org/r.json",
        "$ref": "https://example.org/elsewhere.json",
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(schema))
    registry = SchemaRegistry({"https://example.org/r.json": path})
    assert registry.fast_validator("https://example.org/r.json") is None
    with pytest.raises(Exception, match="not held offline"):
        registry.errors({}, "https://example.org/r.json")
