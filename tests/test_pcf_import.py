"""PCF import: Catena-X PCF 7/8/9 and PACT v2/v3 records into the canonical Catena-X 8.0.0 shape."""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import jsonschema
import pytest
from conftest import load, need_reference

from bpvc.errors import MalformedError
from bpvc.records.pcf_import import CANONICAL_SPEC_VERSION, FORMATS, ImportResult, detect, normalize

CATENAX = ("samples", "catenax")
PACT = ("samples", "pact")


def catenax(version: str) -> dict[str, Any]:
    return load(need_reference(*CATENAX, f"io.catenax.pcf_{version}_Pcf.json"))


def pact(name: str) -> Any:
    return load(need_reference(*PACT, name))


def leaves(obj: Any, path: str = "$") -> dict[str, Any]:
    """Every leaf of a JSON value by path (lists indexed), to compare whole records field by field."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(leaves(value, f"{path}.{key}"))
        return out or {path: {}}
    if isinstance(obj, list):
        out = {}
        for i, value in enumerate(obj):
            out.update(leaves(value, f"{path}[{i}]"))
        return out or {path: []}
    return {path: obj}


def differing(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    la, lb = leaves(a), leaves(b)
    missing = object()
    return {
        p
        for p in la.keys() | lb.keys()
        if la.get(p, missing) != lb.get(p, missing) or type(la.get(p)) is not type(lb.get(p))
    }


def v2_record(**pcf: Any) -> dict[str, Any]:
    """A small hand-made PACT v2 footprint (ADR-0036's 12 L bottle of bio-ethanol by default)."""
    body = {
        "declaredUnit": "liter",
        "unitaryProductAmount": "12",
        "pCfExcludingBiogenic": "1.5",
        "pCfIncludingBiogenic": "1.5",
        "fossilGhgEmissions": "1.5",
        "fossilCarbonContent": "0.1",
        "biogenicCarbonContent": "0.2",
        "productMassPerDeclaredUnit": "0.789",
        "exemptedEmissionsPercent": 0,
        "primaryDataShare": 12.5,
        "dqi": {"technologicalDQR": 1.5, "temporalDQR": 2, "geographicalDQR": "3"},
    }
    body.update(pcf)
    return {
        "id": "8f5a0b4e-7c1d-4b55-9c1e-0d3a1b2c3d4e",
        "specVersion": "2.3.0",
        "version": 0,
        "created": "2024-01-01T00:00:00Z",
        "status": "Active",
        "companyName": "Bottler",
        "companyIds": ["urn:bpn:id:BPNL000000000DWF"],
        "productDescription": "12 L bottle of bio-ethanol",
        "productIds": ["urn:gtin:4712345060507"],
        "productCategoryCpc": "3342",
        "productNameCompany": "Ethanol 12 L",
        "comment": "",
        "pcf": {key: value for key, value in body.items() if value is not None},
    }


def v3_record(**pcf: Any) -> dict[str, Any]:
    body = {
        "declaredUnitOfMeasurement": "liter",
        "declaredUnitAmount": "12",
        "productMassPerDeclaredUnit": "9.468",
        "pcfExcludingBiogenicUptake": "1.5",
        "pcfIncludingBiogenicUptake": "1.5",
        "fossilGhgEmissions": "1.5",
        "fossilCarbonContent": "0",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
    }
    body.update(pcf)
    return {
        "id": "2b6f1f0e-9a33-4f59-8f2e-5e8d7c6b5a49",
        "specVersion": "3.0.0",
        "created": "2025-01-01T00:00:00Z",
        "status": "Active",
        "companyName": "Bottler",
        "companyIds": ["urn:bpn:id:BPNL000000000DWF"],
        "productDescription": "12 L bottle of bio-ethanol",
        "productIds": ["urn:gtin:4712345060507"],
        "productNameCompany": "Ethanol 12 L",
        "pcf": {key: value for key, value in body.items() if value is not None},
    }


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((*CATENAX, "io.catenax.pcf_7.0.0_Pcf.json"), "pcf-7"),
        ((*CATENAX, "io.catenax.pcf_8.0.0_Pcf.json"), "pcf-8"),
        ((*CATENAX, "io.catenax.pcf_9.0.0_Pcf.json"), "pcf-9"),
        ((*PACT, "v2_get-footprint-response.json"), "pact-2"),
        ((*PACT, "v2_invalid-response-all-properties.json"), "pact-2"),
        ((*PACT, "v3_example-1.json"), "pact-3"),
        ((*PACT, "v3_example-2.json"), "pact-3"),
        ((*PACT, "v3_example-3.json"), "pact-3"),
        ((*PACT, "v3_example-4.json"), "pact-3"),
        ((*PACT, "v3_invalid-response-all-properties.json"), "pact-3"),
    ],
)
def test_detect_samples(parts: tuple[str, ...], expected: str) -> None:
    record = load(need_reference(*parts))
    assert detect(record) == expected
    assert normalize(record).source == expected


def test_detect_without_spec_version_uses_field_names() -> None:
    record = v2_record()
    del record["specVersion"]
    assert detect(record) == "pact-2"
    result = normalize(record)
    assert any("no specVersion" in w for w in result.warnings)
    seven = catenax("7.0.0")
    del seven["specVersion"]
    assert detect(seven) == "pcf-7"


def test_detect_spec_version_shape_conflicts() -> None:
    nine = catenax("9.0.0")
    nine["scopeOfPcfForm"][0]["specVersion"] = "urn:io.catenax.pcf:datamodel:version:8.0.0"
    with pytest.raises(MalformedError) as err:
        detect(nine)
    assert err.value.json_path == "$.scopeOfPcfForm[0].specVersion"
    flat = catenax("8.0.0")
    flat["specVersion"] = ["urn:io.catenax.pcf:datamodel:version:9.0.0"]
    with pytest.raises(MalformedError) as err:
        detect(flat)
    assert err.value.json_path == "$.specVersion"


# --------------------------------------------------------------------------- Catena-X 8.0.0 and 9.0.0


def test_pcf8_returned_unchanged() -> None:
    record = catenax("8.0.0")
    original = copy.deepcopy(record)
    result = normalize(record)
    assert isinstance(result, ImportResult)
    assert result.source == "pcf-8"
    assert result.record == original
    assert result.conversions == []
    result.record["pcf"]["pcfExcludingBiogenicUptake"] = 99
    assert record == original  # a deep copy, not the caller's object
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.source = "pact-3"  # type: ignore[misc]


# Real content differences between the two published samples (generated example values), not conversion
# artefacts; plus precedingPfIds, which 9.0.0 cannot carry (its PrecedingPfId has no properties, sample [{}]).
SAMPLE_DIFFERENCES = {
    "$.pcf.distributionStageIncluded",  # 8.0.0 true, 9.0.0 false
    "$.pcf.massBalancingUsed",  # 8.0.0 false, 9.0.0 true
    "$.pcf.programCertificationShare",  # 1.2139... vs 69.1459...
    "$.precedingPfIds[0].id",  # 8.0.0 [{"id": ...}], 9.0.0 [{}] -> dropped
}


def test_pcf8_and_pcf9_samples_normalise_to_the_same_record() -> None:
    eight = normalize(catenax("8.0.0"))
    nine = normalize(catenax("9.0.0"))
    assert nine.source == "pcf-9"

    # Case 6 values on both.
    for rec in (eight.record, nine.record):
        assert rec["pcf"]["pcfExcludingBiogenicUptake"] == 2.9
        assert rec["pcf"]["pcfIncludingBiogenicUptake"] == 1.9
        assert rec["pcf"]["primaryDataShare"] == 56.12
        assert rec["pcf"]["ipccCharacterizationFactors"] == "AR5"
        assert rec["partialFullPcf"] == "Cradle-to-gate"
        assert rec["specVersion"] == [CANONICAL_SPEC_VERSION]

    # The whole record, leaf by leaf: only the known sample differences remain.
    assert differing(eight.record, nine.record) == SAMPLE_DIFFERENCES
    assert "precedingPfIds" not in nine.record
    patched = copy.deepcopy(nine.record)
    for key in ("distributionStageIncluded", "massBalancingUsed", "programCertificationShare"):
        patched["pcf"][key] = eight.record["pcf"][key]
    patched["precedingPfIds"] = eight.record["precedingPfIds"]
    assert patched == eight.record
    assert set(patched) == set(eight.record) and set(patched["pcf"]) == set(eight.record["pcf"])

    # The quirks are handled explicitly and reported.
    assert nine.record["retroOrProspectivePcfType"] == "Retrospective PCF, Prospective PCF without forerunner"
    assert any("retroOrProspectivePcfType 'Retrospective PCF' ->" in c for c in nine.conversions)
    assert any("retroOrProspectivePcfType" in w and "quirk" in w for w in nine.warnings)
    assert any("precedingPfIds" in w and "empty" in w for w in nine.warnings)
    assert any("packagingLandManagementBiogenicCO2Emissions" in c and "same value" in c for c in nine.conversions)
    assert any(
        c.startswith("pcf-9: ungrouped productLifeCycleStagesAndEmissions[0].productionStage[0]:")
        for c in nine.conversions
    )


def test_canonical_records_against_the_8_0_0_schema() -> None:
    """9.0.0 ungrouped is a valid 8.0.0 document; converted PACT/7.0.0 records fail only on the fields the
    warning names as missing (nothing is invented)."""
    schema = load(need_reference(*CATENAX, "io.catenax.pcf_8.0.0_Pcf-schema.json"))
    validator = jsonschema.Draft4Validator(schema)
    assert list(validator.iter_errors(normalize(catenax("9.0.0")).record)) == []
    for record in (pact("v2_get-footprint-response.json"), pact("v3_example-3.json"), catenax("7.0.0")):
        result = normalize(record)
        missing = next(w for w in result.warnings if "requires are missing" in w)
        for error in validator.iter_errors(result.record):
            if error.validator == "uniqueItems":  # the 7.0.0 sample repeats a productId
                continue
            assert error.validator == "required", error.message
            name = error.message.split("'")[1]
            where = "$.pcf." if list(error.path) == ["pcf"] else "$."
            assert where + name in missing, (name, missing)


def test_pcf9_group_rules() -> None:
    nine = catenax("9.0.0")
    nine["pcfAssessmentAndMethodology"][0]["pcfAssessmentInformation"][0]["idAndVersion"][0]["precedingPfIds"] = [
        {},
        {"id": "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"},
    ]
    result = normalize(nine)
    assert result.record["precedingPfIds"] == [{"id": "0b9c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"}]

    conflict = catenax("9.0.0")
    stages = conflict["productLifeCycleStagesAndEmissions"][0]
    stages["productionStage"][0]["packagingLandManagementBiogenicCO2Emissions"] = 0.7
    result = normalize(conflict)
    assert result.record["pcf"]["packagingLandManagementBiogenicCO2Emissions"] == 0  # the packaging group's value
    assert any("differs" in w for w in result.warnings)

    two = catenax("9.0.0")
    two["carbonContent"].append(dict(two["carbonContent"][0]))
    with pytest.raises(MalformedError) as err:
        normalize(two)
    assert err.value.json_path == "$.carbonContent"

    missing = catenax("9.0.0")
    del missing["productLifeCycleStagesAndEmissions"][0]["productionStage"][0]["pcfExcludingBiogenicUptake"]
    with pytest.raises(MalformedError) as err:
        normalize(missing)
    stage = "$.productLifeCycleStagesAndEmissions[0].productionStage[0]"
    assert err.value.json_path == f"{stage}.pcfExcludingBiogenicUptake"

    not_list = catenax("9.0.0")
    not_list["general"] = {"comment": "x"}
    with pytest.raises(MalformedError) as err:
        normalize(not_list)
    assert err.value.json_path == "$.general"


def test_pcf8_string_numbers_are_not_converted() -> None:
    """Case 8: a Catena-X record with a decimal string is returned as is (the schema check rejects it)."""
    record = catenax("8.0.0")
    record["pcf"]["pcfIncludingBiogenicUptake"] = "1.63"
    result = normalize(record)
    assert result.record["pcf"]["pcfIncludingBiogenicUptake"] == "1.63"
    assert result.conversions == []
    assert any("$.pcf.pcfIncludingBiogenicUptake '1.63'" in w and "NOT converted" in w for w in result.warnings)


# --------------------------------------------------------------------------- PACT v3


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_pact3_examples(n: int) -> None:
    source = pact(f"v3_example-{n}.json")
    result = normalize(source)
    rec = result.record
    assert result.source == "pact-3"
    assert rec["id"] == source["id"]
    assert rec["specVersion"] == [CANONICAL_SPEC_VERSION]
    assert rec["version"] == 0
    pcf = rec["pcf"]
    # every decimal string kept under its own name is now the same value as a JSON number
    decimals = {k: v for k, v in source["pcf"].items() if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v)}
    kept = {k: v for k, v in decimals.items() if k in pcf}
    assert len(kept) >= 12
    for key, text in kept.items():
        assert isinstance(pcf[key], float) and pcf[key] == float(text), key
    assert not any(isinstance(v, str) for k, v in pcf.items() if k in decimals)
    assert all(isinstance(v, float) for v in pcf["dataQualityRating"].values())
    assert pcf["declaredUnitAmount"] == float(source["pcf"]["declaredUnitAmount"])  # no rescaling in v3
    assert pcf["pcfExcludingBiogenicUptake"] == float(source["pcf"]["pcfExcludingBiogenicUptake"])
    assert isinstance(pcf["ipccCharacterizationFactors"], str)
    assert all(isinstance(s, str) for s in pcf["secondaryEmissionFactorSources"])
    assert all(isinstance(s, str) for s in pcf["productOrSectorSpecificRules"])


def test_pact3_negative_string_is_legal() -> None:
    result = normalize(pact("v3_example-1.json"))
    assert result.record["pcf"]["pcfIncludingBiogenicUptake"] == -1.23
    assert "pact-3: pcf.pcfIncludingBiogenicUptake '-1.23' (string) -> -1.23" in result.conversions
    assert "pact-3: pcf.pcfExcludingBiogenicUptake '0.384' (string) -> 0.384" in result.conversions


def test_pact3_details() -> None:
    two = normalize(pact("v3_example-2.json")).record
    assert two["precedingPfIds"] == [
        {"id": "f4b1225a-bd44-4c8e-861d-079e4e1dfd69"},
        {"id": "079e425a-464f-528d-341d-4a944a1dfd70"},
    ]
    assert two["pcf"]["packagingPcfExcludingBiogenicUptake"] == 0.58
    assert two["pcf"]["declaredUnitAmount"] == 12.0 and two["pcf"]["pcfExcludingBiogenicUptake"] == 5.14
    three = normalize(pact("v3_example-3.json"))
    assert three.record["pcf"]["ipccCharacterizationFactors"] == "AR5"
    assert any("['AR5', 'AR6']" in w for w in three.warnings)
    assert any("outboundLogisticsGhgEmissions" in w and "dropped" in w for w in three.warnings)
    assert any("verification" in w for w in three.warnings)


def test_pact3_response_wrapper_and_index() -> None:
    first, second = v3_record(), v3_record(pcfExcludingBiogenicUptake="2.5")
    second["id"] = "0c8d7e6f-5a4b-4c3d-9e2f-1a0b9c8d7e6f"
    response = {"data": [first, second]}
    result = normalize(response, index=1)
    assert result.record["id"] == second["id"] and result.record["pcf"]["pcfExcludingBiogenicUptake"] == 2.5
    assert any("2 footprints" in w for w in result.warnings)
    assert detect(response, index=1) == "pact-3"
    assert normalize(response).record["id"] == first["id"]
    assert normalize({"data": first}).record["id"] == first["id"]
    with pytest.raises(MalformedError) as err:
        normalize(response, index=2)
    assert err.value.json_path == "$.data"
    with pytest.raises(MalformedError) as err:
        normalize({"data": []})
    assert err.value.json_path == "$.data"
    broken = {"data": [first, v3_record(declaredUnitAmount="x")]}
    with pytest.raises(MalformedError) as err:
        normalize(broken, index=1)
    assert err.value.json_path == "$.data[1].pcf.declaredUnitAmount"


def test_pact3_invalid_example_names_both_defects() -> None:
    """Case 10: `updated` is not RFC 3339 and packaging emissions are given without packagingEmissionsIncluded."""
    result = normalize(pact("v3_invalid-response-all-properties.json"))
    assert result.source == "pact-3"
    by_path = {e.json_path: e.detail for e in result.errors}
    assert "is not an RFC 3339 date-time" in by_path["$.data[0].updated"]
    assert "packagingEmissionsIncluded is not true" in by_path["$.data[0].pcf.packagingEmissionsIncluded"]


# --------------------------------------------------------------------------- the declared-unit trap


def test_unit_trap_v2_to_v3() -> None:
    """Case 7: v2 {liter, 12, 1.5} = v3 {liter, 12, 18}; v3 {12, 1.5} is 12x lower, not equal."""
    v2 = normalize(v2_record())
    pcf = v2.record["pcf"]
    assert v2.source == "pact-2"
    assert pcf["declaredUnitOfMeasurement"] == "liter"
    assert pcf["declaredUnitAmount"] == 12.0
    assert pcf["pcfExcludingBiogenicUptake"] == 18.0
    assert pcf["pcfIncludingBiogenicUptake"] == 18.0
    assert pcf["fossilGhgEmissions"] == 18.0
    # carbon contents are kgC per declared unit in v2 too, and the mass per declared unit (ADR-0036: 0.789 -> 9.468)
    assert pcf["fossilCarbonContent"] == 1.2
    assert pcf["biogenicCarbonContent"] == 2.4
    assert pcf["productMassPerDeclaredUnit"] == 9.468
    # percentages and ratings are not per unit
    assert pcf["primaryDataShare"] == 12.5 and pcf["exemptedEmissionsPercent"] == 0
    assert pcf["dataQualityRating"] == {"technologicalDQR": 1.5, "temporalDQR": 2, "geographicalDQR": 3.0}
    assert any(
        c.startswith(
            "pact-2: declared unit: unitaryProductAmount 12 liter; per-unit values x12 -> "
            "per declaredUnitAmount 12 liter"
        )
        for c in v2.conversions
    )
    line = "pact-2: pcf.pCfExcludingBiogenic '1.5' (string) x 12 -> pcf.pcfExcludingBiogenicUptake 18.0"
    assert line in v2.conversions

    same = normalize(v3_record(pcfExcludingBiogenicUptake="18", pcfIncludingBiogenicUptake="18"))
    assert same.record["pcf"]["declaredUnitAmount"] == pcf["declaredUnitAmount"]
    assert same.record["pcf"]["pcfExcludingBiogenicUptake"] == pcf["pcfExcludingBiogenicUptake"]

    lower = normalize(v3_record())  # v3 {liter, 12, 1.5}: already per 12 liter
    value = lower.record["pcf"]["pcfExcludingBiogenicUptake"]
    assert value == 1.5
    assert value != pcf["pcfExcludingBiogenicUptake"]
    assert value * 12 == pcf["pcfExcludingBiogenicUptake"]
    assert not any("x12" in c or "x 12" in c for c in lower.conversions)


def test_unit_trap_decimal_arithmetic() -> None:
    result = normalize(v2_record(unitaryProductAmount="3", pCfExcludingBiogenic="0.1", pCfIncludingBiogenic="0.1"))
    assert 0.1 * 3 != 0.3  # what float arithmetic would have produced
    assert result.record["pcf"]["pcfExcludingBiogenicUptake"] == 0.3


def test_unit_trap_land_management_sign() -> None:
    pos = normalize(v2_record(landManagementGhgEmissions="0.5")).record["pcf"]
    assert pos["landManagementBiogenicCO2Emissions"] == 6.0 and "landManagementBiogenicCO2Removals" not in pos
    neg = normalize(v2_record(landManagementGhgEmissions="-0.5")).record["pcf"]
    assert neg["landManagementBiogenicCO2Removals"] == -6.0 and "landManagementBiogenicCO2Emissions" not in neg


def test_pact2_example_response() -> None:
    result = normalize(pact("v2_get-footprint-response.json"))
    rec = result.record
    assert result.source == "pact-2"
    assert rec["id"] == "91715e5e-fd0b-4d1c-8fab-76290c46e6ed"
    assert rec["productClassifications"] == ["urn:pact:productclassification:un-cpc:6398"]
    pcf = rec["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "liter" and pcf["declaredUnitAmount"] == 1.0
    assert pcf["pcfExcludingBiogenicUptake"] == 1.63 and pcf["pcfIncludingBiogenicUptake"] == 1.85
    assert pcf["biogenicCO2Uptake"] == -1.5
    assert pcf["ipccCharacterizationFactors"] == "AR6"
    assert pcf["crossSectoralStandards"] == ["GHGP-Product", "ISO14067"]
    assert pcf["secondaryEmissionFactorSources"] == ["Ecoinvent 3.1"]
    assert any(
        "declared unit: unitaryProductAmount 1 liter" in c and "per declaredUnitAmount 1 liter" in c
        for c in result.conversions
    )
    assert any("PACT response wrapper" in c for c in result.conversions)
    assert any("extensions" in w and "dropped" in w for w in result.warnings)
    assert any("$.retroOrProspectivePcfType" in w and "missing" in w for w in result.warnings)


def test_pact2_list_response_rescales() -> None:
    result = normalize(pact("v2_invalid-response-all-properties.json"))
    pcf = result.record["pcf"]
    assert pcf["declaredUnitAmount"] == 12.0
    assert pcf["pcfExcludingBiogenicUptake"] == 1.476  # 0.123 x 12
    assert pcf["fossilCarbonContent"] == 20.652  # 1.721 x 12
    assert pcf["packagingPcfExcludingBiogenicUptake"] == 25.476  # 2.123 x 12
    assert result.record["precedingPfIds"] == [{"id": "51131FB5-42A2-4267-A402-0ECFEFAD1619"}]


# --------------------------------------------------------------------------- Catena-X 7.0.0


def test_pcf7_sample() -> None:
    result = normalize(catenax("7.0.0"))
    rec = result.record
    assert result.source == "pcf-7"
    assert rec["status"] == "Active"
    assert rec["productNameCompany"] == "My Product Name"
    assert rec["productClassifications"] == ["urn:pact:productclassification:un-cpc:011-99000"]
    pcf = rec["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "liter" and pcf["declaredUnitAmount"] == 1000.0
    assert pcf["pcfExcludingBiogenicUptake"] == 2000.0  # 2 per liter x 1000 liter
    assert pcf["pcfIncludingBiogenicUptake"] == 1000.0
    assert pcf["productMassPerDeclaredUnit"] == 456.0
    assert pcf["carbonContentTotal"] == 2500.0 and pcf["fossilCarbonContent"] == 100.0
    assert pcf["landManagementBiogenicCO2Emissions"] == 300.0  # extTFS_luGhgEmissions 0.3 x 1000
    assert pcf["distributionStageLandManagementBiogenicCO2Emissions"] == 1100.0
    assert pcf["ipccCharacterizationFactors"] == "AR5"
    assert pcf["allocationWasteIncineration"] == "cut-off"
    assert pcf["packagingEmissionsIncluded"] is True
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["secondaryEmissionFactorSources"] == ["ecoinvent 3.8"]
    assert pcf["dataQualityRating"] == {"technologicalDQR": 2, "temporalDQR": 2, "geographicalDQR": 2}
    assert pcf["exemptedEmissionsPercent"] == 0 and pcf["primaryDataShare"] == 56.12
    assert not any(k.startswith(("extWBCSD_", "extTFS_")) for k in pcf)
    renamed = "pcf-7: pcf.extWBCSD_characterizationFactors -> pcf.ipccCharacterizationFactors (renamed)"
    assert renamed in result.conversions
    assert any("unitaryProductAmount 1000 liter; per-unit values x1000" in c for c in result.conversions)
    assert any("completenessDQR" in w and "dropped" in w for w in result.warnings)


def test_pcf7_version_limits() -> None:
    """Case 9: exemptedEmissionsPercent 6 and DQR 4.1 are errors under 7.0.0; 6% is fine (with a warning) in 8."""
    record = catenax("7.0.0")
    record["pcf"]["exemptedEmissionsPercent"] = 6
    with pytest.raises(MalformedError) as err:
        normalize(record)
    assert err.value.json_path == "$.pcf.exemptedEmissionsPercent"
    assert "exemptedEmissionsPercent" in err.value.detail and "5" in err.value.detail

    record = catenax("7.0.0")
    record["pcf"]["dataQualityRating"]["technologicalDQR"] = 4.1
    with pytest.raises(MalformedError) as err:
        normalize(record)
    assert err.value.json_path == "$.pcf.dataQualityRating.technologicalDQR"
    assert "4.1" in err.value.detail

    record = catenax("7.0.0")
    record["pcf"]["dataQualityRating"]["reliabilityDQR"] = 0.5
    with pytest.raises(MalformedError) as err:
        normalize(record)
    assert err.value.json_path == "$.pcf.dataQualityRating.reliabilityDQR"

    eight = catenax("8.0.0")
    eight["pcf"]["exemptedEmissionsPercent"] = 6
    result = normalize(eight)
    assert result.record["pcf"]["exemptedEmissionsPercent"] == 6
    assert any("exemptedEmissionsPercent 6" in w and "3%" in w for w in result.warnings)


def test_pact2_version_limits() -> None:
    with pytest.raises(MalformedError) as err:
        normalize(v2_record(dqi={"technologicalDQR": 3.5, "temporalDQR": 2, "geographicalDQR": 2}))
    assert err.value.json_path == "$.pcf.dqi.technologicalDQR"
    with pytest.raises(MalformedError) as err:
        normalize(v2_record(exemptedEmissionsPercent=5.5))
    assert err.value.json_path == "$.pcf.exemptedEmissionsPercent"


def test_pcf7_string_number_is_an_error() -> None:
    record = catenax("7.0.0")
    record["pcf"]["pcfExcludingBiogenic"] = "2"
    with pytest.raises(MalformedError) as err:
        normalize(record)
    assert err.value.json_path == "$.pcf.pcfExcludingBiogenic"
    assert "JSON number" in err.value.detail


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("bad", [[], "pcf", None, 3, [{"pcf": {}}]])
def test_non_object_is_rejected(bad: Any) -> None:
    with pytest.raises(MalformedError) as err:
        normalize(bad)
    assert err.value.json_path == "$"
    with pytest.raises(MalformedError):
        detect(bad)


@pytest.mark.parametrize(
    "record",
    [
        {"specVersion": "1.0.0", "pcf": {}},
        {"specVersion": "urn:io.catenax.pcf:datamodel:version:6.0.0", "pcf": {}},
        {"specVersion": ["urn:example:other"], "pcf": {}},
        {"specVersion": 3, "pcf": {}},
        {"id": "x", "pcf": {"someField": 1}},
        {"hello": "world"},
    ],
)
def test_unknown_format(record: dict[str, Any]) -> None:
    with pytest.raises(MalformedError) as err:
        detect(record)
    assert err.value.json_path == "$.specVersion"
    with pytest.raises(MalformedError):
        normalize(record)


def test_unknown_source_argument() -> None:
    with pytest.raises(MalformedError, match="unknown source format"):
        normalize(v2_record(), source="pact-1")
    assert set(FORMATS) == {"pcf-7", "pcf-8", "pcf-9", "pact-2", "pact-3"}


def test_forced_source_is_honoured_and_mismatch_warned() -> None:
    result = normalize(catenax("8.0.0"), source="pcf-8")
    assert result.warnings == [w for w in result.warnings if "looks like" not in w]
    with pytest.raises(MalformedError):
        normalize(catenax("8.0.0"), source="pact-2")  # no unitaryProductAmount


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: v2_record(pCfExcludingBiogenic=None), "$.pcf.pCfExcludingBiogenic"),
        (lambda: v2_record(unitaryProductAmount=None), "$.pcf.unitaryProductAmount"),
        (lambda: v2_record(declaredUnit=None), "$.pcf.declaredUnit"),
        (lambda: v3_record(declaredUnitAmount=None), "$.pcf.declaredUnitAmount"),
        (lambda: v3_record(pcfExcludingBiogenicUptake=None), "$.pcf.pcfExcludingBiogenicUptake"),
        (lambda: {"data": [v2_record(unitaryProductAmount=None)]}, "$.data[0].pcf.unitaryProductAmount"),
    ],
)
def test_missing_required_value(make: Any, path: str) -> None:
    with pytest.raises(MalformedError) as err:
        normalize(make())
    assert err.value.json_path == path
    assert "missing required value" in err.value.detail


def test_missing_pcf7_required_value() -> None:
    record = catenax("7.0.0")
    del record["pcf"]["unitaryProductAmount"]
    with pytest.raises(MalformedError) as err:
        normalize(record)
    assert err.value.json_path == "$.pcf.unitaryProductAmount"


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: {**v2_record(), "pcf": []}, "$.pcf"),
        (lambda: {k: v for k, v in v2_record().items() if k != "pcf"}, "$.pcf"),
        (lambda: v2_record(unitaryProductAmount="0"), "$.pcf.unitaryProductAmount"),
        (lambda: v2_record(unitaryProductAmount="-12"), "$.pcf.unitaryProductAmount"),
        (lambda: v2_record(pCfExcludingBiogenic="1,5"), "$.pcf.pCfExcludingBiogenic"),
        (lambda: v2_record(pCfExcludingBiogenic="NaN"), "$.pcf.pCfExcludingBiogenic"),
        (lambda: v2_record(pCfExcludingBiogenic=True), "$.pcf.pCfExcludingBiogenic"),
        (lambda: v2_record(fossilGhgEmissions={"value": 1}), "$.pcf.fossilGhgEmissions"),
        (lambda: v2_record(pCfExcludingBiogenic="1e999"), "$.pcf.pCfExcludingBiogenic"),
        (lambda: v2_record(dqi=[1, 2, 3]), "$.pcf.dqi"),
        (lambda: v2_record(productOrSectorSpecificRules="PEF"), "$.pcf.productOrSectorSpecificRules"),
        (
            lambda: v2_record(productOrSectorSpecificRules=[{"operator": "PEF"}]),
            "$.pcf.productOrSectorSpecificRules[0].ruleNames",
        ),
        (lambda: v2_record(secondaryEmissionFactorSources=["ecoinvent"]), "$.pcf.secondaryEmissionFactorSources[0]"),
        (lambda: v2_record(crossSectoralStandardsUsed=[{"a": 1}]), "$.pcf.crossSectoralStandardsUsed[0]"),
        (lambda: v3_record(ipccCharacterizationFactors=[]), "$.pcf.ipccCharacterizationFactors"),
        (lambda: v3_record(declaredUnitAmount="0"), "$.pcf.declaredUnitAmount"),
        (lambda: {**v3_record(), "precedingPfIds": [{"id": "x"}]}, "$.precedingPfIds[0]"),
        (lambda: {"data": "nope"}, "$.data"),
    ],
)
def test_malformed_values_name_their_path(make: Any, path: str) -> None:
    with pytest.raises(MalformedError) as err:
        normalize(make())
    assert err.value.json_path == path
    assert err.value.detail
