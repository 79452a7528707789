"""The webhook sender: claim due deliveries, POST them with no transaction open, record the answers.

Deliveries travel in batches of up to ``BATCH``: one transaction claims them, their requests go
out together, one transaction records every answer. Per batch:

1. Claim (a short transaction): ``FOR UPDATE SKIP LOCKED`` on due deliveries whose lease is
   free, reserve each one's next attempt number (an ``in_flight`` attempt row, unique per
   delivery), stamp them with the claim's lease token, valid for ``webhook_lease``; commit.
2. Send (``services.worker.sender``): sign with every active secret and POST, keeping 4 KiB of
   each answer. No database connection is held.
3. Record (a new transaction): each answer only if its delivery still carries the claim's token;
   otherwise the lease ran out and another worker owns the delivery now.

A worker killed between 1 and 3 leaves its lease to expire; the next claim closes that attempt
as ``worker_lost`` and makes a new one. The lease outlives the longest send, so two workers
never send the same attempt.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker.sender import Claim, Outcome, Policy, Sender
from shared import clock
from shared.config import get_settings
from shared.db import serialises_writers, uuid7
from shared.events import Waker, commit_and_ring
from shared.webhook import metrics, outcomes, signing
from shared.webhook.feed import message_id
from shared.webhook.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

log = logging.getLogger("tongxin.webhooks")

# Deliveries claimed, sent and recorded together: two transactions per batch, not per delivery.
BATCH = 50


def _claimable(now: datetime) -> Any:
    """Pending deliveries of active subscriptions, due, with no live lease."""
    return (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
            WebhookSubscription.status == "active",
        )
    )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: Policy,
    wanted: Mapping[uuid.UUID, int] | None = None,
    limit: int = BATCH,
) -> list[Claim]:
    """Reserve the next attempt of up to ``limit`` due deliveries, earliest first; with
    ``wanted`` (delivery → the attempt a doorbell rang for) only those, and only if that attempt
    is still to be made (a doorbell for an attempt already made is stale)."""
    now = clock.now()
    stmt = _claimable(now)
    if wanted is not None:
        stmt = stmt.where(WebhookDelivery.id.in_(list(wanted)))
    stmt = stmt.order_by(WebhookDelivery.next_attempt_at).limit(limit)
    async with sessionmaker() as session:
        rows = (
            await session.execute(stmt.with_for_update(skip_locked=True, of=WebhookDelivery))
        ).all()
        token, claims = uuid.uuid4(), []
        secrets: dict[uuid.UUID, list[str]] = {}
        for delivery, subscription in rows:
            if wanted is not None and delivery.attempts >= wanted[delivery.id]:
                continue
            if delivery.lease_token is not None:
                await _close_attempt(session, delivery, status="failed", error_class="worker_lost")
            delivery.attempts += 1
            delivery.lease_token = token
            delivery.locked_until = now + policy.lease
            attempt = WebhookAttempt(
                id=uuid7(), delivery_id=delivery.id, number=delivery.attempts, started_at=now
            )
            session.add(attempt)
            if subscription.id not in secrets:
                secrets[subscription.id] = _active_secrets(subscription, policy.secret_key, now)
            claims.append(
                Claim(
                    delivery_id=delivery.id,
                    attempt_id=attempt.id,
                    token=token,
                    number=delivery.attempts,
                    url=subscription.url,
                    body=delivery.body.encode(),
                    message_id=message_id(delivery.event_id),
                    secrets=secrets[subscription.id],
                    subscription_failing=subscription.failing_since is not None,
                )
            )
        await session.commit()
    return claims


def _active_secrets(subscription: WebhookSubscription, key: str, now: datetime) -> list[str]:
    secrets = [signing.unseal(key, subscription.secret)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        secrets.append(signing.unseal(key, subscription.previous_secret))
    return secrets


async def _close_attempt(
    session: AsyncSession, delivery: WebhookDelivery, **values: object
) -> None:
    await session.execute(
        update(WebhookAttempt)
        .where(
            WebhookAttempt.delivery_id == delivery.id,
            WebhookAttempt.number == delivery.attempts,
            WebhookAttempt.status == "in_flight",
        )
        .values(**values)
    )


def _closing(taken: Claim, outcome: Outcome) -> dict[str, Any]:
    """The attempt row's final values (an ORM bulk UPDATE by primary key)."""
    return {
        "id": taken.attempt_id,
        "status": "succeeded" if outcome.succeeded else "failed",
        "status_code": outcome.status_code,
        "error_class": outcome.error_class,
        "duration_ms": outcome.duration_ms,
        "response_body": outcome.body,
    }


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    answered: list[tuple[Claim, Outcome]],
) -> int:
    """Store each attempt's outcome and what follows from it, in one transaction; returns how
    many were stored (an answer whose lease was lost is dropped: its delivery is another
    worker's now)."""
    if not answered:
        return 0
    now = clock.now()
    by_delivery = {taken.delivery_id: (taken, outcome) for taken, outcome in answered}
    async with sessionmaker() as session:
        locked = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.id.in_(list(by_delivery)))
            .order_by(WebhookDelivery.id)
            .with_for_update()
        )
        kept = []
        for delivery in locked:
            taken, outcome = by_delivery[delivery.id]
            if delivery.lease_token != taken.token:
                log.warning(
                    "delivery %s: lease lost before attempt %d was recorded",
                    taken.delivery_id,
                    taken.number,
                )
                metrics.ATTEMPTS.labels("lease_lost").inc()
                continue
            kept.append((delivery, taken, outcome))
        if kept:
            await session.execute(update(WebhookAttempt), [_closing(t, o) for _, t, o in kept])
        for delivery, taken, outcome in kept:
            delivery.lease_token = None
            delivery.locked_until = None
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error_class or (
                None if outcome.succeeded else f"HTTP {outcome.status_code}"
            )
            if outcome.succeeded:
                await outcomes.succeeded(session, delivery, now, taken.subscription_failing)
            else:
                await outcomes.failed(
                    session, delivery, now, outcome.status_code, outcome.retry_after
                )
        await commit_and_ring(session, waker)
    for _, _, outcome in kept:
        metrics.ATTEMPTS.labels(outcome.label).inc()
    return len(kept)


async def deliver_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender,
    wanted: Mapping[uuid.UUID, int] | None = None,
) -> int:
    """Claim, send and record one batch (the ``wanted`` deliveries, else the earliest due);
    returns how many were sent."""
    claims = await claim(sessionmaker, sender.policy, wanted)
    if not claims:
        return 0
    await record(sessionmaker, waker, await sender.send_all(claims))
    return len(claims)


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender | None = None,
    *,
    limit: int = 500,
    lanes: int = 4,
) -> int:
    """Send what is due, batch after batch in ``lanes`` at a time: the sweep's way, whatever
    Redis lost.

    One pass per process at a time: sweeps that overlap (a slow pass, a tick every second)
    would otherwise pile up lanes that starve each other of database connections."""
    if id(sessionmaker) in _PASSES:
        return 0
    _PASSES.add(id(sessionmaker))
    try:
        return await _deliver_due(sessionmaker, waker, sender, limit, lanes)
    finally:
        _PASSES.discard(id(sessionmaker))


_PASSES: set[int] = set()


async def _deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender | None,
    limit: int,
    lanes: int,
) -> int:
    due = await next_due(sessionmaker)
    if due is None or due > clock.now():  # one read instead of a claim per lane
        return 0
    own = sender is None
    active = sender or Sender(Policy.from_settings(get_settings()))
    done = 0

    async def lane() -> None:
        nonlocal done
        while done < limit and (sent := await deliver_batch(sessionmaker, waker, active)):
            done += sent

    try:
        await asyncio.gather(
            *(lane() for _ in range(1 if serialises_writers(sessionmaker) else lanes))
        )
    finally:
        if own:
            await active.aclose()
    return done


async def next_due(sessionmaker: async_sessionmaker[AsyncSession]) -> datetime | None:
    """When the next claimable delivery falls due (paused and in-flight ones excluded)."""
    now = clock.now()
    async with sessionmaker() as session:
        due: datetime | None = await session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at))
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookSubscription.status == "active",
                or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
            )
        )
        return None if due is None else clock.as_utc(due)


async def refresh_metrics(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await metrics.refresh(session)
