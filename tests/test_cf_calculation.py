"""The calculation against the worked examples of the carbon-footprint rules (WE-1 .. WE-5).

Figures come from the Catena-X PCF Rulebook v4 (Table 5, Fig. 17), the TfS verification
framework v2 (Tables 8 and 9) and the EU draft's E_total parameters. Each test builds the
example's inventory and checks the exact figure, then the rounded one the profile publishes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cf_helpers import explicit_input, inventory, own_process, with_lines

from bpvc.cf import bundled_profile, compute, parse_inventory
from bpvc.cf.calculation import PRECISION, allocation_share
from bpvc.cf.inventory import Allocation, CoProduct
from bpvc.cf.quality import temporal_rating

CX = bundled_profile("cx-rb4")
EU = bundled_profile("eu-battery-2024-draft")
CN = bundled_profile("cn-miit-2025")
D = Decimal


def exact(numerator, denominator):
    """A quotient to the calculation's 50 significant digits."""
    return PRECISION.divide(D(numerator), D(denominator))


def run(doc, profile=CX, **kwargs):
    return compute(parse_inventory(doc), {}, profile, **kwargs)


# -- WE-1: primary data share (RB4 Table 5) --------------------------------------------------------


def test_we1_primary_data_share_is_53_75_percent():
    doc = with_lines(
        inventory(),
        inputs=[
            explicit_input("A", 10, pds=75),
            explicit_input("B", 25, pds=25),
            explicit_input("C", 50, pds=50),
        ],
        processes=[own_process("D", 15, primary=True)],
    )
    result = run(doc)
    assert result.declared_kg == D(100)
    assert result.quality.pds == D("53.75")
    assert result.to_dict()["pds"] == "53.75"


def test_we1_an_own_line_is_primary_only_when_activity_and_factor_are():
    line = own_process("D", 15, primary=True)
    line["emissionFactor"]["primary"] = False  # primary activity data, secondary factor
    doc = with_lines(inventory(), inputs=[explicit_input("A", 85, pds=100)], processes=[line])
    assert run(doc).quality.pds == D(85)


def test_a_missing_primary_data_share_counts_as_zero():
    doc = with_lines(inventory(), inputs=[explicit_input("A", 10, pds=80), explicit_input("B", 30)])
    assert run(doc).quality.pds == D(20)


# -- WE-2: absolute-value weighting (RB4 Fig. 17) --------------------------------------------------

WE2 = [("1", "1.00", 90, "1.00"), ("2", "1.50", 70, "2.00"), ("3", "2.00", 80, "2.00"), ("4", "-1.75", 30, "2.70")]


def we2_inventory():
    lines = []
    for name, pcf, pds, dqr in WE2:
        value = D(pcf)
        lines.append(
            explicit_input(
                f"contribution-{name}",
                value if value > 0 else 0,
                uptake=value if value < 0 else None,
                pds=pds,
                dqr=float(dqr),
            )
        )
    return with_lines(inventory(), inputs=lines)


def test_we2_pds_and_dqr_are_weighted_by_absolute_contributions():
    result = run(we2_inventory())
    assert result.quality.pcf_as == D("6.25")
    assert result.declared_kg == D("2.75")  # the net PCF including the biogenic uptake
    assert result.quality.pds == D("65.2")  # 4.075 / 6.25 = 0.652
    assert result.quality.ter == result.quality.tir == result.quality.ger == D("2.036")  # 12.725 / 6.25
    published = result.to_dict()
    assert published["pds"] == "65.20"
    assert published["dqr"] == {"ter": "2.036", "tir": "2.036", "ger": "2.036"}


def test_we2_net_value_weighting_is_not_what_is_computed():
    result = run(we2_inventory())
    net = sum(D(pcf) for _, pcf, _, _ in WE2)
    net_pds = sum(D(pcf) * pds for _, pcf, pds, _ in WE2) / net
    net_dqr = sum(D(pcf) * D(dqr) for _, pcf, _, dqr in WE2) / net
    assert round(net_pds, 2) == D("110.00") and round(net_dqr, 2) == D("1.19")  # the wrong figures
    assert result.quality.pds != net_pds and result.quality.ter != net_dqr


def test_a_missing_dqr_takes_the_worst_rating():
    doc = with_lines(inventory(), inputs=[explicit_input("A", 10, dqr=1.0), explicit_input("B", 30)])
    assert run(doc).quality.ter == D(4)  # (10 x 1 + 30 x 5) / 40


def test_temporal_rating_from_the_gap_to_the_issue_date():
    issued = date(2026, 10, 15)
    assert temporal_rating(date(2025, 10, 14), issued) == D(1)  # 366 days
    assert temporal_rating(date(2025, 10, 13), issued) == D(2)  # 367 days
    assert temporal_rating(date(2022, 10, 15), issued) == D(4)  # 1461 days
    assert temporal_rating(date(2022, 10, 14), issued) == D(5)


# -- WE-3: third-party verification share (VF2 Table 8 / Fig. 8, Table 9) --------------------------


def node(inputs, own_kg, own_verified_share, *, own_step_verified=True):
    """One step of the VF2 example: its inputs (quantity, kg each, share) and its own contribution."""
    lines = [
        explicit_input(f"in-{i}", kg, quantity=qty, unit="piece", share=share)
        for i, (qty, kg, share) in enumerate(inputs)
    ]
    own = own_process("own", own_kg, verified=own_verified_share if own_step_verified else None)
    doc = with_lines(inventory(), inputs=lines, processes=[own])
    doc["verification"] = {"ownStepThirdPartyVerified": own_step_verified}
    return run(doc)


def test_we3_verification_shares_with_the_sources_rounded_intermediates():
    c1 = node([(3, 10, 95)], 20, 95)
    assert c1.declared_kg == 50 and c1.quality.verification_share == 95
    d1 = node([(1, 5, 95)], 10, 0, own_step_verified=False)
    assert d1.declared_kg == 15 and d1.quality.verification_share == 0  # broken chain
    assert d1.quality.inputs_verification_share > 0  # its input alone was verified
    b1 = node([(2, 50, 95), (1, 15, 0)], 15, 95)
    assert b1.declared_kg == 130
    assert b1.quality.verification_share == exact(10925, 130)
    assert b1.to_dict()["verification_share"] == "84.04"
    # the source passes B1 on as a whole percent (84): A1 = (130 x 84 + 25 x 95) / 155
    a1_rounded = node([(1, 130, 84)], 25, 95)
    assert a1_rounded.to_dict()["verification_share"] == "85.77"
    assert a1_rounded.quality.assurance == "limited"
    # exact arithmetic carries B1 unrounded: 85.81 %
    a1_exact = node([(1, 130, float(b1.quality.verification_share))], 25, 95)
    assert a1_exact.to_dict()["verification_share"] == "85.81"


def test_we3_table9_regular_verification_of_c1():
    b1 = node([(2, 50, 80), (1, 15, 0)], 15, 95)
    assert b1.quality.verification_share == D("72.5")
    a1_rounded = node([(1, 130, 73)], 25, 95)
    assert a1_rounded.quality.verification_share == exact(11865, 155)  # the source prints 76.54, rounds to 77
    assert a1_rounded.to_dict()["verification_share"] == "76.55"
    a1_exact = node([(1, 130, 72.5)], 25, 95)
    assert a1_exact.to_dict()["verification_share"] == "76.13"


def test_the_rounding_policy_is_pinned_in_the_profile():
    assert CX.rounding.mode == "ROUND_HALF_UP" and CX.rounding.percent_decimals == 2


# -- WE-4: E_total and the declared value (EU draft parameters) ------------------------------------


@pytest.mark.parametrize(
    ("battery", "expected"),
    [
        ({"vehicleCategory": "M1", "usableEnergyKwh": 75, "warrantyYears": 8}, 36_000),
        ({"vehicleCategory": "M3", "usableEnergyKwh": 400, "warrantyYears": 6}, 600_000),
        ({"vehicleCategory": "L", "usableEnergyKwh": 2, "warrantyYears": 3}, 120),
    ],
)
def test_we4_e_total(battery, expected):
    result = run(with_lines(inventory(**battery), inputs=[explicit_input("A", 10)]), EU)
    assert result.e_total_kwh == expected


def car_with_stages():
    return with_lines(
        inventory(),
        inputs=[explicit_input("materials", 4000, stage="raw_material")],
        processes=[
            own_process("cell-and-pack", 1800, stage="production"),
            own_process("shipping", 60, stage="distribution"),
            own_process("recycling", 140, stage="end_of_life"),
        ],
    )


def test_we4_car_declares_0_1667_per_kwh_delivered():
    result = run(car_with_stages(), EU)
    assert result.declared_kg == 6000
    assert result.declared_per_kwh == exact(6000, 36000)
    published = result.to_dict()
    assert published["declared_kg_co2e_per_kwh"] == "0.1667"
    assert [
        published["stages"][s]["kg_co2e_per_kwh"] for s in ("raw_material", "production", "distribution", "end_of_life")
    ] == [
        "0.1111",
        "0.0500",
        "0.0017",
        "0.0039",
    ]
    assert not any("per kWh of capacity" in w for w in result.warnings)


def test_the_china_profile_has_the_same_shape():
    assert run(car_with_stages(), CN).to_dict()["declared_kg_co2e_per_kwh"] == "0.1667"


def test_catena_x_declares_cradle_to_gate_per_piece():
    result = run(car_with_stages(), CX)
    published = result.to_dict()
    assert published["declared_kg_co2e_per_kwh"] is None
    assert published["declared_value"] == {"value": "5800.000", "unit": "kg CO2e/piece"}
    assert published["stages"]["distribution"] == {
        "in_declared_value": False,
        "kg_co2e": "60.000",
        "kg_co2e_per_kwh": None,
        "emissions_kg": {
            "excluding_biogenic_uptake": "60.000",
            "including_biogenic_uptake": "60.000",
            "fossil": None,
            "biogenic_uptake": "0.000",
        },
    }


def test_the_unit_trap_is_flagged():
    # 4,800 kg over a pack whose E_total came out at 360 kWh: 13.3 kg CO2e/kWh cannot be per kWh delivered
    doc = with_lines(inventory(usableEnergyKwh=60, warrantyYears=0.1), inputs=[explicit_input("all", 4800)])
    result = run(doc, EU)
    assert result.declared_per_kwh > 5
    assert any("probably per kWh of capacity" in w for w in result.warnings)
    # derived: 60 kWh x 60 FEqC x 8 y = 28,800 kWh delivers 4,800 kg at 0.167
    sane = run(with_lines(inventory(usableEnergyKwh=60), inputs=[explicit_input("all", 4800)]), EU)
    assert sane.to_dict()["declared_kg_co2e_per_kwh"] == "0.1667"
    assert sane.to_dict()["kg_co2e_per_kwh_capacity"] == "80.0000"


def test_a_mileage_warranty_shortens_the_service_life():
    doc = with_lines(inventory(warrantyKm=100_000), inputs=[explicit_input("A", 6000)])
    result = run(doc, EU)
    assert result.service_life_years == 5  # 100,000 km at the profile's 20,000 km/year
    assert result.e_total_kwh == 75 * 60 * 5


def test_an_unlisted_vehicle_needs_a_justified_cycle_count():
    undecided = run(with_lines(inventory(vehicleCategory="other"), inputs=[explicit_input("A", 10)]), EU)
    assert not undecided.decided and "full-equivalent-cycle" in undecided.problems[0]
    assert undecided.to_dict()["declared_kg_co2e_per_kwh"] is None
    justified = inventory(vehicleCategory="other", feqcPerYear=100, feqcJustification="duty cycle of a yard tractor")
    assert run(with_lines(justified, inputs=[explicit_input("A", 10)]), EU).e_total_kwh == 75 * 100 * 8


# -- WE-5: the declared-unit trap on import (domain notes §10 case 7) ------------------------------


def test_we5_pact_v2_and_v3_declared_units_give_the_same_contribution():
    """PACT v2 {liter, unitaryProductAmount 12, pCfExcludingBiogenic 1.5} is v3 {liter, 12, 18}: 12 L carry 18 kg."""
    from conftest import load, need_reference

    from bpvc.cf.supplier import ResolvedInput, footprint_from_record
    from bpvc.records import pcf_import

    v2 = load(need_reference("samples", "pact", "v2_get-footprint-response.json"))
    pcf = v2["data"]["pcf"]
    pcf.update(unitaryProductAmount="12", pCfExcludingBiogenic="1.5", pCfIncludingBiogenic="1.5")
    for key in ("fossilGhgEmissions", "dLucGhgEmissions", "landManagementGhgEmissions", "otherBiogenicGhgEmissions"):
        pcf.pop(key, None)
    imported = pcf_import.normalize(v2, "pact-2").record
    footprint = footprint_from_record(imported)
    assert (footprint.declared_unit, footprint.declared_amount, footprint.excluding) == ("L", 12, 18)

    ref = {"id": "urn:uuid:" + imported["id"], "digestSRI": "sha384-AAAA"}
    doc = with_lines(
        inventory(),
        inputs=[{"id": "ethanol", "stage": "raw_material", "quantity": 12, "unit": "L", "pcfCredential": ref}],
    )
    resolved = {ref["id"]: ResolvedInput(ref["id"], ref["digestSRI"], "verified", footprint=footprint)}
    assert compute(parse_inventory(doc), resolved, CX).declared_kg == 18
    # read as v3 with the v2 figure (12 L at 1.5 per 12 L): 12 times lower, not equal
    misread = footprint_from_record(
        {**imported, "pcf": {**imported["pcf"], "pcfExcludingBiogenicUptake": 1.5, "pcfIncludingBiogenicUptake": 1.5}}
    )
    resolved = {ref["id"]: ResolvedInput(ref["id"], ref["digestSRI"], "verified", footprint=misread)}
    assert compute(parse_inventory(doc), resolved, CX).declared_kg == D("1.5")


# -- units, electricity, allocation, cut-off -------------------------------------------------------


def test_tonnes_and_megawatt_hours_convert_exactly():
    line = explicit_input("cathode", 9.77, quantity=0.167, unit="t")
    line["pcf"]["declaredUnit"] = "kg"
    process = {
        "id": "gas",
        "stage": "production",
        "activity": "fuel",
        "amount": 2.5,
        "unit": "MWh",
        "emissionFactor": {"value": 0.2, "unit": "kg CO2e/kWh", "source": "test"},
    }
    result = run(with_lines(inventory(), inputs=[line], processes=[process]))
    assert result.declared_kg == D("1631.59") + D(500)


def test_per_piece_footprints_need_a_mass_to_meet_kilograms():
    from bpvc.cf import InventoryError

    line = explicit_input("bms", 15, quantity=2, unit="kg")
    line["pcf"]["declaredUnit"] = "piece"
    with pytest.raises(InventoryError) as caught:
        parse_inventory(with_lines(inventory(), inputs=[line]))
    finding = caught.value.report.errors[0]
    assert finding.json_path == "$.inputs[0].pcf.declaredUnit" and "productMassPerDeclaredUnit" in finding.message
    line["pcf"]["massPerDeclaredUnitKg"] = 0.5
    assert run(with_lines(inventory(), inputs=[line])).declared_kg == 60  # 2 kg = 4 pieces x 15


def electricity_line(supply, **extra):
    line = {
        "id": "cell-power",
        "stage": "production",
        "activity": "electricity",
        "amount": 1000,
        "unit": "MWh",
        "activityPrimary": True,
        "electricity": {
            "country": "CN",
            "supply": supply,
            "gridFactors": {
                "nationalConsumptionMix": {"value": 0.58, "unit": "kg CO2e/kWh", "source": "national mix (test)"},
                "residualMix": {"value": 0.62, "unit": "kg CO2e/kWh", "source": "residual mix (test)"},
            },
            **extra,
        },
    }
    if supply != "grid":
        line["electricity"]["contractualFactor"] = {
            "value": 0.01,
            "unit": "kg CO2e/kWh",
            "source": "hydro PPA",
            "primary": True,
        }
    return line


ALL_CRITERIA = {
    "attributes": True,
    "uniqueClaim": True,
    "trackedAndCancelled": True,
    "sameYear": True,
    "sameMarket": True,
}


def test_the_eu_draft_does_not_recognise_a_ppa():
    doc = with_lines(
        inventory(),
        inputs=[explicit_input("A", 0.001)],
        processes=[electricity_line("ppa", instrumentCriteria=ALL_CRITERIA, eacsCancelled=True)],
    )
    eu, cx = run(doc, EU), run(doc, CX)
    assert eu.declared_kg == D("580000.001")  # national consumption mix
    assert cx.declared_kg == D("10000.001")  # the PPA with cancelled EACs meeting the five criteria
    assert any("does not recognise ppa" in w for w in eu.warnings)


def test_catena_x_refuses_instruments_that_miss_a_criterion():
    criteria = dict(ALL_CRITERIA, sameMarket=False)
    doc = with_lines(
        inventory(),
        inputs=[explicit_input("A", 1)],
        processes=[electricity_line("guarantee_of_origin", instrumentCriteria=criteria)],
    )
    result = run(doc, CX)
    assert result.declared_kg == 620001  # residual mix
    assert "sameMarket" in result.lines[1].notes[0]


def test_a_missing_grid_factor_leaves_the_result_undecided():
    line = electricity_line("grid")
    del line["electricity"]["gridFactors"]["residualMix"]
    result = run(with_lines(inventory(), inputs=[explicit_input("A", 1)], processes=[line]), CX)
    assert not result.decided and "residual mix or fossil grid mix" in result.problems[0]


def test_allocation_follows_the_value_ratio():
    product = CoProduct("lithium carbonate", D(100), D(12))
    assert (
        allocation_share(Allocation(product, (CoProduct("sodium sulphate", D(300), D(3)),), None), D(5))[1]
        == "physical"
    )
    share, method, _ = allocation_share(Allocation(product, (CoProduct("slag", D(300), D(2)),), None), D(5))
    assert method == "economic" and share == exact(1200, 1800)


def test_the_cut_off_check():
    doc = with_lines(inventory(), inputs=[explicit_input("A", 97)])
    doc["cutOff"] = [{"id": "glue", "stage": "production", "estimatedKgCo2e": 2.9, "basis": "mass estimate"}]
    passed = run(doc)
    assert passed.cut_off.passed and passed.compliant
    doc["cutOff"][0]["estimatedKgCo2e"] = 3
    failed = run(doc)
    assert failed.cut_off.share_percent == D(3) and not failed.cut_off.passed and not failed.compliant
    assert "cut-off" in failed.violations[0]


def test_a_direct_line_counts_unless_its_instruments_were_sold():
    direct = electricity_line("direct_line")
    doc = with_lines(inventory(), inputs=[explicit_input("A", 1)], processes=[direct])
    assert run(doc, EU).declared_kg == 10001  # the generator's own 0.01 kg CO2e/kWh
    direct["electricity"]["instrumentsSold"] = True
    doc = with_lines(inventory(), inputs=[explicit_input("A", 1)], processes=[direct])
    sold = run(doc, EU)
    assert sold.declared_kg == 580001 and "sold the instruments" in sold.lines[1].notes[0]


def test_a_profile_can_set_the_national_grid_factor():
    from conftest import ROOT

    from bpvc.cf import parse_profile

    text = (ROOT / "src" / "bpvc" / "data" / "cf-profiles" / "cn-miit-2025.toml").read_text()
    text = text.replace(
        "factors = {}", 'factors = { CN = { value = 0.5, unit = "kg CO2e/kWh", source = "official (test)" } }'
    )
    profile = parse_profile(text)
    doc = with_lines(inventory(), inputs=[explicit_input("A", 1)], processes=[electricity_line("grid")])
    result = run(doc, profile)
    assert result.declared_kg == 500001  # the profile's factor wins over the line's 0.58
    assert "set by the profile" in result.lines[1].notes[0]
    assert run(doc, CN).declared_kg == 580001


def test_scope_and_verification_warnings():
    lmt = with_lines(inventory(category="LMT", vehicleCategory="L"), inputs=[explicit_input("A", 1)])
    assert any("covers EV batteries, not LMT" in w for w in run(lmt, EU).warnings)
    small = with_lines(inventory(usableEnergyKwh=1.5), inputs=[explicit_input("A", 1)])
    warnings = run(small, CN).warnings
    assert any("over 2 kWh" in w for w in warnings) and any("third-party verified" in w for w in warnings)


def test_a_prospective_footprint_reports_no_pds_or_dqr():
    doc = with_lines(inventory(), inputs=[explicit_input("A", 10, pds=50, dqr=2)])
    doc["pcfType"] = "prospective"
    result = run(doc)
    assert result.quality.pds is None and result.to_dict()["dqr"] == {"ter": None, "tir": None, "ger": None}


def test_a_reference_period_over_three_years_breaks_the_profile():
    doc = with_lines(inventory(), inputs=[explicit_input("A", 10)])
    doc["referencePeriod"] = {"start": "2021-01-01", "end": "2025-12-31"}
    result = run(doc)
    assert result.decided and not result.compliant and "longer than the 3 years" in result.violations[0]


def test_own_line_ratings_follow_the_factor_metadata():
    line = own_process("P", 10)
    line["emissionFactor"].update(referencePeriodEnd="2023-12-31", geographyLevel="region")
    result = run(with_lines(inventory(), processes=[line], inputs=[explicit_input("A", 0.0001, dqr=1)]))
    own = result.lines[1]
    assert (own.ter, own.tir, own.ger) == (5, 3, 3)  # TeR not given: worst; 1019 days: TiR 3; region: GeR 3


def test_the_public_names_of_bpvc_cf_are_pinned():
    import bpvc.cf

    assert sorted(bpvc.cf.__all__) == [
        "BUNDLED", "CfResult", "Inventory", "InventoryError", "Profile", "ProfileError", "ResolvedInput",
        "SupplierFootprint", "allocation_share", "bundled_profile", "compute", "load_inventory", "load_profile",
        "parse_inventory", "parse_profile", "validate_inventory",
    ]  # fmt: skip
