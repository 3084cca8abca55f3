"""Records derived from a result validate against bpvc's schemas; WE-6 as a consistency check; the report page."""

from __future__ import annotations

import copy
import json

import pytest
from cf_helpers import explicit_input, inventory, own_process, with_lines
from conftest import ROOT, load, need_reference

from bpvc.cf import bundled_profile, compute, parse_inventory
from bpvc.cf import records as derived
from bpvc.cf.report import render_html
from bpvc.records import component_pcf, footprint, passport, pcf_import

EU = bundled_profile("eu-battery-2024-draft")
CX = bundled_profile("cx-rb4")
PCF_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
CREATED = "2026-10-20T09:00:00Z"


def car(**battery):
    doc = with_lines(
        inventory(**battery),
        inputs=[explicit_input("materials", 4000, pds=40, dqr=2.0, share=90)],
        processes=[
            own_process("cell-and-pack", 1800, stage="production", primary=True, verified=100),
            own_process("shipping", 60, stage="distribution"),
            own_process("recycling", 140, stage="end_of_life"),
        ],
    )
    doc["verification"] = {"ownStepThirdPartyVerified": True}
    doc["links"] = {"publicStudy": "https://battery-maker.example/cf/study.pdf"}
    return parse_inventory(doc)


def test_the_catena_x_pcf_record_validates_against_the_8_0_0_schema():
    inv = car()
    result = compute(inv, {}, EU)
    record = derived.catena_x_pcf(result, inv, pcf_id=PCF_ID, created=CREATED)
    report = footprint.validate(record, source="pcf-8")
    assert report.valid, report.errors
    pcf = record["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["pcfExcludingBiogenicUptake"]) == ("piece", 5800.0)  # cradle to gate
    assert pcf["distributionStagePcfExcludingBiogenicUptake"] == 60.0
    # PDS over the cradle-to-gate lines only: (4000 x 40 + 1800 x 100) / 5800
    assert pcf["primaryDataShare"] == 58.62
    assert (
        record["validityPeriodStart"] == "2026-10-15T00:00:00Z"
        and record["validityPeriodEnd"] == "2027-10-14T23:59:59Z"
    )


def test_the_9_0_0_record_imports_back_to_the_8_0_0_record():
    inv = car()
    record = derived.catena_x_pcf(compute(inv, {}, CX), inv, pcf_id=PCF_ID, created=CREATED)
    nine = derived.catena_x_pcf_9(record)
    assert nine["scopeOfPcfForm"][0]["specVersion"] == "urn:io.catenax.pcf:datamodel:version:9.0.0"
    imported = pcf_import.normalize(nine, "pcf-9")
    assert imported.record == record
    assert footprint.validate(nine).valid


def test_the_9_0_0_record_validates_against_the_published_schema():
    from jsonschema import Draft4Validator

    schema = load(need_reference("samples", "catenax", "io.catenax.pcf_9.0.0_Pcf-schema.json"))
    inv = car()
    nine = derived.catena_x_pcf_9(derived.catena_x_pcf(compute(inv, {}, CX), inv, pcf_id=PCF_ID, created=CREATED))
    errors = [e.message for e in Draft4Validator(schema).iter_errors(nine)]
    assert errors == []


def test_the_battery_pass_section_validates_inside_a_passport():
    inv = car()
    result = compute(inv, {}, EU)
    entries = derived.battery_pass_carbon_footprint(
        result, inv, declaration_id="urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    )
    assert [e["value"] for e in entries] == [0.1667, 0.1111, 0.05, 0.0017, 0.0039]  # WE-4's car
    record = json.loads((ROOT / "examples" / "passport-6.1.0.json").read_text())
    record["sustainability"]["carbonFootprint"] = entries
    report = passport.validate(record)
    assert report.valid, report.errors
    assert not [f for f in report.warnings if f.json_path.startswith("$.sustainability")]


def test_no_battery_pass_section_for_a_per_piece_profile():
    inv = car()
    assert derived.battery_pass_carbon_footprint(compute(inv, {}, CX), inv, declaration_id="urn:x") == []


def cell_inventory():
    doc = copy.deepcopy(car().document)
    doc["battery"]["productType"] = "cell"
    doc["product"].update(manufacturerPartId="XL-C230-LFP", customerPartId="PRT-12345")
    doc["declarant"]["plant"]["bpns"] = "BPNS00000003XNYC"
    for line in doc["inputs"]:
        line["pcf"]["excludingBiogenicUptake"] = float(line["pcf"]["excludingBiogenicUptake"])
    return parse_inventory(json.loads(json.dumps(doc, default=float)))


def test_we6_the_component_record_stages_add_up_to_its_total():
    inv = cell_inventory()
    record = derived.component_record(compute(inv, {}, EU), inv)
    shares = record["pcfValues"]["sharesPerStage"]
    assert shares["absPcfValue"]["stageValue"] == 6000.0
    assert sum(shares[name]["stageValue"] for name in component_pcf.STAGES) == 6000.0
    report = component_pcf.validate(record)
    assert report.errors == ()
    assert [f.check for f in report.warnings] == ["issuable"]  # bpvc validates this model but does not issue it


def test_we6_the_published_sample_does_not_add_up():
    sample = load(
        need_reference(
            "samples",
            "catenax",
            "io.catenax.pcf_for_battery_component_supplier_1.0.0_PcfForBatteryComponentSupplier.json",
        )
    )
    errors = [f for f in component_pcf.validate(sample).errors if f.check == "stage-sum"]
    assert len(errors) == 1 and "sum to 12.56" in errors[0].message and "3.14" in errors[0].message


def test_a_pack_gets_no_component_record():
    inv = car()
    assert derived.component_record(compute(inv, {}, EU), inv) is None


def test_a_record_that_breaks_its_model_is_refused_before_signing():
    inv = car()
    result = compute(inv, {}, EU)
    record = derived.catena_x_pcf(result, inv, pcf_id="not-a-uuid", created=CREATED)
    problems = derived.record_problems(record, [], None)
    assert problems and "id" in problems[0]


# -- the report ------------------------------------------------------------------------------------


def test_the_report_is_self_contained_and_escapes_supplier_text():
    doc = copy.deepcopy(car().document)
    doc["inputs"][0]["description"] = '<script>alert(1)</script><img src="https://evil.example/x.png">'
    inv = parse_inventory(json.loads(json.dumps(doc, default=float)))
    page = render_html(inv, [compute(inv, {}, EU), compute(inv, {}, CX)], {})
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    assert "https://evil.example" not in page.replace("&quot;https://evil.example", "")
    assert page.count("<svg") == 3 and "Top contributors under cx-rb4 1.0.0" in page


@pytest.mark.parametrize("profile", [EU, CX])
def test_the_report_lists_every_line(profile):
    inv = car()
    page = render_html(inv, [compute(inv, {}, profile)], {})
    for line in ("materials", "cell-and-pack", "shipping", "recycling"):
        assert f'<span class="mono">{line}</span>' in page
