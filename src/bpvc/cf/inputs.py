"""Supplier footprints are verified, not trusted.

Each PCF credential an inventory references goes through :class:`bpvc.Verifier` (signature,
key ownership, validity, status, schema and domain checks, trust policy) at the inventory's
reference date, then through the checks a footprint input needs on top: it must be a
``ProductCarbonFootprintCredential``, its record must be ``Active`` and valid on the
reference date, and its bytes must match the digest the inventory names. Figures are read as
exact decimals from the credential as received. The result is one
:class:`~.supplier.ResolvedInput` per credential, for :func:`~.calculation.compute`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from .. import data_model as model
from .. import strict_json
from ..errors import BpvcError, MalformedError
from ..records import footprint as footprint_record
from ..securing import jose
from ..verify.result import Outcome
from ..verify.verifier import Verifier
from .inventory import Inventory
from .supplier import FAILED, UNDECIDED, VERIFIED, ResolvedInput, footprint_from_record

PCF_CREDENTIAL = "ProductCarbonFootprintCredential"
STATUS_LIST_TYPES = ("BitstringStatusListCredential", "StatusList2021Credential")
MAX_CREDENTIAL_BYTES = 4 * 1024 * 1024
SUFFIXES = (".json", ".jsonld", ".jwt", ".vc")


@dataclass(frozen=True)
class Received:
    """One credential file as received: its bytes (whitespace-trimmed), digest and, when readable, its id."""

    path: str
    raw: bytes
    digest_sri: str
    document: dict[str, Any] | None  # the credential (a JWT's payload), numbers as Decimal
    token: str | None = None
    error: str | None = None

    @property
    def id(self) -> str | None:
        ident = self.document.get("id") if self.document else None
        return ident if isinstance(ident, str) else None

    @property
    def types(self) -> list[str]:
        return model.types_of(self.document) if self.document else []


def digest_sri(raw: bytes) -> str:
    """The SHA-384 ``digestSRI`` of a credential's bytes, as a relatedResource gives it (VCDM 2.0 §5.3)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(raw.strip()).digest()).decode("ascii")


def _decimal_json(text: str | bytes) -> Any:
    return strict_json.loads(text, decimals=True)


def _jws_payload(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedError("not a compact JWS")
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    payload = _decimal_json(base64.urlsafe_b64decode(padded))
    if not isinstance(payload, dict):
        raise MalformedError("the JWS payload is not a JSON object")
    return payload


def read_received(raw: bytes, path: str = "") -> Received:
    """A received credential from its bytes: JSON, a compact vc+jwt, or an enveloped vc+jwt."""
    raw = raw.strip()
    sri = digest_sri(raw)
    try:
        text = raw.decode("utf-8")
        if jose.looks_like_jws(text):
            return Received(path, raw, sri, _jws_payload(text), token=text)
        document = _decimal_json(text)
        if not isinstance(document, dict):
            return Received(path, raw, sri, None, error="not a JSON object")
        enveloped = jose.unwrap_envelope(document)
        if enveloped is not None:
            return Received(path, raw, sri, _jws_payload(enveloped[1]), token=enveloped[1])
        return Received(path, raw, sri, document)
    except (UnicodeDecodeError, ValueError, BpvcError) as err:
        detail = err.detail if isinstance(err, BpvcError) else str(err)
        return Received(path, raw, sri, None, error=f"cannot be read as a credential: {detail}")


def read_credentials(paths: Iterable[str | Path]) -> list[Received]:
    """Every credential file under the given files and folders (folders: *.json, *.jsonld, *.jwt, *.vc).

    Raises MalformedError for a path that does not exist or a file over the size limit.
    """
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise MalformedError(f"{entry}: no such file or folder")
    received = []
    for file in files:
        try:
            data = strict_json.read_bounded(file, max_bytes=MAX_CREDENTIAL_BYTES)
        except strict_json.StrictJsonError:
            raise MalformedError(f"{file}: over the {MAX_CREDENTIAL_BYTES}-byte limit for a credential") from None
        received.append(read_received(data, str(file)))
    return received


def status_lists(received: Iterable[Received]) -> dict[str, dict[str, Any]]:
    """Status list credentials among the received files, by the URL they give as their id.

    The status check still verifies each list (proof, issuer, validity) before reading a bit.
    """
    found: dict[str, dict[str, Any]] = {}
    for item in received:
        if item.document is not None and item.token is None and any(t in STATUS_LIST_TYPES for t in item.types):
            ident = item.id
            if ident:
                found[ident] = json.loads(item.raw)
    return found


def reference_instant(inventory: Inventory) -> datetime:
    """The inventory's reference date as an instant: the first second of that day, UTC."""
    return datetime.combine(inventory.reference_date, time(), UTC)


def _check_reasons(result: Any) -> tuple[list[str], bool]:
    """The failed and undecided checks as one line each, and whether any failed outright."""
    reasons = []
    failed = False
    for check in result.checks:
        if check.outcome in (Outcome.FAILED, Outcome.INDETERMINATE):
            failed = failed or check.outcome is Outcome.FAILED
            detail = "; ".join(p.detail for p in check.problems) or check.detail
            reasons.append(f"{check.name} {check.outcome.value}: {detail}")
    return reasons, failed


def _footprint_problems(record: dict[str, Any], moment: datetime) -> list[str]:
    problems = []
    if record.get("status") != "Active":
        problems.append(f"the footprint's status is {record.get('status')!r}, not 'Active' (a superseded footprint)")
    start, end = _instant(record.get("validityPeriodStart")), _instant(record.get("validityPeriodEnd"))
    if start is not None and start > moment:
        problems.append(f"the footprint is not valid yet: its validity period starts {record['validityPeriodStart']}")
    if end is not None and end < moment:
        problems.append(f"the footprint has expired: its validity period ended {record['validityPeriodEnd']}")
    return problems


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def resolve_one(
    item: Received, verifier: Verifier, moment: datetime, reference: datetime | None = None
) -> ResolvedInput:
    """Verify one received credential as a footprint input.

    The verifier runs at ``moment``; the footprint record's own validity period is held to
    ``reference`` (the inventory's reference date; default ``moment``).
    """
    ident = item.id or item.path
    if item.document is None:
        return ResolvedInput(ident, item.digest_sri, FAILED, (item.error or "unreadable",), source=item.path)
    result = verifier.verify(item.token if item.token is not None else item.raw, now=moment)
    reasons, failed = _check_reasons(result)
    checks = tuple((c.name, c.outcome.value) for c in result.checks)
    if PCF_CREDENTIAL not in item.types:
        reasons.append(f"the credential is not a {PCF_CREDENTIAL} (types: {', '.join(item.types) or 'none'})")
        failed = True
    subject = item.document.get("credentialSubject")
    footprint = None
    if isinstance(subject, dict):
        record = footprint_record.MODEL.record_from_subject(subject)
        schema = result.check("schema")
        if schema is None or schema.outcome is Outcome.SKIPPED:  # no schema named: apply the PCF 8.0.0 rules here
            report = footprint_record.validate(json.loads(json.dumps(record, default=float)), source="pcf-8")
            if not report.valid:
                first = report.errors[0]
                reasons.append(
                    f"the footprint record is not valid Catena-X PCF 8.0.0: {first.json_path}: {first.message}"
                )
                failed = True
        found = _footprint_problems(record, reference or moment)
        reasons += found
        failed = failed or bool(found)
        try:
            footprint = footprint_from_record(record)
        except MalformedError as err:
            reasons.append(f"the footprint cannot be read: {err.detail}")
            failed = True
    else:
        reasons.append("the credential has no single credentialSubject holding a footprint")
        failed = True
    outcome = VERIFIED if not reasons else (FAILED if failed else UNDECIDED)
    return ResolvedInput(ident, item.digest_sri, outcome, tuple(reasons), footprint, checks, item.path)


def resolve(
    inventory: Inventory,
    received: Iterable[Received],
    verifier: Verifier,
    *,
    now: datetime | None = None,
) -> dict[str, ResolvedInput]:
    """Verify every credential the inventory references; keyed by credential id.

    ``now`` defaults to the inventory's reference date: validity and status are judged as of
    that day. With ``now`` given, the verifier runs at ``now`` (for status lists published
    later, say), while the footprint's own validity period is still held to the reference date.
    Credentials the inventory does not reference are not verified. When two files carry the
    same credential id, the one matching the inventory's digest is used.
    """
    reference = reference_instant(inventory)
    moment = now or reference
    by_id: dict[str, list[Received]] = {}
    for item in received:
        if item.id:
            by_id.setdefault(item.id, []).append(item)
    wanted = {line.credential.id: line.credential.digest_sri for line in inventory.inputs if line.credential}
    out: dict[str, ResolvedInput] = {}
    for credential_id, digest in wanted.items():
        candidates = by_id.get(credential_id, [])
        if not candidates:
            continue
        chosen = next((c for c in candidates if c.digest_sri == digest), candidates[0])
        out[credential_id] = resolve_one(chosen, verifier, moment, reference)
    return out
