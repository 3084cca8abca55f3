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
from .crossborder import classification
from .errors import MalformedError
from .files import atomic_path
from .records import consortium, footprint, passport, pcf_import
from .records.report import ValidationReport
from .schema import TIERS
from .suites import SUITES

CLASSIFICATION_HELP = "An operator's field classification over the bundled one (default: $BPVC_CLASSIFICATION)."


def load_classification(kind: str, schema_id: str, path: str | None) -> classification.Classification:
    """The bundled classification with the operator's file over it; a bad file is a setup error (exit 2)."""
    try:
        return classification.load(kind, schema_id, override=path or classification.override_from_env())
    except classification.ClassificationError as err:
        raise click.BadParameter(err.detail, param_hint="--classification") from None


def _record_options(f: Any) -> Any:
    options = [
        click.option("--key", "key_path", required=True, help="Key directory or private JWK file."),
        click.option("--format", "fmt", type=click.Choice(["di", "jwt", "sd-jwt"]), default="di", show_default=True),
        click.option("--holder-key", help="With --format sd-jwt: the holder's key (dir or JWK) to bind as cnf."),
        click.option(
            "--classification", "classification_path", type=click.Path(dir_okay=False), help=CLASSIFICATION_HELP
        ),
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


def _sign_and_emit(
    unsigned: dict[str, Any],
    signer: Any,
    what: str,
    out: str | None,
    *,
    holder_key: str | None,
    classification_path: str | None,
    **options: Any,
) -> None:
    """Secure a record's credential (with status entries when asked) and write it out."""
    if options["fmt"] != "sd-jwt":
        if holder_key or classification_path:
            raise click.UsageError("--holder-key and --classification go with --format sd-jwt")
        _emit(_sign(unsigned, signer, loader=ContextLoader(), **options), out, what)
        return
    if options["envelope"] or options["suite"]:
        raise click.UsageError("--envelope and --suite do not apply to --format sd-jwt")
    from .cli_sdjwt import sign_sd_jwt

    signed = sign_sd_jwt(
        unsigned,
        signer,
        holder_key=holder_key,
        classification_path=classification_path,
        created=options["created"],
        status=options["status"],
        key_path=options["key_path"],
    )
    _emit(signed, out, what)


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
    holder_key: str | None,
    classification_path: str | None,
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
        holder_key=holder_key,
        classification_path=classification_path,
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
    holder_key: str | None,
    classification_path: str | None,
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
        holder_key=holder_key,
        classification_path=classification_path,
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
