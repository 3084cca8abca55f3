"""``bpvc cf``: the issue's done-when flow (compute with three profiles, issue, verify), exit codes and files."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT

from bpvc.cli.main import main

EXAMPLE = ROOT / "examples" / "cf"
INVENTORY = str(EXAMPLE / "inventory.json")
PCF = str(EXAMPLE / "pcf")
DID_DOC = str(ROOT / "keys.example" / "did.json")
KEYS = str(ROOT / "keys.example")
THREE = ("--profile", "eu-battery-2024-draft", "--profile", "cn-miit-2025", "--profile", "cx-rb4")
CREATED = "2026-10-20T09:00:00Z"
NOW = "2026-11-01T00:00:00Z"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_done_when_compute_prints_the_three_profiles_side_by_side():
    result = run("cf", "compute", INVENTORY, *THREE, "--pcf", PCF, "--did-doc", DID_DOC)
    assert result.exit_code == 0, result.output
    header, declared = result.stdout.splitlines()[2:4]
    assert header.split() == ["eu-battery-2024-draft", "1.0.0", "cn-miit-2025", "1.0.0", "cx-rb4", "1.0.0"]
    assert declared.split()[2:] == [
        "0.1921",
        "kg",
        "CO2e/kWh",
        "0.1921",
        "kg",
        "CO2e/kWh",
        "5120.894",
        "kg",
        "CO2e/piece",
    ]
    assert "7 verified" in result.stdout
    assert "does not recognise ppa supply" in result.stdout  # the EU draft's electricity rule, named


def test_compute_json_has_the_documented_keys():
    result = run(
        "cf", "compute", INVENTORY, "--profile", "eu-battery-2024-draft", "--pcf", PCF, "--did-doc", DID_DOC, "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "declared_kg_co2e_per_kwh",
        "e_total_kwh",
        "total_kg_co2e",
        "stages",
        "pds",
        "dqr",
        "verification_share",
        "cut_off",
        "warnings",
        "profile",
        "inputs",
    ):
        assert key in data
    assert data["profile"]["id"] == "eu-battery-2024-draft" and data["profile"]["version"] == "1.0.0"
    assert data["e_total_kwh"] == "36624.000"  # 76.3 kWh x 60 FEqC x 8 years
    assert set(data["stages"]["raw_material"]) >= {"kg_co2e", "kg_co2e_per_kwh"}
    cathode = data["inputs"][0]
    assert cathode["line"] == "cathode" and cathode["credential_id"].startswith("urn:uuid:")
    assert cathode["digest"].startswith("sha384-") and cathode["contribution_kg_co2e"] == "1614.890"


def test_several_profiles_in_json():
    result = run("cf", "compute", INVENTORY, *THREE, "--pcf", PCF, "--did-doc", DID_DOC, "--json")
    assert [r["profile"]["id"] for r in json.loads(result.stdout)["results"]] == [
        "eu-battery-2024-draft",
        "cn-miit-2025",
        "cx-rb4",
    ]


def test_the_html_report(tmp_path):
    report = tmp_path / "cf.html"
    result = run("cf", "compute", INVENTORY, *THREE, "--pcf", PCF, "--did-doc", DID_DOC, "--report", report)
    assert result.exit_code == 0
    page = report.read_text()
    assert "default-src 'none'" in page and "<script" not in page.lower()
    assert page.count("<svg") == 4  # the stage chart and one top-contributor chart per profile
    assert page.count('class="badge passed">Verified') == 7


def test_issue_then_verify_reproduces_every_digit(tmp_path):
    out = tmp_path / "declaration.json"
    issued = run(
        "cf",
        "issue",
        INVENTORY,
        "--profile",
        "eu-battery-2024-draft",
        "--pcf",
        PCF,
        "--did-doc",
        DID_DOC,
        "--key",
        KEYS,
        "--created",
        CREATED,
        "-o",
        out,
    )
    assert issued.exit_code == 0, issued.output
    assert "declared 0.1921 kg CO2e/kWh" in issued.stderr
    verified = run("cf", "verify", out, "--inventory", INVENTORY, "--pcf", PCF, "--did-doc", DID_DOC, "--now", NOW)
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.splitlines()[-1].startswith("REPRODUCED: 0.1921 kg CO2e/kWh")
    # the declaration is an ordinary credential too, given bpvc's declaration context
    from bpvc.cf.declaration import CONTEXT_URL, context_file

    plain = run("verify", out, "--did-doc", DID_DOC, "--context", f"{CONTEXT_URL}={context_file()}", "--now", NOW)
    assert plain.exit_code == 0 and plain.stdout.strip().endswith("VERIFIED")


def test_a_jwt_declaration(tmp_path):
    out = tmp_path / "declaration.jwt"
    issued = run(
        "cf",
        "issue",
        INVENTORY,
        "--profile",
        "cx-rb4",
        "--pcf",
        PCF,
        "--did-doc",
        DID_DOC,
        "--key",
        KEYS,
        "--format",
        "jwt",
        "--created",
        CREATED,
        "-o",
        out,
    )
    assert issued.exit_code == 0, issued.output
    assert out.read_text().startswith("ey")
    verified = run("cf", "verify", out, "--inventory", INVENTORY, "--pcf", PCF, "--did-doc", DID_DOC, "--now", NOW)
    assert verified.exit_code == 0, verified.output


def test_verify_names_a_changed_inventory(tmp_path):
    out = tmp_path / "declaration.json"
    run(
        "cf",
        "issue",
        INVENTORY,
        "--profile",
        "eu-battery-2024-draft",
        "--pcf",
        PCF,
        "--did-doc",
        DID_DOC,
        "--key",
        KEYS,
        "--created",
        CREATED,
        "-o",
        out,
    )
    changed = json.loads((EXAMPLE / "inventory.json").read_text())
    changed["inputs"][0]["quantity"] = 168
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(changed))
    verified = run("cf", "verify", out, "--inventory", inventory, "--pcf", PCF, "--did-doc", DID_DOC, "--now", NOW)
    assert verified.exit_code == 1
    assert "problem    the inventory is not the one declared" in verified.stdout
    assert "difference $.credentialSubject.declaration.declared_kg_co2e_per_kwh" in verified.stdout
    assert "(line cathode).contribution_kg_co2e" in verified.stdout
    assert verified.stdout.splitlines()[-1].startswith("NOT REPRODUCED")


def test_an_undecided_result_signs_nothing(tmp_path):
    pcf = tmp_path / "pcf"
    shutil.copytree(PCF, pcf)
    (pcf / "bms.vc.json").unlink()
    out = tmp_path / "declaration.json"
    computed = run("cf", "compute", INVENTORY, "--pcf", pcf, "--did-doc", DID_DOC)
    assert computed.exit_code == 1
    assert "undecided  [eu-battery-2024-draft] input bms: the credential urn:uuid:" in computed.stdout
    issued = run(
        "cf",
        "issue",
        INVENTORY,
        "--profile",
        "eu-battery-2024-draft",
        "--pcf",
        pcf,
        "--did-doc",
        DID_DOC,
        "--key",
        KEYS,
        "--created",
        CREATED,
        "-o",
        out,
    )
    assert issued.exit_code == 1 and "nothing was signed" in issued.output
    assert not out.exists() and list(tmp_path.iterdir()) == [pcf]


def test_a_supplier_credential_without_its_did_document_is_undecided():
    result = run("cf", "compute", INVENTORY, "--pcf", PCF)
    assert result.exit_code == 1
    assert "UNDECIDED" in result.stdout


def test_allow_unverified_excludes_a_failing_input_and_says_so(tmp_path):
    pcf = tmp_path / "pcf"
    shutil.copytree(PCF, pcf)
    tampered = (
        (pcf / "bms.vc.json")
        .read_text()
        .replace('"pcfExcludingBiogenicUptake": 58.6', '"pcfExcludingBiogenicUptake": 5.86')
    )
    (pcf / "bms.vc.json").write_text(tampered)
    args = ("cf", "compute", INVENTORY, "--pcf", pcf, "--did-doc", DID_DOC, "--json")
    refused = json.loads(run(*args).stdout)
    assert not refused["decided"] and refused["problems"][0].startswith("input bms: the credential")
    result = run(*args, "--allow-unverified")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["decided"] and data["excluded_inputs"] == ["bms"]
    assert any(w.startswith("input bms EXCLUDED as unverified") for w in data["warnings"])
    assert "bms" in data["cut_off"]["lines"]  # its claimed 5.86 kg counts against the cut-off
    # a credential that is missing altogether cannot even be counted: still undecided
    (pcf / "bms.vc.json").unlink()
    missing = json.loads(run(*args, "--allow-unverified").stdout)
    assert not missing["decided"] and "cannot be counted" in missing["problems"][0]


def test_an_invalid_inventory_exits_1_naming_every_defect_and_writes_nothing(tmp_path):
    doc = json.loads((EXAMPLE / "inventory.json").read_text())
    doc["inputs"][1]["unit"] = "tonnes"
    doc["battery"]["usableEnergyKwh"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    report = tmp_path / "cf.html"
    result = run("cf", "compute", bad, "--pcf", PCF, "--did-doc", DID_DOC, "--report", report)
    assert result.exit_code == 1
    assert "$.inputs[1].unit" in result.stderr and "$.battery.usableEnergyKwh" in result.stderr
    assert "Traceback" not in result.output and not report.exists()
    assert run("cf", "validate", bad).exit_code == 1
    assert run("cf", "validate", INVENTORY).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("cf", "compute", INVENTORY, "--profile", "no-such-profile"),
        ("cf", "compute", INVENTORY, "--pcf", "/nonexistent/folder"),
        ("cf", "compute", "/nonexistent/inventory.json"),
        ("cf", "compute", INVENTORY, "--pcf", PCF, "--did-doc", "/nonexistent/did.json"),
        ("cf", "compute", INVENTORY, "--profile", "cx-rb4", "--profile", "cx-rb4"),
        ("cf", "issue", INVENTORY, "--profile", "cx-rb4", "--key", "/nonexistent/key"),
        ("cf", "issue", INVENTORY, "--profile", "cx-rb4", "--key", KEYS, "--envelope"),
    ],
)
def test_usage_and_setup_errors_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_a_user_profile_file(tmp_path):
    text = (ROOT / "src" / "bpvc" / "data" / "cf-profiles" / "cx-rb4.toml").read_text()
    mine = tmp_path / "my-rb4.toml"
    mine.write_text(
        text.replace('id = "cx-rb4"', 'id = "my-rb4"').replace("threshold_percent = 3", "threshold_percent = 0.1")
    )
    result = run("cf", "compute", INVENTORY, "--profile", mine, "--pcf", PCF, "--did-doc", DID_DOC, "--json")
    data = json.loads(result.stdout)
    assert data["profile"]["id"] == "my-rb4" and data["cut_off"]["passed"] is False and result.exit_code == 1


def test_profiles_lists_the_open_parameters():
    result = run("cf", "profiles")
    assert result.exit_code == 0
    assert "eu-battery-2024-draft 1.0.0" in result.stdout and "energy.km_per_year" in result.stdout
