"""``bpvc contexts``: the JSON-LD contexts bpvc serves offline."""

from __future__ import annotations

import json
from typing import Any

import click

from .common import CONTEXT, context_loader


@click.group()
def contexts() -> None:
    """The JSON-LD contexts bpvc serves offline."""


@contexts.command("list")
@click.option("--context", "extra", type=CONTEXT, multiple=True, help="Also list a caller context: URL=FILE.")
@click.option("--json", "as_json", is_flag=True)
def contexts_list(extra: tuple[Any, ...], as_json: bool) -> None:
    """Each known context URL with its SHA-256 and file."""
    entries = context_loader(extra).entries()
    if as_json:
        click.echo(json.dumps([{"url": e.url, "sha256": e.sha256, "path": e.path} for e in entries], indent=2))
        return
    for e in entries:
        click.echo(f"{e.url}\n    sha256 {e.sha256}  ({e.source}) {e.path}")
