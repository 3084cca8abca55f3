"""Catena-X ODRL policies: bpvc's built-in rules, held to the profile's official schemas sample by sample.

The built-in rules (bundled data) are what `bpvc policy` uses out of the box; the official
schemas (read from ../shared/reference/odrl when it exists) are the yardstick: every sample,
and some 1,700 variants of the samples broken one way at a time, must get the same verdict
from both.
"""

import copy
import json
import socket
from collections.abc import Iterator
from importlib import resources

import pytest
from click.testing import CliRunner
from conftest import REFERENCE, need_reference

from bpvc.cli.main import main
from bpvc.crossborder import odrl
from bpvc.crossborder.odrl_rules import RULES_FILE

# Samples that contradict their own constraint schema (so both rule sets refuse them, naming the constraint):
# the schema's const is cx.dataUsageEnd.unlimited:1, WarrantyDurationMonths is an integer, the
# UsageRestriction values are const names rather than values, cx.data.keeping lacks its version.
DEFECTIVE_SAMPLES = {
    "usage-policy-sample.json": "DataUsageEndDefinition",
    "usage-policy-comprehensive-sample.json": "WarrantyDurationMonths",
    "contract-termination-constraint-sample.json": "ContractTermination",
}
BPNL = "BPNL00000007NHVA"


@pytest.fixture(scope="module")
def rules():
    return odrl.builtin_rules()


@pytest.fixture(scope="module")
def profile():
    return odrl.Profile(need_reference("odrl"))


def _sample_names():
    folder = REFERENCE / "odrl" / "schema" / "samples"
    return sorted(p.name for p in folder.glob("*.json")) or ["(reference samples not available)"]


def _load_sample(name):
    path = need_reference("odrl", "schema", "samples", name)
    return json.loads(path.read_text(encoding="utf-8"))


def _kind(name, document):
    if "leftOperand" in document:
        return "constraint"
    return "access" if "access" in name else "usage"


def _problems(checker, document, kind):
    if kind == "constraint":
        return checker.constraint_problems(document)
    return checker.problems(document, kind=kind)


def _usage(purposes=("cx.circular.dpp:1",)):
    return odrl.usage_policy("p", purposes=list(purposes))


def _atoms(policy, member="permission"):
    return policy[member][0]["constraint"][0]["and"]


# -- the data file ---------------------------------------------------------------------------------


def test_the_rules_name_their_source_and_cover_every_left_operand_bpvc_emits(rules):
    data = json.loads((resources.files("bpvc") / "data" / "odrl" / RULES_FILE).read_text(encoding="utf-8"))
    assert data["source"]["version"] == "2025-9" and rules.name == "bpvc's built-in Catena-X 2025-9 rules"
    assert all(spec["source"] for spec in data["leftOperands"].values())
    assert all(part["source"] for part in data["policy"].values())
    emitted = odrl.policies(
        policy_id="x",
        purposes=list(odrl.PURPOSES),
        partners=[BPNL],
        regions=["europe"],
        jurisdiction="DE",
        contract_references=["C-1"],
        until="2027-12-31T23:59:59Z",
    )
    used = {
        atom["leftOperand"]
        for policy in (emitted["usagePolicy"], emitted["accessPolicy"])
        for member in ("permission", "prohibition")
        for rule in policy.get(member, [])
        for atom in rule["constraint"][0]["and"]
    }
    assert used <= set(rules.left_operands) and len(used) == 9


def test_what_bpvc_offers_is_published_in_the_rules(rules):
    assert set(odrl.PURPOSES) <= rules.left_operands["UsagePurpose"].published
    assert {f"cx.region.{r}:1" for r in odrl.REGIONS} == rules.left_operands["AffiliatesRegion"].published
    assert rules.left_operands["FrameworkAgreement"].published == {odrl.FRAMEWORK}


def test_the_rules_state_the_same_facts_as_the_official_schemas(rules, profile):
    assert set(rules.left_operands) == set(profile.left_operands) and len(rules.left_operands) == 29
    for position, allowed in profile.allowed.items():
        assert rules.allowed(position) == allowed, position
    for left, rule in rules.left_operands.items():
        assert set(rule.operators) == profile.operators(left), left
        assert rule.published == profile.constants(left) - profile.operators(left), left


# -- the differential test: same verdict as the official schemas -----------------------------------


@pytest.mark.parametrize("name", _sample_names())
def test_every_sample_gets_the_official_verdict(name, rules, profile):
    document = _load_sample(name)
    kind = _kind(name, document)
    built_in, official = _problems(rules, document, kind), _problems(profile, document, kind)
    if name in DEFECTIVE_SAMPLES:
        assert built_in and built_in[0].constraint == DEFECTIVE_SAMPLES[name], [str(p) for p in built_in]
        assert official and official[0].constraint == DEFECTIVE_SAMPLES[name], [str(p) for p in official]
    else:
        assert built_in == [] and official == [], ([str(p) for p in built_in], [str(p) for p in official])


_OPERATORS = ["eq", "neq", "isAnyOf", "isAllOf", "isNoneOf", "lt", "matches"]
_VALUES = [
    "cx.bogus:1",
    "free text",
    3,
    2.0,
    True,
    None,
    [],
    ["x"],
    ["cx.bogus:1"],
    {},
    "BPNL000000000001",
    ["BPNL000000000001", "BPNL000000000001"],
    "2027-12-31T23:59:59Z",
    "2027-12-31",
]


def _constraint_variants(atom) -> Iterator[tuple[str, dict]]:
    """One atomic constraint broken (or merely changed) one way at a time."""
    for operator in _OPERATORS:
        if operator != atom.get("operator"):
            yield f"operator {operator}", {**atom, "operator": operator}
    for value in _VALUES:
        yield f"rightOperand {value!r}", {**atom, "rightOperand": value}
    for member in ("leftOperand", "operator", "rightOperand"):
        yield f"without {member}", {k: v for k, v in atom.items() if k != member}
    yield "an extra member", {**atom, "@type": "Constraint"}
    yield "an unknown left operand", {**atom, "leftOperand": "Colour"}
    if isinstance(atom.get("rightOperand"), list) and atom["rightOperand"]:
        yield "a value twice", {**atom, "rightOperand": atom["rightOperand"] + atom["rightOperand"][:1]}


def _policy_changes(kind):
    first = "permission"
    other_action = "use" if kind == "access" else "access"
    return [
        ("@type Offer", lambda p: p.__setitem__("@type", "Offer")),
        ("no @id", lambda p: p.pop("@id")),
        ("no Catena-X context", lambda p: p.__setitem__("@context", p["@context"][:1])),
        ("no @context", lambda p: p.pop("@context")),
        ("@context a string", lambda p: p.__setitem__("@context", p["@context"][1])),
        ("the other action", lambda p: p[first][0].__setitem__("action", other_action)),
        ("empty permission", lambda p: p.__setitem__(first, [])),
        ("no permission", lambda p: p.pop(first)),
        ("or group", lambda p: p[first][0]["constraint"].__setitem__(0, {"or": _atoms(p)})),
        ("group and atom at once", lambda p: p[first][0]["constraint"][0].update(_membership())),
        ("no group", lambda p: p[first][0].__setitem__("constraint", _atoms(p))),
        ("nested group", lambda p: p[first][0].__setitem__("constraint", [{"and": p[first][0]["constraint"]}])),
        ("a prohibition", lambda p: p.__setitem__("prohibition", [{"action": "use", "constraint": []}])),
        ("a rule that is a string", lambda p: p[first].append("x")),
        ("a constraint that is a string", lambda p: _atoms(p).append("x")),
        ("profile a number", lambda p: p.__setitem__("profile", 3)),
        ("an integer duration", lambda p: _atoms(p).append(_duration() if kind == "usage" else _membership())),
    ]


def _membership():
    return {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}


def _duration():
    return {"leftOperand": "DataUsageEndDurationDays", "operator": "eq", "rightOperand": 30}


def _policy_variants(document, kind) -> Iterator[tuple[str, dict]]:
    """A policy broken (or merely changed) one way at a time: each constraint changed, dropped, moved."""
    members = ("permission",) if kind == "access" else ("permission", "prohibition", "obligation")
    for member in members:
        for r, rule in enumerate(document.get(member, [])):
            for a, atom in enumerate(rule["constraint"][0]["and"]):
                where = f"{member}[{r}] {atom['leftOperand']}"
                for label, changed in _constraint_variants(atom):
                    policy = copy.deepcopy(document)
                    policy[member][r]["constraint"][0]["and"][a] = changed
                    yield f"{where}: {label}", policy
                policy = copy.deepcopy(document)
                del policy[member][r]["constraint"][0]["and"][a]
                yield f"{where}: dropped", policy
                for other in members:
                    if other != member:
                        policy = copy.deepcopy(document)
                        policy.setdefault(other, [{"action": "use", "constraint": [{"and": []}]}])
                        _atoms(policy, other).append(atom)
                        yield f"{where}: also in {other}", policy
    for label, change in _policy_changes(kind):
        policy = copy.deepcopy(document)
        change(policy)
        yield label, policy


@pytest.mark.parametrize("name", _sample_names())
def test_every_variant_of_a_sample_gets_the_official_verdict(name, rules, profile):
    """What keeps the hand-written rules honest: refused by one exactly when refused by the other."""
    document = _load_sample(name)
    kind = _kind(name, document)
    variants = _constraint_variants(document) if kind == "constraint" else _policy_variants(document, kind)
    disagreements, refused, count = [], 0, 0
    for label, variant in variants:
        count += 1
        built_in, official = _problems(rules, variant, kind), _problems(profile, variant, kind)
        refused += bool(official)
        named_officially = {p.constraint for p in official if p.constraint}
        if bool(built_in) != bool(official) or not named_officially <= {p.constraint for p in built_in}:
            disagreements.append((label, [str(p) for p in built_in], [str(p) for p in official]))
    assert disagreements == [], disagreements[:3]
    assert count >= 20 and refused >= count // 2  # the variants do break things


def test_the_built_in_rules_are_stricter_on_calendar_times(rules, profile):
    """A deliberate difference: the schemas' pattern takes February 30th, bpvc refuses it."""
    atom = {"leftOperand": "DataUsageEndDate", "operator": "eq", "rightOperand": "2027-02-30T12:00:00Z"}
    assert profile.constraint_problems(atom) == []
    assert [p.constraint for p in rules.constraint_problems(atom)] == ["DataUsageEndDate"]


def test_the_registry_resolves_nothing_outside_the_profile(profile):
    from referencing.exceptions import Unresolvable

    resolver = profile._registry.resolver()
    with pytest.raises(Unresolvable):
        resolver.lookup("https://example.org/elsewhere.json")


# -- what bpvc emits -----------------------------------------------------------------------------------

EMITTED = {
    "passport": {"purposes": ["cx.circular.dpp:1"], "partners": [BPNL]},
    "footprint": {"purposes": ["cx.pcf.base:1"], "partners": [BPNL, "BPNL00000003CRHK"]},
    "everything": {
        "purposes": ["cx.circular.dpp:1", "cx.pcf.base:1"],
        "partners": [BPNL],
        "regions": list(odrl.REGIONS),
        "jurisdiction": "DE",
        "contract_references": ["CX-CA-2026-0042", "AGB-7"],
        "until": "2027-12-31T23:59:59+01:00",
    },
}


@pytest.mark.parametrize("options", EMITTED.values(), ids=EMITTED.keys())
def test_emitted_policies_pass_the_built_in_rules(options, rules):
    result = odrl.policies(policy_id="xlb-2026", **options)
    assert rules.problems(result["usagePolicy"], kind="usage") == []
    assert rules.problems(result["accessPolicy"], kind="access") == []
    for definition, kind in zip(result["policyDefinitions"], ("usage", "access"), strict=True):
        assert definition["@context"][-1] == {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}
        assert rules.problems({"@id": definition["@id"], **definition["policy"]}, kind=kind) == []
    atoms = _atoms(result["usagePolicy"])
    assert atoms[:2] == [
        {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"},
        {"leftOperand": "UsagePurpose", "operator": "isAnyOf", "rightOperand": options["purposes"]},
    ]
    assert _atoms(result["accessPolicy"])[1]["rightOperand"] == options["partners"]


@pytest.mark.parametrize("options", EMITTED.values(), ids=EMITTED.keys())
def test_emitted_policies_pass_the_official_schemas(options, profile):
    result = odrl.policies(policy_id="xlb-2026", profile=profile, **options)
    assert profile.problems(result["usagePolicy"], kind="usage") == []
    assert profile.problems(result["accessPolicy"], kind="access") == []


# -- broken policies, refused by the built-in rules with the constraint named ---------------------------


def test_an_unknown_purpose_is_refused_naming_the_constraint(rules):
    with pytest.raises(odrl.OdrlError) as caught:
        rules.check(_usage(["cx.circular.passports:9"]), kind="usage")
    assert caught.value.constraint == "UsagePurpose" and caught.value.rules == rules.name
    assert "'cx.circular.passports:9' is not a published UsagePurpose value" in caught.value.detail
    assert caught.value.json_path == "$.permission[0].constraint[0].and[1].rightOperand[0]"


def test_an_individual_purpose_in_free_text_is_allowed(rules):
    assert rules.problems(_usage(["cx.pcf.base:1", "PlausibilityCheckOfOwnSupplier"]), kind="usage") == []


def test_a_missing_framework_agreement_is_refused(rules):
    policy = _usage()
    policy["permission"][0]["constraint"][0]["and"] = _atoms(policy)[1:]
    found = rules.problems(policy, kind="usage")
    assert [(p.json_path, p.constraint) for p in found] == [("$.permission[0].constraint", "FrameworkAgreement")]


def _broken(change):
    policy = _usage()
    change(policy)
    return policy


BROKEN = {
    "deprecated framework": (
        lambda p: _atoms(p)[0].__setitem__("rightOperand", "Pcf:1.0"),
        "FrameworkAgreement",
        "valid until 2024-10-16",
    ),
    "wrong operator": (
        lambda p: _atoms(p)[1].__setitem__("operator", "eq"),
        "UsagePurpose",
        "takes the operator isAnyOf",
    ),
    "not an ODRL operator": (lambda p: _atoms(p)[0].__setitem__("operator", "equals"), "FrameworkAgreement", "ODRL"),
    "prohibition in a permission": (
        lambda p: _atoms(p).append(_atoms(p, "prohibition")[0]),
        "UsageRestriction",
        "may not stand in a permission of a usage policy",
    ),
    "purpose in a prohibition": (
        lambda p: _atoms(p, "prohibition").append(_atoms(p)[1]),
        "UsagePurpose",
        "may not stand in a prohibition",
    ),
    "access constraint in a usage permission": (
        lambda p: _atoms(p).append(
            {"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf", "rightOperand": [BPNL]}
        ),
        "BusinessPartnerNumber",
        "only in a permission of an access policy",
    ),
    "bad membership value": (lambda p: _atoms(p).append({**_membership(), "rightOperand": "lapsed"}), "Membership", ""),
    "unknown left operand": (
        lambda p: _atoms(p).append({"leftOperand": "Colour", "operator": "eq", "rightOperand": "red"}),
        "Colour",
        "not a left operand",
    ),
    "bad date": (
        lambda p: _atoms(p).append({"leftOperand": "DataUsageEndDate", "operator": "eq", "rightOperand": "next year"}),
        "DataUsageEndDate",
        "to the second",
    ),
    "integer in a policy": (lambda p: _atoms(p).append(_duration()), "DataUsageEndDurationDays", "Dataspace Protocol"),
    "an or group": (
        lambda p: p["permission"][0]["constraint"].append({"or": [_membership()]}),
        None,
        "'and' only",
    ),
}


@pytest.mark.parametrize("change, constraint, words", BROKEN.values(), ids=BROKEN.keys())
def test_broken_policies_are_refused_naming_the_constraint(change, constraint, words, rules):
    found = rules.problems(_broken(change), kind="usage")
    assert found and found[0].constraint == constraint and words in found[0].message, [str(p) for p in found]


def test_an_access_policy_takes_no_prohibition_and_needs_a_permission(rules):
    policy = odrl.access_policy("a", partners=[BPNL])
    assert rules.problems({**policy, "prohibition": []}, kind="access")[0].json_path == "$.prohibition"
    without = {k: v for k, v in policy.items() if k != "permission"}
    assert [p.json_path for p in rules.problems(without, kind="access")] == ["$.permission"]
    bad_partner = odrl.access_policy("a", partners=["BPNL-nope"])
    assert [p.constraint for p in rules.problems(bad_partner, kind="access")] == ["BusinessPartnerNumber"]


def test_nesting_is_bounded(rules):
    policy = _usage()
    group = policy["permission"][0]["constraint"]
    for _ in range(rules.max_nesting + 2):
        group = [{"and": group}]
    policy["permission"][0]["constraint"] = group
    assert any("nested more than" in p.message for p in rules.problems(policy, kind="usage"))


def test_nothing_is_returned_for_a_policy_that_does_not_pass():
    with pytest.raises(odrl.OdrlError) as caught:
        odrl.policies(policy_id="x", purposes=["cx.pcf.base:1"], partners=[BPNL], until="2027-02-30T00:00:00Z")
    assert caught.value.constraint == "DataUsageEndDate"
    assert "built-in Catena-X 2025-9 rules" in caught.value.detail


# -- the command line -----------------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch):
    """No profile configured, and any attempt to open a network connection fails the test."""
    monkeypatch.delenv(odrl.PROFILE_ENV, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("bpvc policy tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


ODRL = ["policy", "odrl", "--purpose", "cx.circular.dpp:1", "--partner", BPNL]


def test_policy_odrl_works_with_no_profile_and_no_network(tmp_path, offline):
    out = tmp_path / "policy.json"
    runner = CliRunner()
    result = runner.invoke(
        main, [*ODRL, "--region", "europe", "--jurisdiction", "DE", "--until", "2027-12-31", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "checked against bpvc's built-in Catena-X 2025-9 rules" in result.stderr
    written = json.loads(out.read_text())
    assert {"leftOperand": "DataUsageEndDate", "operator": "eq", "rightOperand": "2027-12-31T23:59:59Z"} in _atoms(
        written["usagePolicy"]
    )
    to_stdout = runner.invoke(main, ODRL)
    assert to_stdout.exit_code == 0 and json.loads(to_stdout.stdout)["accessPolicy"]["@id"] == "bpvc-policy-access"

    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps(written["policyDefinitions"][0]))
    checked = runner.invoke(main, ["policy", "check", str(usage), "--kind", "usage"])
    assert checked.exit_code == 0, checked.output
    assert "conforms" in checked.stdout and "built-in Catena-X 2025-9 rules" in checked.stdout


def test_policy_odrl_refuses_and_writes_nothing(tmp_path, offline):
    runner = CliRunner()
    nothing = tmp_path / "never.json"
    bad_until = runner.invoke(main, [*ODRL, "--until", "soon", "-o", str(nothing)])
    assert bad_until.exit_code == 1 and "DataUsageEndDate" in bad_until.output and not nothing.exists()
    assert runner.invoke(main, ["policy", "odrl", "--purpose", "cx.other:1", "--partner", BPNL]).exit_code == 2
    bad_partner = runner.invoke(main, ["policy", "odrl", "--purpose", "cx.pcf.base:1", "--partner", "ACME"])
    assert bad_partner.exit_code == 2 and "not a BPNL" in bad_partner.output


def test_policy_check_names_the_failing_constraint(tmp_path, offline):
    runner = CliRunner()
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_broken(BROKEN["wrong operator"][0])))
    result = runner.invoke(main, ["policy", "check", str(broken), "--kind", "usage"])
    assert result.exit_code == 1
    assert "[UsagePurpose]: UsagePurpose takes the operator isAnyOf, not 'eq'" in result.output
    twice = tmp_path / "twice.json"
    twice.write_text('{"@id": "a", "@id": "b", "@type": "Set"}')
    duplicate = runner.invoke(main, ["policy", "check", str(twice), "--kind", "usage"])
    assert duplicate.exit_code == 1 and "duplicate" in duplicate.output
    atom = tmp_path / "atom.json"
    atom.write_text(json.dumps({"leftOperand": "AffiliatesRegion", "operator": "isAnyOf", "rightOperand": ["eu"]}))
    one = runner.invoke(main, ["policy", "check", str(atom), "--kind", "constraint"])
    assert one.exit_code == 1 and "[AffiliatesRegion]" in one.output


def test_with_a_profile_both_rule_sets_are_used(tmp_path, monkeypatch):
    folder = need_reference("odrl")
    monkeypatch.delenv(odrl.PROFILE_ENV, raising=False)
    runner = CliRunner()
    out = tmp_path / "policy.json"
    result = runner.invoke(main, [*ODRL, "--profile", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"built-in Catena-X 2025-9 rules and the Catena-X ODRL profile's schemas in {folder}" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_broken(BROKEN["purpose in a prohibition"][0])))
    checked = runner.invoke(main, ["policy", "check", str(broken), "--kind", "usage", "--profile", str(folder)])
    assert checked.exit_code == 1
    lines = [line for line in checked.stdout.splitlines() if "[UsagePurpose]" in line]
    assert any("(bpvc's built-in" in line for line in lines) and any("profile's schemas" in line for line in lines)
    monkeypatch.setenv(odrl.PROFILE_ENV, str(folder))
    from_env = runner.invoke(main, ODRL)
    assert from_env.exit_code == 0 and "profile's schemas" in from_env.stderr


def test_a_profile_folder_without_the_schemas_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv(odrl.PROFILE_ENV, raising=False)
    runner = CliRunner()
    assert runner.invoke(main, [*ODRL, "--profile", str(tmp_path)]).exit_code == 2
    monkeypatch.setenv(odrl.PROFILE_ENV, str(tmp_path / "missing"))
    from_env = runner.invoke(main, ODRL)
    assert from_env.exit_code == 2 and odrl.PROFILE_ENV in from_env.output
