"""Record schemas (schemas/*.schema.json) and JSON-LD contexts for Catena-X BatteryPass 6.1.0 / 6.0.0 and PCF 8.0.0.

The published Catena-X samples are read from ../shared/reference (skipped when missing); the schemas and
contexts under test are bpvc's own.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import ROOT, load, need_reference
from jsonschema import Draft202012Validator

from bpvc.errors import DataLossError
from bpvc.jsonld.canonicalize import canonicalize
from bpvc.jsonld.contexts import ContextLoader

V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS = "https://w3id.org/bpvc/contexts/credentials/v1"
SCHEMAS = ROOT / "schemas"
TIERS = {"public", "legitimate-interest", "authorities", "individual-battery"}
VALID_DATE = "2024-05-08"

MODELS: dict[str, dict[str, Any]] = {
    "battery-pass-6.1.0": {
        "schema": "battery-pass-6.1.0.schema.json",
        "context": "https://w3id.org/bpvc/contexts/battery-pass/6.1.0",
        "sample": "io.catenax.battery.battery_pass_6.1.0_BatteryPass.json",
        "credential": "BatteryPassportCredential",
        "subject": "BatteryPass",
        "subject_iri": "urn:samm:io.catenax.battery.battery_pass:6.1.0#BatteryPass",
        "bad_date": "7172-75-08",
    },
    "battery-pass-6.0.0": {
        "schema": "battery-pass-6.0.0.schema.json",
        "context": "https://w3id.org/bpvc/contexts/battery-pass/6.0.0",
        "sample": "io.catenax.battery.battery_pass_6.0.0_BatteryPass.json",
        "credential": "BatteryPassportCredential",
        "subject": "BatteryPass",
        "subject_iri": "urn:samm:io.catenax.battery.battery_pass:6.0.0#BatteryPass",
        "bad_date": "9494-37-15",  # the 6.0.0 sample has its own impossible date (month 37)
    },
    "pcf-8.0.0": {
        "schema": "pcf-8.0.0.schema.json",
        "context": "https://w3id.org/bpvc/contexts/pcf/8.0.0",
        "sample": "io.catenax.pcf_8.0.0_Pcf.json",
        "credential": "ProductCarbonFootprintCredential",
        "subject": "Pcf",
        "subject_iri": "urn:samm:io.catenax.pcf:8.0.0#Pcf",
        "bad_date": None,
    },
}
PASSPORTS = ["battery-pass-6.1.0", "battery-pass-6.0.0"]


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    return ContextLoader()


def _schema(name: str) -> dict[str, Any]:
    return load(SCHEMAS / MODELS[name]["schema"])


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _raw_sample(name: str) -> dict[str, Any]:
    return load(need_reference("samples", "catenax", MODELS[name]["sample"]))


def _sample(name: str) -> dict[str, Any]:
    """The published sample, with the impossible intoServiceDate of the passports replaced."""
    record = _raw_sample(name)
    if MODELS[name]["bad_date"] is not None:
        assert record["operation"]["intoServiceDate"] == MODELS[name]["bad_date"]
        record["operation"]["intoServiceDate"] = VALID_DATE
    return record


def _subject(name: str, record: dict[str, Any]) -> dict[str, Any]:
    model = MODELS[name]
    if name.startswith("pcf"):
        fields = {k: v for k, v in record.items() if k != "id"}
        return {"id": f"urn:uuid:{record['id']}", "type": model["subject"], **fields}
    passport_id = record["metadata"]["passportIdentifier"]
    if not passport_id.startswith("urn:uuid:"):
        passport_id = f"urn:uuid:{passport_id}"
    return {"id": passport_id, "type": model["subject"], **record}


def _credential(name: str, record: dict[str, Any] | None = None) -> dict[str, Any]:
    model = MODELS[name]
    return {
        "@context": [V2, CREDENTIALS, model["context"]],
        "type": ["VerifiableCredential", model["credential"]],
        "issuer": "did:example:issuer",
        "credentialSubject": _subject(name, _sample(name) if record is None else record),
    }


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


# ------------------------------------------------------------------------------------------- files and registry


@pytest.mark.parametrize("name", MODELS)
def test_schema_is_draft_2020_12_with_its_own_id(name):
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://w3id.org/bpvc/schemas/{MODELS[name]['schema']}"


def test_contexts_are_registered_protected_json_ld_1_1(loader):
    urls = [CREDENTIALS] + [m["context"] for m in MODELS.values()]
    for url in urls:
        assert url in loader
        ctx = loader(url)["document"]["@context"]
        assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    creds = loader(CREDENTIALS)["document"]["@context"]
    assert {"BatteryPassportCredential", "ProductCarbonFootprintCredential"} <= set(creds)


# ------------------------------------------------------------------------------------------- canonicalization


@pytest.mark.parametrize("name", MODELS)
def test_sample_credential_canonicalizes(name, loader):
    nquads = canonicalize(_credential(name), loader=loader)
    subject_id = _credential(name)["credentialSubject"]["id"]
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert f"<{subject_id}> <{rdf_type}> <{MODELS[name]['subject_iri']}> ." in nquads
    assert "https://w3id.org/bpvc/vocab#" + MODELS[name]["credential"] in nquads


@pytest.mark.parametrize("name", PASSPORTS)
def test_nested_id_and_type_are_plain_samm_properties(name, loader):
    """materialIdentification {id, type, name} must not turn into @id / @type / schema:name."""
    nquads = canonicalize(_credential(name), loader=loader)
    dpp = "urn:samm:io.catenax.generic.digital_product_passport:5.0.0#"
    assert f'<{dpp}chemicalId> "201-004-7" .' in nquads
    assert f'<{dpp}listTypeId> "CAS" .' in nquads
    assert f'<{dpp}chemicalName> "phenolphthalein" .' in nquads
    assert f'<{dpp}sourcesIdentification> "BPNL0123456789ZZ" .' in nquads  # handling.content.producer[].id
    assert "<201-004-7>" not in nquads and "schema.org/name" not in nquads


def test_subject_without_its_type_has_no_terms(loader):
    """Model terms are scoped to the subject type: without it every record field is undefined."""
    cred = _credential("battery-pass-6.1.0")
    del cred["credentialSubject"]["type"]
    with pytest.raises(DataLossError):
        canonicalize(cred, loader=loader)


NUMERIC_LEAF = {
    "battery-pass-6.1.0": ("sustainability", "carbonFootprint", 0, "value"),
    "battery-pass-6.0.0": ("performance", "rated", "capacity", "value"),
    "pcf-8.0.0": ("pcf", "pcfExcludingBiogenicUptake"),
}


@pytest.mark.parametrize("name", MODELS)
def test_changing_a_number_by_a_thousandth_changes_the_nquads(name, loader):
    record = _sample(name)
    *parents, leaf = NUMERIC_LEAF[name]
    node = record
    for key in parents:
        node = node[key]
    before = canonicalize(_credential(name, record), loader=loader)
    node[leaf] = round(node[leaf] + 0.001, 6)
    assert canonicalize(_credential(name, record), loader=loader) != before


ARRAYS = {
    "battery-pass-6.1.0": [("commercial", "purpose"), ("sustainability", "carbonFootprint")],
    "battery-pass-6.0.0": [("identification", "identification", "serial"), ("materials", "composition")],
    "pcf-8.0.0": [("productIds",), ("pcf", "crossSectoralStandards")],
}


def _two_item_variants(name: str, path: tuple[str, ...]) -> list[dict[str, Any]]:
    record = _sample(name)
    node = record
    for key in path[:-1]:
        node = node[key]
    first = node[path[-1]][0]
    if isinstance(first, str):
        second = first + "-2" if not first.startswith("urn:") else first + ":2"
    else:
        second = copy.deepcopy(first)
        key = next(k for k, v in second.items() if isinstance(v, str) and k not in ("type", "unit", "materialUnit"))
        second[key] = second[key] + "-2"
    variants = []
    for items in ([first, second], [second, first], [first, first], [first]):
        changed = copy.deepcopy(record)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(items)
        variants.append(changed)
    return variants


@pytest.mark.parametrize("name, path", [(n, p) for n, paths in ARRAYS.items() for p in paths])
def test_array_entries_are_signed_as_a_set(name, path, loader):
    """Arrays are JSON-LD sets, not @list: adding or removing an entry changes the canonical form, order does not.

    @list makes every entry a chain of look-alike blank nodes whose canonicalization needs Hash N-Degree
    Quads; jsonld.js refuses such a passport (more deep iterations than blank nodes), so bpvc could not
    interoperate. Sets keep entries distinguishable by their content.
    """
    variants = _two_item_variants(name, path)
    ab, ba, aa, a = (canonicalize(_credential(name, r), loader=loader) for r in variants)
    assert ab == ba, "array order is not significant in a set"
    assert ab != a, "removing an entry must change the canonical form"
    node = variants[3]
    for key in path:
        node = node[key]
    if isinstance(node[0], dict):
        assert aa != a, "a repeated object entry is a second node, so it changes the form"
    else:
        assert aa == a, "a repeated literal collapses in a set (a known limit of JSON-LD sets, see README)"


def _object_paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every JSON object in a record, as a path of keys and indexes (the root is ())."""
    found = []
    if isinstance(node, dict):
        found.append(path)
        for key, value in node.items():
            found.extend(_object_paths(value, path + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_object_paths(value, path + (index,)))
    return found


@pytest.mark.parametrize("name", MODELS)
def test_an_unknown_key_anywhere_in_the_subject_is_data_loss(name, loader):
    credential = _credential(name)
    paths = _object_paths(credential["credentialSubject"])
    assert len(paths) >= 5
    for path in paths:
        changed = copy.deepcopy(credential)
        node = changed["credentialSubject"]
        for step in path:
            node = node[step]
        node["bpvcNotAField"] = 1
        with pytest.raises(DataLossError, match="bpvcNotAField"):
            canonicalize(changed, loader=loader)


@pytest.mark.parametrize(
    "name, path, key",
    [
        ("battery-pass-6.1.0", ("sustainability", "carbonFootprint", 0, "declaration", 0), "id"),
        ("battery-pass-6.1.0", ("operation", "manufacturer"), "type"),
        ("battery-pass-6.0.0", ("materials", "active", "nickel"), "name"),
        ("pcf-8.0.0", ("pcf",), "id"),
        ("pcf-8.0.0", ("pcf", "dataQualityRating"), "type"),
    ],
)
def test_nested_objects_do_not_inherit_id_type_or_name(name, path, key, loader):
    """Below the subject only the entity's own fields are terms: credentials/v2's id/type/name are reset."""
    credential = _credential(name)
    node = credential["credentialSubject"]
    for step in path:
        node = node[step]
    node[key] = "urn:example:x"
    with pytest.raises(DataLossError):
        canonicalize(credential, loader=loader)


# ------------------------------------------------------------------------------------------- schema <-> context


def _check_terms(
    schema: dict[str, Any],
    node: dict[str, Any],
    terms: dict[str, Any],
    path: str,
    problems: list[str],
    skip_root_id: bool,
) -> None:
    node = _resolve(schema, node)
    for key, prop in node.get("properties", {}).items():
        if skip_root_id and key == "id":
            continue  # PCF: the record id becomes the credentialSubject id (urn:uuid:...)
        here = f"{path}.{key}"
        term = terms.get(key)
        if term is None:
            problems.append(f"{here}: no term")
            continue
        iri = term if isinstance(term, str) else term.get("@id", "")
        if not iri.startswith("urn:samm:io.catenax."):
            problems.append(f"{here}: {iri!r} is not a SAMM property")
        target = _resolve(schema, prop)
        is_array = target.get("type") == "array"
        if isinstance(term, dict) and "@container" in term:
            problems.append(f"{here}: arrays are sets, no @container (see test_array_entries_are_signed_as_a_set)")
        if is_array:
            target = _resolve(schema, target["items"])
        if target.get("type") == "object":
            scoped = term.get("@context") if isinstance(term, dict) else None
            if scoped is None:
                problems.append(f"{here}: object without a scoped context")
                continue
            # [null, {...}] replaces the terms; a bare map adds to them (see the context files)
            inner = scoped[1] if isinstance(scoped, list) else {**terms, **scoped}
            _check_terms(schema, target, inner, here, problems, False)


@pytest.mark.parametrize("name", MODELS)
def test_every_schema_property_has_a_term_at_its_place(name, loader):
    schema = _schema(name)
    context = loader(MODELS[name]["context"])["document"]["@context"]
    subject = context[MODELS[name]["subject"]]
    assert subject["@id"] == MODELS[name]["subject_iri"]
    problems: list[str] = []
    _check_terms(schema, schema, subject["@context"], "$", problems, skip_root_id=name.startswith("pcf"))
    assert problems == []


def _all_terms(value: Any) -> set[str]:
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.startswith("@"):
                found.add(key)
            found |= _all_terms(item)
    elif isinstance(value, list):
        for item in value:
            found |= _all_terms(item)
    return found


def _all_property_names(value: Any) -> set[str]:
    found = set()
    if isinstance(value, dict):
        found |= set(value.get("properties", {})) if isinstance(value.get("properties"), dict) else set()
        for item in value.values():
            found |= _all_property_names(item)
    elif isinstance(value, list):
        for item in value:
            found |= _all_property_names(item)
    return found


@pytest.mark.parametrize("name", MODELS)
def test_every_schema_property_name_is_a_context_term(name, loader):
    terms = _all_terms(loader(MODELS[name]["context"])["document"]["@context"])
    assert _all_property_names(_schema(name)) - terms == set()


def _tiers(value: Any, path: str, found: dict[str, Any]) -> None:
    if isinstance(value, dict):
        props = value.get("properties")
        if isinstance(props, dict):
            for key, prop in props.items():
                found[f"{path}/properties/{key}"] = prop.get("x-bpvc-access-tier")
        for key, item in value.items():
            _tiers(item, f"{path}/{key}", found)


@pytest.mark.parametrize("name", PASSPORTS)
def test_every_passport_property_carries_an_access_tier(name):
    found: dict[str, Any] = {}
    _tiers(_schema(name), "#", found)
    assert len(found) > 250
    assert {path: tier for path, tier in found.items() if tier not in TIERS} == {}


def _tier_at(schema: dict[str, Any], dotted: str) -> str:
    node: dict[str, Any] = schema
    tier = ""
    for key in dotted.split("."):
        node = _resolve(schema, node)
        if node.get("type") == "array":
            node = _resolve(schema, node["items"])
        prop = node["properties"][key]
        tier = prop["x-bpvc-access-tier"]
        node = prop
    return tier


@pytest.mark.parametrize("name", PASSPORTS)
@pytest.mark.parametrize(
    "dotted, tier",
    [
        ("identification.category", "public"),
        ("identification.idDmc", "public"),
        ("metadata.passportIdentifier", "public"),
        ("metadata.economicOperatorId", "public"),
        ("sustainability.carbonFootprint.value", "public"),
        ("materials.active.cobalt.recycled", "public"),
        ("performance.rated.capacity.value", "public"),
        ("materials.composition", "legitimate-interest"),
        ("materials.composition.id.name", "legitimate-interest"),
        ("safety.dismantling", "legitimate-interest"),
        ("handling.content.sparePart", "legitimate-interest"),
        ("conformity.resultOfTestReport", "authorities"),
        ("conformity.resultOfTestReport.header", "authorities"),
        ("performance.dynamic", "individual-battery"),
        ("performance.dynamic.stateOfCharge.value", "individual-battery"),
        ("sustainability.status", "individual-battery"),
    ],
)
def test_annex_xiii_tiers(name, dotted, tier):
    assert _tier_at(_schema(name), dotted) == tier


# ------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", PASSPORTS)
def test_passport_sample_fails_only_on_the_impossible_date(name):
    errors = list(_validator(name).iter_errors(_raw_sample(name)))
    assert [(e.json_path, e.validator, e.instance) for e in errors] == [
        ("$.operation.intoServiceDate", "format", MODELS[name]["bad_date"])
    ]


@pytest.mark.parametrize("name", MODELS)
def test_repaired_sample_is_valid(name):
    assert list(_validator(name).iter_errors(_sample(name))) == []


def test_pcf_sample_with_the_joined_retro_prospective_value_is_valid():
    record = _raw_sample("pcf-8.0.0")
    assert record["retroOrProspectivePcfType"] == "Retrospective PCF, Prospective PCF without forerunner"
    assert list(_validator("pcf-8.0.0").iter_errors(record)) == []


def _set(record: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    node = record
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return record


@pytest.mark.parametrize("name", PASSPORTS)
@pytest.mark.parametrize(
    "path, value, json_path",
    [
        (("identification", "category"), "electric vehicle", "$.identification.category"),
        (("metadata", "economicOperatorId"), "BPNL123", "$.metadata.economicOperatorId"),
        (("materials", "active", "cobalt", "recycled"), 100.5, "$.materials.active.cobalt.recycled"),
        (("sustainability", "carbonFootprint", 0, "value"), -12.678, "$.sustainability.carbonFootprint[0].value"),
        (
            ("operation", "manufacturer", "manufacturingDate"),
            "2000-02-30",
            "$.operation.manufacturer.manufacturingDate",
        ),
        (
            ("performance", "dynamic", "stateOfCharge", "time"),
            "2023-12-07T10:39:13",  # no UTC offset
            "$.performance.dynamic.stateOfCharge.time",
        ),
        (("characteristics", "warranty", "lifeUnit"), "unit:week", "$.characteristics.warranty.lifeUnit"),
        (("characteristics", "warranty", "lifeValue"), "36", "$.characteristics.warranty.lifeValue"),
        (
            ("conformity", "declarationOfConformity", 0, "content"),
            "see binder 7",  # contentType URL, not a URI
            "$.conformity.declarationOfConformity[0].content",
        ),
        (("handling", "content", "producer", 0, "id"), "BPNS0123456789ZZ", "$.handling.content.producer[0].id"),
    ],
)
def test_passport_case_3_edits_are_rejected(name, path, value, json_path):
    errors = list(_validator(name).iter_errors(_set(_sample(name), path, value)))
    assert errors and {e.json_path for e in errors} == {json_path}


@pytest.mark.parametrize("name", PASSPORTS)
def test_unknown_passport_field_is_rejected_by_the_schema(name):
    record = _sample(name)
    record["performance"]["rated"]["voltage"]["typical"] = 3.6
    errors = list(_validator(name).iter_errors(record))
    assert [e.validator for e in errors] == ["additionalProperties"]


@pytest.mark.parametrize(
    "path, value, json_path",
    [
        (("pcf", "pcfIncludingBiogenicUptake"), "1.63", "$.pcf.pcfIncludingBiogenicUptake"),  # case 8
        (("pcf", "pcfExcludingBiogenicUptake"), -0.1, "$.pcf.pcfExcludingBiogenicUptake"),
        (("pcf", "biogenicCO2Uptake"), 1, "$.pcf.biogenicCO2Uptake"),
        (("pcf", "distributionStageBiogenicCO2Uptake"), 0.5, "$.pcf.distributionStageBiogenicCO2Uptake"),
        (("pcf", "primaryDataShare"), 100.01, "$.pcf.primaryDataShare"),
        (("pcf", "exemptedEmissionsPercent"), 10.5, "$.pcf.exemptedEmissionsPercent"),
        (("pcf", "referencePeriodStart"), "2022-01-01", "$.pcf.referencePeriodStart"),
        (("created",), "2022-13-22T21:47:32Z", "$.created"),
        (("id",), "3893bb5d-da16-1dc1-9185-11d97476c254", "$.id"),
        (("companyIds",), ["urn:example:no-bpn"], "$.companyIds"),
        (("productIds",), ["product 401765"], "$.productIds[0]"),
        (("pcf", "dataQualityRating", "temporalDQR"), 6, "$.pcf.dataQualityRating.temporalDQR"),
    ],
)
def test_pcf_edits_are_rejected(path, value, json_path):
    errors = list(_validator("pcf-8.0.0").iter_errors(_set(_sample("pcf-8.0.0"), path, value)))
    assert errors and {e.json_path for e in errors} == {json_path}


def test_pcf_negative_including_biogenic_is_allowed():
    record = _set(_sample("pcf-8.0.0"), ("pcf", "pcfIncludingBiogenicUptake"), -1.23)
    assert list(_validator("pcf-8.0.0").iter_errors(record)) == []


def test_schema_files_are_plain_json():
    for model in MODELS.values():
        json.loads((SCHEMAS / model["schema"]).read_text(encoding="utf-8"))
