"""The sessions calendar: valid iCalendar for a standard parser, with the header or a personal
token in the URL; and the line folding and escaping it relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import icalendar

from shared import clock
from shared.consultation.calendar import escape, fold
from tests.conftest import World
from tests.consultation.conftest import API, held_consultation, move, new_consultation, ok, problem

TITLE = "关于“打造一流营商环境，共促二产提质增效”的协商; 第一场\\请你来协商·鄞商大家说" * 2
SOON = "2099-04-27T09:30:00+08:00"


async def test_feed_parses_and_lists_scheduled_and_held_sessions(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    scheduled = await new_consultation(
        client, world, title=TITLE, scheduled_at=SOON, venue="区行政中心, 3楼; 第一会议室"
    )
    ok(await move(client, world, "consultations", scheduled["id"], "schedule"))
    last_week = (clock.now() - timedelta(days=7)).isoformat()
    held = await held_consultation(client, world, topic="第一行\n第二行", when=last_week)
    await new_consultation(client, world, title="只在计划中", scheduled_at=SOON, venue="x")
    cancelled = await new_consultation(client, world, scheduled_at=SOON, venue="x")
    ok(await move(client, world, "consultations", cancelled["id"], "cancel"))
    await held_consultation(client, other_world, title="别的政协")

    response = await client.get(f"{API}/consultations.ics", headers=world.auth("member"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    raw = response.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{scheduled['id']}@tongxin", f"{held['id']}@tongxin"}
    first = events[f"{scheduled['id']}@tongxin"]
    assert str(first["SUMMARY"]) == TITLE
    assert str(first["LOCATION"]) == "区行政中心, 3楼; 第一会议室"
    start = first.decoded("DTSTART")
    assert start == datetime(2099, 4, 27, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert start.astimezone(UTC) == datetime(2099, 4, 27, 1, 30, tzinfo=UTC)
    assert first["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(events[f"{held['id']}@tongxin"]["DESCRIPTION"]) == "第一行\n第二行"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]


async def test_personal_token_in_the_url(client: httpx.AsyncClient, world: World) -> None:
    problem(await client.get(f"{API}/consultations.ics"), 401, "unauthenticated")
    problem(await client.get(f"{API}/consultations.ics?token=nope"), 401, "unauthenticated")
    first = ok(await client.post(f"{API}/me/calendar-token", headers=world.auth("member")))
    assert first["url"].endswith(f"/consultations.ics?token={first['token']}")
    feed = await client.get(f"{API}/consultations.ics", params={"token": first["token"]})
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    second = ok(await client.post(f"{API}/me/calendar-token", headers=world.auth("member")))
    assert second["token"] != first["token"]
    problem(
        await client.get(f"{API}/consultations.ics", params={"token": first["token"]}),
        401,
        "unauthenticated",
    )
    again = await client.get(f"{API}/consultations.ics", params={"token": second["token"]})
    assert again.status_code == 200
    problem(await client.post(f"{API}/me/calendar-token"), 401, "unauthenticated")


def test_fold_never_splits_a_character_and_keeps_75_octets() -> None:
    line = "SUMMARY:" + "协商" * 100 + "abc"
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert fold("SHORT:x") == "SHORT:x"


def test_escape_text_values() -> None:
    assert escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
