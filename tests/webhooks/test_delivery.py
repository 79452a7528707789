"""Signed delivery to a real receiver: fan-out, retries, rotation, 410, Retry-After, redirects,
exhaustion and disabling, on both databases. Time moves with shared.clock."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker.sender import Sender
from shared import clock
from shared.events import Event
from shared.webhook import feed
from shared.webhook.models import WebhookSubscription
from tests.conftest import World
from tests.webhooks.conftest import (
    Receiver,
    Reply,
    attempts_of,
    deliveries_of,
    emit,
    subscribe,
    sweep,
)


async def test_test_event_is_signed_and_verifies(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url(), ["webhook.*"])
    response = await local.post(
        f"/api/v1/webhook-subscriptions/{sub['id']}/test", headers=world.auth("admin")
    )
    assert response.status_code == 202, response.text
    delivery = response.json()
    assert delivery["status"] == "pending" and delivery["event_id"].startswith("evt_")
    await sweep(sessionmaker, sender)
    assert len(receiver.requests) == 1
    [payload] = receiver.verify_all(sub["secret"])
    assert payload["type"] == "webhook.test"
    assert payload["id"] == delivery["event_id"]
    assert payload["data"]["id"] == sub["id"]
    request = receiver.requests[0]
    assert request.headers["webhook-id"] == delivery["event_id"]
    assert request.headers["content-type"] == "application/json"
    minified = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert request.body == minified
    detail = (
        await local.get(f"/api/v1/webhook-deliveries/{delivery['id']}", headers=world.auth("admin"))
    ).json()
    assert detail["status"] == "succeeded"
    [attempt] = detail["attempts_log"]
    assert attempt["status"] == "succeeded" and attempt["status_code"] == 200
    assert attempt["response_body"] == "ok" and attempt["duration_ms"] >= 0


async def test_fan_out_matches_wildcards_once(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    cases = await subscribe(local, world.auth("admin"), receiver.url("/a"), ["supervision_case.*"])
    exact = await subscribe(
        local, world.auth("admin"), receiver.url("/b"), ["consultation.created"]
    )
    event = await emit(sessionmaker, world.organisation_id, "supervision_case.reported")
    await emit(sessionmaker, world.organisation_id, "consultation.created")
    await sweep(sessionmaker, sender)
    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]
    for request in receiver.requests:
        secret = cases["secret"] if request.path == "/a" else exact["secret"]
        receiver.requests = [request]
        receiver.verify_all(secret)
    # Fan-out again for the same event: nothing new.
    async with sessionmaker() as session:
        again = await session.get(Event, event.id)
        assert again is not None
        assert await feed.fan_out(session, again) == []
        await session.rollback()
    assert len(await deliveries_of(sessionmaker, cases["id"])) == 1


async def test_retries_follow_schedule_and_verify_every_time(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(500), Reply(502), Reply(200)]
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.status == "pending" and delivery.attempts == 1
    wait = delivery.next_attempt_at - clock.now()  # type: ignore[operator]
    assert timedelta(seconds=3.9) <= wait <= timedelta(seconds=6.1)  # 5 s ± 20 %
    await sweep(sessionmaker, sender)
    assert len(receiver.requests) == 1  # not due yet
    clock.advance(timedelta(seconds=7))
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    wait = delivery.next_attempt_at - clock.now()  # type: ignore[operator]
    assert timedelta(minutes=3.9) <= wait <= timedelta(minutes=6.1)
    clock.advance(timedelta(minutes=7))
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.status == "succeeded" and delivery.attempts == 3
    assert len(receiver.requests) == 3
    receiver.verify_all(sub["secret"])
    assert len({r.body for r in receiver.requests}) == 1  # byte-identical
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    attempts = await attempts_of(sessionmaker, delivery.id)
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 502), (3, 200)]
    async with sessionmaker() as session:
        subscription = await session.get(WebhookSubscription, uuid.UUID(sub["id"]))
        assert subscription is not None and subscription.failing_since is None


async def test_retry_after_is_a_floor_capped_at_a_day(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(503, {"Retry-After": "600"}), Reply(429, {"Retry-After": "999999"})]
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.next_attempt_at - clock.now() >= timedelta(seconds=599)  # type: ignore[operator]
    clock.advance(timedelta(seconds=601))
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    wait = delivery.next_attempt_at - clock.now()  # type: ignore[operator]
    assert timedelta(hours=23, minutes=59) <= wait <= timedelta(hours=24)


async def test_redirect_is_a_failure_and_not_followed(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(302, {"Location": receiver.url("/elsewhere")})]
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    assert [r.path for r in receiver.requests] == ["/hook"]
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert delivery.last_error == "HTTP 302"


async def test_gone_disables_at_once(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url(), ["supervision_case.*"])
    watcher = await subscribe(local, world.auth("admin"), receiver.url("/ops"), ["webhook.*"])
    receiver.replies = [Reply(410)]
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    await sweep(sessionmaker, sender)  # relays webhook.subscription_disabled to the watcher
    got = (
        await local.get(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=world.auth("admin"))
    ).json()
    assert got["status"] == "disabled" and got["disabled_reason"] == "gone"
    ops = [r for r in receiver.requests if r.path == "/ops"]
    receiver.requests = ops
    [payload] = receiver.verify_all(watcher["secret"])
    assert payload["type"] == "webhook.subscription_disabled"
    assert payload["data"]["id"] == sub["id"] and payload["data"]["reason"] == "gone"
    # Disabled: later events are not fanned out to it, pending ones wait.
    await emit(sessionmaker, world.organisation_id)
    clock.advance(timedelta(minutes=1))
    await sweep(sessionmaker, sender)
    assert len(await deliveries_of(sessionmaker, sub["id"])) == 1
    enabled = await local.post(
        f"/api/v1/webhook-subscriptions/{sub['id']}/enable", headers=world.auth("admin")
    )
    assert enabled.json()["status"] == "active" and enabled.json()["failing_since"] is None
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.status == "succeeded"


async def test_exhaustion_then_five_days_disable(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url(), ["supervision_case.*"])
    watcher = await subscribe(local, world.auth("admin"), receiver.url("/ops"), ["webhook.*"])
    receiver.default = Reply(500)
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    for _ in range(9):  # each retry exactly when due: about 75 h in all, under 5 days
        [delivery] = await deliveries_of(sessionmaker, sub["id"])
        assert delivery.next_attempt_at is not None
        clock.advance(delivery.next_attempt_at - clock.now() + timedelta(seconds=1))
        await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    assert delivery.status == "failed" and delivery.attempts == 10
    hook_requests = [r for r in receiver.requests if r.path == "/hook"]
    assert len(hook_requests) == 10
    receiver.default = Reply(200)
    await sweep(sessionmaker, sender)
    ops = [json.loads(r.body) for r in receiver.requests if r.path == "/ops"]
    types = [p["type"] for p in ops]
    assert "webhook.delivery_exhausted" in types
    exhausted = next(p for p in ops if p["type"] == "webhook.delivery_exhausted")
    assert exhausted["data"]["subscription_id"] == sub["id"]
    assert exhausted["data"]["last_status_code"] == 500
    got = (
        await local.get(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=world.auth("admin"))
    ).json()
    # 75 h of failing is not yet 5 days; a further failing delivery past day 5 disables it.
    assert got["status"] == "active" and got["failing_since"] is not None
    assert "webhook.subscription_disabled" not in types
    receiver.default = Reply(500)
    await emit(sessionmaker, world.organisation_id)
    clock.advance(timedelta(days=3))
    await sweep(sessionmaker, sender)
    got = (
        await local.get(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=world.auth("admin"))
    ).json()
    assert got["status"] == "disabled" and got["disabled_reason"] == "failing"
    assert watcher["status"] == "active"


async def test_rotation_signs_with_both_secrets_for_a_day(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    rotated = await local.post(
        f"/api/v1/webhook-subscriptions/{sub['id']}/rotate-secret", headers=world.auth("admin")
    )
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != sub["secret"] and new_secret.startswith("whsec_")
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 2
    receiver.verify_all(sub["secret"], new_secret)
    clock.advance(timedelta(hours=25))
    receiver.requests.clear()
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 1
    receiver.verify_all(new_secret)
    with pytest.raises(Exception, match="No matching signature"):
        receiver.verify_all(sub["secret"])


async def test_response_body_is_kept_to_4_kib(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(200, body=b"x" * 20_000)]
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    [attempt] = await attempts_of(sessionmaker, delivery.id)
    assert attempt.response_body == "x" * 4096


async def test_redeliver_and_recover_send_the_same_message_again(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    since = clock.now()
    await emit(sessionmaker, world.organisation_id)
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    first, second = await deliveries_of(sessionmaker, sub["id"])
    assert first.status == second.status == "succeeded"
    again = await local.post(
        f"/api/v1/webhook-deliveries/{first.id}/redeliver", headers=world.auth("admin")
    )
    assert again.status_code == 202 and again.json()["status"] == "pending"
    await sweep(sessionmaker, sender)
    assert len(receiver.requests) == 3
    assert receiver.requests[2].headers["webhook-id"] == feed.message_id(first.event_id)
    assert receiver.requests[2].body == first.body.encode()
    # Both fail for good, then recover replays them oldest first.
    async with sessionmaker() as session:
        for delivery in await deliveries_of(sessionmaker, sub["id"]):
            merged = await session.merge(delivery)
            merged.status = "failed"
        await session.commit()
    receiver.requests.clear()
    recovered = await local.post(
        f"/api/v1/webhook-subscriptions/{sub['id']}/recover",
        json={"since": since.isoformat()},
        headers=world.auth("admin"),
    )
    assert recovered.status_code == 202 and recovered.json() == {"redelivered": 2}
    await sweep(sessionmaker, sender)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(ids) == sorted(feed.message_id(d.event_id) for d in (first, second))
    listed = await local.get(
        f"/api/v1/webhook-subscriptions/{sub['id']}/deliveries?state=succeeded",
        headers=world.auth("admin"),
    )
    assert len(listed.json()["items"]) == 2
