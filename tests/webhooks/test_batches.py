"""Deliveries travel in batches: claimed together, sent together, recorded together. A batch
must behave exactly like that many single deliveries: each sent once, each answer recorded
only by the claim that still holds its lease, stale doorbells ignored."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker import delivery
from services.worker.arq_app import delivery_batches
from services.worker.sender import Sender
from shared import clock
from tests.conftest import World
from tests.webhooks.conftest import (
    Receiver,
    Reply,
    attempts_of,
    deliveries_of,
    emit,
    policy,
    subscribe,
    sweep,
)


def test_doorbells_group_by_due_time_in_batches() -> None:
    now = clock.now()
    later = now + timedelta(minutes=5)
    now_ids = [uuid.uuid4() for _ in range(delivery.BATCH + 3)]
    later_id = uuid.uuid4()
    rings = [(i, 1, now) for i in now_ids] + [(later_id, 2, later)]
    batches = delivery_batches(rings, now)
    assert [(due, len(batch)) for due, batch in batches] == [
        (None, delivery.BATCH),
        (None, 3),
        (later, 1),
    ]
    assert [i for _, batch in batches[:2] for i, _ in batch] == now_ids
    assert batches[2][1] == [(later_id, 2)]


async def test_more_than_a_batch_is_sent_once_each(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    count = delivery.BATCH * 2 + 7
    for _ in range(count):
        await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    assert len(receiver.requests) == count
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == count
    receiver.verify_all(sub["secret"])
    deliveries = await deliveries_of(sessionmaker, sub["id"])
    assert {(d.status, d.attempts, d.lease_token) for d in deliveries} == {("succeeded", 1, None)}
    for d in deliveries[:: delivery.BATCH // 2]:
        [attempt] = await attempts_of(sessionmaker, d.id)
        assert (attempt.status, attempt.status_code) == ("succeeded", 200)


async def test_answers_of_a_claim_whose_lease_ran_out_are_dropped(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    """A worker that stalls past its lease must not overwrite what the next worker did."""
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(500)] * 3
    for _ in range(3):
        await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)  # first attempts fail; the retries fall due in ~5 s
    clock.advance(timedelta(seconds=7))
    # Only this test's deliveries (other tests leave theirs in the same database).
    ours = {d.id: 2 for d in await deliveries_of(sessionmaker, sub["id"])}
    stalled = await delivery.claim(sessionmaker, policy(lease=60), ours)
    assert len(stalled) == 3
    clock.advance(timedelta(seconds=61))
    taken = await delivery.claim(sessionmaker, policy(lease=60), {i: 3 for i in ours})
    assert {c.delivery_id for c in taken} == {c.delivery_id for c in stalled}
    assert await delivery.record(sessionmaker, None, await sender.send_all(stalled)) == 0
    assert await delivery.record(sessionmaker, None, await sender.send_all(taken)) == 3
    for d in await deliveries_of(sessionmaker, sub["id"]):
        attempts = await attempts_of(sessionmaker, d.id)
        assert [(a.number, a.status, a.error_class) for a in attempts] == [
            (1, "failed", None),
            (2, "failed", "worker_lost"),
            (3, "succeeded", None),
        ]
        assert d.status == "succeeded" and d.lease_token is None


async def test_a_doorbell_for_an_attempt_already_made_sends_nothing(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: Sender,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    await emit(sessionmaker, world.organisation_id)
    await sweep(sessionmaker, sender)
    [done] = await deliveries_of(sessionmaker, sub["id"])
    assert await delivery.deliver_batch(sessionmaker, None, sender, {done.id: 1}) == 0
    assert len(receiver.requests) == 1


async def test_a_literal_private_address_is_refused_at_send_time(
    local: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Registered where private targets are allowed, sent by a worker where they are not."""
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    await emit(sessionmaker, world.organisation_id)
    strict = Sender(policy(allow_private=False))
    try:
        await sweep(sessionmaker, strict)
    finally:
        await strict.aclose()
    assert receiver.requests == []
    [d] = await deliveries_of(sessionmaker, sub["id"])
    [attempt] = await attempts_of(sessionmaker, d.id)
    assert attempt.error_class == "blocked_ip"
