"""The sessions calendar as iCalendar (RFC 5545), for members' phones to subscribe to.

Times are written in the organisation's zone with a VTIMEZONE when the zone keeps one offset all
year (Asia/Shanghai has had no daylight saving since 1991); a zone with daylight saving gets UTC
times instead, which every client converts correctly without a transition table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shared import clock
from shared.consultation.models import Consultation

# Sessions carry a start only; phones draw a zero-length event as a sliver, so show a half day.
DISPLAY_DURATION = "PT3H"
MAX_OCTETS = 75


def escape(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space (which counts toward their 75)."""
    chunks: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def _fixed_offset(zone: ZoneInfo, year: int) -> timedelta | None:
    """The zone's offset if it is the same all year, else None."""
    offsets = {datetime(year, month, 1, 12, tzinfo=zone).utcoffset() for month in range(1, 13)}
    offset = offsets.pop() if len(offsets) == 1 else None
    return offset


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render(sessions: Iterable[Consultation], *, calendar_name: str, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    offset = _fixed_offset(zone, clock.now().year)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tongxin//Consultations//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(calendar_name)}",
        f"X-WR-TIMEZONE:{timezone}",
    ]
    if offset is not None:
        lines += [
            "BEGIN:VTIMEZONE",
            f"TZID:{timezone}",
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset_text(offset)}",
            f"TZOFFSETTO:{_offset_text(offset)}",
            f"TZNAME:{_offset_text(offset)}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    for session in sessions:
        lines += _event(session, zone if offset is not None else None)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(session: Consultation, zone: ZoneInfo | None) -> list[str]:
    assert session.scheduled_at is not None  # only scheduled and held sessions are listed
    if zone is not None:
        local = session.scheduled_at.astimezone(zone).strftime("%Y%m%dT%H%M%S")
        start = f"DTSTART;TZID={zone.key}:{local}"
    else:
        start = f"DTSTART:{_utc(session.scheduled_at)}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{session.id}@tongxin",
        f"DTSTAMP:{_utc(session.updated_at)}",
        start,
        f"DURATION:{DISPLAY_DURATION}",
        f"SUMMARY:{escape(session.title)}",
        f"DESCRIPTION:{escape(session.topic)}",
        "STATUS:CONFIRMED",
        f"SEQUENCE:{session.version}",
    ]
    if session.venue:
        lines.append(f"LOCATION:{escape(session.venue)}")
    lines.append("END:VEVENT")
    return lines
