"""``bpvc view``: the minimised record one recipient may see, checked against its view schema."""

from __future__ import annotations

import json
from typing import Any

import click

from ..crossborder import views
from ..crossborder.classification import AUDIENCES
from ..records import footprint, passport, pcf_import
from .common import emit
from .fileio import fail
from .records import CLASSIFICATION_HELP, load_classification, load_record, refuse_invalid


def valid_record(kind: str, path: str, *, model_version: str | None = None, source: str | None = None) -> Any:
    """The record at ``path`` after its schema and domain checks (refused with every finding when invalid)."""
    record, encoding_problem = load_record(path, kind)
    if kind == "passport":
        report = passport.validate(record, version=model_version, encoding_problem=encoding_problem)
    else:
        report = footprint.validate(record, source=source, encoding_problem=encoding_problem)
    refuse_invalid(report, path)
    schema_id = passport.MODELS[report.model].schema_id if kind == "passport" else footprint.MODEL.schema_id
    return report.record, schema_id


def build_checked_view(
    kind: str, record: Any, schema_id: str, tier: str, export_to: str | None, classification_path: str | None
) -> dict[str, Any]:
    """The view, refused (nothing written) unless it validates against its view schema."""
    table = load_classification(kind, schema_id, classification_path)
    view = views.build_view(record, table, tier, export_to=export_to)
    problems = views.validate_view(view)
    if problems:
        fail(f"the view does not validate against {views.view_schema_id(schema_id)}: {problems[0]}")
    return view


@click.command("view")  # added to the root group in bpvc.cli.main
@click.argument("kind", type=click.Choice(["passport", "footprint"]))
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option("--tier", required=True, type=click.Choice(list(AUDIENCES)), help="The recipient's Annex XIII audience.")
@click.option("--export-to", help="The recipient's jurisdiction (EU, DE...): apply the export actions (not for CN).")
@click.option("--classification", "classification_path", type=click.Path(dir_okay=False), help=CLASSIFICATION_HELP)
@click.option("--model-version", type=click.Choice(sorted(passport.MODELS)), help="BatteryPass version.")
@click.option("--from", "source", type=click.Choice(pcf_import.FORMATS), help="Footprint format (default: detected).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def _view(
    kind: str,
    record_path: str,
    tier: str,
    export_to: str | None,
    classification_path: str | None,
    model_version: str | None,
    source: str | None,
    out: str | None,
) -> None:
    """Build the minimised view of a record for one recipient; it states every field withheld and why."""
    if export_to is not None and not (len(export_to) == 2 and export_to.isalpha()):
        raise click.BadParameter("a two-letter jurisdiction code such as EU or DE", param_hint="--export-to")
    record, schema_id = valid_record(kind, record_path, model_version=model_version, source=source)
    result = build_checked_view(kind, record, schema_id, tier, export_to and export_to.upper(), classification_path)
    click.echo(
        f"view of {record_path} for {tier}{' in ' + export_to.upper() if export_to else ''}: "
        f"{len(result['withheld'])} field(s) withheld, {len(result['aggregates'])} aggregate(s)",
        err=True,
    )
    emit(json.dumps(result, indent=2, ensure_ascii=False), out, "wrote view")


view: click.Command = _view
