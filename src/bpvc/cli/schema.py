"""``bpvc schema``: the record schemas bpvc validates against, field by field."""

from __future__ import annotations

import json

import click

from ..records import footprint, passport
from ..schema import TIERS
from .records import CLASSIFICATION_HELP, load_classification


@click.group()
def schema() -> None:
    """The record schemas bpvc validates against."""


@schema.command("fields")
@click.argument("kind", type=click.Choice(["passport", "footprint"]))
@click.option("--tier", type=click.Choice(TIERS), help="Only fields of this EU Battery Regulation access tier.")
@click.option("--model-version", type=click.Choice(sorted(passport.MODELS)), default="6.1.0", show_default=True)
@click.option("--classification", "classification_path", type=click.Path(dir_okay=False), help=CLASSIFICATION_HELP)
@click.option("--json", "as_json", is_flag=True)
def schema_fields(
    kind: str, tier: str | None, model_version: str, classification_path: str | None, as_json: bool
) -> None:
    """Every field with its type, Annex XIII access tier, China data class and default export action."""
    schema_id = passport.MODELS[model_version].schema_id if kind == "passport" else footprint.MODEL.schema_id
    table = load_classification(kind, schema_id, classification_path)
    rows = [f for f in table if tier is None or f.tier == tier]
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in rows], indent=2))
        return
    for f in rows:
        china = f.china_class + (f"/{f.scenario}" if f.scenario else "")
        action = f.action + (f"({f.aggregate})" if f.aggregate else "")
        optional = "" if f.required else " (optional)"
        click.echo(f"{f.path:<72} {f.tier:<20} {china:<48} {action:<16} {f.type}{optional}")
