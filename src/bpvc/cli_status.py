"""``bpvc status``: revoke, suspend, reinstate, show, and publish the status lists.

These commands open an existing registry and never create one (only issuing with ``--status``
does): a registry that is missing, is not a registry, or fails is a setup error (exit 2). An
unknown credential, a change the registry refuses, and nothing to publish exit 1.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click

from . import dates
from .cli import INSTANT, _fail, _load_signer, main, registry_location
from .cli_io import os_reason, prepare_folder, setup_fail
from .issuer import issue_credential
from .status.publish import DEFAULT_TTL_MS, publish
from .status.registry import Registry

_REGISTRY_HELP = "Issuer registry (it must exist): a SQLite file or a postgresql:// URL."


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
    """Write each status list as a signed BitstringStatusListCredential at the path of its URL.

    Exit 1 when the registry holds no list of this issuer (nothing was written).
    """
    signer = _load_signer(key_path, None)
    moment = now or dates.now_instant()
    location = registry_location(registry, key_path)
    with Registry(location) as reg:
        if not any(lst.issuer == signer.controller for lst in reg.lists()):
            _fail(f"nothing to publish: {location} holds no status list issued by {signer.controller}")
        folder = prepare_folder(out_dir, f"the status lists to {out_dir}")
        try:
            written = publish(
                reg,
                lambda doc: issue_credential(doc, signer, created=moment),
                folder,
                issuer=signer.controller,
                now=moment,
                validity=timedelta(seconds=valid_for),
                ttl_ms=ttl,
            )
        except OSError as err:
            setup_fail(f"cannot write the status lists under {out_dir}: {os_reason(err)}")
    for path in written:
        click.echo(str(path))
