"""Subscriptions and the event feed over HTTP: role rules, tenancy, validation, the feed cursor."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.worker import jobs
from shared.webhook import catalog
from shared.webhook.models import WebhookSubscription
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.webhooks.conftest import emit, integrator_key, subscribe

SUBS = "/api/v1/webhook-subscriptions"


async def test_secret_is_shown_once_and_stored_sealed(
    local: httpx.AsyncClient, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {**world.auth("admin"), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["supervision_case.*"]}
    first = await local.post(SUBS, json=body, headers=headers)
    assert first.status_code == 201 and first.headers["location"].endswith(first.json()["id"])
    secret = first.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
    got = await local.get(f"{SUBS}/{first.json()['id']}", headers=world.auth("admin"))
    assert "secret" not in got.json() and got.headers["etag"] == '"1"'
    replay = await local.post(SUBS, json=body, headers=headers)
    assert replay.json()["id"] == first.json()["id"]
    assert secret not in replay.text  # idempotency records never hold the secret
    async with sessionmaker() as session:
        stored = await session.get(WebhookSubscription, uuid.UUID(first.json()["id"]))
        assert stored is not None and secret not in stored.secret
        assert stored.secret.startswith("v1:")


async def test_update_and_delete_honour_if_match(local: httpx.AsyncClient, world: World) -> None:
    sub = await subscribe(local, world.auth("admin"), "http://127.0.0.1:9/hook")
    stale = await local.patch(
        f"{SUBS}/{sub['id']}",
        json={"description": "新"},
        headers={**world.auth("admin"), "If-Match": '"7"'},
    )
    assert_problem(stale, 412, "version_mismatch")
    patched = await local.patch(
        f"{SUBS}/{sub['id']}",
        json={"event_types": ["consultation.*", "webhook.test"], "description": "新"},
        headers={**world.auth("admin"), "If-Match": '"1"'},
    )
    assert patched.status_code == 200
    assert patched.json()["event_types"] == ["consultation.*", "webhook.test"]
    assert patched.json()["version"] == 2
    deleted = await local.delete(f"{SUBS}/{sub['id']}", headers=world.auth("admin"))
    assert deleted.status_code == 204
    gone = await local.get(f"{SUBS}/{sub['id']}", headers=world.auth("admin"))
    assert_problem(gone, 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1:9/x", "event_types": ["no_such.thing"]},
        {"url": "http://127.0.0.1:9/x", "event_types": ["supervision_case.**"]},
        {"url": "http://127.0.0.1:9/x", "event_types": []},
        {"url": "http://127.0.0.1:9/x"},
        {"event_types": ["*"]},
        {"url": "http://127.0.0.1:9/x", "event_types": ["*"], "secret": "mine"},
        {"url": "ftp://127.0.0.1/x", "event_types": ["*"]},
    ],
)
async def test_bad_input_is_422(local: httpx.AsyncClient, world: World, body: dict) -> None:
    assert_problem(
        await local.post(SUBS, json=body, headers=world.auth("admin")), 422, "validation_error"
    )


@pytest.mark.parametrize("role", ["staff", "leader", "member", "department", "auditor"])
async def test_only_admins_and_webhook_keys_manage(
    local: httpx.AsyncClient, world: World, role: str
) -> None:
    assert_problem(await local.get(SUBS, headers=world.auth(role)), 403, "forbidden")
    body = {"url": "http://127.0.0.1:9/x", "event_types": ["*"]}
    assert_problem(await local.post(SUBS, json=body, headers=world.auth(role)), 403, "forbidden")


async def test_integrator_keys_see_only_their_own(
    local: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    reader = await integrator_key(engine, world, "read")
    assert_problem(await local.get(SUBS, headers=reader), 403, "forbidden")
    mine = await integrator_key(engine, world, "webhooks")
    theirs = await integrator_key(engine, world, "webhooks", "read")
    own = await subscribe(local, mine, "http://127.0.0.1:9/mine")
    other = await subscribe(local, theirs, "http://127.0.0.1:9/theirs")
    listed = (await local.get(SUBS, headers=mine)).json()["items"]
    assert [s["id"] for s in listed] == [own["id"]]
    assert_problem(await local.get(f"{SUBS}/{other['id']}", headers=mine), 404, "not_found")
    assert_problem(await local.post(f"{SUBS}/{other['id']}/test", headers=mine), 404, "not_found")
    everyone = (await local.get(SUBS, headers=world.auth("admin"))).json()["items"]
    assert {own["id"], other["id"]} <= {s["id"] for s in everyone}


async def test_other_organisations_are_not_found(
    local: httpx.AsyncClient, world: World, other_world: World
) -> None:
    sub = await subscribe(local, world.auth("admin"), "http://127.0.0.1:9/hook")
    stranger = other_world.auth("admin")
    for method, path in [
        ("GET", f"{SUBS}/{sub['id']}"),
        ("PATCH", f"{SUBS}/{sub['id']}"),
        ("DELETE", f"{SUBS}/{sub['id']}"),
        ("POST", f"{SUBS}/{sub['id']}/rotate-secret"),
        ("POST", f"{SUBS}/{sub['id']}/test"),
        ("POST", f"{SUBS}/{sub['id']}/enable"),
        ("GET", f"{SUBS}/{sub['id']}/deliveries"),
    ]:
        kwargs = {"json": {}} if method == "PATCH" else {}
        response = await local.request(method, path, headers=stranger, **kwargs)
        assert_problem(response, 404, "not_found")
    tested = await local.post(f"{SUBS}/{sub['id']}/test", headers=world.auth("admin"))
    delivery = tested.json()["id"]
    for method, path in [
        ("GET", f"/api/v1/webhook-deliveries/{delivery}"),
        ("POST", f"/api/v1/webhook-deliveries/{delivery}/redeliver"),
    ]:
        response = await local.request(method, path, headers=stranger)
        assert_problem(response, 404, "not_found")
    assert (await local.get(SUBS, headers=stranger)).json()["items"] == []


async def test_deliveries_state_filter_is_validated(local: httpx.AsyncClient, world: World) -> None:
    sub = await subscribe(local, world.auth("admin"), "http://127.0.0.1:9/hook")
    bad = await local.get(f"{SUBS}/{sub['id']}/deliveries?state=lost", headers=world.auth("admin"))
    assert_problem(bad, 422, "validation_error")
    bad = await local.post(
        f"{SUBS}/{sub['id']}/recover", json={"since": "yesterday"}, headers=world.auth("admin")
    )
    assert_problem(bad, 422, "validation_error")


# --- the feed --------------------------------------------------------------------------------


async def test_event_types_list_every_type_with_a_schema(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    response = await client.get("/api/v1/event-types", headers=world.auth("auditor"))
    items = response.json()["items"]
    assert [i["type"] for i in items] == list(catalog.EVENT_TYPES)
    types = {i["type"]: i["schema"] for i in items}
    for wanted in ("webhook.test", "webhook.delivery_exhausted", "supervision_case.reported"):
        assert types[wanted]["properties"]["type"] == {"const": wanted}
    assert_problem(
        await client.get("/api/v1/event-types", headers=world.auth("member")), 403, "forbidden"
    )
    reader = await integrator_key(engine, world, "read")
    assert (await client.get("/api/v1/event-types", headers=reader)).status_code == 200


async def test_feed_is_tenant_scoped_filtered_and_role_checked(
    client: httpx.AsyncClient,
    world: World,
    other_world: World,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    mine = await emit(sessionmaker, world.organisation_id, "supervision_case.reported")
    await emit(sessionmaker, world.organisation_id, "consultation.created")
    await emit(sessionmaker, other_world.organisation_id, "supervision_case.reported")
    await jobs.relay(sessionmaker, None)
    feed = (await client.get("/api/v1/events", headers=world.auth("staff"))).json()
    assert [e["type"] for e in feed["items"]] == [
        "supervision_case.reported",
        "consultation.created",
    ]
    first = feed["items"][0]
    assert first["id"] == f"evt_{mine.id.hex}" and first["data"]["sequence"] == 1
    assert first["timestamp"].endswith("Z")
    only = await client.get("/api/v1/events?type=supervision_case.*", headers=world.auth("leader"))
    assert [e["type"] for e in only.json()["items"]] == ["supervision_case.reported"]
    for role in ("member", "department"):
        assert_problem(
            await client.get("/api/v1/events", headers=world.auth(role)), 403, "forbidden"
        )
    reader = await integrator_key(engine, world, "read")
    assert len((await client.get("/api/v1/events", headers=reader)).json()["items"]) == 2
    hooks_only = await integrator_key(engine, world, "webhooks")
    assert_problem(await client.get("/api/v1/events", headers=hooks_only), 403, "forbidden")
    bad = await client.get("/api/v1/events?cursor=%%%", headers=world.auth("admin"))
    assert_problem(bad, 422, "validation_error")
    bad = await client.get("/api/v1/events?type=nope.*", headers=world.auth("admin"))
    assert_problem(bad, 422, "validation_error")
