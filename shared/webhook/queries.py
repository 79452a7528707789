"""Reads of the webhook context, all tenant-scoped. An integrator's key sees only the
subscriptions it created (and their deliveries); an admin sees the organisation's."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, Role
from shared.errors import Invalid, NotFound
from shared.events import Event
from shared.pagination import Page, paginate
from shared.tenancy import one, scoped
from shared.webhook import catalog
from shared.webhook.feed import envelope
from shared.webhook.models import FeedEntry, WebhookAttempt, WebhookDelivery, WebhookSubscription


def visible_subscriptions(actor: Actor) -> Select[tuple[WebhookSubscription]]:
    stmt = scoped(WebhookSubscription, actor)
    if actor.role is Role.integrator:
        stmt = stmt.where(WebhookSubscription.owner_key_id == actor.id)
    return stmt


async def get_subscription(
    session: AsyncSession, actor: Actor, subscription_id: uuid.UUID
) -> WebhookSubscription:
    return await one(session, visible_subscriptions(actor), WebhookSubscription, subscription_id)


async def page_subscriptions(
    session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None
) -> Page[Any]:
    return await paginate(
        session, visible_subscriptions(actor), WebhookSubscription.id, limit=limit, cursor=cursor
    )


async def page_deliveries(
    session: AsyncSession,
    actor: Actor,
    subscription_id: uuid.UUID,
    *,
    state: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    subscription = await get_subscription(session, actor, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if state is not None:
        stmt = stmt.where(WebhookDelivery.status == state)
    return await paginate(session, stmt, WebhookDelivery.id, limit=limit, cursor=cursor)


async def get_delivery(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID
) -> WebhookDelivery:
    visible = visible_subscriptions(actor).with_only_columns(WebhookSubscription.id)
    found = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.organisation_id == actor.organisation_id,
            WebhookDelivery.subscription_id.in_(visible.scalar_subquery()),
        )
    )
    if found is None:
        raise NotFound(f"No webhook delivery with id {delivery_id}.")
    return found


async def attempts_of(session: AsyncSession, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.number)
    )
    return list(rows.all())


# --- the event feed --------------------------------------------------------------------------


def _encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(position.to_bytes(8, "big")).decode().rstrip("=")


def _decode_position(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Invalid("The cursor is not one this API issued.", loc=["query", "cursor"]) from exc
    if len(raw) != 8:
        raise Invalid("The cursor is not one this API issued.", loc=["query", "cursor"])
    return int.from_bytes(raw, "big")


async def feed_page(
    session: AsyncSession, actor: Actor, *, cursor: str | None, type: str | None, limit: int
) -> Page[dict[str, Any]]:
    """Envelopes after ``cursor`` in feed order (oldest first) and the cursor to resume from.

    Only relayed events have a position, so the feed trails the outbox by the relay's delay;
    in exchange it never skips an event that committed late. The returned cursor is the last
    position read (or the one given, when nothing new is there): keep it and poll again."""
    after = _decode_position(cursor) if cursor else 0
    stmt = (
        select(FeedEntry.position, Event)
        .join(Event, Event.id == FeedEntry.event_id)
        .where(FeedEntry.organisation_id == actor.organisation_id, FeedEntry.position > after)
    )
    if type is not None:
        try:
            catalog.check_patterns([type])
        except ValueError as exc:
            raise Invalid(str(exc), loc=["query", "type"]) from exc
        if type.endswith(".*"):
            stmt = stmt.where(FeedEntry.type.startswith(type[:-1], autoescape=True))
        elif type != "*":
            stmt = stmt.where(FeedEntry.type == type)
    rows = (await session.execute(stmt.order_by(FeedEntry.position).limit(limit))).all()
    last = rows[-1][0] if rows else after
    next_cursor = _encode_position(last) if last else None
    return Page(items=[envelope(event) for _, event in rows], next_cursor=next_cursor)
