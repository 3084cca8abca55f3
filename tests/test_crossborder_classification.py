"""The field classification: tiers from the schemas, China class and export action, operator overrides."""

import json

import pytest
from click.testing import CliRunner

from bpvc.cli.main import main
from bpvc.crossborder import classification as c
from bpvc.records import footprint, passport
from bpvc.schema import fields

P61 = passport.MODELS["6.1.0"].schema_id
P60 = passport.MODELS["6.0.0"].schema_id
PCF = footprint.MODEL.schema_id


@pytest.mark.parametrize("schema_id", [P61, P60])
def test_every_passport_field_keeps_its_schema_tier(schema_id):
    table = c.load("passport", schema_id)
    schema_fields = fields(schema_id)
    assert [f.path for f in table] == [f.path for f in schema_fields]
    for f in schema_fields:
        assert table.get(f.path).tier == f.tier, f.path


def test_classes_and_actions_inherit_down_the_tree():
    table = c.load("passport", P61)
    leaf = table.get("materials.composition[].id[].name")
    assert (leaf.china_class, leaf.scenario, leaf.action, leaf.aggregate) == (
        "important-data-candidate",
        "production-and-manufacturing",
        "aggregate",
        "sum:concentration by location",
    )
    assert table.get("handling.content.sparePart").action == "export"
    assert table.get("handling.content.producer[].id").action == "aggregate"
    assert table.get("operation.intoServiceDate").china_class == "personal-information"
    assert table.get("identification.chemistry").china_class == "ordinary"


@pytest.mark.parametrize("kind, schema_id", [("passport", P61), ("passport", P60), ("footprint", PCF)])
def test_no_restricted_field_lies_outside_a_disclosable_unit(kind, schema_id):
    """Every non-public or not-exported field is concealed by a unit at or above it (so it is never plain)."""
    table = c.load(kind, schema_id)
    units = set(table.units())
    restricted = [f for f in table if f.restricted]
    assert restricted
    for f in restricted:
        assert any(a in units for a in c.ancestors(f.path)), f.path
    for unit in units:
        assert table.get(unit).restricted


def test_a_withheld_field_inside_a_disclosable_object_is_its_own_unit():
    units = c.load("passport", P61).units()
    assert "handling" in units and "handling.content.producer" in units
    assert "materials.composition" in units and "materials.composition[].concentration" not in units


def test_audiences_follow_annex_xiii():
    table = c.load("passport", P61)
    public = set(table.allowed_units("public"))
    li = set(table.allowed_units("legitimate-interest"))
    auth = set(table.allowed_units("authorities"))
    assert public == set()
    assert "performance.dynamic" in li and "performance.dynamic" not in auth  # Annex XIII(4)
    assert "conformity.resultOfTestReport" in auth and "conformity.resultOfTestReport" not in li  # (3)
    exported = set(table.allowed_units("legitimate-interest", export=True))
    assert "performance.dynamic" not in exported and "handling.content.producer" not in exported
    assert "handling" in exported


def test_footprint_tiers_come_from_the_classification():
    table = c.load("footprint", PCF)
    assert table.get("pcf.pcfExcludingBiogenicUptake").tier == "public"
    assert table.get("pcf.fossilGhgEmissions").tier == "legitimate-interest"
    assert table.get("pcf.geographyCountrySubdivision").aggregate == "country"


def test_an_operator_file_overrides_entry_by_entry(tmp_path):
    override = tmp_path / "mine.json"
    override.write_text(
        json.dumps(
            {
                "passport": {
                    "fields": {
                        "operation.manufacturer.facility": {
                            "chinaClass": "important-data-candidate",
                            "scenario": "production-and-manufacturing",
                            "action": "withhold",
                        }
                    }
                }
            }
        )
    )
    table = c.load("passport", P61, override=override)
    assert table.get("operation.manufacturer.facility[].facility").action == "withhold"
    assert "operation.manufacturer.facility" in table.units()
    assert table.get("materials.composition").action == "aggregate"  # bundled entries stay


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"fields": {"identification.nope": {"action": "withhold"}}}, "identification.nope is not a field"),
        ({"fields": {"identification.chemistry": {"chinaClass": "secret"}}}, "'secret' is not one of"),
        ({"fields": {"identification.chemistry": {"chinaClass": "important-data-candidate"}}}, "needs its scenario"),
        ({"fields": {"identification.chemistry": {"action": "aggregate", "aggregate": "median"}}}, "'median'"),
        ({"fields": {"identification.chemistry": {"colour": "red"}}}, "unknown member"),
        ({"default": {"action": "leak"}}, "'leak' is not one of"),
    ],
)
def test_a_bad_override_is_refused_naming_the_entry(entry, message):
    with pytest.raises(c.ClassificationError, match=message):
        c.load("passport", P61, override={"passport": entry})


def test_retention_is_at_least_three_years():
    assert c.load("passport", P61).retention_years == 3
    with pytest.raises(c.ClassificationError, match="retentionYears"):
        c.load("passport", P61, override={"retentionYears": 1})


def test_schema_fields_shows_tier_china_class_and_action(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["schema", "fields", "passport", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["path"]: r for r in json.loads(result.output)}
    assert rows["performance.dynamic"]["tier"] == "individual-battery"
    assert rows["performance.dynamic"]["chinaClass"] == "important-data-candidate"
    assert rows["performance.dynamic"]["scenario"] == "connected-operation"
    assert rows["performance.dynamic"]["action"] == "withhold"
    text = runner.invoke(main, ["schema", "fields", "passport", "--tier", "legitimate-interest"]).output
    line = next(row for row in text.splitlines() if row.startswith("materials.composition "))
    assert "important-data-candidate/production-and-manufacturing" in line and "aggregate(" in line
    bad = tmp_path / "bad.json"
    bad.write_text('{"passport": {"fields": {"no.such": {"action": "withhold"}}}}')
    refused = runner.invoke(main, ["schema", "fields", "passport", "--classification", str(bad)])
    assert refused.exit_code == 2 and "no.such is not a field" in refused.output
