"""The record commands of ``bpvc``: validate, issue passport|footprint, schema fields, qr.

They sit on the groups defined in :mod:`bpvc.cli` and share its helpers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from . import jose, qrcode, strict_json
from .cli import (
    INSTANT,
    StatusRequest,
    _emit,
    _fail,
    _load_signer,
    _sign,
    issue,
    main,
    status_options,
)
from .cli_io import os_reason, prepare_folder, read_bytes, read_text, setup_fail
from .contexts import ContextLoader
from .errors import MalformedError
from .files import atomic_path
from .records import consortium, footprint, passport, pcf_import
from .records.report import ValidationReport
from .schema import TIERS, fields
from .suites import SUITES


def _record_options(f: Any) -> Any:
    options = [
        click.option("--key", "key_path", required=True, help="Key directory or private JWK file."),
        click.option("--format", "fmt", type=click.Choice(["di", "jwt"]), default="di", show_default=True),
        click.option("--envelope", is_flag=True, help="With --format jwt: an EnvelopedVerifiableCredential."),
        click.option("--suite", type=click.Choice(sorted(SUITES)), help="Default: follows the key type."),
        click.option("--created", type=INSTANT, help="The proof's created time (default: now)."),
        click.option("-o", "--out", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout."),
    ]
    for option in reversed(options):
        f = option(f)
    return status_options(f)


def related_resource(path: Path) -> dict[str, str]:
    """A relatedResource entry for a footprint credential file: its id, media type and digest (VCDM 2.0 §5.3)."""
    raw = read_bytes(path, "footprint")
    text = raw.decode("utf-8", errors="replace").strip()
    if jose.looks_like_jws(text):
        document, media = jose.decode(text).payload, "application/vc+jwt"
    else:
        try:
            document, media = strict_json.loads(raw), "application/vc"
        except ValueError as err:
            _fail(f"footprint {path}: not JSON or a vc+jwt: {strict_json.describe(err)}")
    ident = document.get("id") if isinstance(document, dict) else None
    if not isinstance(ident, str):
        _fail(f"footprint {path}: the credential has no id to link to")
    digest = base64.b64encode(hashlib.sha384(raw.strip()).digest()).decode("ascii")
    return {"id": ident, "mediaType": media, "digestSRI": f"sha384-{digest}"}


def _load_record(path: str, kind: str) -> tuple[Any, str | None]:
    """The record and its encoding problem (a UTF-16 or BOM file is read, and reported)."""
    try:
        return consortium.read_record(path)
    except OSError as err:  # the file is missing or unreadable: the command cannot run (exit 2)
        setup_fail(f"{kind} record {path}: {os_reason(err)}")
    except MalformedError as err:  # the file is there but is not an acceptable record (exit 1)
        _fail(f"{kind} record {path}: {err.detail}")


def _refuse_invalid(report: ValidationReport, path: str) -> None:
    """Print every finding; refuse an invalid record (the warnings may say why it cannot be issued)."""
    for finding in report.errors:
        click.echo(f"error   {finding.json_path}: {finding.message}", err=True)
    for finding in report.warnings:
        click.echo(f"warning {finding.json_path}: {finding.message}", err=True)
    if not report.valid:
        _fail(f"{path} is not a valid {report.kind} record ({len(report.errors)} error(s)); nothing was signed")


def _sign_and_emit(unsigned: dict[str, Any], signer: Any, what: str, out: str | None, **options: Any) -> None:
    """Secure a record's credential (with status entries when asked) and write it out."""
    _emit(_sign(unsigned, signer, loader=ContextLoader(), **options), out, what)


@issue.command("passport")
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option(
    "--model-version",
    type=click.Choice(sorted(passport.MODELS)),
    help="BatteryPass version (default: from specVersion; none means 6.0.0).",
)
@click.option(
    "--footprint",
    "footprints",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A footprint credential (JSON or vc+jwt) this passport relies on; linked by id and digest. Repeatable.",
)
@_record_options
def issue_passport(
    record_path: str,
    model_version: str | None,
    footprints: tuple[str, ...],
    key_path: str,
    fmt: str,
    envelope: bool,
    suite: str | None,
    created: datetime | None,
    out: str | None,
    status: StatusRequest | None,
) -> None:
    """Validate a Catena-X BatteryPass record and issue it as a BatteryPassportCredential."""
    record, encoding_problem = _load_record(record_path, "passport")
    report = passport.validate(record, version=model_version, encoding_problem=encoding_problem)
    _refuse_invalid(report, record_path)
    signer = _load_signer(key_path, None)
    unsigned = passport.to_credential(record, issuer=signer.controller, version=report.model)
    if footprints:
        unsigned["relatedResource"] = [related_resource(Path(f)) for f in footprints]
    _sign_and_emit(
        unsigned,
        signer,
        f"issued passport {record_path}",
        out,
        fmt=fmt,
        suite=suite,
        created=created,
        envelope=envelope,
        status=status,
        key_path=key_path,
    )


@issue.command("footprint")
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option("--from", "source", type=click.Choice(pcf_import.FORMATS), help="Input format (default: detected).")
@_record_options
def issue_footprint(
    record_path: str,
    source: str | None,
    key_path: str,
    fmt: str,
    envelope: bool,
    suite: str | None,
    created: datetime | None,
    out: str | None,
    status: StatusRequest | None,
) -> None:
    """Import and validate a PCF / PACT record and issue it as a ProductCarbonFootprintCredential."""
    record, encoding_problem = _load_record(record_path, "footprint")
    report = footprint.validate(record, source=source, encoding_problem=encoding_problem)
    _refuse_invalid(report, record_path)
    for line in report.conversions:
        click.echo(f"converted {line}", err=True)
    signer = _load_signer(key_path, None)
    assert report.record is not None  # a valid report always carries its record
    unsigned = footprint.to_credential(report.record, issuer=signer.controller)
    _sign_and_emit(
        unsigned,
        signer,
        f"issued footprint {record_path}",
        out,
        fmt=fmt,
        suite=suite,
        created=created,
        envelope=envelope,
        status=status,
        key_path=key_path,
    )


@main.command()
@click.argument("kind", type=click.Choice(["passport", "footprint"]))
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option("--from", "source", type=click.Choice(pcf_import.FORMATS), help="Footprint format (default: detected).")
@click.option("--model-version", type=click.Choice(sorted(passport.MODELS)), help="BatteryPass version.")
@click.option("--json", "as_json", is_flag=True)
def validate(kind: str, record_path: str, source: str | None, model_version: str | None, as_json: bool) -> None:
    """Check a record against its schema and the domain rules; exit 0 valid, 1 invalid."""
    record, encoding_problem = _load_record(record_path, kind)
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


@main.group()
def schema() -> None:
    """The record schemas bpvc validates against."""


@schema.command("fields")
@click.argument("kind", type=click.Choice(["passport", "footprint"]))
@click.option("--tier", type=click.Choice(TIERS), help="Only fields of this EU Battery Regulation access tier.")
@click.option("--model-version", type=click.Choice(sorted(passport.MODELS)), default="6.1.0", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def schema_fields(kind: str, tier: str | None, model_version: str, as_json: bool) -> None:
    """Every field with its type and EU Battery Regulation Annex XIII access tier (passports)."""
    schema_id = passport.MODELS[model_version].schema_id if kind == "passport" else footprint.MODEL.schema_id
    rows = [f for f in fields(schema_id) if tier is None or f.tier == tier]
    if as_json:
        data = [{"path": f.path, "type": f.type, "tier": f.tier, "required": f.required} for f in rows]
        click.echo(json.dumps(data, indent=2))
        return
    for f in rows:
        click.echo(f"{f.path:<72} {(f.tier or '-'):<20} {f.type}{'' if f.required else ' (optional)'}")


@main.command()
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
    except OSError as err:
        setup_fail(f"cannot write the QR code {out}: {os_reason(err)}")
    click.echo(f"{out}: {link}")
