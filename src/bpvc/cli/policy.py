"""``bpvc policy``: Catena-X usage and access policies (ODRL), checked before output.

Checked against bpvc's built-in Catena-X rules (offline, always) and, with ``--profile DIR`` or
``$BPVC_ODRL_PROFILE``, against the profile's official JSON Schemas too.
"""

from __future__ import annotations

import json
import re
import sys

import click

from ..crossborder import odrl
from .common import emit
from .fileio import fail, load_json

_BPNL = re.compile(r"BPNL[0-9A-Z]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PROFILE_HELP = (
    "Also check against the Catena-X ODRL profile's official JSON Schemas in this folder "
    f"(default: ${odrl.PROFILE_ENV}; without either, bpvc's built-in rules only)."
)


def _profile(folder: str | None) -> odrl.Profile | None:
    try:
        return odrl.load_profile(folder)
    except odrl.ProfileUnavailableError as err:
        raise click.BadParameter(err.detail, param_hint=f"--profile / ${odrl.PROFILE_ENV}") from None


def _names(profile: odrl.Profile | None) -> str:
    return " and ".join(checker.name for checker in odrl.checkers(profile))


@click.group("policy")  # added to the root group in bpvc.cli.main
def _policy() -> None:
    """Dataspace usage policies for what is shared."""


@_policy.command("odrl")
@click.option("--purpose", "purposes", multiple=True, required=True, type=click.Choice(odrl.PURPOSES))
@click.option("--partner", "partners", multiple=True, required=True, help="The recipient's BPNL (repeatable).")
@click.option("--region", "regions", multiple=True, type=click.Choice(odrl.REGIONS), help="AffiliatesRegion.")
@click.option("--jurisdiction", help="JurisdictionLocation, e.g. DE.")
@click.option("--until", help="DataUsageEndDate: YYYY-MM-DD (through that day, UTC) or an RFC 3339 time.")
@click.option("--contract-reference", "contracts", multiple=True, help="ContractReference (repeatable).")
@click.option("--id", "policy_id", default="bpvc-policy", show_default=True, help="The policies' @id prefix.")
@click.option("--profile", "profile_dir", type=click.Path(file_okay=False), help=PROFILE_HELP)
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def policy_odrl(
    purposes: tuple[str, ...],
    partners: tuple[str, ...],
    regions: tuple[str, ...],
    jurisdiction: str | None,
    until: str | None,
    contracts: tuple[str, ...],
    policy_id: str,
    profile_dir: str | None,
    out: str | None,
) -> None:
    """The usage policy, the access policy and their EDC PolicyDefinitions, each checked before it is written."""
    bad = [p for p in partners if not _BPNL.fullmatch(p)]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not a BPNL (BPNL + 12 letters or digits)", param_hint="--partner")
    if until is not None and _DATE.fullmatch(until):
        until = f"{until}T23:59:59Z"
    profile = _profile(profile_dir)
    result = odrl.policies(
        profile=profile,
        policy_id=policy_id,
        purposes=list(purposes),
        partners=list(partners),
        regions=list(regions) or None,
        jurisdiction=jurisdiction,
        contract_references=list(contracts) or None,
        until=until,
    )
    emit(json.dumps(result, indent=2), out, "wrote the usage and access policies")
    click.echo(f"checked against {_names(profile)}", err=True)


@_policy.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["usage", "access", "constraint"]), required=True)
@click.option("--profile", "profile_dir", type=click.Path(file_okay=False), help=PROFILE_HELP)
def policy_check(file: str, kind: str, profile_dir: str | None) -> None:
    """Check a policy (or one atomic constraint) against the Catena-X profile; exit 0 conforms, 1 not."""
    profile = _profile(profile_dir)
    document = load_json(file, "policy", config=False)  # the document judged: a bad one exits 1
    if isinstance(document, dict) and isinstance(document.get("policy"), dict):  # an EDC PolicyDefinition
        document = {"@id": document.get("@id", ""), **document["policy"]}
    rule_sets = odrl.checkers(profile)
    found = 0
    for checker in rule_sets:
        problems = (
            checker.constraint_problems(document) if kind == "constraint" else checker.problems(document, kind=kind)
        )
        for problem in problems:
            click.echo(f"{problem} ({checker.name})" if len(rule_sets) > 1 else str(problem))
        found += len(problems)
    names = _names(profile)
    if found:
        fail(f"{file}: does not conform to the Catena-X ODRL profile ({found} problem(s)); checked against {names}")
    click.echo(f"{file}: conforms to the Catena-X ODRL profile ({kind}); checked against {names}")
    sys.exit(0)


policy: click.Group = _policy
