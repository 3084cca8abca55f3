"""``bpvc validate``: check a passport or footprint record against its schema and the domain rules."""

from __future__ import annotations

import json
import sys

import click

from ..records import footprint, passport, pcf_import
from .records import load_record


@click.command()
@click.argument("kind", type=click.Choice(["passport", "footprint"]))
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option("--from", "source", type=click.Choice(pcf_import.FORMATS), help="Footprint format (default: detected).")
@click.option("--model-version", type=click.Choice(sorted(passport.MODELS)), help="BatteryPass version.")
@click.option("--json", "as_json", is_flag=True)
def validate(kind: str, record_path: str, source: str | None, model_version: str | None, as_json: bool) -> None:
    """Check a record against its schema and the domain rules; exit 0 valid, 1 invalid."""
    record, encoding_problem = load_record(record_path, kind)
    if kind == "passport":
        if source:
            raise click.UsageError("--from applies to footprints only")
        report = passport.validate(record, version=model_version, encoding_problem=encoding_problem)
    else:
        report = footprint.validate(record, source=source, encoding_problem=encoding_problem)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report.conversions:
            click.echo(f"converted {line}")
        for finding in report.findings:
            click.echo(f"{finding.severity:<8}{finding.json_path}: {finding.message}")
        verdict = "valid" if report.valid else f"INVALID ({len(report.errors)} error(s))"
        click.echo(f"{record_path}: {report.kind} {report.model}: {verdict}")
    sys.exit(0 if report.valid else 1)
