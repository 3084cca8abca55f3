"""Reading an inventory: every defect is a named finding with its JSON path; the units vocabulary is one list."""

from __future__ import annotations

import copy
import json

import pytest
from cf_helpers import explicit_input, inventory, own_process, with_lines
from conftest import ROOT

from bpvc.cf import InventoryError, load_inventory, parse_inventory, units, validate_inventory
from bpvc.schema import default_registry

SCHEMA = json.loads((ROOT / "schemas" / "cf-inventory-1.0.0.schema.json").read_text())


def findings(doc):
    report, _, _ = validate_inventory(json.dumps(doc) if isinstance(doc, dict) else doc)
    return [(f.json_path, f.message) for f in report.errors]


def good():
    return with_lines(inventory(), inputs=[explicit_input("A", 10)], processes=[own_process("P", 5)])


def test_the_example_inventory_is_valid():
    inv = load_inventory(ROOT / "examples" / "cf" / "inventory.json")
    assert len(inv.inputs) == 9 and inv.battery.vehicle_category == "M1"
    assert inv.digest == __import__("hashlib").sha256((ROOT / "examples/cf/inventory.json").read_bytes()).hexdigest()


def test_numbers_are_read_exactly():
    doc = good()
    doc["inputs"][0]["pcf"]["excludingBiogenicUptake"] = 7.5
    inv = parse_inventory(json.dumps(doc).replace("7.5", "0.1000000000000000000001"))
    assert str(inv.inputs[0].pcf.excluding) == "0.1000000000000000000001"


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d["inputs"][0].update(unit="tonnes"), "$.inputs[0].unit", "is not one of"),
        (lambda d: d["inputs"][0].update(quantity=-2), "$.inputs[0].quantity", "less than or equal to the minimum"),
        (lambda d: d["inputs"][0].update(colour="red"), "$.inputs[0]", "colour"),
        (lambda d: d.pop("referenceDate"), "$", "referenceDate"),
        (lambda d: d.update(referenceDate="2026-02-30"), "$.referenceDate", "is not a 'date'"),
        (lambda d: d["battery"].update(category="electric vehicle"), "$.battery.category", "is not one of"),
        (lambda d: d["battery"].pop("vehicleCategory"), "$.battery.vehicleCategory", "vehicleCategory"),
        (lambda d: d["declarant"].update(bpnl="BPNL123"), "$.declarant.bpnl", "does not match"),
        (lambda d: d["inputs"][0]["pcf"].update(pds=100.5), "$.inputs[0].pcf.pds", "greater than the maximum"),
        (
            lambda d: d["inputs"][0].update(pcfCredential={"id": "urn:uuid:x", "digestSRI": "sha384-AAAA"}),
            "$.inputs[0]",
            "both pcfCredential and pcf",
        ),
        (lambda d: d["inputs"][0].pop("pcf"), "$.inputs[0]", "has no footprint"),
        (lambda d: d["processes"][0].update(id="A"), "$.processes[0].id", "already used at $.inputs[0]"),
        (lambda d: d["processes"][0].update(unit="kg"), "$.processes[0].emissionFactor.unit", "cannot take a factor"),
        (
            lambda d: d["processes"][0].pop("emissionFactor"),
            "$.processes[0].emissionFactor",
            "needs its emissionFactor",
        ),
        (lambda d: d["processes"][0].update(activity="electricity"), "$.processes[0].electricity", "electricity block"),
        (
            lambda d: d["processes"][0]["emissionFactor"].update(fossil=7),
            "$.processes[0].emissionFactor.fossil",
            "exceeds the factor value",
        ),
        (lambda d: d["referencePeriod"].update(end="2024-12-31"), "$.referencePeriod.end", "ends before it starts"),
        (
            lambda d: d["inputs"][0]["pcf"].update(declaredUnit="kWh"),
            "$.inputs[0].pcf.declaredUnit",
            "measure different things",
        ),
    ],
)
def test_each_defect_is_named_with_its_json_path(change, path, words):
    doc = good()
    change(doc)
    found = findings(doc)
    assert any(p == path and words in m for p, m in found), found


def test_transport_factors_must_be_per_tonne_kilometre():
    leg = {
        "id": "truck",
        "stage": "distribution",
        "mode": "road",
        "distance": 100,
        "distanceBasis": "actual",
        "mass": 1,
        "massUnit": "t",
        "emissionFactor": {"value": 0.1, "unit": "kg CO2e/kWh", "source": "wrong unit"},
    }
    found = findings(with_lines(good(), transport=[leg]))
    assert any(p == "$.transport[0].emissionFactor.unit" for p, _ in found), found


def test_every_defect_is_reported_at_once_and_nothing_is_built():
    doc = good()
    doc["inputs"][0]["unit"] = "tonnes"
    doc["processes"][0]["id"] = "A"
    doc["battery"]["warrantyYears"] = 0
    with pytest.raises(InventoryError) as caught:
        parse_inventory(json.dumps(doc))
    paths = {f.json_path for f in caught.value.report.errors}
    assert {"$.inputs[0].unit", "$.processes[0].id", "$.battery.warrantyYears"} <= paths
    assert "3 error(s)" in caught.value.detail


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not json", "not JSON"),
        ('{"a": 1, "a": 2}', "duplicate member 'a'"),
        ('{"a": NaN}', "NaN is not JSON"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_unacceptable_json_is_refused(text, words):
    ((path, message),) = findings(text)
    assert path == "$" and words in message


def test_the_schema_is_strict_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] in default_registry()

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    assert all(obj.get("additionalProperties") is False for obj in objects(SCHEMA))


def test_the_schema_units_are_the_units_module_vocabulary():
    assert SCHEMA["$defs"]["QuantityUnit"]["enum"] == list(units.QUANTITY_UNITS)
    assert SCHEMA["$defs"]["FactorUnit"]["enum"] == list(units.FACTOR_UNITS)
    # every unit converts within its dimension through pint, exactly
    assert (
        units.factor("t", "kg") == 1000
        and units.factor("MWh", "kWh") == 1000
        and units.factor("kWh", "MJ") == units.Decimal("3.6")
    )
    assert units.factor("g CO2e/kWh", "kg CO2e/MWh") == 1


def test_conversions_across_dimensions_fail_loudly():
    with pytest.raises(units.UnitMismatchError, match="measure different things"):
        units.factor("kg", "kWh")
    with pytest.raises(units.UnitMismatchError):
        units.emissions(units.Decimal(1), "piece", units.Decimal(1), "kg CO2e/kg")


def test_an_inventory_dict_is_accepted():
    assert parse_inventory(copy.deepcopy(good())).inputs[0].id == "A"
