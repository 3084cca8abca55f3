"""``bpvc status``: revoke, suspend, reinstate, show, and publish the status lists.

These commands open an existing registry and never create one (only issuing with ``--status``
does): a registry that is missing, is not a registry, or fails is a setup error (exit 2). An
unknown credential, a change the registry refuses, and nothing to publish exit 1.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from .. import dates, strict_json
from ..issue.credential import issue_credential
from ..securing import jose
from ..status.publish import DEFAULT_TTL_MS, publish
from ..status.registry import STATES, Registry, RegistryError, UnknownCredentialError
from .common import INSTANT, load_signer, registry_location
from .fileio import ACTOR_ENV, MAX_INPUT_BYTES, default_actor, fail, os_reason, prepare_folder, read_text, setup_fail
from .records import credential_view

_REGISTRY_HELP = "Issuer registry (it must exist): a SQLite file or a postgresql:// URL."


@click.group()
def status() -> None:
    """Revocation, suspension and status messages through Bitstring Status Lists."""


def _references(references: tuple[str, ...]) -> list[str]:
    """The references given, with ``-`` read as one reference per line from stdin."""
    refs: list[str] = []
    for ref in references:
        if ref == "-":
            refs += [line.strip() for line in sys.stdin.read(MAX_INPUT_BYTES).splitlines() if line.strip()]
        else:
            refs.append(ref)
    if not refs:
        raise click.UsageError("give at least one credential id, passport identifier or credential file")
    return refs


def _credential_ids(reg: Registry, ref: str) -> list[str]:
    """A credential id, a passport identifier (all its credentials) or a credential file, as credential ids."""
    if Path(ref).is_file():
        text = read_text(ref, "credential").strip()
        if jose.looks_like_jws(text.split("~", 1)[0]):
            document = credential_view(text)
        else:
            try:
                parsed = strict_json.loads(text)
            except ValueError as err:
                fail(f"credential {ref}: not JSON or a vc+jwt: {strict_json.describe(err)}")
            document = credential_view(parsed) if isinstance(parsed, dict) else {}
        ident = document.get("id")
        if not isinstance(ident, str):
            raise UnknownCredentialError(f"credential file {ref} has no id")
        return [ident]
    ids = reg.resolve(ref)
    if not ids:
        raise UnknownCredentialError(f"no credential {ref} in the registry (nor a passport with that identifier)")
    return ids


def _change(
    action: str, references: tuple[str, ...], registry: str, reason: str | None, actor: str | None, value: str = ""
) -> None:
    """Apply ``action`` to every credential the references name; each refusal is named, and exits 1 at the end.

    ``set`` sets the multi-bit ``message`` entry to ``value``.
    """
    refs = _references(references)
    who = actor or default_actor()
    refused = changed = 0
    with Registry(registry) as reg:
        for ref in refs:
            try:
                for credential_id in _credential_ids(reg, ref):
                    message = (
                        reg.set_value(credential_id, value, reason=reason, actor=who)
                        if action == "set"
                        else reg.set_status(credential_id, action, reason=reason, actor=who)
                    )
                    changed += " is now " in message
                    click.echo(message)
            except RegistryError as err:
                refused += 1
                click.echo(f"refused {ref}: {err.detail}", err=True)
    if changed:
        click.echo("publish the lists (bpvc status publish) for verifiers to see the change", err=True)
    if refused:
        fail(f"{refused} of {len(refs)} reference(s) refused; {changed} status change(s) made")


def _change_options(f: Any) -> Any:
    f = click.option("--actor", help=f"Who makes the change, for the history (default: ${ACTOR_ENV} or the login).")(f)
    f = click.option("--reason", help="Why, for the history (shown by bpvc status show).")(f)
    f = click.option("--registry", required=True, help=_REGISTRY_HELP)(f)
    return click.argument("references", metavar="REF...", nargs=-1)(f)


_REF_HELP = (
    "\n\nREF is a credential id, a passport identifier (all its credentials), a credential file, "
    "or - for one reference per line on stdin; give as many as needed."
)


@status.command("revoke", help="Revoke credentials. Revocation is final." + _REF_HELP)
@_change_options
def revoke(references: tuple[str, ...], registry: str, reason: str | None, actor: str | None) -> None:
    _change("revoke", references, registry, reason, actor)


@status.command("suspend", help="Suspend credentials (reversible with reinstate)." + _REF_HELP)
@_change_options
def suspend(references: tuple[str, ...], registry: str, reason: str | None, actor: str | None) -> None:
    _change("suspend", references, registry, reason, actor)


@status.command(
    "set",
    help="Set the message entry (--status message at issue) to a value: 0x.., or one of its messages." + _REF_HELP,
)
@_change_options
@click.option("--value", required=True, help="The new value: 0x1, 1, or the message text itself.")
def set_value(references: tuple[str, ...], registry: str, reason: str | None, actor: str | None, value: str) -> None:
    _change("set", references, registry, reason, actor, value)


@status.command("reinstate", help="Lift a suspension. A revoked credential cannot be reinstated." + _REF_HELP)
@_change_options
def reinstate(references: tuple[str, ...], registry: str, reason: str | None, actor: str | None) -> None:
    _change("reinstate", references, registry, reason, actor)


@status.command("show")
@click.argument("credential_id")
@click.option("--registry", required=True, help=_REGISTRY_HELP)
@click.option("--json", "as_json", is_flag=True)
def show(credential_id: str, registry: str, as_json: bool) -> None:
    """What the registry knows of a credential: its entries, their states and every change (time, reason, actor)."""
    with Registry(registry) as reg:
        ids = _credential_ids(reg, credential_id)
        infos = [reg.show(i) for i in ids]
    if as_json:
        click.echo(json.dumps(infos[0] if len(infos) == 1 else infos, indent=2))
        return
    for info in infos:
        click.echo(f"{info['id']}  {info['type']}  issued {info['issued_at']} by {info['issuer']}")
        for entry in info["status"]:
            click.echo(f"  {entry['purpose']:<11} {entry['state']:<14} {entry['list_url']}#{entry['index']}")
        for event in info["history"]:
            why = f"  reason: {event['reason']}" if event["reason"] else ""
            click.echo(f"  {event['at']}  {event['action']:<9} by {event['actor'] or 'unknown'}{why}")


_COLUMNS = ("id", "passport_identifier", "serial", "type", "state", "issued_at", "valid_until", "superseded_by")


def _query_options(f: Any) -> Any:
    options = [
        click.option("--registry", required=True, help=_REGISTRY_HELP),
        click.option("--passport", "passport_identifier", help="A passport identifier (with or without urn:uuid:)."),
        click.option("--serial", help="A battery serial (partInstanceId)."),
        click.option("--state", type=click.Choice(STATES), help="The current state."),
        click.option("--type", "type_", help="A credential type, e.g. BatteryPassportCredential."),
        click.option("--issued-from", type=ISSUE_TIME, help="Issued at or after (YYYY-MM-DD or a UTC dateTimeStamp)."),
        click.option("--issued-until", type=ISSUE_TIME, help="Issued at or before (a date includes that day)."),
        click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON."),
        click.option("--csv", "as_csv", is_flag=True, help="Print the rows as CSV."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


class _IssueTime(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """A date or a UTC dateTimeStamp, normalized to the registry's issue-time format."""

    name = "DATE|DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if len(text) == 10:
            try:
                datetime.strptime(text, "%Y-%m-%d")
            except ValueError:
                self.fail(f"{text!r} is not a date (YYYY-MM-DD)", param, ctx)
            return text
        return dates.format_instant(INSTANT.convert(text, param, ctx))


ISSUE_TIME = _IssueTime()


def _query(as_json: bool, as_csv: bool, registry: str, **filters: Any) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json or --csv, not both")
    with Registry(registry) as reg:
        rows = reg.find(**filters)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if r[k] is None else r[k]) for k in _COLUMNS} for r in rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        for r in rows:
            click.echo(
                f"{r['id']}  {r['passport_identifier'] or '-'}  {r['serial'] or '-'}  {r['state']:<9}  {r['issued_at']}"
            )
        click.echo(f"{len(rows)} credential(s)", err=True)


@status.command("list")
@_query_options
def list_cmd(as_json: bool, as_csv: bool, registry: str, **filters: Any) -> None:
    """The credentials in the registry (all, or those matching the filters) with their current state."""
    _query(as_json, as_csv, registry, **filters)


@status.command("find")
@_query_options
def find(as_json: bool, as_csv: bool, registry: str, **filters: Any) -> None:
    """Like list, but at least one filter is required; exit 1 when nothing matches."""
    if all(v is None for v in filters.values()):
        raise click.UsageError("find needs a filter (--passport, --serial, --state, --type, --issued-from/until)")
    with Registry(registry) as reg:
        if not reg.find(**filters):
            fail("no credential matches")
    _query(as_json, as_csv, registry, **filters)


@status.command("publish")
@click.option("--registry", help=_REGISTRY_HELP + " Default: registry.sqlite beside the key.")
@click.option("--key", "key_path", required=True, help="The issuer's key (the lists must be signed by the issuer).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write the lists to.")
@click.option(
    "--valid-for",
    type=click.IntRange(60, 366 * 86400),
    default=86400,
    show_default=True,
    help="Seconds until the lists' validUntil.",
)
@click.option(
    "--ttl",
    type=click.IntRange(1000, 86_400_000),
    default=DEFAULT_TTL_MS,
    show_default=True,
    help="Milliseconds verifiers may cache a list.",
)
@click.option("--now", type=INSTANT, help="Publication time (default: now).")
@click.option(
    "--if-changed",
    is_flag=True,
    help="Write only the lists whose bits changed, or whose published copy is missing or in the last tenth "
    "of its validity (for cron: run it as often as a revocation must show).",
)
def publish_cmd(
    registry: str | None,
    key_path: str,
    out_dir: str,
    valid_for: int,
    ttl: int,
    now: datetime | None,
    if_changed: bool,
) -> None:
    """Write each status list as a signed BitstringStatusListCredential at the path of its URL.

    Published lists expire (--valid-for, default one day); when they lapse every credential on them
    becomes undecided, so republish well before: see --if-changed. Exit 1 when the registry holds no
    list of this issuer (nothing was written).
    """
    signer = load_signer(key_path, None)
    moment = now or dates.now_instant()
    location = registry_location(registry, key_path)
    with Registry(location) as reg:
        if not any(lst.issuer == signer.controller for lst in reg.lists()):
            fail(f"nothing to publish: {location} holds no status list issued by {signer.controller}")
        folder = prepare_folder(out_dir, f"the status lists to {out_dir}")
        kept: list[Path] = []
        try:
            written = publish(
                reg,
                lambda doc: issue_credential(doc, signer, created=moment),
                folder,
                issuer=signer.controller,
                now=moment,
                validity=timedelta(seconds=valid_for),
                ttl_ms=ttl,
                if_changed=if_changed,
                skipped=kept,
            )
        except OSError as err:
            setup_fail(f"cannot write the status lists under {out_dir}: {os_reason(err)}")
    for path in written:
        click.echo(str(path))
    for path in kept:
        click.echo(f"{path} (unchanged, still valid)", err=True)
