"""webhooks: subscriptions, deliveries, attempts, event feed positions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:00:35.773418

Events relayed before the feed existed get their positions here, in id order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_feed_heads',
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('last_position', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_event_feed_heads_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_event_feed_heads'))
    )
    op.create_table('webhook_subscriptions',
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('disabled_reason', sa.String(length=20), nullable=True),
    sa.Column('failing_since', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('secret', sa.String(length=500), nullable=False),
    sa.Column('previous_secret', sa.String(length=500), nullable=True),
    sa.Column('previous_secret_expires_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('owner_key_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active','disabled')", name=op.f('ck_webhook_subscriptions_status')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_webhook_subscriptions_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    op.create_index('ix_webhook_subscriptions_active', 'webhook_subscriptions', ['organisation_id', 'status'], unique=False)
    op.create_index(op.f('ix_webhook_subscriptions_organisation_id'), 'webhook_subscriptions', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_webhook_subscriptions_owner_key_id'), 'webhook_subscriptions', ['owner_key_id'], unique=False)
    op.create_table('event_feed',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_feed_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_event_feed_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_feed')),
    sa.UniqueConstraint('organisation_id', 'position', name=op.f('uq_event_feed_organisation_id_position'))
    )
    op.create_index('ix_event_feed_type', 'event_feed', ['organisation_id', 'type', 'position'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('subscription_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempts_before_replay', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.Uuid(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('finished_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','succeeded','failed')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_webhook_deliveries_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_webhook_deliveries_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('event_id', 'subscription_id', name=op.f('uq_webhook_deliveries_event_id_subscription_id'))
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.create_index(op.f('ix_webhook_deliveries_organisation_id'), 'webhook_deliveries', ['organisation_id'], unique=False)
    op.create_index('ix_webhook_deliveries_subscription', 'webhook_deliveries', ['subscription_id', 'status', 'id'], unique=False)
    op.create_table('webhook_attempts',
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error_class', sa.String(length=50), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('in_flight','succeeded','failed')", name=op.f('ck_webhook_attempts_status')),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
    sa.UniqueConstraint('delivery_id', 'number', name=op.f('uq_webhook_attempts_delivery_id_number'))
    )
    op.execute(
        "INSERT INTO event_feed (event_id, organisation_id, position, type) "
        "SELECT id, organisation_id, ROW_NUMBER() OVER (PARTITION BY organisation_id ORDER BY id), type "
        "FROM events WHERE relayed_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO event_feed_heads (organisation_id, last_position) "
        "SELECT organisation_id, MAX(position) FROM event_feed GROUP BY organisation_id"
    )


def downgrade() -> None:
    op.drop_table('webhook_attempts')
    op.drop_index('ix_webhook_deliveries_subscription', table_name='webhook_deliveries')
    op.drop_index(op.f('ix_webhook_deliveries_organisation_id'), table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_event_feed_type', table_name='event_feed')
    op.drop_table('event_feed')
    op.drop_index(op.f('ix_webhook_subscriptions_owner_key_id'), table_name='webhook_subscriptions')
    op.drop_index(op.f('ix_webhook_subscriptions_organisation_id'), table_name='webhook_subscriptions')
    op.drop_index('ix_webhook_subscriptions_active', table_name='webhook_subscriptions')
    op.drop_table('webhook_subscriptions')
    op.drop_table('event_feed_heads')
