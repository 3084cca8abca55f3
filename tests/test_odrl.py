"""Catena-X ODRL policies: the profile's samples, the policies bpvc emits, and broken ones refused by name."""

import copy
import json

import pytest
from click.testing import CliRunner
from conftest import need_reference

from bpvc.cli import main
from bpvc.crossborder import odrl

# Samples that contradict their own constraint schema (so bpvc refuses them, naming the constraint):
# the schema's const is cx.dataUsageEnd.unlimited:1, WarrantyDurationMonths is an integer, the
# UsageRestriction values are const names rather than values, cx.data.keeping is not a published value.
DEFECTIVE_SAMPLES = {
    "usage-policy-sample.json": "DataUsageEndDefinition",
    "usage-policy-comprehensive-sample.json": "WarrantyDurationMonths",
    "contract-termination-constraint-sample.json": "ContractTermination",
}


@pytest.fixture(scope="module")
def profile():
    return odrl.Profile(need_reference("odrl"))


def _samples():
    folder = need_reference("odrl", "schema", "samples")
    return sorted(folder.glob("*.json"))


def _problems(profile, path):
    document = json.loads(path.read_text())
    if "leftOperand" in document:
        return profile.constraint_problems(document)
    return profile.problems(document, kind="access" if "access" in path.name else "usage")


def test_every_sample_conforms_except_those_contradicting_their_schema(profile):
    samples = _samples()
    assert len(samples) >= 30
    for path in samples:
        found = _problems(profile, path)
        if path.name in DEFECTIVE_SAMPLES:
            assert found and found[0].constraint == DEFECTIVE_SAMPLES[path.name], path.name
        else:
            assert found == [], (path.name, [str(p) for p in found])


def test_the_registry_resolves_nothing_outside_the_profile(profile):
    from referencing.exceptions import Unresolvable

    resolver = profile._registry.resolver()
    with pytest.raises(Unresolvable):
        resolver.lookup("https://example.org/elsewhere.json")


def test_emitted_policies_conform(profile):
    result = odrl.policies(
        profile,
        policy_id="xlb-2026",
        purposes=["cx.circular.dpp:1", "cx.pcf.base:1"],
        partners=["BPNL00000007NHVA"],
        regions=["europe"],
        jurisdiction="DE",
        contract_references=["CX-CA-2026-0042"],
        until="2027-12-31T23:59:59Z",
    )
    assert profile.problems(result["usagePolicy"], kind="usage") == []
    assert profile.problems(result["accessPolicy"], kind="access") == []
    atoms = result["usagePolicy"]["permission"][0]["constraint"][0]["and"]
    assert {a["leftOperand"] for a in atoms} == {
        "FrameworkAgreement",
        "UsagePurpose",
        "AffiliatesRegion",
        "JurisdictionLocation",
        "ContractReference",
        "DataUsageEndDate",
    }
    usage_def, access_def = result["policyDefinitions"]
    assert usage_def["@context"][-1] == {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}
    assert usage_def["policy"]["@type"] == "Set" and access_def["@id"] == "xlb-2026-access"


def _usage(profile):
    return odrl.usage_policy("p", purposes=["cx.circular.dpp:1"])


def test_an_unknown_purpose_is_refused_naming_the_constraint(profile):
    policy = odrl.usage_policy("p", purposes=["cx.circular.passports:9"])
    with pytest.raises(odrl.OdrlError) as caught:
        profile.check(policy, kind="usage")
    assert caught.value.constraint == "UsagePurpose"
    assert "not a published UsagePurpose value" in caught.value.detail


def test_a_missing_framework_agreement_is_refused(profile):
    policy = _usage(profile)
    atoms = policy["permission"][0]["constraint"][0]["and"]
    policy["permission"][0]["constraint"][0]["and"] = [a for a in atoms if a["leftOperand"] != "FrameworkAgreement"]
    found = profile.problems(policy, kind="usage")
    assert [p.constraint for p in found] == ["FrameworkAgreement"]


@pytest.mark.parametrize(
    "change, constraint",
    [
        (
            lambda p: p["permission"][0]["constraint"][0]["and"].append(
                {"leftOperand": "Membership", "operator": "eq", "rightOperand": "lapsed"}
            ),
            "Membership",
        ),
        (
            lambda p: p["prohibition"][0]["constraint"][0]["and"].append(
                {"leftOperand": "UsagePurpose", "operator": "isAnyOf", "rightOperand": ["x"]}
            ),
            "UsagePurpose",
        ),
        (
            lambda p: p["permission"][0]["constraint"][0]["and"].append(
                {"leftOperand": "Colour", "operator": "eq", "rightOperand": "red"}
            ),
            "Colour",
        ),
        (
            lambda p: p["permission"][0]["constraint"][0]["and"].append(
                {"leftOperand": "DataUsageEndDate", "operator": "eq", "rightOperand": "next year"}
            ),
            "DataUsageEndDate",
        ),
    ],
    ids=["bad-value", "wrong-position", "unknown-operand", "bad-date"],
)
def test_broken_constraints_are_named(profile, change, constraint):
    policy = copy.deepcopy(_usage(profile))
    change(policy)
    found = profile.problems(policy, kind="usage")
    assert found and found[0].constraint == constraint, [str(p) for p in found]


def test_policy_command(tmp_path):
    folder = need_reference("odrl")
    out = tmp_path / "policy.json"
    runner = CliRunner()
    args = ["policy", "odrl", "--purpose", "cx.pcf.base:1", "--partner", "BPNL00000007NHVA", "--profile", str(folder)]
    result = runner.invoke(main, [*args, "--until", "2027-12-31", "--region", "europe", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    atoms = written["usagePolicy"]["permission"][0]["constraint"][0]["and"]
    assert {"leftOperand": "DataUsageEndDate", "operator": "eq", "rightOperand": "2027-12-31T23:59:59Z"} in atoms
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps(written["policyDefinitions"][0]))
    checked = runner.invoke(main, ["policy", "check", str(usage), "--kind", "usage", "--profile", str(folder)])
    assert checked.exit_code == 0, checked.output
    assert runner.invoke(main, [*args[:-2], "--profile", str(tmp_path)]).exit_code == 2
    assert (
        runner.invoke(main, ["policy", "odrl", "--purpose", "cx.other:1", "--partner", "BPNL00000007NHVA"]).exit_code
        == 2
    )
    bad_partner = runner.invoke(
        main, ["policy", "odrl", "--purpose", "cx.pcf.base:1", "--partner", "ACME", "--profile", str(folder)]
    )
    assert bad_partner.exit_code == 2 and "not a BPNL" in bad_partner.output
    nothing = tmp_path / "never.json"
    bad_until = runner.invoke(main, [*args, "--until", "soon", "-o", str(nothing)])
    assert bad_until.exit_code == 1 and "DataUsageEndDate" in bad_until.output and not nothing.exists()
