"""``bpvc issue passport`` and ``bpvc issue footprint``, and the record helpers other commands share.

The two commands join the ``issue`` group of :mod:`bpvc.cli.issue`. ``bpvc validate``, ``bpvc schema``
and ``bpvc qr`` are in the modules of those names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .. import strict_json
from ..crossborder import classification
from ..errors import BpvcError, MalformedError
from ..jsonld.contexts import ContextLoader
from ..records import consortium, footprint, passport, pcf_import
from ..records.report import ValidationReport
from ..securing import jose
from ..securing.suites import SUITES
from .common import INSTANT, StatusRequest, emit, load_signer, sign_document, status_options
from .fileio import fail, os_reason, read_bytes, setup_fail

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
        click.option(
            "-o", "--out", "out", type=click.Path(), help="Write here instead of stdout (a batch: DIR or FILE.jsonl)."
        ),
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
            fail(f"footprint {path}: not JSON or a vc+jwt: {strict_json.describe(err)}")
    ident = document.get("id") if isinstance(document, dict) else None
    if not isinstance(ident, str):
        fail(f"footprint {path}: the credential has no id to link to")
    digest = base64.b64encode(hashlib.sha384(raw.strip()).digest()).decode("ascii")
    return {"id": ident, "mediaType": media, "digestSRI": f"sha384-{digest}"}


def load_record(path: str, kind: str) -> tuple[Any, str | None]:
    """The record and its encoding problem (a UTF-16 or BOM file is read, and reported)."""
    try:
        return consortium.read_record(path)
    except OSError as err:  # the file is missing or unreadable: the command cannot run (exit 2)
        setup_fail(f"{kind} record {path}: {os_reason(err)}")
    except MalformedError as err:  # the file is there but is not an acceptable record (exit 1)
        fail(f"{kind} record {path}: {err.detail}")


def refuse_invalid(report: ValidationReport, path: str) -> None:
    """Print every finding; refuse an invalid record (the warnings may say why it cannot be issued)."""
    for finding in report.errors:
        click.echo(f"error   {finding.json_path}: {finding.message}", err=True)
    for finding in report.warnings:
        click.echo(f"warning {finding.json_path}: {finding.message}", err=True)
    if not report.valid:
        fail(refusal(report, path))


def refusal(report: ValidationReport, path: str) -> str:
    """Why an invalid record is not issued, in one line naming its first error."""
    first = f": {report.errors[0].json_path}: {report.errors[0].message}" if report.errors else ""
    return f"{path} is not a valid {report.kind} record ({len(report.errors)} error(s)){first}; nothing was signed"


@dataclass(frozen=True)
class RecordOptions:
    """What ``issue passport|footprint`` was asked to do, the same for one record or a batch (picklable)."""

    kind: str
    key_path: str
    fmt: str = "di"
    holder_key: str | None = None
    classification_path: str | None = None
    envelope: bool = False
    suite: str | None = None
    created: datetime | None = None
    status: StatusRequest | None = None
    model_version: str | None = None
    source: str | None = None
    footprints: tuple[str, ...] = ()

    def check(self) -> None:
        """Refuse option combinations that can never work (a usage error, before any record is read)."""
        if self.fmt == "sd-jwt":
            if self.envelope or self.suite:
                raise click.UsageError("--envelope and --suite do not apply to --format sd-jwt")
        elif self.holder_key or self.classification_path:
            raise click.UsageError("--holder-key and --classification go with --format sd-jwt")
        if self.envelope and self.fmt != "jwt":
            raise click.UsageError("--envelope needs --format jwt")


def unsigned_credential(
    options: RecordOptions,
    record: Any,
    encoding_problem: str | None,
    issuer: str,
    *,
    credential_id: str | None = None,
) -> tuple[dict[str, Any] | None, ValidationReport]:
    """The unsigned credential for a record and its validation report; None when the record is invalid."""
    if options.kind == "passport":
        report = passport.validate(record, version=options.model_version, encoding_problem=encoding_problem)
        if not report.valid:
            return None, report
        unsigned = passport.to_credential(record, issuer=issuer, version=report.model, credential_id=credential_id)
        if options.footprints:
            unsigned["relatedResource"] = [related_resource(Path(f)) for f in options.footprints]
        return unsigned, report
    report = footprint.validate(record, source=options.source, encoding_problem=encoding_problem)
    if not report.valid:
        return None, report
    assert report.record is not None  # a valid report always carries its record
    return footprint.to_credential(report.record, issuer=issuer, credential_id=credential_id), report


def secure_record(unsigned: dict[str, Any], signer: Any, options: RecordOptions) -> dict[str, Any] | str:
    """Secure a record's credential, with status entries in the registry when asked: the one issuing path."""
    if options.fmt != "sd-jwt":
        return sign_document(
            unsigned,
            signer,
            fmt=options.fmt,
            suite=options.suite,
            created=options.created,
            envelope=options.envelope,
            loader=ContextLoader(),
            status=options.status,
            key_path=options.key_path,
        )
    from .sdjwt import sign_sd_jwt

    return sign_sd_jwt(
        unsigned,
        signer,
        holder_key=options.holder_key,
        classification_path=options.classification_path,
        created=options.created,
        status=options.status,
        key_path=options.key_path,
    )


def is_batch(record_path: str) -> bool:
    """A folder, a JSON Lines file or ``-`` (stdin) holds many records."""
    return record_path == "-" or Path(record_path).is_dir() or Path(record_path).suffix.lower() in BATCH_SUFFIXES


BATCH_SUFFIXES = (".jsonl", ".ndjson")


def _issue(options: RecordOptions, record_path: str, out: str | None, batch: BatchFlags) -> None:
    """One record, or a batch of them, through the same functions."""
    options.check()
    if is_batch(record_path):
        from .batch import run_batch

        if out is None:
            raise click.UsageError("a batch needs -o DIR (or -o FILE.jsonl)")
        sys.exit(
            run_batch(options, record_path, out, fail_fast=batch.fail_fast, jobs=batch.jobs, as_json=batch.as_json)
        )
    if batch.fail_fast or batch.jobs:
        raise click.UsageError("--fail-fast and --jobs apply to a batch (a folder, a .jsonl file or -)")
    if Path(record_path).is_dir():
        raise click.UsageError(f"{record_path} is a folder")
    record, encoding_problem = load_record(record_path, options.kind)
    signer = load_signer(options.key_path, None)
    unsigned, report = unsigned_credential(options, record, encoding_problem, signer.controller)
    refuse_invalid(report, record_path)
    assert unsigned is not None
    if options.kind == "footprint":
        for line in report.conversions:
            click.echo(f"converted {line}", err=True)
    signed = secure_record(unsigned, signer, options)
    summary = issued_summary(signed, out)
    if batch.as_json:
        if out is None:
            raise click.UsageError("--json needs -o (the credential itself goes to the file)")
        emit(signed, out, f"issued {options.kind} {record_path}")
        click.echo(json.dumps(summary, indent=2))
        return
    emit(signed, out, f"issued {options.kind} {record_path}")
    click.echo(f"credential id {summary['id']}", err=True)


def issued_summary(signed: dict[str, Any] | str, out: str | None) -> dict[str, Any]:
    """What a user keeps of an issued credential: its id, passport identifier, status entries, output path."""
    document = credential_view(signed)
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    metadata = subject.get("metadata")
    identifier = metadata.get("passportIdentifier") if isinstance(metadata, dict) else None
    status = document.get("credentialStatus", document.get("status"))
    entries = status if isinstance(status, list) else [status] if isinstance(status, dict) else []
    return {
        "id": document.get("id"),
        "passport_identifier": identifier,
        "subject": subject.get("id"),
        "status_entries": entries,
        "output": out,
    }


def credential_view(signed: dict[str, Any] | str) -> dict[str, Any]:
    """The credential inside what was issued: the document, a vc+jwt's payload, an envelope's or SD-JWT's."""
    if isinstance(signed, dict):
        inner = signed.get("id")
        if signed.get("type") == "EnvelopedVerifiableCredential" and isinstance(inner, str) and "," in inner:
            return credential_view(inner.split(",", 1)[1])
        return signed
    token = signed.split("~", 1)[0]
    try:
        return jose.decode(token).payload
    except BpvcError:
        return {}


@dataclass(frozen=True)
class BatchFlags:
    fail_fast: bool = False
    jobs: int | None = None
    as_json: bool = False


def _batch_options(f: Any) -> Any:
    f = click.option("--json", "as_json", is_flag=True, help="Print what was issued (per record for a batch) as JSON.")(
        f
    )
    f = click.option("--jobs", type=click.IntRange(1, 256), help="Batch: worker processes (default: every core).")(f)
    f = click.option("--fail-fast", is_flag=True, help="Batch: stop at the first refused record.")(f)
    return f


@click.command("passport")
@click.argument("record_path", metavar="RECORD")
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
@_batch_options
def issue_passport(
    record_path: str,
    model_version: str | None,
    footprints: tuple[str, ...],
    out: str | None,
    fail_fast: bool,
    jobs: int | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Validate a Catena-X BatteryPass record and issue it as a BatteryPassportCredential.

    RECORD is a record file, or for a batch a folder of them, a JSON Lines file or - (stdin);
    a batch writes one credential per record into -o DIR (or -o FILE.jsonl).
    """
    opts = RecordOptions("passport", model_version=model_version, footprints=footprints, **options)
    _issue(opts, record_path, out, BatchFlags(fail_fast, jobs, as_json))


@click.command("footprint")
@click.argument("record_path", metavar="RECORD")
@click.option("--from", "source", type=click.Choice(pcf_import.FORMATS), help="Input format (default: detected).")
@_record_options
@_batch_options
def issue_footprint(
    record_path: str,
    source: str | None,
    out: str | None,
    fail_fast: bool,
    jobs: int | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Import and validate a PCF / PACT record and issue it as a ProductCarbonFootprintCredential.

    RECORD is a record file, or for a batch a folder of them, a JSON Lines file or - (stdin).
    """
    _issue(RecordOptions("footprint", source=source, **options), record_path, out, BatchFlags(fail_fast, jobs, as_json))
