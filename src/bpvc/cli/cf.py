"""``bpvc cf``: carbon-footprint accounting from an inventory and supplier PCF credentials.

    bpvc cf validate INVENTORY
    bpvc cf compute INVENTORY [--profile P]... [--pcf FILE|DIR]... [--json] [--report cf.html]
    bpvc cf issue INVENTORY --profile P --pcf DIR --key KEY [--format di|jwt] [-o OUT]
    bpvc cf verify DECLARATION --inventory INV --pcf DIR
    bpvc cf profiles

Exit codes: 0 decided (and, for verify, reproduced); 1 invalid inventory, undecided or
non-compliant result, or a declaration that does not recompute; 2 usage or setup error
(unknown profile, missing file, unreadable key or DID document). Nothing is written or
signed when a command fails.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from .. import dates, strict_json
from ..cf import ResolvedInput, compute, declaration, inputs, load_inventory
from ..cf.inventory import Inventory, InventoryError, validate_inventory
from ..cf.profiles import BUNDLED, Profile, ProfileError, load_profile
from ..cf.report import render_html
from ..cf.result import CfResult
from ..errors import BpvcError
from ..files import write_atomic
from ..securing.suites import SUITES
from ..verify.policy import load_policy
from ..verify.verifier import Verifier
from .cf_table import side_by_side
from .common import CONTEXT, INSTANT, did_documents, load_signer


class SetupError(click.ClickException):
    """A file, key, profile or policy the command needs cannot be used: exit 2."""

    exit_code = 2


@click.group("cf")
def cf() -> None:
    """Carbon-footprint accounting: compute, declare and recompute a battery's footprint."""


def _verification_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--pcf",
            "pcf_paths",
            multiple=True,
            type=click.Path(exists=True),
            help="Supplier PCF credentials: a file or a folder (repeatable). Status list credentials found there "
            "are used for the URLs they name as their id.",
        ),
        click.option("--did-doc", "did_docs", multiple=True, type=click.Path(dir_okay=False), help="DID document."),
        click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Trust policy (TOML)."),
        click.option("--status-list", "status_lists", type=CONTEXT, multiple=True, help="Status list: URL=FILE."),
        click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _setup(action: Callable[[], Any], what: str) -> Any:
    """Run a setup step; any failure is a setup error (exit 2) naming ``what``."""
    try:
        return action()
    except click.ClickException as err:
        raise SetupError(err.message) from None
    except BpvcError as err:
        where = f" (at {err.json_path})" if err.json_path and err.json_path != "$" else ""
        raise SetupError(f"{what}: {err.detail}{where}") from None


def _profiles(names: tuple[str, ...], default: tuple[str, ...]) -> list[Profile]:
    chosen = names or default
    profiles = []
    for name in chosen:
        try:
            profiles.append(load_profile(name))
        except ProfileError as err:
            raise SetupError(err.detail) from None
    ids = [p.label() for p in profiles]
    if len(set(ids)) != len(ids):
        raise click.UsageError(f"the same profile is given twice ({', '.join(ids)})")
    return profiles


def _inventory(path: str) -> Inventory:
    try:
        return load_inventory(path)
    except InventoryError as err:
        _print_findings(err.report.findings)
        raise click.ClickException(
            f"{path} is not a valid inventory ({len(err.report.errors)} error(s)); nothing was computed"
        ) from None
    except BpvcError as err:
        raise SetupError(err.detail) from None


def _print_findings(findings: Any) -> None:
    for finding in findings:
        click.echo(f"{finding.severity:<8}{finding.json_path}: {finding.message}", err=True)


def _verifier(params: dict[str, Any], received: list[inputs.Received]) -> Verifier:
    def build() -> Verifier:
        lists: dict[str, Any] = dict(inputs.status_lists(received))
        lists.update({u: p for u, p, _ in params["status_lists"]})
        return Verifier(
            policy=load_policy(params["policy_path"]) if params["policy_path"] else None,
            contexts={**declaration.contexts(), **{u: p for u, p, _ in params["contexts"]}},
            context_pins={u: pin for u, _, pin in params["contexts"] if pin},
            did_documents=did_documents(params["did_docs"]),
            status_lists=lists,
        )

    return _setup(build, "verification setup")  # type: ignore[no-any-return]


def _received(params: dict[str, Any]) -> list[inputs.Received]:
    return _setup(lambda: inputs.read_credentials(params["pcf_paths"]), "supplier credentials")  # type: ignore[no-any-return]


def _results(
    inventory: Inventory, profiles: list[Profile], params: dict[str, Any]
) -> tuple[list[CfResult], dict[str, ResolvedInput]]:
    received = _received(params)
    verifier = _verifier(params, received)
    resolved = inputs.resolve(inventory, received, verifier, now=params.get("now"))
    allow = params.get("allow_unverified", False)
    return [compute(inventory, resolved, p, allow_unverified=allow) for p in profiles], resolved


# -- validate -------------------------------------------------------------------------------------


@cf.command("validate")
@click.argument("inventory_path", metavar="INVENTORY", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def validate_cmd(inventory_path: str, as_json: bool) -> None:
    """Check an inventory against its schema and rules: exit 0 valid, 1 invalid."""
    try:
        raw = strict_json.read_bounded(inventory_path)
    except (OSError, ValueError) as err:
        raise SetupError(f"{inventory_path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    report, _, digest = validate_inventory(raw)
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "sha256": digest}, indent=2))
    else:
        for finding in report.findings:
            click.echo(f"{finding.severity:<8}{finding.json_path}: {finding.message}")
        verdict = "valid" if report.valid else f"INVALID ({len(report.errors)} error(s))"
        click.echo(f"{inventory_path}: inventory 1.0.0: {verdict}")
    sys.exit(0 if report.valid else 1)


# -- compute --------------------------------------------------------------------------------------


def _compute_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--allow-unverified",
        is_flag=True,
        help="Exclude inputs whose credential fails or cannot be decided instead of leaving the result undecided "
        "(flagged in every output and counted against the cut-off).",
    )(f)
    f = click.option(
        "--now",
        type=INSTANT,
        help="Verify the supplier credentials as of this instant (default: the inventory's reference date).",
    )(f)
    return f


@cf.command("compute")
@click.argument("inventory_path", metavar="INVENTORY", type=click.Path(dir_okay=False))
@click.option("--profile", "profile_names", multiple=True, help=f"A bundled profile ({', '.join(BUNDLED)}) or a file.")
@_verification_options
@_compute_options
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the HTML report here.")
def compute_cmd(
    inventory_path: str, profile_names: tuple[str, ...], as_json: bool, report_path: str | None, **params: Any
) -> None:
    """Compute the declared footprint under one or more profiles (side by side)."""
    profiles = _profiles(profile_names, ("eu-battery-2024-draft",))
    inventory = _inventory(inventory_path)
    results, resolved = _results(inventory, profiles, params)
    if report_path:
        write_atomic(report_path, render_html(inventory, results, resolved))
        click.echo(f"report -> {report_path}", err=True)
    if as_json:
        body = results[0].to_dict() if len(results) == 1 else {"results": [r.to_dict() for r in results]}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        click.echo(side_by_side(inventory, results, resolved))
    sys.exit(0 if all(r.compliant for r in results) else 1)


# -- issue ----------------------------------------------------------------------------------------


@cf.command("issue")
@click.argument("inventory_path", metavar="INVENTORY", type=click.Path(dir_okay=False))
@click.option("--profile", "profile_name", required=True, help=f"One profile ({', '.join(BUNDLED)}) or a file.")
@_verification_options
@_compute_options
@click.option("--key", "key_path", required=True, help="Key directory or private JWK file.")
@click.option("--format", "fmt", type=click.Choice(["di", "jwt"]), default="di", show_default=True)
@click.option("--envelope", is_flag=True, help="With --format jwt: an EnvelopedVerifiableCredential.")
@click.option("--suite", type=click.Choice(sorted(SUITES)), help="Default: follows the key type.")
@click.option("--created", type=INSTANT, help="The declaration's time (default: now).")
@click.option("--id", "credential_id", help="The declaration credential's id (default: a new urn:uuid).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def issue_cmd(
    inventory_path: str,
    profile_name: str,
    key_path: str,
    fmt: str,
    envelope: bool,
    suite: str | None,
    created: datetime | None,
    credential_id: str | None,
    out: str | None,
    **params: Any,
) -> None:
    """Compute under one profile and sign the carbon-footprint declaration credential."""
    if envelope and fmt != "jwt":
        raise click.UsageError("--envelope needs --format jwt")
    if fmt == "jwt" and suite:
        raise click.UsageError("--suite applies to --format di only")
    (profile,) = _profiles((profile_name,), ())
    signer = _setup(lambda: load_signer(key_path, None), f"key {key_path}")
    inventory = _inventory(inventory_path)
    (result,), _ = _results(inventory, [profile], params)
    for warning in result.warnings:
        click.echo(f"warning {warning}", err=True)
    reason = declaration.refusal(result)
    if reason:
        for problem in (*result.problems, *result.violations):
            click.echo(f"error   {problem}", err=True)
        raise click.ClickException(f"nothing was signed: {reason.split(':')[0]}")
    signed = declaration.issue_declaration(
        result,
        inventory,
        signer,
        issuer=signer.controller,
        created=created or dates.now_instant(),
        fmt=fmt,
        envelope=envelope,
        cryptosuite=suite,
        credential_id=credential_id,
        allow_unverified=params.get("allow_unverified", False),
    )
    text = signed + "\n" if isinstance(signed, str) else json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
    summary = result.to_dict()["declared_value"]
    if out:
        write_atomic(out, text)
        click.echo(f"declared {summary['value']} {summary['unit']} under {profile.label()} -> {out}", err=True)
    else:
        click.echo(text, nl=False)


# -- verify ---------------------------------------------------------------------------------------


@cf.command("verify")
@click.argument("declaration_path", metavar="DECLARATION", type=click.Path(dir_okay=False))
@click.option("--inventory", "inventory_path", required=True, type=click.Path(dir_okay=False))
@click.option("--profile", "profile_files", multiple=True, help="A profile file the declaration may name.")
@_verification_options
@click.option("--now", type=INSTANT, help="Verify the declaration as of this instant (default: now).")
@click.option(
    "--inputs-now",
    type=INSTANT,
    help="Verify the supplier credentials as of this instant (default: the inventory's reference date).",
)
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(
    declaration_path: str,
    inventory_path: str,
    profile_files: tuple[str, ...],
    now: datetime | None,
    inputs_now: datetime | None,
    as_json: bool,
    **params: Any,
) -> None:
    """Verify a declaration and recompute it from its inputs: exit 0 when every digit is reproduced."""
    try:
        data = strict_json.read_bounded(declaration_path)
    except (OSError, ValueError) as err:
        raise SetupError(f"{declaration_path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    profiles = _profiles(profile_files, ()) if profile_files else []
    inventory = _inventory(inventory_path)
    received = _received(params)
    verifier = _verifier(params, received)
    try:
        check = declaration.check_declaration(
            data,
            inventory,
            received,
            verifier,
            profiles=profiles,
            now=now or dates.now_instant(),
            inputs_now=inputs_now,
        )
    except declaration.DeclarationError as err:
        raise click.ClickException(f"{declaration_path}: {err.detail}") from None
    if as_json:
        click.echo(json.dumps(check.to_dict(), indent=2, ensure_ascii=False))
    else:
        signature = "verified" if check.signature.verified else "NOT VERIFIED"
        click.echo(f"declaration signature: {signature}")
        for c in check.signature.checks:
            if c.outcome.value in ("failed", "indeterminate"):
                click.echo(f"  {c.name} {c.outcome.value}: {'; '.join(p.detail for p in c.problems) or c.detail}")
        for problem in check.problems:
            click.echo(f"problem    {problem}")
        for difference in check.differences:
            click.echo(f"difference {difference}")
        if check.reproduced:
            value = check.result.to_dict()["declared_value"] if check.result else {}
            click.echo(f"REPRODUCED: {value.get('value')} {value.get('unit')}, every published digit recomputed")
        else:
            click.echo(f"NOT REPRODUCED ({len(check.problems)} problem(s), {len(check.differences)} difference(s))")
    sys.exit(0 if check.reproduced else 1)


# -- profiles -------------------------------------------------------------------------------------


@cf.command("profiles")
@click.option("--json", "as_json", is_flag=True)
def profiles_cmd(as_json: bool) -> None:
    """The bundled rule profiles, their sources and the parameters the sources leave open."""
    rows = [load_profile(name) for name in BUNDLED]
    if as_json:
        data = [
            {
                "id": p.id,
                "version": p.version,
                "title": p.title,
                "sha256": p.digest,
                "sources": [{"document": s.document, "section": s.section} for s in p.sources],
                "open_parameters": list(p.open_parameters),
            }
            for p in rows
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for p in rows:
        click.echo(f"{p.label()}: {p.title}")
        for s in p.sources:
            click.echo(f"    source: {s.document} ({s.section})")
        click.echo(f"    open parameters (bpvc's choice): {', '.join(p.open_parameters) or 'none'}")
