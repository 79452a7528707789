"""Changes to subscriptions and deliveries, by people (API) and by the sender (worker).

Commands never commit; the request or job boundary does. Deliveries they make due are noted
on the session (``doorbell.note_due``) for the boundary to ring after its commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, events
from shared.auth import Actor, Role
from shared.db import uuid7
from shared.errors import Conflict
from shared.webhook import doorbell, signing, targets
from shared.webhook.feed import message_id, new_delivery, serialise
from shared.webhook.models import WebhookDelivery, WebhookSubscription

ROTATION_OVERLAP = timedelta(hours=24)
_ENTITY = "webhook_subscription"


async def create_subscription(
    session: AsyncSession,
    actor: Actor,
    values: dict[str, Any],
    *,
    secret_key: str,
    allow_private: bool,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (the only time the secret leaves the server)."""
    await targets.check_registration(values["url"], allow_private=allow_private)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        url=values["url"],
        description=values.get("description", ""),
        event_types=values["event_types"],
        status="active",
        secret=signing.seal(secret_key, secret),
        owner_key_id=actor.id if actor.role is Role.integrator else None,
    )
    session.add(subscription)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=_ENTITY,
        entity_id=subscription.id,
        action="created",
        changes={k: values[k] for k in ("url", "event_types", "description") if k in values},
    )
    return subscription, secret


async def update_subscription(
    session: AsyncSession,
    actor: Actor,
    subscription: WebhookSubscription,
    values: dict[str, Any],
    *,
    allow_private: bool,
) -> WebhookSubscription:
    values = {k: v for k, v in values.items() if v is not None}
    if "url" in values:
        await targets.check_registration(values["url"], allow_private=allow_private)
    for field, value in values.items():
        setattr(subscription, field, value)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=_ENTITY,
        entity_id=subscription.id,
        action="updated",
        changes=values,
    )
    return subscription


async def delete_subscription(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription
) -> None:
    """Deletes it with its deliveries and attempts; the events stay in the feed."""
    audit.record(session, actor, entity_type=_ENTITY, entity_id=subscription.id, action="deleted")
    await session.delete(subscription)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription, *, secret_key: str
) -> tuple[WebhookSubscription, str]:
    """A new secret; the old one keeps signing beside it for 24 h so receivers can switch."""
    secret = signing.new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = clock.now() + ROTATION_OVERLAP
    subscription.secret = signing.seal(secret_key, secret)
    await session.flush()
    audit.record(
        session, actor, entity_type=_ENTITY, entity_id=subscription.id, action="secret_rotated"
    )
    return subscription, secret


async def enable(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription
) -> WebhookSubscription:
    """Re-enable: the failure clock starts again and waiting deliveries resume."""
    if subscription.status == "active":
        return subscription
    subscription.status = "active"
    subscription.disabled_reason = None
    subscription.failing_since = None
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=_ENTITY,
        entity_id=subscription.id,
        action="enabled",
        from_state="disabled",
        to_state="active",
    )
    due = await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.next_attempt_at)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == "pending",
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(100)
    )
    for delivery_id, attempts, next_attempt_at in due:
        doorbell.note_due(session, delivery_id, attempts + 1, next_attempt_at or clock.now())
    return subscription


async def send_test(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription
) -> WebhookDelivery:
    """Record a ``webhook.test`` event and deliver it to this subscription only, now."""
    if subscription.status != "active":
        raise Conflict("The subscription is disabled; enable it before testing.")
    # emit() numbers events per subject: hold the subject's row while it does.
    await session.execute(
        select(WebhookSubscription.id)
        .where(WebhookSubscription.id == subscription.id)
        .with_for_update()
    )
    event = await events.emit(
        session,
        organisation_id=subscription.organisation_id,
        type="webhook.test",
        subject_type=_ENTITY,
        subject_id=subscription.id,
        message="Tongxin webhook test (同心推送测试)",
    )
    delivery = new_delivery(session, event, subscription.id, serialise(event))
    await session.flush()
    audit.record(session, actor, entity_type=_ENTITY, entity_id=subscription.id, action="tested")
    return delivery


def _replay(session: AsyncSession, delivery: WebhookDelivery, due: datetime) -> None:
    if delivery.status != "pending":
        delivery.status = "pending"
        delivery.attempts_before_replay = delivery.attempts
        delivery.finished_at = None
    delivery.next_attempt_at = due
    doorbell.note_due(session, delivery.id, delivery.attempts + 1, due)


async def redeliver(
    session: AsyncSession, actor: Actor, delivery: WebhookDelivery
) -> WebhookDelivery:
    """Send this event to this subscription again, now (same webhook-id, same body)."""
    _replay(session, delivery, clock.now())
    await session.flush()
    audit.record(
        session, actor, entity_type="webhook_delivery", entity_id=delivery.id, action="redelivered"
    )
    return delivery


async def recover(
    session: AsyncSession, actor: Actor, subscription: WebhookSubscription, since: datetime
) -> int:
    """Redeliver every failed delivery of the subscription made since ``since``, oldest first."""
    failed = await session.scalars(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == "failed",
            WebhookDelivery.created_at >= since,
        )
        .order_by(WebhookDelivery.id)
    )
    now = clock.now()
    count = 0
    for count, delivery in enumerate(failed, start=1):
        # Claims go in next_attempt_at order: a microsecond apart keeps oldest first.
        _replay(session, delivery, now + timedelta(microseconds=count))
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=_ENTITY,
        entity_id=subscription.id,
        action="recovered",
        changes={"since": since.isoformat(), "redelivered": count},
    )
    return count


# --- the sender's changes (worker, as the system actor) --------------------------------------


async def disable(
    session: AsyncSession, subscription: WebhookSubscription, reason: str
) -> events.Event:
    """Stop delivering to a receiver that said 410 Gone or has failed for days."""
    subscription.status = "disabled"
    subscription.disabled_reason = reason
    await session.flush()
    audit.record(
        session,
        Actor.system(subscription.organisation_id),
        entity_type=_ENTITY,
        entity_id=subscription.id,
        action="disabled",
        from_state="active",
        to_state="disabled",
        comment=reason,
    )
    return await events.emit(
        session,
        organisation_id=subscription.organisation_id,
        type="webhook.subscription_disabled",
        subject_type=_ENTITY,
        subject_id=subscription.id,
        state="disabled",
        reason=reason,
        failing_since=subscription.failing_since,
    )


async def report_exhausted(session: AsyncSession, delivery: WebhookDelivery) -> events.Event:
    return await events.emit(
        session,
        organisation_id=delivery.organisation_id,
        type="webhook.delivery_exhausted",
        subject_type="webhook_delivery",
        subject_id=delivery.id,
        state="failed",
        subscription_id=delivery.subscription_id,
        event_id=message_id(delivery.event_id),
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
    )
