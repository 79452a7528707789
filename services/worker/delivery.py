"""The webhook sender: claim a due delivery, POST it with no transaction open, record the answer.

1. Claim (a short transaction): ``FOR UPDATE SKIP LOCKED`` on a due delivery whose lease is
   free, reserve the next attempt number (an ``in_flight`` attempt row, unique per delivery),
   take a lease token valid for ``webhook_lease``; commit.
2. Send: vet the URL's addresses again (DNS rebinding), connect to the vetted address, sign
   with every active secret, keep 4 KiB of the answer. No database connection is held.
3. Record (a new transaction): only if the delivery still carries our lease token; otherwise the
   lease ran out and another worker owns the delivery now.

A worker killed between 1 and 3 leaves its lease to expire; the next claim closes that attempt
as ``worker_lost`` and makes a new one. The lease outlives the longest send, so two workers
never send the same attempt.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import clock
from shared.config import Settings, get_settings
from shared.db import serialises_writers, uuid7
from shared.events import Waker, take_wakeups
from shared.webhook import doorbell, metrics, outcomes, retries, signing, targets
from shared.webhook.feed import message_id
from shared.webhook.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

log = logging.getLogger("tongxin.webhooks")

RESPONSE_KEPT = 4096
USER_AGENT = "Tongxin-Webhooks/1 (+https://www.standardwebhooks.com)"


@dataclass(frozen=True)
class Policy:
    secret_key: str
    allow_private: bool
    timeout: float
    connect_timeout: float
    lease: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            secret_key=settings.secret,
            allow_private=settings.webhook_allow_private_targets,
            timeout=settings.webhook_timeout.total_seconds(),
            connect_timeout=settings.webhook_connect_timeout.total_seconds(),
            lease=settings.webhook_lease,
        )


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    token: uuid.UUID
    number: int
    url: str
    body: bytes
    message_id: str
    secrets: list[str]
    subscription_failing: bool


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error_class: str | None = None
    detail: str | None = None
    body: str | None = None
    duration_ms: int = 0
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def label(self) -> str:
        if self.succeeded:
            return "succeeded"
        return self.error_class or "http_error"


class Sender:
    """One HTTP client per worker process (connections are reused between deliveries)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
            follow_redirects=False,  # a 3xx is a failure, never a hop to somewhere unvetted
            trust_env=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, claim: Claim) -> Outcome:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.policy.timeout):
                target = await targets.vet(claim.url, allow_private=self.policy.allow_private)
                outcome = await self._post(claim, target)
        except targets.BlockedTarget as exc:
            log.warning("blocked_ip: delivery %s refused: %s", claim.delivery_id, exc)
            outcome = Outcome(error_class="blocked_ip", detail=str(exc))
        except (TimeoutError, httpx.TimeoutException):
            outcome = Outcome(error_class="timeout", detail="no complete answer in time")
        except httpx.ConnectError as exc:
            outcome = Outcome(error_class="connect_error", detail=str(exc)[:200])
        except httpx.HTTPError as exc:
            outcome = Outcome(error_class=type(exc).__name__, detail=str(exc)[:200])
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(**{**outcome.__dict__, "duration_ms": elapsed})

    async def _post(self, claim: Claim, target: targets.Target) -> Outcome:
        url = httpx.URL(claim.url)
        # Connect to the address we vetted, while Host and TLS (SNI, certificate) name the host.
        pinned = url.copy_with(host=str(target.address))
        # The receiver checks this against its own clock (±5 min): real time, not shared.clock.
        timestamp = int(time.time())
        headers = {
            "host": url.netloc.decode("ascii"),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": claim.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header(
                claim.message_id, timestamp, claim.body, claim.secrets
            ),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self.client.build_request(
            "POST", pinned, content=claim.body, headers=headers, extensions=extensions
        )
        response = await self.client.send(request, stream=True)
        try:
            kept = bytearray()
            async for chunk in response.aiter_raw():
                kept += chunk
                if len(kept) >= RESPONSE_KEPT:
                    break
        finally:
            await response.aclose()
        return Outcome(
            status_code=response.status_code,
            body=bytes(kept[:RESPONSE_KEPT]).decode("utf-8", "replace"),
            retry_after=retries.parse_retry_after(response.headers.get("retry-after")),
        )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: Policy,
    delivery_id: uuid.UUID | None = None,
    attempt: int | None = None,
) -> Claim | None:
    """Reserve the next attempt of the earliest due delivery (or of the given one)."""
    now = clock.now()
    stmt = (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
            WebhookSubscription.status == "active",
        )
    )
    if delivery_id is not None:
        stmt = stmt.where(WebhookDelivery.id == delivery_id)
    if attempt is not None:  # a doorbell for an attempt already made is stale
        stmt = stmt.where(WebhookDelivery.attempts < attempt)
    stmt = stmt.order_by(WebhookDelivery.next_attempt_at).limit(1)
    async with sessionmaker() as session:
        row = (
            await session.execute(stmt.with_for_update(skip_locked=True, of=WebhookDelivery))
        ).first()
        if row is None:
            return None
        delivery, subscription = row[0], row[1]
        if delivery.lease_token is not None:
            await _close_attempt(session, delivery, status="failed", error_class="worker_lost")
        delivery.attempts += 1
        delivery.lease_token = uuid.uuid4()
        delivery.locked_until = now + policy.lease
        session.add(
            WebhookAttempt(
                id=uuid7(), delivery_id=delivery.id, number=delivery.attempts, started_at=now
            )
        )
        taken = Claim(
            delivery_id=delivery.id,
            token=delivery.lease_token,
            number=delivery.attempts,
            url=subscription.url,
            body=delivery.body.encode(),
            message_id=message_id(delivery.event_id),
            secrets=_active_secrets(subscription, policy.secret_key, now),
            subscription_failing=subscription.failing_since is not None,
        )
        await session.commit()
        return taken


def _active_secrets(subscription: WebhookSubscription, key: str, now: datetime) -> list[str]:
    secrets = [signing.unseal(key, subscription.secret)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        secrets.append(signing.unseal(key, subscription.previous_secret))
    return secrets


async def _close_attempt(
    session: AsyncSession,
    delivery: WebhookDelivery,
    outcome: Outcome | None = None,
    **values: object,
) -> None:
    if outcome is not None:
        values = {
            "status": "succeeded" if outcome.succeeded else "failed",
            "status_code": outcome.status_code,
            "error_class": outcome.error_class,
            "duration_ms": outcome.duration_ms,
            "response_body": outcome.body,
        }
    await session.execute(
        update(WebhookAttempt)
        .where(
            WebhookAttempt.delivery_id == delivery.id,
            WebhookAttempt.number == delivery.attempts,
            WebhookAttempt.status == "in_flight",
        )
        .values(**values)
    )


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    taken: Claim,
    outcome: Outcome,
) -> bool:
    """Store the attempt's outcome and what follows from it; False if the lease was lost."""
    now = clock.now()
    async with sessionmaker() as session:
        delivery = await session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == taken.delivery_id).with_for_update()
        )
        if delivery is None or delivery.lease_token != taken.token:
            log.warning(
                "delivery %s: lease lost before attempt %d was recorded",
                taken.delivery_id,
                taken.number,
            )
            metrics.ATTEMPTS.labels("lease_lost").inc()
            return False
        await _close_attempt(session, delivery, outcome)
        delivery.lease_token = None
        delivery.locked_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error_class or (
            None if outcome.succeeded else f"HTTP {outcome.status_code}"
        )
        if outcome.succeeded:
            await outcomes.succeeded(session, delivery, now, taken.subscription_failing)
        else:
            await outcomes.failed(session, delivery, now, outcome.status_code, outcome.retry_after)
        await session.commit()
    metrics.ATTEMPTS.labels(outcome.label).inc()
    await ring(session, waker)
    return True


async def ring(session: AsyncSession, waker: Waker | None) -> None:
    """After a commit: the outbox's doorbell and the deliveries'; a failed ring waits for the
    sweep."""
    events, timers = take_wakeups(session)
    due = doorbell.take_due(session)
    if waker is None:
        return
    try:
        if events or timers:
            await waker.wake(events, timers)
        await doorbell.ring(waker, due)
    except Exception:
        log.warning("wake-up failed; the sweep will pick the work up", exc_info=True)


async def deliver_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender,
    delivery_id: uuid.UUID | None = None,
    attempt: int | None = None,
) -> bool:
    """One attempt of one due delivery (the given one, else the earliest). False if none."""
    taken = await claim(sessionmaker, sender.policy, delivery_id, attempt)
    if taken is None:
        return False
    outcome = await sender.send(taken)
    await record(sessionmaker, waker, taken, outcome)
    return True


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender | None = None,
    *,
    limit: int = 500,
    concurrency: int = 10,
) -> int:
    """Send what is due, ``concurrency`` at a time: the sweep's way, whatever Redis lost.

    One pass per process at a time: sweeps that overlap (a slow pass, a tick every second)
    would otherwise pile up lanes that starve each other of database connections."""
    if id(sessionmaker) in _PASSES:
        return 0
    _PASSES.add(id(sessionmaker))
    try:
        return await _deliver_due(sessionmaker, waker, sender, limit, concurrency)
    finally:
        _PASSES.discard(id(sessionmaker))


_PASSES: set[int] = set()


async def _deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender | None,
    limit: int,
    concurrency: int,
) -> int:
    due = await next_due(sessionmaker)
    if due is None or due > clock.now():  # one read instead of a claim per lane
        return 0
    own = sender is None
    active = sender or Sender(Policy.from_settings(get_settings()))
    done = 0

    async def lane() -> None:
        nonlocal done
        while done < limit and await deliver_one(sessionmaker, waker, active):
            done += 1

    try:
        lanes = 1 if serialises_writers(sessionmaker) else concurrency
        await asyncio.gather(*(lane() for _ in range(lanes)))
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
