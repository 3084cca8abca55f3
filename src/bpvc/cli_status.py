"""``bpvc status``: revoke, suspend, reinstate, show, and publish the status lists."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from . import dates
from .cli import INSTANT, _load_signer, main, registry_location
from .issuer import issue_credential
from .status.publish import DEFAULT_TTL_MS, publish
from .status.registry import Registry

_REGISTRY_HELP = "Issuer registry: a SQLite file or a postgresql:// URL."


@main.group()
def status() -> None:
    """Revocation and suspension through Bitstring Status Lists."""


def _change(action: str, credential_id: str, registry: str) -> None:
    with Registry(registry) as reg:
        click.echo(reg.set_status(credential_id, action))
    click.echo("publish the lists (bpvc status publish) for verifiers to see the change", err=True)


@status.command("revoke")
@click.argument("credential_id")
@click.option("--registry", required=True, help=_REGISTRY_HELP)
def revoke(credential_id: str, registry: str) -> None:
    """Revoke a credential. Revocation is final."""
    _change("revoke", credential_id, registry)


@status.command("suspend")
@click.argument("credential_id")
@click.option("--registry", required=True, help=_REGISTRY_HELP)
def suspend(credential_id: str, registry: str) -> None:
    """Suspend a credential (reversible with reinstate)."""
    _change("suspend", credential_id, registry)


@status.command("reinstate")
@click.argument("credential_id")
@click.option("--registry", required=True, help=_REGISTRY_HELP)
def reinstate(credential_id: str, registry: str) -> None:
    """Lift a suspension. A revoked credential cannot be reinstated."""
    _change("reinstate", credential_id, registry)


@status.command("show")
@click.argument("credential_id")
@click.option("--registry", required=True, help=_REGISTRY_HELP)
@click.option("--json", "as_json", is_flag=True)
def show(credential_id: str, registry: str, as_json: bool) -> None:
    """What the registry knows of a credential: its entries and their states."""
    with Registry(registry) as reg:
        info = reg.show(credential_id)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"{info['id']}  {info['type']}  issued {info['issued_at']} by {info['issuer']}")
    for entry in info["status"]:
        click.echo(f"  {entry['purpose']:<11} {entry['state']:<14} {entry['list_url']}#{entry['index']}")


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
def publish_cmd(
    registry: str | None, key_path: str, out_dir: str, valid_for: int, ttl: int, now: datetime | None
) -> None:
    """Write each status list as a signed BitstringStatusListCredential at the path of its URL."""
    signer = _load_signer(key_path, None)
    moment = now or dates.now_instant()
    with Registry(registry_location(registry, key_path)) as reg:
        written = publish(
            reg,
            lambda doc: issue_credential(doc, signer, created=moment),
            Path(out_dir),
            issuer=signer.controller,
            now=moment,
            validity=timedelta(seconds=valid_for),
            ttl_ms=ttl,
        )
    for path in written:
        click.echo(str(path))
    if not written:
        click.echo(f"no status lists issued by {signer.controller} in the registry", err=True)
