"""Delivery metrics: counters where things happen, gauges recomputed from the database by each
sweep (so they are right whichever worker, or how many, did the work)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.events import Event
from shared.timers import Timer
from shared.webhook.models import WebhookDelivery, WebhookSubscription

ATTEMPTS = Counter(
    "tongxin_webhook_attempts_total",
    "Webhook delivery attempts by outcome (succeeded, http_error, timeout, blocked_ip, …)",
    ["outcome"],
)
EXHAUSTED = Counter(
    "tongxin_webhook_deliveries_exhausted_total", "Deliveries that failed their last retry"
)
DISABLED = Counter(
    "tongxin_webhook_disablings_total", "Subscriptions disabled, by reason", ["reason"]
)
OLDEST_EVENT_AGE = Gauge(
    "tongxin_outbox_oldest_pending_event_age_seconds", "Age of the oldest event not yet relayed"
)
OLDEST_TIMER_AGE = Gauge(
    "tongxin_oldest_due_timer_age_seconds", "How long the most overdue pending timer is late"
)
BACKLOG = Gauge(
    "tongxin_webhook_backlog", "Pending deliveries per subscription", ["subscription_id"]
)
DISABLED_NOW = Gauge("tongxin_webhook_subscriptions_disabled", "Subscriptions now disabled")
FAILED_NOW = Gauge("tongxin_webhook_deliveries_failed", "Deliveries that ran out of retries")


async def refresh(session: AsyncSession) -> None:
    now = clock.now()
    oldest_event = await session.scalar(
        select(func.min(Event.occurred_at)).where(Event.relayed_at.is_(None))
    )
    OLDEST_EVENT_AGE.set(_age(now, oldest_event))
    oldest_timer = await session.scalar(
        select(func.min(Timer.due_at)).where(Timer.state == "pending", Timer.due_at <= now)
    )
    OLDEST_TIMER_AGE.set(_age(now, oldest_timer))
    backlog = await session.execute(
        select(WebhookDelivery.subscription_id, func.count())
        .where(WebhookDelivery.status == "pending")
        .group_by(WebhookDelivery.subscription_id)
    )
    BACKLOG.clear()
    for subscription_id, count in backlog:
        BACKLOG.labels(str(subscription_id)).set(count)
    disabled = await session.scalar(
        select(func.count()).where(WebhookSubscription.status == "disabled")
    )
    DISABLED_NOW.set(disabled or 0)
    failed = await session.scalar(select(func.count()).where(WebhookDelivery.status == "failed"))
    FAILED_NOW.set(failed or 0)


def _age(now: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    return max((now - clock.as_utc(since)).total_seconds(), 0.0)
