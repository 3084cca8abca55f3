"""The public battery passport page behind the QR code (EU Battery Regulation Art. 13, Annex XIII(1)).

:func:`load_passports` reads a folder of signed passport credentials once, into an index from the
passport identifier (``metadata.passportIdentifier``, and the subject id ``urn:uuid:<identifier>``) to
the credential as stored. :func:`render_page` turns one of them, with the server's own verification
result, into a self-contained HTML page: inline CSS and SVG, nothing fetched, every value escaped.

Only fields whose schema tier (``x-bpvc-access-tier``) is ``public``, and whose every enclosing object
is public too, reach the page; a field the schema does not know, or a record of an unknown version,
shows nothing (fail closed).
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import data_model as model
from .. import errors, strict_json
from ..errors import BpvcError
from ..errors import PassportFolderError as PassportFolderError
from ..records import passport
from ..schema import fields
from ..securing import jose
from ..verify.result import Outcome, VerificationResult

__all__ = [
    "PAGE_CSP",
    "PassportFolderError",
    "StoredPassport",
    "load_passports",
    "not_found_page",
    "public_fields",
    "render_page",
]

# No script, no fetch of any kind, no framing, no form target: the page is text and inline SVG only.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
MAX_PASSPORT_BYTES = 4 * 1024 * 1024
MAX_PASSPORTS = 100_000
SUFFIXES = (".json", ".jwt")
PUBLIC = "public"
_UUID = re.compile(r"^urn:uuid:([0-9A-Fa-f-]{36})$")


@dataclass(frozen=True)
class StoredPassport:
    """One signed passport credential as read from its file.

    ``credential`` is what the verifier is given (the JSON object, or the compact JWS); ``raw`` the
    file's bytes, served unchanged as JSON; ``token`` the compact JWS when the credential is a vc+jwt.
    """

    identifier: str
    file: str
    credential: dict[str, Any] | str
    document: dict[str, Any]
    raw: bytes | None
    token: str | None

    def json_body(self) -> bytes:
        """The credential as JSON: the file as stored, or the JWS in an EnvelopedVerifiableCredential."""
        if self.raw is not None:
            return self.raw
        assert self.token is not None
        return _dumps(jose.envelope(self.token))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _subject(document: Mapping[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return subject if isinstance(subject, dict) else {}


def _identifiers(document: Mapping[str, Any]) -> list[str]:
    """The names a passport answers to: its passportIdentifier, its subject id, and the UUID inside that id."""
    subject = _subject(document)
    names: list[str] = []
    metadata = subject.get("metadata")
    ident = metadata.get("passportIdentifier") if isinstance(metadata, dict) else None
    if isinstance(ident, str) and ident:
        names.append(ident)
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id:
        names.append(subject_id)
        match = _UUID.match(subject_id)
        if match:
            names.append(match.group(1))
    return list(dict.fromkeys(names))


def _read_one(path: Path) -> StoredPassport:
    try:
        data = strict_json.read_bounded(path, max_bytes=MAX_PASSPORT_BYTES)
    except OSError as err:
        raise PassportFolderError(f"{path.name}: cannot be read ({err.strerror or err})") from None
    except ValueError as err:
        raise PassportFolderError(f"{path.name}: {err}") from None
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise PassportFolderError(f"{path.name}: not UTF-8 text") from None
    raw: bytes | None = None
    token: str | None = None
    try:
        if jose.looks_like_jws(text):
            token = text
            document = jose.decode(text).payload
            credential: dict[str, Any] | str = text
        else:
            parsed = strict_json.loads(text, max_bytes=MAX_PASSPORT_BYTES)
            if not isinstance(parsed, dict):
                raise PassportFolderError(f"{path.name}: not a credential (a JSON object or a vc+jwt)")
            raw, credential, document = data, parsed, parsed
            enveloped = jose.unwrap_envelope(parsed)
            if enveloped is not None:
                token = enveloped[1]
                document = jose.decode(token).payload
    except BpvcError as err:
        if isinstance(err, PassportFolderError):
            raise
        raise PassportFolderError(f"{path.name}: {err.detail}") from None
    except ValueError as err:
        raise PassportFolderError(f"{path.name}: {strict_json.describe(err)}") from None
    names = _identifiers(document)
    if not names:
        raise PassportFolderError(
            f"{path.name}: no passport identifier "
            "(credentialSubject.metadata.passportIdentifier or credentialSubject.id)"
        )
    return StoredPassport(names[0], path.name, credential, document, raw, token)


def load_passports(folder: str | os.PathLike[str]) -> dict[str, StoredPassport]:
    """Every ``*.json`` / ``*.jwt`` credential in ``folder``, by each identifier it answers to.

    Raises :class:`PassportFolderError` naming the file for one that is not a passport credential, and
    for two passports that claim the same identifier (which of them a QR code meant cannot be decided).
    """
    base = Path(folder)
    if not base.is_dir():
        raise PassportFolderError(f"{base}: not a folder")
    paths = sorted(p for p in base.iterdir() if p.suffix in SUFFIXES and p.is_file())
    if len(paths) > MAX_PASSPORTS:
        raise PassportFolderError(f"{base}: more than {MAX_PASSPORTS} passport files")
    index: dict[str, StoredPassport] = {}
    for path in paths:
        stored = _read_one(path)
        for name in _identifiers(stored.document):
            other = index.get(name)
            if other is not None and other.file != stored.file:
                raise PassportFolderError(f"{path.name}: passport identifier {name} is also in {other.file}")
            index[name] = stored
    return index


# -- public fields -----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _public_paths(schema_id: str) -> frozenset[str]:
    """Schema paths (``a.b[].c``) that are public, and whose every enclosing field is public too."""
    tiers = {f.path: f.tier for f in fields(schema_id)}
    out = set()
    for path, tier in tiers.items():
        parts = path.split(".")
        ancestors = (".".join(parts[:i]) for i in range(1, len(parts)))
        if tier == PUBLIC and all(tiers.get(a.removesuffix("[]")) == PUBLIC for a in ancestors):
            out.add(path)
    return frozenset(out)


def _schema_id(record: Mapping[str, Any]) -> str | None:
    try:
        return passport.MODELS[passport.detect_version(dict(record))].schema_id
    except (BpvcError, KeyError):
        return None


def _walk(value: Any, path: str, shown: str, allowed: frozenset[str]) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            if child_path in allowed:
                yield from _walk(child, child_path, f"{shown}.{key}" if shown else str(key), allowed)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, path + "[]", f"{shown}[{i}]", allowed)
    elif value is not None:
        yield shown, value


def public_fields(record: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The public leaf values of a passport record as ``(path, value)``, in record order.

    Nothing at all for a record whose BatteryPass version is unknown: without its schema no tier is known.
    """
    schema_id = _schema_id(record)
    if schema_id is None:
        return []
    return list(_walk(dict(record), "", "", _public_paths(schema_id)))


def _public_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record cut down to its public fields, keeping its shape (for the figures and the chart)."""
    schema_id = _schema_id(record)
    if schema_id is None:
        return {}
    allowed = _public_paths(schema_id)

    def cut(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if child_path in allowed:
                    out[key] = cut(child, child_path)
            return out
        if isinstance(value, list):
            return [cut(child, path + "[]") for child in value]
        return value

    result = cut(dict(record), "")
    assert isinstance(result, dict)
    return result


# -- the page ----------------------------------------------------------------------------------------

_FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'
)
_MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace'
_VERDICT_COLOURS = {"verified": "#1a7f37", "revoked": "#b42318", "suspended": "#b54708", "not-verified": "#b42318"}
_VERDICT_TITLES = {
    "verified": "Verified",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "not-verified": "Not verified",
}
_CHECK_LABELS = {
    "structure": "Credential structure",
    "contexts": "JSON-LD contexts",
    "proof": "Signature",
    "key_ownership": "Signing key belongs to the issuer",
    "validity": "Validity period",
    "status": "Revocation status",
    "schema": "Passport schema",
    "domain": "Passport rules",
    "trust": "Issuer trusted",
}
# Checks whose messages are about the proof, the key, the dates and the status, never the record's values.
_QUOTES_NO_RECORD = frozenset({"proof", "key_ownership", "validity", "status", "trust"})
_SECTIONS = {
    "identification": "Identification",
    "operation": "Manufacturer",
    "characteristics": "Characteristics",
    "sustainability": "Sustainability",
    "materials": "Materials",
    "performance": "Performance and durability",
    "conformity": "Conformity",
    "safety": "Safety",
    "sources": "Sources",
    "metadata": "Passport",
    "commercial": "Market",
}
_STAGE_COLOURS = ("#2f6fab", "#4f9a94", "#c48a2c", "#7d5ba6")

_CSS = f"""
:root {{ --ink:#1f2933; --muted:#5b6775; --line:#d9dee4; --soft:#f5f7f9; }}
* {{ box-sizing:border-box; }}
html {{ -webkit-text-size-adjust:100%; }}
body {{ margin:0; background:#eef1f4; color:var(--ink); font:15px/1.5 {_FONT}; }}
main {{ max-width:960px; margin:0 auto; padding:32px 32px 48px; background:#fff; min-height:100vh; }}
header h1 {{ font-size:26px; line-height:1.25; margin:0 0 4px; overflow-wrap:anywhere; }}
header p {{ margin:0; color:var(--muted); overflow-wrap:anywhere; }}
h2 {{ font-size:18px; margin:32px 0 10px; padding-bottom:6px; border-bottom:1px solid var(--line); }}
.mono {{ font-family:{_MONO}; font-size:13px; }}
.verdict {{ display:flex; gap:16px; align-items:center; margin:22px 0 8px; padding:18px 22px;
  border-radius:10px; color:#fff; }}
.verdict svg {{ flex:none; }}
.verdict .word {{ font-size:24px; font-weight:700; letter-spacing:0.04em; text-transform:uppercase; margin:0; }}
.verdict p {{ margin:2px 0 0; overflow-wrap:anywhere; }}
{"".join(f".verdict.{k} {{ background:{v}; }}" for k, v in _VERDICT_COLOURS.items())}
dl.facts {{ display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:12px 0 0; }}
dl.facts dt {{ color:var(--muted); }}
dl.facts dd {{ margin:0; overflow-wrap:anywhere; }}
ul.checks {{ list-style:none; margin:12px 0 0; padding:0; }}
ul.checks li {{ padding:6px 0; border-bottom:1px solid var(--line); overflow-wrap:anywhere; }}
ul.checks .sub {{ display:block; color:var(--muted); font-size:13px; }}
.badge {{ display:inline-block; min-width:7.5em; margin-right:8px; padding:0 8px; border-radius:999px; font-size:12px;
  font-weight:600; border:1px solid; text-align:center; }}
.badge.passed {{ color:#1a7f37; background:#e9f6ee; }}
.badge.failed {{ color:#b42318; background:#fdecea; }}
.badge.indeterminate {{ color:#b54708; background:#fef4e6; }}
.badge.skipped {{ color:#475467; background:#f2f4f7; }}
.figures {{ display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; margin:0; }}
.figures div {{ border:1px solid var(--line); border-radius:8px; padding:12px 16px; background:var(--soft); }}
.figures dt {{ font-size:12px; text-transform:uppercase; letter-spacing:0.06em; color:var(--muted); }}
.figures dd {{ margin:2px 0 0; font-size:22px; font-weight:650; overflow-wrap:anywhere; }}
.figures dd small {{ display:block; font-size:13px; font-weight:400; color:var(--muted); }}
.chart {{ margin:16px 0 0; }}
.chart figcaption {{ font-size:12px; text-transform:uppercase; letter-spacing:0.06em; color:var(--muted); }}
.chart ul {{ list-style:none; margin:6px 0 0; padding:0; }}
.chart li {{ display:grid; grid-template-columns:1fr auto; gap:2px 12px; padding:6px 0; }}
.chart .value {{ font-weight:600; white-space:nowrap; }}
.chart svg.bar {{ grid-column:1 / -1; display:block; background:var(--soft); border-radius:3px; }}
table {{ width:100%; border-collapse:collapse; font-size:14px; table-layout:fixed; }}
th, td {{ text-align:left; vertical-align:top; padding:6px 8px; border-bottom:1px solid var(--line);
  overflow-wrap:anywhere; }}
th {{ width:42%; font-weight:500; color:var(--muted); }}
.empty {{ color:var(--muted); }}
footer {{ margin-top:40px; color:var(--muted); font-size:13px; }}
@media (max-width:640px) {{
  main {{ padding:18px 14px 32px; }}
  header h1 {{ font-size:21px; }}
  .figures {{ grid-template-columns:1fr; }}
  dl.facts {{ grid-template-columns:1fr; gap:0; }}
  dl.facts dd {{ margin-bottom:6px; }}
  th, td {{ display:block; width:auto; border:0; padding:0 0 2px; }}
  th {{ padding-top:8px; font-size:13px; }}
  tr {{ display:block; border-bottom:1px solid var(--line); padding-bottom:6px; }}
  .verdict {{ padding:14px 16px; }}
}}
@media print {{ body {{ background:#fff; }} main {{ padding:0; }}
  .verdict, .badge, .chart svg.bar {{ -webkit-print-color-adjust:exact; print-color-adjust:exact; }} }}
"""


def _e(value: object) -> str:
    """Escape any value for use in HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _words(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return spaced[:1].upper() + spaced[1:].lower()


def _label(path: str) -> str:
    """``identification.identification.serial[0].value`` as "Serial 1 · Value" (the section is the heading)."""
    parts = path.split(".")
    section = parts[0].split("[", 1)[0]
    parts = parts[1:] or parts
    if len(parts) > 1 and parts[0] == section:
        parts = parts[1:]
    shown: list[str] = []
    for part in parts:
        name, _, index = part.partition("[")
        words = _words(name)
        if index:
            words += " " + " ".join(str(int(i.rstrip("]")) + 1) for i in index.split("["))
        if not shown or shown[-1] != words:
            shown.append(words)
    return " · ".join(shown)


def _verdict_kind(result: VerificationResult) -> str:
    if result.verified:
        return "verified"
    status = result.check("status")
    types = {p.type for p in status.problems} if status is not None else set()
    if errors.CREDENTIAL_REVOKED in types:
        return "revoked"
    if errors.CREDENTIAL_SUSPENDED in types:
        return "suspended"
    return "not-verified"


def _icon(kind: str) -> str:
    path = "M13 25l8 8 15-17" if kind == "verified" else "M15 15l18 18M33 15L15 33"
    return (
        '<svg width="48" height="48" viewBox="0 0 48 48" role="img" aria-hidden="true">'
        '<circle cx="24" cy="24" r="22" fill="none" stroke="#fff" stroke-width="3"/>'
        f'<path d="{path}" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round"/></svg>'
    )


def _failing(result: VerificationResult) -> list[str]:
    return [c.name for c in result.checks if c.outcome in (Outcome.FAILED, Outcome.INDETERMINATE)]


def _verdict(result: VerificationResult) -> str:
    kind = _verdict_kind(result)
    if kind == "verified":
        note = "The signature, the issuer's key, the validity period and the revocation status all check out."
    elif kind in ("revoked", "suspended"):
        note = f"The issuer has {kind} this passport. Do not rely on its contents."
    else:
        names = ", ".join(_CHECK_LABELS.get(n, n) for n in _failing(result)) or "no check passed"
        note = f"Failing checks: {names}. Do not rely on its contents."
    return (
        f'<section class="verdict {kind}" aria-label="verification outcome">{_icon(kind)}<div>'
        f'<p class="word">{_e(_VERDICT_TITLES[kind])}</p><p>{_e(note)}</p></div></section>'
    )


def _checks(result: VerificationResult) -> str:
    rows = []
    for check in result.checks:
        details = [p.detail for p in check.problems] or ([check.detail] if check.detail else [])
        if check.name not in _QUOTES_NO_RECORD and check.problems:
            # a schema or rule finding quotes the record's values, which may be of any tier
            details = [f"{len(check.problems)} problem(s); the details are not shown on the public page"]
        sub = "".join(f'<span class="sub">{_e(d)}</span>' for d in details)
        rows.append(
            f'<li><span class="badge {_e(check.outcome.value)}">{_e(check.outcome.value)}</span>'
            f"{_e(_CHECK_LABELS.get(check.name, check.name))}{sub}</li>"
        )
    return f'<ul class="checks">{"".join(rows)}</ul>'


def _facts(pairs: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs if v)
    return f'<dl class="facts">{items}</dl>'


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


@dataclass(frozen=True)
class _Stage:
    label: str
    value: float
    unit: str


def _footprints(record: dict[str, Any]) -> tuple[list[_Stage], list[_Stage]]:
    """(totals, per-stage values) from the public carbon footprint entries, stages in life-cycle order."""
    entries = _get(record, "sustainability", "carbonFootprint")
    totals: list[_Stage] = []
    stages: dict[str, _Stage] = {}
    for entry in entries if isinstance(entries, list) else []:
        value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        assert isinstance(entry, dict)
        stage = passport.lifecycle_stage(entry.get("lifecycle"))
        unit = str(entry.get("unit", ""))
        if stage == "total":
            totals.append(_Stage(str(entry.get("type", "Total")), float(value), unit))
        elif stage is not None and stage not in stages:
            stages[stage] = _Stage(stage, float(value), unit)
    return totals, [stages[s] for s in passport.STAGES if s in stages]


def _chart(stages: list[_Stage]) -> str:
    """One row per life-cycle stage: its name and value as text, and a bar (inline SVG) scaled to the largest.

    The text stays HTML so it keeps its size at any width; only the bars are drawn.
    """
    top = max((abs(s.value) for s in stages), default=0.0) or 1.0
    rows = []
    for i, stage in enumerate(stages):
        share = max(0.5, 100 * abs(stage.value) / top)
        colour = _STAGE_COLOURS[i % len(_STAGE_COLOURS)]
        rows.append(
            f'<li><span class="stage">{_e(_words(stage.label))}</span>'
            f'<span class="value">{_e(_text(stage.value))} {_e(stage.unit)}</span>'
            f'<svg class="bar" width="100%" height="16" aria-hidden="true">'
            f'<rect width="{share:.1f}%" height="16" rx="3" fill="{colour}"/></svg></li>'
        )
    return (
        '<figure class="chart" aria-label="carbon footprint per life-cycle stage">'
        f"<figcaption>Per life-cycle stage</figcaption><ul>{''.join(rows)}</ul></figure>"
    )


def _carbon(record: dict[str, Any]) -> str:
    totals, stages = _footprints(record)
    if not totals and not stages:
        return ""
    cells = "".join(
        f"<div><dt>{_e(t.label)}</dt><dd>{_e(_text(t.value))}<small>{_e(t.unit)}</small></dd></div>" for t in totals
    )
    figures = f'<dl class="figures">{cells}</dl>' if cells else ""
    chart = _chart(stages) if stages else ""
    return f"<section><h2>Carbon footprint</h2>{figures}{chart}</section>"


def _field_sections(rows: list[tuple[str, Any]]) -> str:
    grouped: dict[str, list[tuple[str, Any]]] = {}
    for path, value in rows:
        section = path.split(".", 1)[0].split("[", 1)[0]
        if section == "specVersion":
            section = "metadata"
        grouped.setdefault(section, []).append((path, value))
    out = []
    for section, items in grouped.items():
        body = "".join(f"<tr><th>{_e(_label(p))}</th><td>{_e(_text(v))}</td></tr>" for p, v in items)
        out.append(f"<section><h2>{_e(_SECTIONS.get(section, _words(section)))}</h2><table>{body}</table></section>")
    return "".join(out)


def _document(stored: StoredPassport, result: VerificationResult) -> dict[str, Any]:
    """The credential as the verifier read it when it got that far, else as decoded from the file."""
    document = result.document
    if isinstance(document, dict) and "credentialSubject" in document:
        return document
    return stored.document


def _shell(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(PAGE_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>"
    )


def render_page(stored: StoredPassport, result: VerificationResult) -> str:
    """The public passport page: verification outcome, the public fields, the carbon footprint chart."""
    document = _document(stored, result)
    record = passport.record_from_subject(_subject(document))
    public = _public_record(record)
    name = _get(public, "identification", "identification", "type", "nameAtManufacturer")
    category = _get(public, "identification", "category")
    subtitle = " · ".join(str(v) for v in (category, _get(public, "identification", "chemistry")) if v)
    issuer = model.issuer_id(document) or "unknown"
    facts = _facts(
        [
            ("Passport", stored.identifier),
            ("Issuer", issuer),
            ("Valid from", str(document.get("validFrom", ""))),
            ("Valid until", str(document.get("validUntil", ""))),
            ("Secured as", "vc+jwt (JOSE)" if stored.token else "Data Integrity proof"),
        ]
    )
    rows = public_fields(record)
    fields_html = (
        _field_sections(rows)
        if rows
        else '<p class="empty">No public fields can be shown: the record is not a BatteryPass version bpvc knows.</p>'
    )
    body = (
        f"<header><h1>{_e(name or 'Battery passport')}</h1><p>{_e(subtitle or 'Battery passport')}</p></header>"
        f"{_verdict(result)}<section><h2>Verification</h2>{facts}{_checks(result)}</section>"
        f"{_carbon(public)}{fields_html}"
        "<footer>Public information of the battery passport (EU Battery Regulation 2023/1542, Art. 77 and "
        "Annex XIII(1)). Other information is available to persons with a legitimate interest and to "
        "authorities only, and is not shown here.</footer>"
    )
    return _shell(f"Battery passport {stored.identifier}", body)


def not_found_page(identifier: str) -> str:
    """A small HTML 404 for browsers."""
    body = (
        "<header><h1>Passport not found</h1></header>"
        f'<p>No battery passport with the identifier <span class="mono">{_e(identifier)}</span> is held here.</p>'
    )
    return _shell("Passport not found", body)
