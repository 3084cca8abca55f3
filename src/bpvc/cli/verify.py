"""``bpvc verify``: verify a credential or presentation and print each check."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from ..fetch import Fetcher
from ..verify.result import Outcome, VerificationResult
from ..verify.verifier import DEFAULT_CLOCK_SKEW
from .common import CONTEXT, INSTANT, build_verifier, contexts_and_pins, did_documents, policy_from, url_files
from .fileio import read_bytes


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--did-doc",
    "did_docs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A DID (controller) document to resolve keys from; repeatable.",
)
@click.option("--context", "contexts", type=CONTEXT, multiple=True, help="Allow a context: URL=FILE[#sha256=HEX].")
@click.option("--now", type=INSTANT, help="Verify as of this time (default: now).")
@click.option(
    "--clock-skew",
    type=click.FloatRange(0, 86400),
    help=f"Seconds of tolerance on validity windows (default: the policy's, or {DEFAULT_CLOCK_SKEW:g}).",
)
@click.option("--challenge", help="Expected proof challenge (presentations).")
@click.option("--domain", help="Expected proof domain (presentations).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="A trust policy (TOML).")
@click.option(
    "--status-list",
    "status_lists",
    type=CONTEXT,
    multiple=True,
    help="A status list credential, offline: URL=FILE (repeatable).",
)
@click.option(
    "--schema",
    "schemas",
    type=CONTEXT,
    multiple=True,
    help="Allow a JSON Schema a credential names: URL=FILE (bpvc's own schemas are bundled).",
)
@click.option(
    "--allow-network",
    is_flag=True,
    help="Resolve did:web over https (public addresses only, with timeouts, size limits and a TTL cache).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(
    file: str,
    did_docs: tuple[str, ...],
    contexts: tuple[Any, ...],
    now: datetime | None,
    clock_skew: float | None,
    challenge: str | None,
    domain: str | None,
    policy_path: str | None,
    status_lists: tuple[Any, ...],
    schemas: tuple[Any, ...],
    allow_network: bool,
    as_json: bool,
) -> None:
    """Verify a credential or presentation (JSON, or a file holding a compact JWS).

    Exit 0 verified, 1 not verified (invalid or undecided), 2 usage error.
    """
    mapping, pins = contexts_and_pins(contexts)
    verifier = build_verifier(
        policy=policy_from(policy_path),
        contexts=mapping,
        context_pins=pins,
        did_documents=did_documents(did_docs),
        clock_skew=clock_skew,
        fetcher=Fetcher() if allow_network else None,
        schemas=url_files(schemas, "schema"),
        status_lists=url_files(status_lists, "status list"),
    )
    data = read_bytes(file, "credential")
    result = verifier.verify(data, now=now, challenge=challenge, domain=domain)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_result(result)
    sys.exit(0 if result.verified else 1)


def _print_result(result: VerificationResult, indent: str = "") -> None:
    width = max(len(c.name) for c in result.checks)
    if not indent and result.document is not None:  # what the document is: a credential or a presentation
        click.echo(f"{'kind'.ljust(width)}  {result.kind}")
    for check in result.checks:
        line = f"{indent}{check.name.ljust(width)}  {check.outcome.value}"
        reasons = [
            f"{p.type.rsplit('#', 1)[-1]}: {p.detail}" + (f" [{p.json_path}]" if p.json_path else "")
            for p in check.problems
        ]
        if reasons:
            line += "  " + reasons[0]
        elif check.detail and check.outcome is not Outcome.PASSED:
            line += f"  ({check.detail})"
        click.echo(line)
        for reason in reasons[1:]:
            click.echo(f"{indent}{' ' * width}  {' ' * len(check.outcome.value)}  {reason}")
        for warning in check.warnings:  # do not change the outcome, but a reader must see them (replay, say)
            where = f" [{warning.json_path}]" if warning.json_path else ""
            click.echo(f"{indent}{' ' * width}  warning: {warning.detail}{where}")
    if result.disclosed is not None:
        click.echo(f"{indent}disclosed  {', '.join(result.disclosed) or 'nothing selectively disclosable'}")
    for i, cred in enumerate(result.credentials):
        click.echo(f"{indent}credential {i}:")
        _print_result(cred, indent + "  ")
    if not indent:
        verdict = (
            "VERIFIED"
            if result.verified
            else ("NOT VERIFIED (invalid)" if result.invalid else "NOT VERIFIED (could not be decided)")
        )
        click.echo(verdict)
