"""The workflow engine and the generic /transitions and /timeline routes, on both databases."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker import jobs
from shared.audit import AuditEntry
from shared.events import Event
from shared.workflow import REGISTRY
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.worker.conftest import new_gadget
from tests.worker.gadget import GADGET


async def test_allowed_move_changes_state_audits_and_emits(
    gadget_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    response = await gadget_client.post(
        f"/api/v1/test-gadgets/{gadget_id}/transitions",
        json={"action": "start", "comment": "开始"},
        headers={**world.auth("staff"), "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "active"
    assert response.headers["etag"] == '"2"'
    async with sessions() as session:
        events = (await session.scalars(select(Event).where(Event.subject_id == gadget_id))).all()
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.entity_id == gadget_id))
        ).all()
    assert [(e.type, e.sequence, e.data["state"]) for e in events] == [
        ("test_gadget.started", 1, "active")
    ]
    assert events[0].request_id == response.headers["x-request-id"]
    assert [(a.action, a.from_state, a.to_state, a.comment) for a in audit] == [
        ("start", "draft", "active", "开始")
    ]


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("member", "start"),  # members have no action on gadgets
        ("leader", "start"),  # a role the action is not open to
        ("staff", "finish"),  # automatic moves are the worker's alone
    ],
)
async def test_a_role_that_may_never_take_the_action_is_forbidden(
    gadget_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
    role: str,
    action: str,
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    response = await gadget_client.post(
        f"/api/v1/test-gadgets/{gadget_id}/transitions",
        json={"action": action},
        headers=world.auth(role),
    )
    assert_problem(response, 403, "forbidden")


async def test_an_unknown_action_names_the_allowed_ones(
    gadget_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    response = await gadget_client.post(
        f"/api/v1/test-gadgets/{gadget_id}/transitions",
        json={"action": "fly"},
        headers=world.auth("staff"),
    )
    body = assert_problem(response, 409, "invalid_transition")
    assert body["state"] == "draft" and body["allowed_actions"] == ["start"]


async def test_move_from_a_state_without_that_edge_is_refused(
    gadget_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    url = f"/api/v1/test-gadgets/{gadget_id}/transitions"
    assert (
        await gadget_client.post(url, json={"action": "halt"}, headers=world.auth("leader"))
    ).status_code == 200
    body = assert_problem(
        await gadget_client.post(url, json={"action": "start"}, headers=world.auth("staff")),
        409,
        "invalid_transition",
    )
    assert body["state"] == "halted" and body["allowed_actions"] == []


async def test_stale_if_match_and_other_organisation(
    gadget_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
    other_world: World,
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    url = f"/api/v1/test-gadgets/{gadget_id}/transitions"
    stale = await gadget_client.post(
        url, json={"action": "start"}, headers={**world.auth("staff"), "If-Match": '"7"'}
    )
    assert_problem(stale, 412, "version_mismatch")
    foreign = await gadget_client.post(
        url, json={"action": "start"}, headers=other_world.auth("staff")
    )
    assert_problem(foreign, 404, "not_found")
    timeline = await gadget_client.get(
        f"/api/v1/test-gadgets/{gadget_id}/timeline", headers=other_world.auth("staff")
    )
    assert_problem(timeline, 404, "not_found")


async def test_timeline_shows_people_and_the_worker(
    gadget_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    await gadget_client.post(
        f"/api/v1/test-gadgets/{gadget_id}/transitions",
        json={"action": "start"},
        headers=world.auth("staff"),
    )
    await jobs.sweep(sessions, None)
    timeline = (
        await gadget_client.get(
            f"/api/v1/test-gadgets/{gadget_id}/timeline", headers=world.auth("auditor")
        )
    ).json()
    assert [(t["action"], t["from"], t["to"], t["actor_role"]) for t in timeline] == [
        ("start", "draft", "active", "staff"),
        ("finish", "active", "done", "system"),
    ]
    assert timeline[1]["actor"] == "system"


async def test_meta_workflows(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REGISTRY, GADGET.name, GADGET)
    listed = (await client.get("/api/v1/meta/workflows", headers=world.auth("member"))).json()
    assert GADGET.name in [w["name"] for w in listed["items"]]
    one = (
        await client.get(f"/api/v1/meta/workflows/{GADGET.name}", headers=world.auth("department"))
    ).json()
    assert one["states"] == ["draft", "active", "done", "halted"]
    finish = next(a for a in one["actions"] if a["name"] == "finish")
    assert finish == {
        "name": "finish",
        "label_zh": "",
        "from": ["active"],
        "to": ["done"],
        "roles": [],
        "auto": True,
        "event": "test_gadget.finished",
    }
    assert_problem(
        await client.get("/api/v1/meta/workflows/nope", headers=world.auth("staff")),
        404,
        "not_found",
    )
    assert_problem(await client.get("/api/v1/meta/workflows"), 401, "unauthenticated")


def test_workflow_definitions_refuse_unknown_states() -> None:
    from shared.workflow import Action, Workflow

    with pytest.raises(ValueError, match="unknown states"):
        Workflow(
            name="broken",
            states=("a",),
            initial="a",
            actions=(Action("go", ("a",), ("b",), event="went"),),
        )
