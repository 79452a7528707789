"""Organisation settings: ISO durations, If-Match, the admin writes, the office reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_auth import problem
from tests.api.test_org import API, OUTSIDERS, patch
from tests.conftest import World


async def test_settings_read_and_update(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{API}/organisation/settings", headers=world.auth("staff"))
    assert response.status_code == 200, response.text
    current = response.json()
    assert current["timezone"] == "Asia/Shanghai"
    assert current["reminder_before"] == "P7D"
    assert current["escalation_after"] == ["P7D", "P30D", "P60D"]
    assert current["evaluation_reminder_after"] == "P15D"
    assert current["suggestion_response_window"] == "P30D" and current["task_window"] == "P30D"
    version = current["version"]
    assert response.headers["etag"] == f'"{version}"'
    for role in ("leader", "auditor", "admin"):
        assert (
            await client.get(f"{API}/organisation/settings", headers=world.auth(role))
        ).json() == current
    change = {
        "reminder_before": "P3D",
        "escalation_after": ["PT12H", "P10D"],
        "timezone": "Asia/Urumqi",
    }
    stale = await client.patch(
        f"{API}/organisation/settings",
        json=change,
        headers={**world.auth("admin"), "If-Match": f'"{version + 5}"'},
    )
    problem(stale, 412, "version_mismatch")
    updated = await client.patch(
        f"{API}/organisation/settings",
        json=change,
        headers={**world.auth("admin"), "If-Match": f'"{version}"'},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["reminder_before"] == "P3D" and body["escalation_after"] == ["PT12H", "P10D"]
    assert body["timezone"] == "Asia/Urumqi" and body["version"] == version + 1
    again = await client.get(f"{API}/organisation/settings", headers=world.auth("auditor"))
    assert again.json() == body
    audit = await client.get(
        f"{API}/audit-entries",
        params={"entity_id": str(world.organisation_id)},
        headers=world.auth("auditor"),
    )
    assert [e["changes"] for e in audit.json()["items"]] == [change]


@pytest.mark.parametrize(
    "body",
    [
        {"reminder_before": "seven days"},
        {"reminder_before": "PT0S"},
        {"reminder_before": "-P1D"},
        {"reminder_before": None},
        {"timezone": "Mars/Olympus"},
        {"timezone": "/etc/passwd"},
        {"timezone": "Asia"},
        {"timezone": None},
        {"escalation_after": ["P30D", "P7D"]},
        {"escalation_after": ["P7D", "P7D"]},
        {"escalation_after": []},
        {"escalation_after": None},
        {"task_window": "P1X"},
        {"name": "改名"},
    ],
)
async def test_bad_settings_are_422(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    response = await patch(client, world, "organisation/settings", body)
    problem(response, 422, "validation_error")
    settings = await client.get(f"{API}/organisation/settings", headers=world.auth("admin"))
    assert settings.json()["escalation_after"] == ["P7D", "P30D", "P60D"]


async def test_settings_role_rule_and_tenancy(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    for role in OUTSIDERS:
        problem(
            await client.get(f"{API}/organisation/settings", headers=world.auth(role)),
            403,
            "forbidden",
        )
    for role in ("staff", "leader", "auditor", "member"):
        response = await patch(
            client, world, "organisation/settings", {"reminder_before": "P1D"}, role
        )
        problem(response, 403, "forbidden")
    assert (
        await patch(client, world, "organisation/settings", {"task_window": "P45D"})
    ).status_code == 200
    theirs = await client.get(f"{API}/organisation/settings", headers=other_world.auth("admin"))
    assert theirs.json()["task_window"] == "P30D"
