"""The one clock. Deadlines, timers and tokens read time here so tests can move it."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_offset = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware UTC, shifted by the test offset."""
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only: lets a 90-day deadline pass in no time)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def today(timezone: str) -> date:
    """Today's business date in an organisation's time zone."""
    return now().astimezone(ZoneInfo(timezone)).date()


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of a business year in a time zone, as UTC instants."""
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end


_PERIOD = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_period(text: str) -> tuple[int, timedelta]:
    """An ISO 8601 duration as (calendar months, exact rest): ``P3M`` is three calendar
    months, not 90 days. ValueError for anything else."""
    match = _PERIOD.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P3M, P7D or PT12H")
    n = {key: int(value or 0) for key, value in match.groupdict().items()}
    rest = timedelta(
        weeks=n["weeks"],
        days=n["days"],
        hours=n["hours"],
        minutes=n["minutes"],
        seconds=n["seconds"],
    )
    return n["years"] * 12 + n["months"], rest


def add_period(at: datetime, text: str, timezone: str, *, before: bool = False) -> datetime:
    """``at`` + an ISO 8601 duration, months counted on the calendar of ``timezone`` (31 Jan +
    P1M = 28/29 Feb: the day is clipped to the month's last), the rest added exactly;
    ``before``: the same period back from ``at``."""
    months, rest = parse_period(text)
    if before:
        months, rest = -months, -rest
    local = as_utc(at).astimezone(ZoneInfo(timezone))
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, monthrange(year, month)[1])
    moved = local.replace(year=year, month=month, day=day)
    return moved.astimezone(UTC) + rest
