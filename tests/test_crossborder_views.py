"""Minimised views: what each Annex XIII audience sees, what an export keeps home, the view schemas."""

import copy
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main
from bpvc.crossborder import classification as c
from bpvc.crossborder import view_schema, views
from bpvc.records import MODELS_BY_SCHEMA, footprint, passport
from bpvc.schema import default_registry

PASSPORT = ROOT / "examples" / "passport-6.1.0.json"
FOOTPRINT = ROOT / "examples" / "footprint-8.0.0.json"
P61 = passport.MODELS["6.1.0"].schema_id


def _record():
    return json.loads(PASSPORT.read_text())


def _paths(node, prefix=""):
    """Every template path present in a record."""
    if isinstance(node, list):
        for item in node:
            yield from _paths(item, prefix + "[]")
    elif isinstance(node, dict):
        for name, value in node.items():
            path = f"{prefix}.{name}" if prefix else name
            yield path
            yield from _paths(value, path)


@pytest.mark.parametrize("schema_id", list(MODELS_BY_SCHEMA))
def test_bundled_view_schemas_are_generated_from_the_record_schemas(schema_id):
    bundled = default_registry().get(views.view_schema_id(schema_id)).document
    assert bundled == view_schema.generate(schema_id)


def test_public_view_holds_no_annex_xiii_2_to_4_field():
    table = c.load("passport", P61)
    view = views.build_view(_record(), table, "public")
    present = set(_paths(view["record"]))
    tiered = [f.path for f in table if f.tier != "public"]
    assert tiered
    assert not present & set(tiered)
    assert views.validate_view(view) == []
    withheld = {w["path"] for w in view["withheld"]}
    assert {"handling", "materials.composition", "conformity.resultOfTestReport"} <= withheld


@pytest.mark.parametrize("audience", ["legitimate-interest", "authorities"])
def test_each_audience_sees_exactly_its_tiers(audience):
    table = c.load("passport", P61)
    record = _record()
    view = views.build_view(record, table, audience)
    present = set(_paths(view["record"]))
    allowed = c.AUDIENCES[audience]
    for path in set(_paths(record)):
        assert (path in present) == all(table.get(a).tier in allowed for a in c.ancestors(path)), path


def test_an_export_keeps_withheld_detail_home_and_sends_aggregates():
    table = c.load("passport", P61)
    record = _record()
    view = views.build_view(record, table, "legitimate-interest", export_to="EU")
    assert views.validate_view(view) == []
    assert view["exportTo"] == "EU" and view["viewOf"] == "urn:uuid:" + record["metadata"]["passportIdentifier"]
    assert "composition" not in view["record"]["materials"]
    assert "producer" not in view["record"]["handling"]["content"]
    assert "sparePart" in view["record"]["handling"]["content"]
    aggregates = {a["path"]: a for a in view["aggregates"]}
    assert aggregates["handling.content.producer"]["value"] == len(record["handling"]["content"]["producer"])
    by_location = aggregates["materials.composition"]["value"]
    cathode = sum(m["concentration"] for m in record["materials"]["composition"] if m["location"] == "Cathode")
    assert by_location["Cathode"] == pytest.approx(cathode)
    reasons = {w["path"]: w["reason"] for w in view["withheld"]}
    assert reasons["performance.dynamic"] == "export" and reasons["conformity.resultOfTestReport"] == "tier"
    # the EU side gets the carbon footprint totals, per stage, with the study and declaration links
    assert view["record"]["sustainability"]["carbonFootprint"] == record["sustainability"]["carbonFootprint"]
    domestic = views.build_view(record, table, "legitimate-interest", export_to="CN")
    assert "composition" in domestic["record"]["materials"] and domestic["aggregates"] == []


def test_footprint_export_reduces_the_region_to_its_country():
    record = json.loads(FOOTPRINT.read_text())
    record["pcf"]["geographyCountrySubdivision"] = "CN-SC"
    table = c.load("footprint", footprint.MODEL.schema_id)
    view = views.build_view(record, table, "legitimate-interest", export_to="DE")
    assert "geographyCountrySubdivision" not in view["record"]["pcf"]
    assert {"path": "pcf.geographyCountrySubdivision", "method": "country", "value": "CN"} in view["aggregates"]
    assert view["record"]["pcf"]["pcfExcludingBiogenicUptake"] == record["pcf"]["pcfExcludingBiogenicUptake"]
    assert views.validate_view(view) == []


def test_the_view_schema_still_checks_what_is_there():
    table = c.load("passport", P61)
    view = views.build_view(_record(), table, "public")
    broken = copy.deepcopy(view)
    broken["record"]["identification"]["category"] = "spaceship"
    assert any("identification.category" in e for e in views.validate_view(broken))
    broken = copy.deepcopy(view)
    broken["record"]["invented"] = 1
    assert views.validate_view(broken)


def test_aggregate_methods():
    assert views.aggregate("count", [[1, 2], [3]]) == 3
    assert views.aggregate("sum:v", [[{"v": 1.5}, {"v": 2}]]) == 3.5
    assert views.aggregate("sum:v by k", [[{"v": 1, "k": "a"}, {"v": 2, "k": "a"}, {"v": 4}]]) == {
        "a": 3.0,
        "unspecified": 4.0,
    }
    assert views.aggregate("country", ["CN-SC", "CN-GD"]) == "CN"
    assert views.aggregate("country", ["CN-SC", "DE-BY"]) == ["CN", "DE"]


def test_view_command_writes_a_valid_view(tmp_path):
    out = tmp_path / "view.json"
    runner = CliRunner()
    result = runner.invoke(
        main, ["view", "passport", str(PASSPORT), "--tier", "legitimate-interest", "--export-to", "EU", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    view = json.loads(out.read_text())
    assert view["tier"] == "legitimate-interest" and views.validate_view(view) == []
    assert "withheld" in result.output
    bad = runner.invoke(main, ["view", "passport", str(PASSPORT), "--tier", "everyone"])
    assert bad.exit_code == 2
    missing = runner.invoke(main, ["view", "passport", str(tmp_path / "nope.json"), "--tier", "public"])
    assert missing.exit_code == 2 and "no such file" in missing.output  # a missing input: setup error
