"""The proposal settings and calendar-month periods (31 Jan + P1M = 28/29 Feb)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.clock import add_period, parse_period
from tests.api.test_conventions import assert_problem
from tests.conftest import World

SETTINGS = "/api/v1/organisation/settings"


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        # 31 Jan in Shanghai (UTC+8) is still 30 Jan 20:00 UTC: the month is the local one.
        (datetime(2024, 1, 30, 20, tzinfo=UTC), "P1M", datetime(2024, 2, 28, 20, tzinfo=UTC)),
        (datetime(2023, 1, 30, 20, tzinfo=UTC), "P1M", datetime(2023, 2, 27, 20, tzinfo=UTC)),
        (datetime(2023, 11, 30, 2, tzinfo=UTC), "P3M", datetime(2024, 2, 29, 2, tzinfo=UTC)),
        (datetime(2023, 8, 31, 2, tzinfo=UTC), "P6M", datetime(2024, 2, 29, 2, tzinfo=UTC)),
        (datetime(2023, 3, 1, 2, tzinfo=UTC), "P1Y1M7DT2H", datetime(2024, 4, 8, 4, tzinfo=UTC)),
        (datetime(2023, 3, 1, 2, tzinfo=UTC), "P30D", datetime(2023, 3, 31, 2, tzinfo=UTC)),
    ],
)
def test_add_period_counts_calendar_months_in_the_zone(
    start: datetime, period: str, expected: datetime
) -> None:
    assert add_period(start, period, "Asia/Shanghai") == expected


def test_parse_period() -> None:
    assert parse_period("P2M") == (2, timedelta(0))
    assert parse_period("P1W") == (0, timedelta(days=7))
    for bad in ("P", "3M", "P1.5M", "PT", "P1MT", "month"):
        with pytest.raises(ValueError):
            parse_period(bad)


@pytest.mark.asyncio
async def test_proposal_settings_defaults_and_update(
    client: httpx.AsyncClient, world: World
) -> None:
    got = (await client.get(SETTINGS, headers=world.auth("staff"))).json()
    assert {key: got[key] for key in got if "proposal" in key or key.endswith("_window")} | {
        "co_opinion_before": got["co_opinion_before"]
    } == {
        "proposal_reply_window": "P3M",
        "proposal_max_reply_window": "P6M",
        "return_window": "P7D",
        "co_opinion_before": "P1M",
        "evaluation_window": "P30D",
        "follow_up_window": "P6M",
        "proposal_max_rounds": 2,
        "suggestion_response_window": got["suggestion_response_window"],
        "task_window": got["task_window"],
    }
    headers = {**world.auth("admin"), "If-Match": f'"{got["version"]}"'}
    patched = await client.patch(
        SETTINGS, json={"proposal_reply_window": "P2M", "proposal_max_rounds": 3}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["proposal_reply_window"], patched.json()["proposal_max_rounds"]) == (
        "P2M",
        3,
    )
    for bad in (
        {"return_window": "7 days"},
        {"proposal_max_rounds": 0},
        {"return_window": "P0D"},
        {"follow_up_window": "P3Y"},
        {"evaluation_window": "P99999999999999D"},
    ):
        response = await client.patch(SETTINGS, json=bad, headers=world.auth("admin"))
        assert_problem(response, 422, "validation_error")
