"""The event feed under concurrency: a polling reader never skips or repeats an event, whatever
order transactions commit in and however many relays number them."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker import jobs
from shared import events
from shared.db import uuid7
from shared.webhook.models import FeedEntry, FeedHead
from tests.conftest import World

WRITERS = 4
TRANSACTIONS = 12  # per writer; every third one rolls back
READ_LIMIT = 7  # small pages, so the reader pages through while the relays work


async def add_event(
    session: AsyncSession, organisation_id: uuid.UUID, event_id: uuid.UUID | None = None
) -> events.Event:
    """An event in ``session``'s transaction; ``event_id`` stands for an id taken earlier, when
    the change it reports began."""
    event = await events.emit(
        session,
        organisation_id=organisation_id,
        type="supervision_case.reported",
        subject_type="supervision_case",
        subject_id=uuid7(),
        state="reported",
    )
    if event_id is not None:
        event.id = event_id
    return event


async def relay_all(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Until the outbox is empty: one ``relay`` pass stops after its limit."""
    while await jobs.relay(sessionmaker, None):
        pass


async def read(
    client: httpx.AsyncClient, world: World, cursor: str | None
) -> tuple[list[str], str | None]:
    query = f"?limit={READ_LIMIT}" + (f"&cursor={cursor}" if cursor else "")
    response = await client.get(f"/api/v1/events{query}", headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    page = response.json()
    return [item["id"] for item in page["items"]], page["next_cursor"]


def evt(event_id: uuid.UUID) -> str:
    return f"evt_{event_id.hex}"


async def test_feed_cursor_never_skips_an_event_that_committed_late(
    client: httpx.AsyncClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    """A change that began first (its event id is the older) commits only after a later change
    has been relayed and read past. On PostgreSQL the slow transaction really is open, its event
    written but invisible, while the other commits, the relay runs and the reader polls; SQLite
    admits one writer at a time, so there the slow change writes only after the other one has
    been read."""
    concurrent_writers = database_url.startswith("postgresql")
    early_id = uuid7()
    late_id = uuid.UUID(int=early_id.int - (1 << 80))  # the same id, one millisecond earlier
    async with AsyncExitStack() as stack:
        slow = await stack.enter_async_context(sessionmaker())
        if concurrent_writers:
            await add_event(slow, world.organisation_id, late_id)
            await slow.flush()  # in the table, uncommitted
        async with sessionmaker() as fast:
            await add_event(fast, world.organisation_id, early_id)
            await fast.commit()
        await relay_all(sessionmaker)  # on PostgreSQL it cannot see the late event yet
        ids, cursor = await read(client, world, None)
        assert ids[-1:] == [evt(early_id)] and cursor is not None
        if concurrent_writers:  # written, uncommitted: neither relayed nor shown
            assert await read(client, world, cursor) == ([], cursor)
        else:  # SQLite: a reader would wait on the writer's lock, so the slow change writes now
            await add_event(slow, world.organisation_id, late_id)
        await slow.commit()
    assert await read(client, world, cursor) == ([], cursor)  # committed, not yet relayed
    await relay_all(sessionmaker)
    ids, after = await read(client, world, cursor)
    assert ids == [evt(late_id)] and after != cursor
    assert late_id < early_id
    assert await positions(sessionmaker, [early_id, late_id]) == [
        await last_position(sessionmaker, world) - 1,
        await last_position(sessionmaker, world),
    ]


async def positions(
    sessionmaker: async_sessionmaker[AsyncSession], event_ids: list[uuid.UUID]
) -> list[int]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(FeedEntry.event_id, FeedEntry.position).where(FeedEntry.event_id.in_(event_ids))
        )
        found = {event_id: position for event_id, position in rows.tuples()}
    return [found[event_id] for event_id in event_ids]


async def last_position(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, default: int | None = None
) -> int:
    async with sessionmaker() as session:
        head = await session.get(FeedHead, world.organisation_id)
    if head is None and default is not None:
        return default
    assert head is not None
    return head.last_position


async def write(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    seed: int,
    committed: list[uuid.UUID],
) -> None:
    """Transactions of one or two events, some held open a moment after writing them (others
    commit meanwhile, so ids commit out of order); every third one rolls back."""
    chance = random.Random(seed)
    for number in range(TRANSACTIONS):
        async with sessionmaker() as session:
            made = [
                await add_event(session, world.organisation_id) for _ in range(chance.randint(1, 2))
            ]
            await session.flush()
            await asyncio.sleep(chance.choice((0, 0, 0.002, 0.02)))
            if number % 3 == 2:
                await session.rollback()
            else:
                await session.commit()
                committed.extend(event.id for event in made)
        await asyncio.sleep(0)


async def keep_relaying(
    sessionmaker: async_sessionmaker[AsyncSession], writing: asyncio.Event
) -> None:
    while writing.is_set():
        await jobs.relay(sessionmaker, None)
        await asyncio.sleep(0.002)
    await relay_all(sessionmaker)


async def lag(
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    committed: list[uuid.UUID],
    behind: int,
) -> None:
    """A transaction that writes its event first and commits only once ``behind`` later events
    have been numbered (PostgreSQL: writers do not wait for each other there)."""
    start = await last_position(sessionmaker, world, default=0)
    async with sessionmaker() as session:
        event = await add_event(session, world.organisation_id)
        await session.flush()
        while await last_position(sessionmaker, world, default=0) < start + behind:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        await session.commit()
    committed.append(event.id)


async def test_a_polling_reader_gets_every_committed_event_once_in_order(
    client: httpx.AsyncClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    """Several writers committing out of id order, two relays numbering concurrently, and a
    reader polling the feed throughout: what it read is the committed set in feed order, with
    no gap and no repeat. On PostgreSQL two laggards commit only after later events were
    numbered, so some ids certainly commit late."""
    laggards = 2 if database_url.startswith("postgresql") else 0
    committed: list[uuid.UUID] = []
    seen: list[str] = []
    writing = asyncio.Event()
    writing.set()
    cursor: str | None = None

    async def poll_until(done: asyncio.Future[object]) -> None:
        nonlocal cursor
        while True:
            finished = done.done()
            ids, cursor = await read(client, world, cursor)
            seen.extend(ids)
            if finished and not ids:
                return
            if not ids:
                await asyncio.sleep(0.002)

    async with asyncio.timeout(240):  # a bound against a hang, not a measurement
        relays = asyncio.gather(*(keep_relaying(sessionmaker, writing) for _ in range(2)))
        reader = asyncio.create_task(poll_until(relays))
        await asyncio.gather(
            *(write(sessionmaker, world, seed, committed) for seed in range(WRITERS)),
            *(lag(sessionmaker, world, committed, behind=5 * (n + 1)) for n in range(laggards)),
        )
        writing.clear()
        await relays
        await reader
    assert len(committed) > WRITERS * TRANSACTIONS / 2  # rollbacks took some, not most
    assert len(seen) == len(set(seen))  # no repeat
    assert set(seen) == {evt(event_id) for event_id in committed}  # nothing lost, nothing extra
    read_ids = [uuid.UUID(hex=i.removeprefix("evt_")) for i in seen]
    in_order = await positions(sessionmaker, read_ids)
    assert in_order == list(range(1, len(seen) + 1))  # read in feed order, positions without gap
    late = sum(1 for before, after in itertools.pairwise(read_ids) if after < before)
    assert late >= min(laggards, 1)  # the feed order really differed from the id order


async def test_a_relay_rolled_back_after_numbering_leaves_no_gap(
    client: httpx.AsyncClient,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An observer failing after the event got its position: the relay rolls back, the head
    with it, and the retry gives the same position."""

    async def broken(session: AsyncSession, event: events.Event) -> None:
        raise RuntimeError("after the position was given")

    async with sessionmaker() as session:
        first = await add_event(session, world.organisation_id)
        await session.commit()
    await relay_all(sessionmaker)
    # After the webhook observer, which numbered the event (the relay's own copy of the list).
    monkeypatch.setattr(jobs, "EVENT_OBSERVERS", [*jobs.EVENT_OBSERVERS, broken])
    async with sessionmaker() as session:
        second = await add_event(session, world.organisation_id)
        await session.commit()
    await relay_all(sessionmaker)  # numbered, then rolled back and postponed
    assert await last_position(sessionmaker, world) == 1
    monkeypatch.undo()
    async with sessionmaker() as session:
        await session.execute(
            update(events.Event).where(events.Event.id == second.id).values(relay_after=None)
        )
        await session.commit()
    await relay_all(sessionmaker)
    assert await positions(sessionmaker, [first.id, second.id]) == [1, 2]
    ids, _ = await read(client, world, None)
    assert ids == [evt(first.id), evt(second.id)]
