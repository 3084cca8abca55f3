"""Published payloads of models bpvc validates but does not issue: refused for their stated reasons.

Battery Pass consortium 1.2.0 aspects (domain notes §10 case 4) and Catena-X
pcf_for_battery_component_supplier 1.0.0 (case 11); plus the reader that reports a UTF-16 file.
"""

import copy
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT, load, need_reference

from bpvc.cli.main import main
from bpvc.errors import MalformedError
from bpvc.records import component_pcf, consortium, footprint, passport

CONSORTIUM = ("samples", "batterypass-consortium")
COMPONENT = (
    "samples",
    "catenax",
    "io.catenax.pcf_for_battery_component_supplier_1.0.0_PcfForBatteryComponentSupplier.json",
)
KEYS = str(ROOT / "keys.example")
BOM_REASON = "the file is UTF-16LE with a byte order mark; JSON must be UTF-8"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _consortium(name):
    return consortium.read_record(need_reference(*CONSORTIUM, name))


def _errors(report):
    return {(f.check, f.json_path): f.message for f in report.errors}


def _web_links(node):
    """The record with every non-web link replaced by an https one."""
    if isinstance(node, dict):
        return {k: _web_links(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_web_links(v) for v in node]
    if isinstance(node, str) and node.startswith(("telnet://", "ftp://")):
        return "https://battery-maker.example/docs/study.pdf"
    return node


def _write_utf8(tmp_path, name, record):
    path = tmp_path / name
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


# -- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CarbonFootprintForBatteries-payload.json", "Circularity.json"])
def test_the_consortium_files_are_utf16_with_a_bom_and_still_read(name):
    record, problem = _consortium(name)
    assert isinstance(record, dict) and record
    assert problem.startswith(BOM_REASON) and "RFC 8259" in problem


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b'{"a": 1}', None),
        (b'\xef\xbb\xbf{"a": 1}', "UTF-8 byte order mark"),
        ('{"a": 1}'.encode("utf-16-le"), "UTF-16LE (without a byte order mark)"),
        ('{"a": 1}'.encode("utf-16-be"), "UTF-16BE (without a byte order mark)"),
        (b"\xfe\xff" + '{"a": 1}'.encode("utf-16-be"), "UTF-16BE with a byte order mark"),
        ('{"a": 1}'.encode("utf-32"), "UTF-32LE with a byte order mark"),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "utf16be-bom", "utf32-bom"],
)
def test_read_record_names_the_encoding(tmp_path, raw, problem):
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    record, found = consortium.read_record(path)
    assert record == {"a": 1}
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize(
    "raw, detail",
    [
        (b'{"a": ', "not valid JSON"),
        (b'{"a": NaN}', "NaN is not JSON"),
        (b'{"a": 1e999}', "beyond the range"),
        (b'{"a": 1, "a": 2}', "duplicate member 'a'"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
        (b"\xff\xfe{\x00\x00\xd8", "not valid UTF-16LE"),
    ],
    ids=["syntax", "nan", "overflow", "duplicate", "bad-utf8", "bad-utf16"],
)
def test_read_record_refuses_what_is_not_json(tmp_path, raw, detail):
    path = tmp_path / "r.json"
    path.write_bytes(raw)
    with pytest.raises(MalformedError, match=detail):
        consortium.read_record(path)


# -- Battery Pass consortium 1.2.0 ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, aspect",
    [
        ("CarbonFootprintForBatteries-payload.json", "CarbonFootprintForBatteries"),
        ("Circularity.json", "Circularity"),
        ("GeneralProductInformation-payload.json", "GeneralProductInformation"),
        ("Labeling-payload.json", "Labeling"),
        ("MaterialComposition-payload.json", "MaterialComposition"),
        ("PerformanceAndDurability-payload.json", "PerformanceAndDurability"),
        ("SupplyChainDueDiligence-payload.json", "SupplyChainDueDiligence"),
    ],
)
def test_consortium_aspects_are_recognised_and_refused(name, aspect):
    record, problem = _consortium(name)
    assert consortium.detect(record) == aspect
    report = passport.validate(record, encoding_problem=problem)
    assert report.kind == "passport" and report.model == f"batterypass-consortium 1.2.0 {aspect}"
    assert not report.valid and report.errors


def test_other_models_are_not_taken_for_consortium_aspects():
    assert consortium.detect(load(ROOT / "examples" / "passport-6.1.0.json")) is None
    assert consortium.detect(load(ROOT / "examples" / "footprint-8.0.0.json")) is None
    assert consortium.detect({"labels": []}) is None
    assert consortium.detect([1, 2]) is None


def test_consortium_carbon_footprint_names_each_stated_reason():
    record, problem = _consortium("CarbonFootprintForBatteries-payload.json")
    errors = _errors(passport.validate(record, encoding_problem=problem))
    assert errors[("encoding", "$")].startswith(BOM_REASON)
    for path in (
        "$.batteryCarbonFootprint",
        "$.absoluteCarbonFootprint",
        "$.carbonFootprintPerLifecycleStage[0].carbonFootprint",
    ):
        message = errors[("carbon-footprint", path)]
        assert "-1.7976931348623157e+308" in message and ">= 0" in message
    link = errors[("web-link", "$.carbonFootprintStudy")]
    assert "'telnet'" in link and "https or http" in link
    assert len(errors) == 5


def test_consortium_circularity_names_each_stated_reason():
    record, problem = _consortium("Circularity.json")
    errors = _errors(passport.validate(record, encoding_problem=problem))
    assert errors[("encoding", "$")].startswith(BOM_REASON)
    shares = errors[("recycled-content", "$.recycledContent[0]")]
    assert "54.426945" in shares and "56.890068" in shares and "111.317013 %" in shares and "100 %" in shares
    assert "2.490925e+38" in errors[("percentage", "$.renewableContent")]
    assert "'telnet'" in errors[("web-link", "$.dismantlingAndRemovalInformation[0].documentURL")]
    assert "'telnet'" in errors[("web-link", "$.endOfLifeInformation.informationOnCollection")]
    assert "'ftp'" in errors[("web-link", "$.endOfLifeInformation.separateCollection")]
    assert "'ftp'" in errors[("web-link", "$.sparePartSources[0].supplierWebAddress")]
    assert len(errors) == 7


def test_fixed_consortium_copies_have_no_errors_but_cannot_be_issued(tmp_path):
    cf, _ = _consortium("CarbonFootprintForBatteries-payload.json")
    cf = _web_links(cf)
    cf["batteryCarbonFootprint"] = 67.3
    cf["absoluteCarbonFootprint"] = 5200.0
    cf["carbonFootprintPerLifecycleStage"][0]["carbonFootprint"] = 48.1
    circ, _ = _consortium("Circularity.json")
    circ = _web_links(circ)
    circ["recycledContent"][0].update(preConsumerShare=8.5, postConsumerShare=12.0)
    circ["renewableContent"] = 3.2
    for name, record in (("cf.json", cf), ("circularity.json", circ)):
        reread, problem = consortium.read_record(_write_utf8(tmp_path, name, record))
        assert problem is None
        report = passport.validate(reread, encoding_problem=problem)
        assert report.errors == ()
        assert [w.check for w in report.warnings] == ["issuable"]
        assert report.record is None and not report.valid  # nothing for `bpvc issue passport` to sign


@pytest.mark.parametrize(
    "edit, check, path",
    [
        (lambda r: r.update(carbonFootprintStudy="mailto:study@example.org"), "web-link", "$.carbonFootprintStudy"),
        (lambda r: r.update(batteryCarbonFootprint="67.3"), "carbon-footprint", "$.batteryCarbonFootprint"),
        (
            lambda r: r["carbonFootprintPerLifecycleStage"].append(dict(r["carbonFootprintPerLifecycleStage"][0])),
            "carbon-footprint",
            "$.carbonFootprintPerLifecycleStage[1].lifecycleStage",
        ),
        (lambda r: r.pop("carbonFootprintPerformanceClass"), "required", "$.carbonFootprintPerformanceClass"),
    ],
    ids=["mailto-study", "string-value", "stage-twice", "missing-class"],
)
def test_consortium_carbon_footprint_rules(edit, check, path):
    record, _ = _consortium("CarbonFootprintForBatteries-payload.json")
    record = _web_links(record)
    record.update(batteryCarbonFootprint=67.3, absoluteCarbonFootprint=5200.0)
    record["carbonFootprintPerLifecycleStage"][0]["carbonFootprint"] = 48.1
    edit(record)
    assert [(f.check, f.json_path) for f in passport.validate(record).errors] == [(check, path)]


def test_an_email_address_is_not_taken_for_a_link():
    assert consortium.link_problem("emailAddress", "someone@example.org") is None
    assert consortium.link_problem("webAddress", "http://example.org") is None
    assert "'ftp'" in consortium.link_problem("webAddress", "ftp://example.org")
    assert "'telnet'" in consortium.link_problem("note", "telnet://192.0.2.16:80/")


def test_a_catena_x_passport_in_utf16_is_refused_for_its_encoding(tmp_path):
    record = load(ROOT / "examples" / "passport-6.1.0.json")
    path = tmp_path / "passport-utf16.json"
    path.write_bytes(json.dumps(record).encode("utf-16"))  # with a BOM, in native (little-endian) order
    reread, problem = consortium.read_record(path)
    report = passport.validate(reread, encoding_problem=problem)
    assert report.model == "6.1.0"
    assert [(f.check, f.json_path) for f in report.errors] == [("encoding", "$")]
    result = run("validate", "passport", path)
    assert result.exit_code == 1 and BOM_REASON in result.output


# -- Catena-X pcf_for_battery_component_supplier 1.0.0 --------------------------------------------


def _component():
    record, problem = consortium.read_record(need_reference(*COMPONENT))
    assert problem is None
    return record


def _fixed_component():
    record = copy.deepcopy(_component())
    shares = record["pcfValues"]["sharesPerStage"]
    for name, value in zip(component_pcf.STAGES, (2.0, 0.9, 0.1, 0.14), strict=True):
        shares[name]["stageValue"] = value
    return record


def test_component_pcf_is_recognised_only_by_its_keys():
    assert component_pcf.detect(_component())
    assert not component_pcf.detect(load(ROOT / "examples" / "footprint-8.0.0.json"))
    assert not component_pcf.detect(load(ROOT / "examples" / "passport-6.1.0.json"))


def test_component_pcf_sample_stages_do_not_add_up():
    report = footprint.validate(_component())
    assert report.kind == "footprint" and report.model == "catena-x pcf_for_battery_component_supplier 1.0.0"
    assert [(f.check, f.json_path) for f in report.errors] == [
        ("stage-sum", "$.pcfValues.sharesPerStage.absPcfValue.stageValue")
    ]
    assert "12.56" in report.errors[0].message and "3.14" in report.errors[0].message
    assert [w.check for w in report.warnings] == ["issuable"]
    assert "PCF 8.0.0" in report.warnings[0].message and report.record is None


def test_fixed_component_pcf_has_no_errors_and_no_canonical_record():
    report = footprint.validate(_fixed_component())
    assert report.errors == ()
    assert [w.check for w in report.warnings] == ["issuable"]
    assert report.record is None and not report.valid


def test_component_stages_as_percentages_are_a_warning():
    record = _fixed_component()
    shares = record["pcfValues"]["sharesPerStage"]
    for name, value in zip(component_pcf.STAGES, (60, 30, 4, 6), strict=True):
        shares[name]["stageValue"] = value
    report = component_pcf.validate(record)
    assert report.errors == ()
    assert [w.check for w in report.warnings] == ["stage-sum", "issuable"]


@pytest.mark.parametrize(
    "edit, check, path",
    [
        (
            lambda r: r["pcfValues"]["sharesPerStage"]["stage3Distribution"].update(stageValue=-0.1),
            "stage-values",
            "$.pcfValues.sharesPerStage.stage3Distribution.stageValue",
        ),
        (
            lambda r: r["pcfValues"]["sharesPerStage"].update(declaredUnit="kg CO2e/kg"),
            "declared-unit",
            "$.pcfValues.sharesPerStage.declaredUnit",
        ),
        (lambda r: r.update(legalidentifier="BPNL123"), "business-partner-number", "$.legalidentifier"),
        (lambda r: r.update(siteIdentifier="BPNLAfCp8s8HBEEB"), "business-partner-number", "$.siteIdentifier"),
        (
            lambda r: r["validityPeriod"].update(validTo="2023-01-01T00:00:00Z"),
            "validity-period",
            "$.validityPeriod.validTo",
        ),
        (lambda r: r["validityPeriod"].update(validFrom="2023-13-01"), "validity-period", "$.validityPeriod.validFrom"),
        (lambda r: r.update(primaryDataShare=100.5), "percentage", "$.primaryDataShare"),
        (lambda r: r.update(timerelatedRepresentativeness=0.5), "data-quality", "$.timerelatedRepresentativeness"),
        (lambda r: r.update(dataQualityRating=5.01), "data-quality", "$.dataQualityRating"),
        (
            lambda r: r["pcfValues"].update(webLinkToCarbonFootPrintStudy="ftp://example.org/study.pdf"),
            "web-link",
            "$.pcfValues.webLinkToCarbonFootPrintStudy",
        ),
        (lambda r: r.pop("legalidentifier"), "required", "$.legalidentifier"),
    ],
    ids=[
        "negative-stage",
        "unit",
        "bpnl",
        "bpns",
        "period-order",
        "bad-timestamp",
        "pds",
        "time-rating",
        "dqr",
        "study-link",
        "missing-bpnl",
    ],
)
def test_component_pcf_rules(edit, check, path):
    record = _fixed_component()
    edit(record)
    errors = [(f.check, f.json_path) for f in footprint.validate(record).errors]
    assert (check, path) in errors
    # each defect is reported once: a bad stage value leaves the sum unchecked
    assert len(errors) == 1


def test_an_explicit_source_format_bypasses_the_component_model():
    report = footprint.validate(_fixed_component(), source="pcf-8")
    assert report.model != component_pcf.MODEL and report.errors


# -- the CLI --------------------------------------------------------------------------------------


def test_cli_validate_refuses_the_consortium_carbon_footprint():
    result = run("validate", "passport", need_reference(*CONSORTIUM, "CarbonFootprintForBatteries-payload.json"))
    assert result.exit_code == 1
    assert BOM_REASON in result.output
    assert "$.carbonFootprintStudy: carbonFootprintStudy uses the 'telnet' scheme" in result.output
    assert "INVALID (5 error(s))" in result.output


def test_cli_validate_refuses_the_consortium_circularity_as_json():
    result = run("validate", "passport", need_reference(*CONSORTIUM, "Circularity.json"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["model"] == "batterypass-consortium 1.2.0 Circularity"
    assert {e["check"] for e in report["errors"]} == {"encoding", "recycled-content", "percentage", "web-link"}


def test_cli_validate_names_the_component_stage_sum():
    result = run("validate", "footprint", need_reference(*COMPONENT))
    assert result.exit_code == 1
    assert "$.pcfValues.sharesPerStage.absPcfValue.stageValue" in result.output
    assert "sum to 12.56" in result.output and "3.14" in result.output


def test_cli_issue_footprint_refuses_the_component_model(tmp_path):
    out = tmp_path / "vc.json"
    sample = run("issue", "footprint", need_reference(*COMPONENT), "--key", KEYS, "-o", out)
    assert sample.exit_code == 1 and "sum to 12.56" in sample.output and "nothing was signed" in sample.output
    fixed = run("issue", "footprint", _write_utf8(tmp_path, "fixed.json", _fixed_component()), "--key", KEYS, "-o", out)
    assert fixed.exit_code == 1 and "nothing was signed" in fixed.output
    assert not out.exists()


def test_cli_validate_reports_unreadable_files(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"a": NaN}')
    result = run("validate", "footprint", path)
    assert result.exit_code == 1 and "NaN is not JSON" in result.output
    missing = run("validate", "passport", tmp_path / "missing.json")
    assert missing.exit_code == 2 and "no such file" in missing.output  # nothing to judge: a setup error
