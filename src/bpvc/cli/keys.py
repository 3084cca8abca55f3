"""``bpvc keys``: create, rotate and retire signing keys and their DID documents."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..keys import store as keystore
from ..keys.primitives import DID_DOCUMENT, KEY_TYPES
from .common import PASSPHRASE_ENV
from .fileio import fail, os_reason, prepare_folder, setup_fail


@click.group()
def keys() -> None:
    """Create signing keys and their DID documents."""


@keys.command("generate")
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), default="ed25519", show_default=True)
@click.option("--controller", required=True, help="did:key, or did:web:HOST[:PATH] for a DID document to publish.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Directory to create.")
@click.option(
    "--passphrase",
    is_flag=True,
    help=f"Encrypt the private key at rest; the passphrase is read from {PASSPHRASE_ENV} or prompted.",
)
def keys_generate(key_type: str, controller: str, out: str, passphrase: bool) -> None:
    """Generate a key directory: private JWK (0600), public JWK and Multikey, and did.json for did:web."""
    secret = None
    if passphrase:
        secret = os.environ.get(PASSPHRASE_ENV) or click.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
        if not secret:
            fail("the passphrase must not be empty")
    keystore.check_controller(controller)  # before any folder is made
    prepare_folder(Path(out).absolute().parent, f"the key directory {out}")
    try:
        key = keystore.generate(Path(out), key_type, controller, passphrase=secret)
    except OSError as err:
        setup_fail(f"cannot create the key directory {out}: {os_reason(err)}")
    click.echo(f"created {out}: {key_type} key {key.verification_method}")
    if controller.startswith("did:web:"):
        click.echo(f"publish {Path(out) / DID_DOCUMENT} at the did:web URL of {controller}")


@keys.command("rotate")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), help="Default: the current key's type.")
def keys_rotate(directory: str, key_type: str | None) -> None:
    """Add a new did:web key and sign with it from now on; the old key stays listed, verify-only."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    key = keystore.rotate(Path(directory), key_type=key_type, passphrase=passphrase)
    click.echo(f"rotated {directory}: signing key is now {key.verification_method}")
    click.echo(f"publish the updated {Path(directory) / DID_DOCUMENT}")


@keys.command("retire")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.argument("key_id")
def keys_retire(directory: str, key_id: str) -> None:
    """Remove a rotated key from the DID document: credentials it signed stop verifying."""
    keystore.retire(Path(directory), key_id, passphrase=os.environ.get(PASSPHRASE_ENV))
    click.echo(f"retired {key_id}; publish the updated {Path(directory) / DID_DOCUMENT}")
