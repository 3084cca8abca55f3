"""Catena-X usage and access policies (ODRL): built by bpvc and checked before they are returned.

Every policy is checked against bpvc's built-in statement of the profile's rules
(:mod:`.odrl_rules`, bundled data, offline); when the operator names a folder holding the
profile's official JSON Schemas (``--profile`` / ``$BPVC_ODRL_PROFILE``), against those too
(:mod:`.odrl_schemas`). A policy that does not pass every check is never returned.
"""

from __future__ import annotations

from typing import Any

from .odrl_problems import OdrlError, PolicyChecker, Problem, ProfileUnavailableError, check
from .odrl_rules import BuiltinRules, builtin_rules
from .odrl_schemas import PROFILE_ENV, Profile, load_profile

ODRL_CONTEXT = "https://w3id.org/catenax/2025/9/policy/odrl.jsonld"
CX_CONTEXT = "https://w3id.org/catenax/2025/9/policy/context.jsonld"
EDC_VOCAB = "https://w3id.org/edc/v0.0.1/ns/"
FRAMEWORK = "DataExchangeGovernance:1.0"
# what bpvc emits (tests check each is a published value of the rules)
PURPOSES = ("cx.circular.dpp:1", "cx.pcf.base:1")
REGIONS = ("all", "europe", "northAmerica", "southAmerica", "africa", "asia", "oceania", "antarctica")


def checkers(profile: Profile | None = None) -> tuple[PolicyChecker, ...]:
    """The rule sets a policy is checked against: the built-in rules, then the official schemas when given."""
    return (builtin_rules(),) if profile is None else (builtin_rules(), profile)


def problems(policy: Any, *, kind: str, profile: Profile | None = None) -> list[tuple[str, Problem]]:
    """Every problem each rule set finds in ``policy``, with the rule set's name; empty when it conforms."""
    return [(c.name, p) for c in checkers(profile) for p in c.problems(policy, kind=kind)]


def check_policy(policy: dict[str, Any], *, kind: str, profile: Profile | None = None) -> dict[str, Any]:
    """Return ``policy`` when it passes every rule set; raise :class:`OdrlError` naming the first problem."""
    for checker in checkers(profile):
        check(policy, kind=kind, checker=checker)
    return policy


# -- building ------------------------------------------------------------------------------------------


def _atom(left: str, operator: str, right: Any) -> dict[str, Any]:
    return {"leftOperand": left, "operator": operator, "rightOperand": right}


def usage_policy(
    policy_id: str,
    *,
    purposes: list[str],
    regions: list[str] | None = None,
    jurisdiction: str | None = None,
    contract_references: list[str] | None = None,
    until: str | None = None,
    third_party_forbidden: bool = True,
) -> dict[str, Any]:
    """A Catena-X usage policy: use under the Data Exchange Governance for the purposes, with the limits given."""
    permission = [_atom("FrameworkAgreement", "eq", FRAMEWORK), _atom("UsagePurpose", "isAnyOf", purposes)]
    if regions:
        permission.append(_atom("AffiliatesRegion", "isAnyOf", [f"cx.region.{r}:1" for r in regions]))
    if jurisdiction:
        permission.append(_atom("JurisdictionLocation", "eq", jurisdiction))
    if contract_references:
        permission.append(_atom("ContractReference", "isAllOf", contract_references))
    if until:
        permission.append(_atom("DataUsageEndDate", "eq", until))
    policy: dict[str, Any] = {
        "@context": [ODRL_CONTEXT, CX_CONTEXT],
        "@type": "Set",
        "@id": policy_id,
        "permission": [{"action": "use", "constraint": [{"and": permission}]}],
    }
    if third_party_forbidden:
        restriction = _atom("UsageRestriction", "isAllOf", ["cx.thirdParty.forbidden:1"])
        policy["prohibition"] = [{"action": "use", "constraint": [{"and": [restriction]}]}]
    return policy


def access_policy(policy_id: str, *, partners: list[str]) -> dict[str, Any]:
    """A Catena-X access policy: active members with one of these business partner numbers."""
    constraints = [_atom("Membership", "eq", "active"), _atom("BusinessPartnerNumber", "isAnyOf", partners)]
    return {
        "@context": [ODRL_CONTEXT, CX_CONTEXT],
        "@type": "Set",
        "@id": policy_id,
        "permission": [{"action": "access", "constraint": [{"and": constraints}]}],
    }


def policy_definition(policy: dict[str, Any]) -> dict[str, Any]:
    """The EDC management API's PolicyDefinition around a checked policy."""
    inner = {k: v for k, v in policy.items() if k not in ("@context", "@id")}
    return {"@context": [ODRL_CONTEXT, CX_CONTEXT, {"@vocab": EDC_VOCAB}], "@id": policy["@id"], "policy": inner}


def policies(
    *,
    policy_id: str,
    purposes: list[str],
    partners: list[str],
    regions: list[str] | None = None,
    jurisdiction: str | None = None,
    contract_references: list[str] | None = None,
    until: str | None = None,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """The usage and access policies and their EDC PolicyDefinitions, each checked before it is returned.

    Checked against bpvc's built-in rules, and against the profile's official schemas when ``profile`` is given.
    """
    usage = check_policy(
        usage_policy(
            f"{policy_id}-usage",
            purposes=purposes,
            regions=regions,
            jurisdiction=jurisdiction,
            contract_references=contract_references,
            until=until,
        ),
        kind="usage",
        profile=profile,
    )
    access = check_policy(access_policy(f"{policy_id}-access", partners=partners), kind="access", profile=profile)
    return {
        "usagePolicy": usage,
        "accessPolicy": access,
        "policyDefinitions": [policy_definition(usage), policy_definition(access)],
    }


__all__ = [
    "FRAMEWORK",
    "PROFILE_ENV",
    "PURPOSES",
    "REGIONS",
    "BuiltinRules",
    "OdrlError",
    "PolicyChecker",
    "Problem",
    "Profile",
    "ProfileUnavailableError",
    "access_policy",
    "builtin_rules",
    "check_policy",
    "checkers",
    "load_profile",
    "policies",
    "policy_definition",
    "problems",
    "usage_policy",
]
