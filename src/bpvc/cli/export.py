"""``bpvc export``: send a minimised view or SD-JWT presentation abroad and log it; ``bpvc export log``."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .. import dates, strict_json
from ..crossborder import export_log
from ..crossborder.classification import AUDIENCES
from ..crossborder.odrl import PURPOSES
from ..errors import MalformedError
from ..keys.primitives import PUBLIC_JWK, PublicKey
from ..records import passport
from ..sd_jwt.compact import SdJwt
from ..sd_jwt.disclosures import Disclosure
from ..sd_jwt.vc import MODELS_BY_VCT, RECORD_CLAIM
from ..sd_jwt.verify import unpack
from ..securing import jose
from .common import INSTANT, load_signer
from .fileio import fail, load_json, write_output
from .records import CLASSIFICATION_HELP, load_classification
from .sdjwt import present_sd_jwt, read_sd_jwt
from .view import build_checked_view, valid_record

_BPNL = re.compile(r"BPNL[0-9A-Z]{12}")


class _DefaultGroup(click.Group):
    """``bpvc export RECORD ...`` runs the export; ``bpvc export log ...`` the log commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("export", cls=_DefaultGroup)  # added to the root group in bpvc.cli.main
def _export() -> None:
    """Export a record's view or SD-JWT presentation to a recipient abroad, and keep the signed export log."""


def _bpnl_of(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    metadata = record.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("economicOperatorId"), str):
        return str(metadata["economicOperatorId"])
    for ident in record.get("companyIds") or []:
        found = _BPNL.search(str(ident))
        if found:
            return found.group(0)
    return None


def _sd_jwt_fields(text: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The disclosed record paths with the digest each has in the credential, and the disclosed claims."""
    token = SdJwt.parse(text)
    payload = jose.decode(token.jwt).payload
    unpacked = unpack(payload, token.disclosures)
    fields = [
        {
            "path": template.removeprefix(f"{RECORD_CLAIM}."),
            "digest": Disclosure.parse(encoded).digest(unpacked.hash_alg),
        }
        for template, encoded in unpacked.templates
    ]
    return fields, unpacked.claims


@_export.command("run", hidden=True)
@click.argument("record_path", metavar="RECORD", type=click.Path(dir_okay=False))
@click.option("--to", "recipient", required=True, help="The recipient's BPNL.")
@click.option("--tier", required=True, type=click.Choice(list(AUDIENCES)), help="The recipient's Annex XIII audience.")
@click.option(
    "--legal-basis", required=True, help="exemption:N, standard-contract:ID, assessment:ID or certification:ID."
)
@click.option("--log", "log_path", required=True, type=click.Path(dir_okay=False), help="The export log to append to.")
@click.option("--key", "key_path", required=True, help="The exporter's key: signs the log entry.")
@click.option("--export-to", default="EU", show_default=True, help="The recipient's jurisdiction.")
@click.option("--exporter", help="The exporter's BPNL (default: the record's economic operator or company).")
@click.option("--purpose", type=click.Choice(PURPOSES), help="The ODRL usage purpose agreed.")
@click.option("--contract-agreement", help="The dataspace contract agreement id.")
@click.option("--holder-key", help="SD-JWT: bind the presentation to this holder key (with --aud, --nonce).")
@click.option("--aud", help="SD-JWT: the key-binding audience.")
@click.option("--nonce", help="SD-JWT: the key-binding nonce.")
@click.option("--time", "moment", type=INSTANT, help="The export's time (default: now).")
@click.option("--classification", "classification_path", type=click.Path(dir_okay=False), help=CLASSIFICATION_HELP)
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False), help="Where the view goes.")
def export_run(
    record_path: str,
    recipient: str,
    tier: str,
    legal_basis: str,
    log_path: str,
    key_path: str,
    export_to: str,
    exporter: str | None,
    purpose: str | None,
    contract_agreement: str | None,
    holder_key: str | None,
    aud: str | None,
    nonce: str | None,
    moment: datetime | None,
    classification_path: str | None,
    out: str,
) -> None:
    """RECORD is a record (a view is written) or the holder's full SD-JWT VC (a presentation is written)."""
    if not _BPNL.fullmatch(recipient):
        raise click.BadParameter(f"{recipient!r} is not a BPNL", param_hint="--to")
    try:
        basis = export_log.LegalBasis.parse(legal_basis)
    except MalformedError as err:
        raise click.BadParameter(err.detail, param_hint="--legal-basis") from None
    when = moment or dates.now_instant()
    signer = load_signer(key_path, None)
    sd_jwt = read_sd_jwt(record_path)
    if sd_jwt is not None:
        text = present_sd_jwt(
            sd_jwt,
            disclose=(),
            tier=tier,
            export_to=export_to,
            holder_key=holder_key,
            audience=aud,
            nonce=nonce,
            iat=when,
            classification_path=classification_path,
        )
        fields, claims = _sd_jwt_fields(text)
        record, subject = claims.get(RECORD_CLAIM), str(claims.get("sub"))
        record_model = MODELS_BY_VCT[str(claims.get("vct"))]
        table = load_classification(record_model.kind, record_model.schema_id, classification_path)
        shown = {f["path"] for f in fields}
        withheld = [u for u in table.units() if u not in shown]
        artifact, media = text + "\n", "application/dc+sd-jwt"
    else:
        if holder_key or aud or nonce:
            raise click.UsageError("--holder-key, --aud and --nonce apply to an SD-JWT VC")
        kind = "footprint" if not _looks_like_passport(record_path) else "passport"
        record, schema_id = valid_record(kind, record_path)
        view = build_checked_view(kind, record, schema_id, tier, export_to.upper(), classification_path)
        table = load_classification(kind, schema_id, classification_path)
        fields = [{"path": k, "digest": export_log.value_digest(v)} for k, v in view["record"].items()]
        fields += [{"path": a["path"], "digest": export_log.value_digest(a["value"])} for a in view["aggregates"]]
        withheld = [w["path"] for w in view["withheld"]]
        subject = view["viewOf"]
        artifact, media = json.dumps(view, indent=2, ensure_ascii=False) + "\n", "application/json"
    exporter = exporter or _bpnl_of(record)
    if exporter is None or not _BPNL.fullmatch(exporter):
        raise click.UsageError("the exporter's BPNL is not in the record: give --exporter")
    entry = export_log.build_entry(
        time=when,
        exporter=exporter,
        recipient=recipient,
        record=subject,
        tier=tier,
        export_to=export_to.upper(),
        fields=fields,
        withheld=withheld,
        legal_basis=basis,
        purpose=purpose,
        contract_agreement=contract_agreement,
        artifact={"mediaType": media, "sha256": hashlib.sha256(artifact.encode("utf-8")).hexdigest()},
        retention_years=table.retention_years,
    )
    # logged first: an export that fails to be written is over-logged, never an unlogged export
    logged = export_log.append(log_path, entry, signer)
    write_output(out, artifact, "the export")
    click.echo(
        f"exported {record_path} to {recipient} -> {out}; logged as entry {logged['seq']} in {log_path}", err=True
    )


def _looks_like_passport(path: str) -> bool:
    data = load_json(path, "record", config=False)
    return isinstance(data, dict) and ("metadata" in data or passport.SPEC_VERSION_6_1 == data.get("specVersion"))


@_export.group("log")
def export_log_group() -> None:
    """The signed, hash-chained export log."""


def _public_key(path: str) -> PublicKey:
    p = Path(path)
    target = p / PUBLIC_JWK if p.is_dir() else p
    try:
        return PublicKey.from_jwk(strict_json.load_file(target, max_bytes=64 * 1024))
    except (OSError, ValueError, MalformedError) as err:
        raise click.BadParameter(f"{target}: not a JWK: {err}", param_hint="--key") from None


@export_log_group.command("verify")
@click.argument("log_path", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--key", "key_path", help="The exporter's public key (key directory or JWK file).")
@click.option("--expect-head", help="The head hash remembered from an earlier check: detects entries cut off the end.")
@click.option("--json", "as_json", is_flag=True)
def export_log_verify(log_path: str, key_path: str | None, expect_head: str | None, as_json: bool) -> None:
    """Check every entry's signature and the hash chain; exit 0 intact, 1 broken or unchecked."""
    report = export_log.verify(log_path, key=_public_key(key_path) if key_path else None, expect_head=expect_head)
    if as_json:
        body = {
            "valid": report.valid,
            "entries": len(report.entries),
            "head": report.head,
            "problems": report.problems,
            "notes": report.notes,
            "signaturesChecked": report.signatures_checked,
        }
        click.echo(json.dumps(body, indent=2))
    else:
        for line in report.problems:
            click.echo(f"BROKEN  {line}")
        for line in report.notes:
            click.echo(f"note    {line}")
        if not report.signatures_checked:
            click.echo("note    signatures not checked: pass --key with the exporter's public key")
        state = "intact" if report.valid else "NOT VERIFIED"
        click.echo(f"{log_path}: {len(report.entries)} entries, head {report.head}: {state}")
    sys.exit(0 if report.valid else 1)


@export_log_group.command("show")
@click.argument("log_path", metavar="LOG", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def export_log_show(log_path: str, as_json: bool) -> None:
    """List the entries (not verified: use ``verify`` for that)."""
    try:
        lines, _ = export_log.read(log_path)
    except export_log.ExportLogError as err:
        fail(err.detail)
    rows = []
    for number, line in lines:
        try:
            payload = jose.decode(line).payload
        except Exception:  # a broken line is shown as such; verify names it
            payload = {"unreadable": True}
        rows.append({"line": number, "hash": export_log.line_hash(line), **payload})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        fields = len(row.get("fields") or [])
        click.echo(
            f"{row.get('seq')!s:>5} {row.get('time')} {row.get('exporter')} -> {row.get('recipient')} "
            f"{row.get('tier')} {fields} field(s) {row.get('legalBasis', {}).get('type')}"
        )


export: click.Group = _export
