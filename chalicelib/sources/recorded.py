"""Recorded feeds and deliveries, dated as if they had just arrived.

The sample under ``samples/`` was recorded once; read as it is, it would fall out of every "last 7
days" view a week later. :func:`freshen` moves every date of a recorded document by the same amount,
so that its newest date lands within the last hour: the gaps between items stay as recorded, and
so do the minutes and seconds (the shift is a whole number of hours), so times still look natural.

Dates are found in the text: ISO 8601 date-times (``2026-11-21T09:14:00Z``, with or without a
fraction or an offset) and RFC 822 dates (``Sat, 21 Nov 2026 08:05:00 GMT``, the weekday rewritten).
Dates inside URLs and ids (``/2026/11/21/``, ``zap-20261121``) are not date-times and stay.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?(?!\d)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RFC822 = re.compile(
    r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) (GMT|UTC?|Z|[+-]\d{4})\b"
)
HOUR = timedelta(hours=1)


def _offset(zone: str | None) -> timedelta:
    if not zone or zone in ("Z", "GMT", "UT", "UTC"):
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))


def _iso_wall(found: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(found.group(i)) for i in range(1, 7))
    return datetime(year, month, day, hour, minute, second)


def _rfc_wall(found: re.Match[str]) -> datetime:
    day, month, year = int(found.group(1)), _MONTHS.index(found.group(2)) + 1, int(found.group(3))
    return datetime(year, month, day, int(found.group(4)), int(found.group(5)), int(found.group(6)))


def recorded_dates(text: str) -> list[datetime]:
    """Every date-time of ``text``, in UTC (a date-time without an offset is taken as UTC)."""
    found = [(_iso_wall(m), m.group(8)) for m in _ISO.finditer(text)]
    found += [(_rfc_wall(m), m.group(7)) for m in _RFC822.finditer(text)]
    return [(wall - _offset(zone)).replace(tzinfo=UTC) for wall, zone in found]


def shift_dates(text: str, delta: timedelta) -> str:
    """``text`` with every date-time moved by ``delta``, each written as it was (offset, fraction, weekday)."""

    def iso(found: re.Match[str]) -> str:
        moved = _iso_wall(found) + delta
        return moved.strftime("%Y-%m-%dT%H:%M:%S") + (found.group(7) or "") + (found.group(8) or "")

    def rfc(found: re.Match[str]) -> str:
        moved = _rfc_wall(found) + delta
        weekday = f"{_DAYS[moved.weekday()]}, " if found.group(0)[0].isalpha() else ""
        return f"{weekday}{moved.day:02d} {_MONTHS[moved.month - 1]} {moved.year} {moved:%H:%M:%S} {found.group(7)}"

    return _RFC822.sub(rfc, _ISO.sub(iso, text))


def freshening_shift(newest: datetime, now: datetime) -> timedelta:
    """The whole number of hours that brings ``newest`` within the hour before ``now``."""
    return ((now - newest) // HOUR) * HOUR


def freshen(body: bytes, now: datetime, newest: datetime | None = None) -> bytes:
    """A recorded document (UTF-8) with its dates moved so that its newest one (or ``newest``) is recent.

    Pass ``newest`` to move several documents by the same amount (a recorded sample as a whole).
    """
    text = body.decode("utf-8")
    anchor = newest or max(recorded_dates(text), default=None)
    if anchor is None:
        return body
    return shift_dates(text, freshening_shift(anchor, now)).encode("utf-8")
