"""Passport and footprint records: validation, domain checks, credentials, and the schema check in verify."""

import copy
import json
from datetime import UTC, datetime

import pytest
from conftest import load, need_reference

from bpvc import errors
from bpvc.issue.credential import issue_credential, issue_credential_jwt
from bpvc.keys import store as keystore
from bpvc.keys.primitives import KeyPair
from bpvc.records import footprint, passport
from bpvc.schema import PASSPORT_6_1, TIERS, default_registry, fields
from bpvc.verify.result import Outcome
from bpvc.verify.verifier import Verifier

NOW = datetime(2027, 3, 1, tzinfo=UTC)
SAMPLES = {
    "6.1.0": "io.catenax.battery.battery_pass_6.1.0_BatteryPass.json",
    "6.0.0": "io.catenax.battery.battery_pass_6.0.0_BatteryPass.json",
}


def _sample(version, fix=True):
    record = load(need_reference("samples", "catenax", SAMPLES[version]))
    if fix:
        record["operation"]["intoServiceDate"] = "2024-05-08"
    return record


@pytest.fixture(scope="module")
def issuer():
    key = KeyPair.generate("ed25519", "did:web:battery-maker.example#key-1")
    doc = {
        "id": key.controller,
        "verificationMethod": [keystore.multikey_method(key)],
        "assertionMethod": [key.verification_method],
    }
    return key, Verifier(did_documents={doc["id"]: doc})


@pytest.mark.parametrize("version", ["6.1.0", "6.0.0"])
def test_sample_reports_only_the_impossible_date_as_an_error(version):
    report = passport.validate(_sample(version, fix=False))
    assert report.model == version
    assert [(e.json_path, e.check) for e in report.errors] == [("$.operation.intoServiceDate", "schema")]
    assert "is not a 'date'" in report.errors[0].message
    # the sample's "kg CO2 / kWh" is flagged as a warning, not refused
    assert any(w.check == "carbon-footprint-unit" and "CO2e" in w.message for w in report.warnings)


@pytest.mark.parametrize("version", ["6.1.0", "6.0.0"])
@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_corrected_sample_issues_and_verifies(issuer, version, fmt):
    key, verifier = issuer
    record = _sample(version)
    assert passport.validate(record).valid
    unsigned = passport.to_credential(record, issuer=key.controller)
    assert unsigned["type"] == ["VerifiableCredential", "BatteryPassportCredential"]
    subject = unsigned["credentialSubject"]
    assert subject["id"] == "urn:uuid:" + record["metadata"]["passportIdentifier"]
    assert {k: v for k, v in subject.items() if k not in ("id", "type")} == record  # the record, unchanged
    assert unsigned["validFrom"] == record["metadata"]["issueDate"] + "T00:00:00Z"
    assert unsigned["credentialSchema"]["id"] == passport.MODELS[version].schema_id
    signed = issue_credential(unsigned, key) if fmt == "di" else issue_credential_jwt(unsigned, key)
    result = verifier.verify(signed, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert result.verified, result.to_dict()
    assert result.check("schema").outcome is Outcome.PASSED


def _carbon_paths(record):
    return [i for i, e in enumerate(record["sustainability"]["carbonFootprint"])]


def test_changing_a_footprint_value_by_0_001_breaks_the_signature(issuer):
    key, verifier = issuer
    record = _sample("6.1.0")
    signed = issue_credential(passport.to_credential(record, issuer=key.controller), key)
    signed["credentialSubject"]["sustainability"]["carbonFootprint"][0]["value"] -= 0.001
    result = verifier.verify(signed, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [p.type for p in result.check("proof").problems] == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


def test_field_added_after_signing_never_passes(issuer):
    key, verifier = issuer
    record = _sample("6.1.0")
    signed = issue_credential(passport.to_credential(record, issuer=key.controller), key)
    signed["credentialSubject"]["metadata"]["hiddenNote"] = "x"
    result = verifier.verify(signed, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert not result.verified
    types = {p.type for p in result.problems}
    assert types & {errors.DATA_LOSS_DETECTION_ERROR, errors.CRYPTOGRAPHIC_SECURITY_ERROR}


@pytest.mark.parametrize(
    "edit, path",
    [
        (lambda r: r["identification"].update(category="electric vehicle"), "$.identification.category"),
        (lambda r: r["metadata"].update(economicOperatorId="BPNL123"), "$.metadata.economicOperatorId"),
        (lambda r: r["materials"]["active"]["cobalt"].update(recycled=100.5), "$.materials.active.cobalt.recycled"),
        (
            lambda r: r["sustainability"]["carbonFootprint"][0].update(value=-1),
            "$.sustainability.carbonFootprint[0].value",
        ),
    ],
)
def test_case_3_edits_are_refused_with_their_path(edit, path):
    record = _sample("6.1.0")
    edit(record)
    report = passport.validate(record)
    assert not report.valid
    assert path in [e.json_path for e in report.errors]


def test_stage_values_must_add_up_to_the_total():
    record = _sample("6.1.0")
    base = record["sustainability"]["carbonFootprint"][0]
    stages = [
        "raw material acquisition and pre-processing",
        "main product production",
        "distribution",
        "end of life and recycling",
        "total",
    ]
    values = [30.0, 20.0, 1.5, 2.0, 53.5]
    record["sustainability"]["carbonFootprint"] = [
        dict(copy.deepcopy(base), lifecycle=s, value=v, unit="kg CO2e/kWh") for s, v in zip(stages, values, strict=True)
    ]
    assert passport.validate(record).valid
    assert not [w for w in passport.validate(record).warnings if w.check.startswith("carbon")]
    record["sustainability"]["carbonFootprint"][4]["value"] = 60.0
    report = passport.validate(record)
    assert [e.check for e in report.errors] == ["carbon-footprint-stages"]
    assert report.errors[0].json_path == "$.sustainability.carbonFootprint[4].value"


def test_dates_must_be_in_order():
    record = _sample("6.1.0")
    record["metadata"]["issueDate"], record["metadata"]["expirationDate"] = "2026-01-01", "2025-01-01"
    record["operation"]["manufacturer"]["manufacturingDate"] = "2025-06-01"
    record["operation"]["intoServiceDate"] = "2025-01-01"
    checks = {(e.check, e.json_path) for e in passport.validate(record).errors}
    assert ("dates-in-order", "$.metadata.expirationDate") in checks
    assert ("dates-in-order", "$.operation.intoServiceDate") in checks


def test_every_passport_field_has_a_tier():
    rows = fields(PASSPORT_6_1)
    assert len(rows) > 300
    assert {r.tier for r in rows} <= set(TIERS)
    by_path = {r.path: r.tier for r in rows}
    assert by_path["identification.category"] == "public"
    assert by_path["conformity.resultOfTestReport"] == "authorities"
    assert by_path["performance.dynamic"] == "individual-battery"
    assert by_path["materials.composition"] == "legitimate-interest"


def test_schema_check_in_verify_catches_a_record_the_issuer_should_have_refused(issuer):
    """A supplier's credential whose subject breaks the schema fails the schema check (signature fine)."""
    key, verifier = issuer
    record = _sample("6.1.0")
    unsigned = passport.to_credential(record, issuer=key.controller)
    unsigned["credentialSubject"]["identification"]["category"] = "electric vehicle"
    signed = issue_credential(unsigned, key)  # the generic issuer does not know the record schema
    result = verifier.verify(signed, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert result.check("proof").outcome is Outcome.PASSED
    assert result.check("schema").outcome is Outcome.FAILED
    assert result.check("schema").problems[0].json_path == "$.credentialSubject.identification.category"


def test_schema_digest_mismatch_fails(issuer):
    key, verifier = issuer
    unsigned = passport.to_credential(_sample("6.1.0"), issuer=key.controller)
    unsigned["credentialSchema"]["digestSRI"] = "sha384-" + "A" * 64
    result = verifier.verify(issue_credential(unsigned, key), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert "digestSRI" in result.check("schema").problems[0].detail


def test_unknown_schema_is_skipped_with_a_warning(issuer, example_credential):
    key, verifier = issuer
    doc = dict(
        example_credential,
        issuer=key.controller,
        credentialSchema={"id": "https://schemas.example/other.json", "type": "JsonSchema"},
    )
    result = verifier.verify(issue_credential(doc, key), now=NOW)
    check = result.check("schema")
    assert check.outcome is Outcome.SKIPPED and "not available offline" in check.warnings[0].detail
    assert result.verified


# -- footprints -----------------------------------------------------------------------------------


def _pcf(name="io.catenax.pcf_8.0.0_Pcf.json"):
    return load(need_reference("samples", "catenax", name))


def test_pcf_8_and_9_samples_issue_as_the_same_kind_of_credential(issuer):
    key, verifier = issuer
    for name in ("io.catenax.pcf_8.0.0_Pcf.json", "io.catenax.pcf_9.0.0_Pcf.json"):
        report = footprint.validate(_pcf(name))
        assert report.valid, [e.to_dict() for e in report.errors]
        unsigned = footprint.to_credential(report.record, issuer=key.controller)
        assert unsigned["credentialSubject"]["id"] == "urn:uuid:" + report.record["id"]
        assert "id" not in {k for k in unsigned["credentialSubject"] if k != "id"} - {"id"}
        result = verifier.verify(issue_credential(unsigned, key), now=datetime(2023, 6, 1, tzinfo=UTC))
        assert result.check("schema").outcome is Outcome.PASSED, result.to_dict()
        assert result.check("proof").outcome is Outcome.PASSED


def test_pcf_value_changed_by_0_001_fails(issuer):
    key, verifier = issuer
    report = footprint.validate(_pcf())
    signed = issue_credential(footprint.to_credential(report.record, issuer=key.controller), key)
    signed["credentialSubject"]["pcf"]["pcfExcludingBiogenicUptake"] += 0.001
    result = verifier.verify(signed, now=datetime(2023, 6, 1, tzinfo=UTC))
    assert [p.type for p in result.check("proof").problems] == [errors.CRYPTOGRAPHIC_SECURITY_ERROR]


def test_pcf_string_number_is_refused():
    record = _pcf()
    record["pcf"]["pcfIncludingBiogenicUptake"] = "1.63"
    report = footprint.validate(record)
    assert not report.valid
    assert "$.pcf.pcfIncludingBiogenicUptake" in [e.json_path for e in report.errors]


@pytest.mark.parametrize(
    "edit, check",
    [
        (lambda p: p.update(validityPeriodEnd="2030-01-01T00:00:00Z"), "validity-period"),
        (lambda p: p["pcf"].update(pcfIncludingBiogenicUptake=5.0), "biogenic-consistency"),
    ],
)
def test_pcf_domain_errors(edit, check):
    record = _pcf()
    edit(record)
    report = footprint.validate(record)
    assert check in [e.check for e in report.errors]


def test_pcf_exempted_emissions_above_rulebook_cut_off_is_a_warning():
    record = _pcf()
    record["pcf"]["exemptedEmissionsPercent"] = 6
    report = footprint.validate(record)
    assert report.valid
    assert "exempted-emissions" in [w.check for w in report.warnings]


def test_pact_v3_examples_import_and_say_what_they_converted():
    for n in (1, 2, 3, 4):
        report = footprint.validate(load(need_reference("samples", "pact", f"v3_example-{n}.json")))
        assert report.record is not None and report.conversions
        assert "pact-3" in report.model


def test_pact_v3_invalid_example_is_refused_for_its_timestamp():
    report = footprint.validate(load(need_reference("samples", "pact", "v3_invalid-response-all-properties.json")))
    assert not report.valid
    assert any("updated" in (e.message + e.json_path) or "2025-1-08" in e.message for e in report.findings)


def test_registry_never_fetches():
    registry = default_registry()
    with pytest.raises(errors.BpvcError, match="not available offline"):
        registry.get("https://schemas.example/unknown.json")
    assert json.loads(registry.get(PASSPORT_6_1).raw)["$id"] == PASSPORT_6_1
