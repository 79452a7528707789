"""The one clock. Deadlines, timers and tokens read time here so tests can move it."""

from __future__ import annotations

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
