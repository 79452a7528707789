"""What follows from an attempt's answer: the delivery's next step and the subscription's health.

Run by the sender inside the transaction that records the attempt, under the delivery's row lock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.webhook import commands, doorbell, metrics, retries
from shared.webhook.models import WebhookDelivery, WebhookSubscription


async def succeeded(
    session: AsyncSession, delivery: WebhookDelivery, now: datetime, subscription_failing: bool
) -> None:
    """A 2xx: the delivery is done and the subscription's failure clock stops."""
    delivery.status = "succeeded"
    delivery.next_attempt_at = None
    delivery.finished_at = now
    if subscription_failing:
        subscription = await locked_subscription(session, delivery.subscription_id)
        if subscription is not None:
            subscription.failing_since = None


async def failed(
    session: AsyncSession,
    delivery: WebhookDelivery,
    now: datetime,
    status_code: int | None,
    retry_after: timedelta | None,
) -> None:
    """Anything else: retry on the schedule or give up (``webhook.delivery_exhausted``); a 410,
    or five days with no success, disables the subscription (``webhook.subscription_disabled``)."""
    subscription = await locked_subscription(session, delivery.subscription_id)
    assert subscription is not None  # the delivery row would have gone with it (cascade)
    if subscription.failing_since is None:
        subscription.failing_since = now
    delay = retries.delay_after(delivery.attempts - delivery.attempts_before_replay, retry_after)
    if delay is None:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        delivery.finished_at = now
        await commands.report_exhausted(session, delivery)
        metrics.EXHAUSTED.inc()
    else:
        delivery.next_attempt_at = now + delay
        doorbell.note_due(session, delivery.id, delivery.attempts + 1, delivery.next_attempt_at)
    if subscription.status != "active":
        return
    reason = None
    if status_code == 410:
        reason = "gone"
    elif now - subscription.failing_since >= retries.FAILING_LIMIT:
        reason = "failing"
    if reason is not None:
        await commands.disable(session, subscription, reason)
        metrics.DISABLED.labels(reason).inc()


async def locked_subscription(
    session: AsyncSession, subscription_id: uuid.UUID
) -> WebhookSubscription | None:
    found: WebhookSubscription | None = await session.scalar(
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .with_for_update()
    )
    return found
