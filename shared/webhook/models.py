"""Webhook tables: subscriptions, one delivery per (event, subscription), one attempt per try;
and the event feed's positions (the order in which events became visible)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, Keyed, Tenant, Versioned


class WebhookSubscription(Keyed, Tenant, Versioned, Base):
    """An integrator's endpoint (推送订阅). Secrets are stored encrypted, never in clear."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        CheckConstraint("status IN ('active','disabled')", name="status"),
        Index("ix_webhook_subscriptions_active", "organisation_id", "status"),
        Index("ix_webhook_subscriptions_org_id", "organisation_id", "id"),
    )

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(20), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(20))
    failing_since: Mapped[datetime | None]
    secret: Mapped[str] = mapped_column(String(500))
    previous_secret: Mapped[str | None] = mapped_column(String(500))
    previous_secret_expires_at: Mapped[datetime | None]
    # The API key that created it: an integrator sees only its own subscriptions.
    owner_key_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class WebhookDelivery(Keyed, Tenant, Versioned, Base):
    """One event for one subscription. ``body`` is serialised once, so every attempt and every
    replay sends the same bytes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        CheckConstraint("status IN ('pending','succeeded','failed')", name="status"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "status", "id"),
        Index("ix_webhook_deliveries_org_id", "organisation_id", "id"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts made before the last redeliver/recover: the retry schedule restarts there.
    attempts_before_replay: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    lease_token: Mapped[uuid.UUID | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None]


class WebhookAttempt(Keyed, Base):
    """One try: reserved (``in_flight``) when claimed, completed when the answer is in."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        UniqueConstraint("delivery_id", "number"),
        CheckConstraint("status IN ('in_flight','succeeded','failed')", name="status"),
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="in_flight")
    duration_ms: Mapped[int | None]
    status_code: Mapped[int | None]
    error_class: Mapped[str | None] = mapped_column(String(50))
    response_body: Mapped[str | None] = mapped_column(Text)


class FeedEntry(Base):
    """An event's place in its organisation's feed, given by the relay after the event committed.

    Positions are handed out under the organisation's ``FeedHead`` row lock, held until the
    relay's commit, so they become visible in increasing order: a reader that has seen position
    ``n`` can never later find a committed position below ``n``."""

    __tablename__ = "event_feed"
    __table_args__ = (
        UniqueConstraint("organisation_id", "position"),
        Index("ix_event_feed_type", "organisation_id", "type", "position"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(100))


class FeedHead(Base):
    """The last position given out in an organisation's feed (the lock row)."""

    __tablename__ = "event_feed_heads"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
