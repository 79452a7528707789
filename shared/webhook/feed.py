"""What the relay does with every event: give it its feed position and fan it out to subscriptions.

Both run inside the relay's transaction, after the event itself has committed. Why positions
are handed out here and not at insert: an event's UUIDv7 id is taken when the change is made,
so a transaction that commits late can add an id below one a reader has already passed. The
relay numbers events only once they are committed, under a per-organisation lock row held to
its own commit, so positions appear in increasing order and a cursor never skips one: a second
relay waiting on the row goes on only once the first's commit is visible (PostgreSQL publishes
a commit before it releases the transaction's locks), and a relay that rolls back takes its
increment of the head with it, leaving no gap. tests/webhooks/test_feed.py forces both.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.db import uuid7
from shared.events import Event
from shared.webhook import catalog, doorbell
from shared.webhook.models import FeedEntry, FeedHead, WebhookDelivery, WebhookSubscription

# Sent only to the one subscription being tested, never fanned out.
TARGETED_TYPES = frozenset({"webhook.test"})


def message_id(event_id: uuid.UUID) -> str:
    """``evt_<hex>``: the envelope id and the ``webhook-id`` header (no ``.`` in it, as the
    signature scheme requires)."""
    return f"evt_{event_id.hex}"


def envelope(event: Event) -> dict[str, Any]:
    return {
        "id": message_id(event.id),
        "type": event.type,
        "timestamp": clock.as_utc(event.occurred_at).isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }


def serialise(event: Event) -> str:
    """The minified body, made once per delivery and sent byte for byte on every attempt."""
    return json.dumps(envelope(event), separators=(",", ":"), ensure_ascii=False)


async def assign_position(session: AsyncSession, event: Event) -> int:
    """Number the event in its organisation's feed; the head row stays locked to the commit."""
    head = await _locked_head(session, event.organisation_id)
    if head is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(FeedHead)
            .values(organisation_id=event.organisation_id, last_position=0)
            .on_conflict_do_nothing()
        )
        head = await _locked_head(session, event.organisation_id)
        assert head is not None
    head.last_position += 1
    session.add(
        FeedEntry(
            event_id=event.id,
            organisation_id=event.organisation_id,
            position=head.last_position,
            type=event.type,
        )
    )
    await session.flush()
    return head.last_position


async def _locked_head(session: AsyncSession, organisation_id: uuid.UUID) -> FeedHead | None:
    head: FeedHead | None = await session.scalar(
        select(FeedHead)
        .where(FeedHead.organisation_id == organisation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return head


def new_delivery(
    session: AsyncSession, event: Event, subscription_id: uuid.UUID, body: str
) -> WebhookDelivery:
    now = clock.now()
    delivery = WebhookDelivery(
        id=uuid7(),
        organisation_id=event.organisation_id,
        subscription_id=subscription_id,
        event_id=event.id,
        event_type=event.type,
        body=body,
        status="pending",
        attempts=0,
        attempts_before_replay=0,
        next_attempt_at=now,
    )
    session.add(delivery)
    doorbell.note_due(session, delivery.id, 1, now)
    return delivery


async def fan_out(session: AsyncSession, event: Event) -> list[WebhookDelivery]:
    """One delivery per active subscription that wants this type; never two for the same pair
    (re-running finds the existing rows; the unique constraint is the backstop)."""
    if event.type in TARGETED_TYPES:
        return []
    subscriptions = await session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.organisation_id == event.organisation_id,
            WebhookSubscription.status == "active",
        )
    )
    targets = [s.id for s in subscriptions if catalog.wanted(s.event_types, event.type)]
    if not targets:
        return []
    existing = set(
        await session.scalars(
            select(WebhookDelivery.subscription_id).where(WebhookDelivery.event_id == event.id)
        )
    )
    body = serialise(event)
    created = [new_delivery(session, event, s, body) for s in targets if s not in existing]
    await session.flush()
    return created
