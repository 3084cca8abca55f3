"""``bpvc qr``: the QR code of a passport's unique identifier link."""

from __future__ import annotations

from pathlib import Path

import click

from .. import qrcode
from ..errors import MissingExtraError
from ..files import atomic_path
from .fileio import os_reason, prepare_folder, read_text, setup_fail


@click.command()
@click.argument("credential_path", metavar="CREDENTIAL", type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.svg or FILE.png")
@click.option(
    "--resolver",
    help="https URL prefix that resolves a passport identifier "
    "(needed when the identifier is a URN), e.g. https://id.battery-maker.example/",
)
@click.option("--scale", type=click.IntRange(1, 50), default=8, show_default=True)
def qr(credential_path: str, out: str, resolver: str | None, scale: int) -> None:
    """Render the QR code of the passport's unique identifier link (EU Battery Regulation Art. 13)."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise click.UsageError("-o must end in .svg or .png")
    text = read_text(credential_path, "credential")
    try:
        link = qrcode.passport_link(text, resolver=resolver)
    except qrcode.ResolverError as err:  # the credential is fine; the command needs another option
        raise click.UsageError(err.detail) from None
    prepare_folder(Path(out).parent, f"the QR code {out}")
    try:
        with atomic_path(out, suffix=suffix) as tmp:
            qrcode.render(link, str(tmp), scale=scale)
    except MissingExtraError as err:
        setup_fail(err.detail)
    except OSError as err:
        setup_fail(f"cannot write the QR code {out}: {os_reason(err)}")
    click.echo(f"{out}: {link}")
