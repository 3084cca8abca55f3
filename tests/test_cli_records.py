"""The record commands: validate, issue passport|footprint, schema fields, qr; and the quick start's main job."""

import json
import os
import stat

import pytest
from click.testing import CliRunner
from conftest import ROOT, need_reference

from bpvc.cli.main import main

PASSPORT = str(ROOT / "examples" / "passport-6.1.0.json")
FOOTPRINT = str(ROOT / "examples" / "footprint-8.0.0.json")
KEYS = str(ROOT / "keys.example")
DID_DOC = str(ROOT / "keys.example" / "did.json")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_quick_start_issues_the_example_passport_and_verifies_it(tmp_path):
    out = tmp_path / "passport.vc.json"
    issued = run("issue", "passport", PASSPORT, "--key", KEYS, "--created", "2027-02-01T00:00:00Z", "-o", out)
    assert issued.exit_code == 0, issued.output
    vc = json.loads(out.read_text())
    assert vc["type"] == ["VerifiableCredential", "BatteryPassportCredential"]
    assert vc["issuer"] == "did:web:battery-maker.example"
    assert stat.S_IMODE(os.stat(out).st_mode) & 0o044  # a credential is for sharing, not 0600
    verified = run("verify", out, "--did-doc", DID_DOC, "--now", "2027-03-01T00:00:00Z")
    assert verified.exit_code == 0, verified.output
    assert "schema         passed" in verified.output


@pytest.mark.parametrize("kind, path", [("passport", PASSPORT), ("footprint", FOOTPRINT)])
def test_examples_are_valid(kind, path):
    result = run("validate", kind, path)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("valid")


def test_validate_sample_names_the_impossible_date():
    sample = need_reference("samples", "catenax", "io.catenax.battery.battery_pass_6.1.0_BatteryPass.json")
    result = run("validate", "passport", sample, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [e["json_path"] for e in report["errors"]] == ["$.operation.intoServiceDate"]


def test_issue_refuses_an_invalid_record_and_writes_nothing(tmp_path):
    record = json.loads(open(PASSPORT).read())
    record["identification"]["category"] = "electric vehicle"
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(record))
    out = tmp_path / "vc.json"
    result = run("issue", "passport", src, "--key", KEYS, "-o", out)
    assert result.exit_code == 1
    assert "$.identification.category" in result.output and "nothing was signed" in result.output
    assert not out.exists()


def test_issue_footprint_from_pcf_9_and_pact(tmp_path):
    for name, source in (("catenax/io.catenax.pcf_9.0.0_Pcf.json", None),):
        path = need_reference("samples", *name.split("/"))
        out = tmp_path / "pcf.vc.json"
        args = ["issue", "footprint", path, "--key", KEYS, "-o", out] + (["--from", source] if source else [])
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "converted pcf-9" in result.output
        assert json.loads(out.read_text())["type"][1] == "ProductCarbonFootprintCredential"


def test_issue_footprint_refuses_pact_v3_invalid_example_naming_both_defects():
    path = need_reference("samples", "pact", "v3_invalid-response-all-properties.json")
    result = run("issue", "footprint", path, "--key", KEYS)
    assert result.exit_code == 1
    assert "updated '2025-1-08T14:47:32Z' is not an RFC 3339 date-time" in result.output
    assert "packagingEmissionsIncluded is not true" in result.output


def test_validate_pcf_7_with_too_many_exempted_emissions_names_the_field(tmp_path):
    record = json.loads(need_reference("samples", "catenax", "io.catenax.pcf_7.0.0_Pcf.json").read_text())
    record["pcf"]["exemptedEmissionsPercent"] = 6
    src = tmp_path / "pcf7.json"
    src.write_text(json.dumps(record))
    result = run("validate", "footprint", src, "--json")
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert errors[0]["json_path"].endswith("exemptedEmissionsPercent")


def test_schema_fields_by_tier():
    result = run("schema", "fields", "passport", "--tier", "authorities", "--json")
    rows = json.loads(result.output)
    assert rows and all(r["tier"] == "authorities" for r in rows)
    assert "conformity.resultOfTestReport" in {r["path"] for r in rows}


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_qr_code_encodes_the_passport_link(tmp_path, suffix):
    vc = tmp_path / "vc.json"
    run("issue", "passport", PASSPORT, "--key", KEYS, "-o", vc)
    subject_id = json.loads(vc.read_text())["credentialSubject"]["id"]
    out = tmp_path / f"qr{suffix}"
    missing = run("qr", vc, "-o", out)
    assert missing.exit_code == 2 and "--resolver" in missing.output  # a usage error: the URN needs a resolver
    http = run("qr", vc, "-o", out, "--resolver", "http://id.battery-maker.example/")
    assert http.exit_code == 2 and "https" in http.output and not out.exists()
    result = run("qr", vc, "-o", out, "--resolver", "https://id.battery-maker.example/")
    assert result.exit_code == 0, result.output
    expected = f"https://id.battery-maker.example/{subject_id}"
    if suffix == ".svg":
        assert out.read_text().lstrip().startswith("<?xml") or "<svg" in out.read_text()
        return
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR code independently")
    image = pytest.importorskip("PIL.Image")
    decoded = [r.text for r in zxingcpp.read_barcodes(image.open(out).convert("L"))]
    assert decoded == [expected]
