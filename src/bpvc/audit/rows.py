"""The report's rows as CSV: one row per sampled credential, then one per item that is not a credential.

Cells come from received credentials, so a cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe
(the OWASP "CSV injection" advice); the JSON report keeps every value as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .report import AuditReport

__all__ = ["COLUMNS", "to_csv"]

COLUMNS = (
    "position",
    "source",
    "id",
    "passport_id",
    "serial",
    "battery_model",
    "plant",
    "issuer",
    "outcome",
    "failing_checks",
    "reasons",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(report: AuditReport) -> Iterable[list[object]]:
    position = {sample_id: index + 1 for index, sample_id in enumerate(report.sample_ids)}
    for item in sorted(report.items, key=lambda i: position[i.id]):
        yield [
            position[item.id],
            item.source,
            item.id,
            item.passport_id,
            item.serial,
            item.battery_model,
            item.plant,
            item.issuer,
            item.outcome,
            " ".join(item.defects),
            " | ".join(item.reasons),
        ]
    for entry in report.not_credentials:
        yield ["", entry.source, "", "", "", "", "", "", "not a credential", "", entry.reason]


def to_csv(report: AuditReport) -> str:
    """Every row of the report, in draw order, with a header line (RFC 4180, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _rows(report):
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
