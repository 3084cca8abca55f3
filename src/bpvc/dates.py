"""XML Schema dateTimeStamp / dateTime values as comparable instants.

``datetime.fromisoformat`` accepts date-only and offset-less values and breaks past the
year 9999, so values are matched against the VCDM 2.0 regular expression and turned
into a count of seconds since the epoch (a Decimal, so ``.000Z`` and ``Z`` compare
equal while the signed text itself is never reformatted).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from .errors import MalformedError

_DATE_TIME = re.compile(
    r"^(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):(?P<second>[0-5][0-9](?:\.[0-9]+)?)"
    r"|(?P<midnight>24:00:00(?:\.0+)?))"
    r"(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$"
)

Instant = Decimal


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def parse(value: object, *, field: str = "value", require_offset: bool = True, json_path: str | None = None) -> Instant:
    """Parse a dateTimeStamp (``require_offset``) or dateTime (offset-less = UTC) into an instant."""
    if not isinstance(value, str):
        raise MalformedError(f"{field} must be a date-time string", json_path=json_path)
    match = _DATE_TIME.match(value)
    if not match:
        raise MalformedError(f"{field} {value!r} is not an XML Schema dateTimeStamp", json_path=json_path)
    tz = match["tz"]
    if tz is None and require_offset:
        raise MalformedError(f"{field} {value!r} has no time-zone offset", json_path=json_path)
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if day > _days_in_month(year, month):
        raise MalformedError(f"{field} {value!r} is not a calendar date", json_path=json_path)
    if match["midnight"]:
        hour, minute, second = 24, 0, Decimal(0)
    else:
        hour, minute, second = int(match["hour"]), int(match["minute"]), Decimal(match["second"])
    offset = 0
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        offset = sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    return Decimal(_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 - offset) + second


def from_datetime(moment: datetime) -> Instant:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return Decimal(moment.timestamp()).quantize(Decimal("0.000001"))


def format_instant(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with whole seconds, as proofs and credentials carry it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_instant() -> datetime:
    """The current time; only entry points (CLI, server, Verifier.verify with now=None) call this."""
    return datetime.now(UTC)
