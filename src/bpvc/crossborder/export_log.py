"""The export log: one signed entry per transfer abroad, each chained to the one before.

Each line is a compact JWS (``typ: bpvc-export-log+jwt``) signed with the exporter's key; its
payload holds ``seq``, the hash of the previous line (``prev``), the time, exporter and recipient,
the fields sent with their digests, the legal basis, the ODRL purpose and the contract agreement.
Editing, reordering, inserting or deleting an entry breaks a signature or the chain at a named
entry; dropping entries from the end is seen only against a head remembered elsewhere
(``expect_head``), which ``show`` prints.

Appends take an exclusive ``flock`` on the file, read only its tail, write the whole line in one
``write`` on an ``O_APPEND`` descriptor and ``fsync`` before unlocking: concurrent exporters form
one chain, and a crash mid-append leaves at most an incomplete last line, which verification
reports and ignores and the next append removes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import dates
from ..errors import BpvcError, MalformedError
from ..errors import ExportLogError as ExportLogError
from ..keys.primitives import PublicKey, Signer
from ..sd_jwt.issue import sign_jwt
from ..securing import jose

LOG_TYP = "bpvc-export-log+jwt"
GENESIS = "0" * 64
LEGAL_BASES = ("exemption", "standard-contract", "assessment", "certification")
_TAIL = 1 << 16  # bytes read from the end to find the last entry; one entry is far smaller
MAX_LINE = 1 << 20


@dataclass(frozen=True)
class LegalBasis:
    """What makes the transfer lawful: an exemption number, a standard-contract id, an assessment id..."""

    kind: str
    reference: str

    @classmethod
    def parse(cls, text: str) -> LegalBasis:
        kind, sep, reference = text.partition(":")
        if not sep or kind not in LEGAL_BASES or not reference.strip():
            raise MalformedError(f"a legal basis is KIND:REFERENCE with KIND one of {', '.join(LEGAL_BASES)}")
        return cls(kind, reference.strip())

    def to_dict(self) -> dict[str, str]:
        return {"type": self.kind, "reference": self.reference}


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("ascii")).hexdigest()


def value_digest(value: Any) -> str:
    """sha-256 of a value's canonical JSON (sorted keys, no spaces): what a view's field digest covers."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha-256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last_complete(fd: int) -> tuple[str | None, int]:
    """The last complete line and the file length up to the end of it (an incomplete tail is after it)."""
    size = os.fstat(fd).st_size
    start = max(0, size - _TAIL)
    os.lseek(fd, start, os.SEEK_SET)
    chunk = b""
    while len(chunk) < size - start:
        piece = os.read(fd, size - start - len(chunk))
        if not piece:
            break
        chunk += piece
    end = chunk.rfind(b"\n")
    if end < 0:
        if start > 0:
            raise ExportLogError("the log's last line is longer than bpvc writes: not an export log")
        return None, 0
    body = chunk[:end]
    begin = body.rfind(b"\n") + 1
    if begin == 0 and start > 0:
        raise ExportLogError("the log's last entry is longer than bpvc writes: not an export log")
    return body[begin:].decode("ascii", errors="replace"), start + end + 1


def append(path: str | os.PathLike[str], entry: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """Add ``entry`` (without ``seq``/``prev``) to the log at ``path``, signed by ``signer``; return the payload."""
    target = Path(path)
    created = not target.exists()
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            last, good = _last_complete(fd)
            if good < os.fstat(fd).st_size:
                os.ftruncate(fd, good)  # an append that a crash interrupted: never part of the chain
            if last is None:
                seq, prev = 0, GENESIS
            else:
                try:
                    seq = int(jose.decode(last).payload["seq"]) + 1
                except (BpvcError, KeyError, TypeError, ValueError):
                    raise ExportLogError(f"{path}: the last entry cannot be read; run bpvc export log verify") from None
                prev = line_hash(last)
            payload = {"seq": seq, "prev": prev, **entry}
            header = {"alg": signer.algorithm, "typ": LOG_TYP, "kid": signer.verification_method}
            line = sign_jwt(header, payload, signer) + "\n"
            data = line.encode("ascii")
            if os.write(fd, data) != len(data):
                raise ExportLogError(f"{path}: short write; the entry was not appended whole")
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(target.parent if str(target.parent) else ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return payload


def build_entry(
    *,
    time: datetime,
    exporter: str,
    recipient: str,
    record: str,
    tier: str,
    export_to: str | None,
    fields: list[dict[str, str]],
    withheld: list[str],
    legal_basis: LegalBasis,
    purpose: str | None,
    contract_agreement: str | None,
    artifact: dict[str, str],
    retention_years: int,
) -> dict[str, Any]:
    """The payload of one entry (``seq`` and ``prev`` are added under the lock by :func:`append`)."""
    moment = dates.format_instant(time)
    try:
        until = time.replace(year=time.year + retention_years)
    except ValueError:  # 29 February
        until = time.replace(year=time.year + retention_years, day=28)
    entry: dict[str, Any] = {
        "time": moment,
        "exporter": exporter,
        "recipient": recipient,
        "record": record,
        "tier": tier,
        "exportTo": export_to,
        "fields": fields,
        "withheld": withheld,
        "legalBasis": legal_basis.to_dict(),
        "purpose": purpose,
        "contractAgreement": contract_agreement,
        "artifact": artifact,
        "retainUntil": dates.format_instant(until),
    }
    return entry


@dataclass(frozen=True)
class Entry:
    line_no: int
    line: str
    header: dict[str, Any]
    payload: dict[str, Any]

    @property
    def hash(self) -> str:
        return line_hash(self.line)


@dataclass
class Report:
    """What ``verify`` found: every entry read, every break (named), a note on an interrupted append."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures_checked: bool = False

    @property
    def valid(self) -> bool:
        return not self.problems and self.signatures_checked

    @property
    def head(self) -> str:
        return self.entries[-1].hash if self.entries else GENESIS


def read(path: str | os.PathLike[str]) -> tuple[list[tuple[int, str]], str | None]:
    """Complete lines (with their numbers) and the incomplete tail an interrupted append left, if any."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ExportLogError(f"{path}: no such export log") from None
    except OSError as err:
        raise ExportLogError(f"{path}: cannot read: {err.strerror}") from None
    text = raw.decode("ascii", errors="replace")
    complete, _, tail = text.rpartition("\n")
    lines = [(i + 1, line) for i, line in enumerate(complete.split("\n"))] if complete or text.startswith("\n") else []
    return lines, tail or None


def _entries(lines: list[tuple[int, str]], report: Report) -> Iterator[Entry]:
    for number, line in lines:
        if len(line) > MAX_LINE:
            report.problems.append(f"line {number}: longer than an entry can be")
            continue
        try:
            decoded = jose.decode(line)
        except BpvcError as err:
            report.problems.append(f"line {number}: not a signed entry ({err.detail})")
            continue
        yield Entry(number, line, decoded.header, decoded.payload)


def verify(
    path: str | os.PathLike[str],
    *,
    key: PublicKey | None = None,
    expect_head: str | None = None,
) -> Report:
    """Check every signature (with ``key``) and the chain; name each entry that breaks it."""
    lines, tail = read(path)
    report = Report(signatures_checked=key is not None)
    if tail is not None:
        report.notes.append(
            f"line {len(lines) + 1}: an incomplete entry (an append was interrupted); it is not part of the log"
        )
    previous = GENESIS
    for index, entry in enumerate(_entries(lines, report)):
        where = f"entry {index} (line {entry.line_no})"
        seq = entry.payload.get("seq")
        if entry.header.get("typ") != LOG_TYP:
            report.problems.append(f"{where}: not an export log entry (typ {entry.header.get('typ')!r})")
        if key is not None:
            try:
                jose.verify_signature(entry.line, key, str(entry.header.get("alg")))
            except BpvcError:
                report.problems.append(f"{where}: the signature does not verify: the entry was edited or forged")
        if seq != index:
            report.problems.append(
                f"{where}: seq is {seq!r}, expected {index}: an entry was inserted, deleted or moved"
            )
        if entry.payload.get("prev") != previous:
            report.problems.append(
                f"{where}: prev is not the hash of the entry before it: an entry before it was edited, "
                "inserted, deleted or moved"
            )
        previous = entry.hash
        report.entries.append(entry)
    if expect_head is not None and report.head != expect_head:
        known = next((e for e in report.entries if e.hash == expect_head), None)
        if known is not None:
            report.problems.append(f"the log goes on past the expected head (entry {report.entries.index(known)})")
        else:
            report.problems.append("the expected head is not in the log: entries were removed from its end")
    return report


__all__ = ["GENESIS", "LEGAL_BASES", "ExportLogError", "LegalBasis", "Report", "append", "build_entry", "verify"]
