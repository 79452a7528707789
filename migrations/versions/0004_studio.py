"""studio context: studios, memberships, ratings, service activities, contact requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_requests',
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_contact_requests_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contact_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_requests'))
    )
    op.create_index('ix_contact_requests_client_created', 'contact_requests', ['client', 'created_at'], unique=False)
    op.create_index('ix_contact_requests_member', 'contact_requests', ['member_id', 'id'], unique=False)
    op.create_index(op.f('ix_contact_requests_organisation_id'), 'contact_requests', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_contact_requests_state'), 'contact_requests', ['state'], unique=False)
    op.create_table('studios',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Uuid(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('convener_member_id', sa.Uuid(), nullable=True),
    sa.Column('theme', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('studio','parlour','post')", name=op.f('ck_studios_kind')),
    sa.CheckConstraint('lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180', name=op.f('ck_studios_position')),
    sa.ForeignKeyConstraint(['convener_member_id'], ['members.id'], name=op.f('fk_studios_convener_member_id_members')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_studios_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_studios_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studios'))
    )
    op.create_index('ix_studios_circle', 'studios', ['organisation_id', 'active', 'lat', 'lon'], unique=False)
    op.create_index(op.f('ix_studios_convener_member_id'), 'studios', ['convener_member_id'], unique=False)
    op.create_index(op.f('ix_studios_organisation_id'), 'studios', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_studios_region_id'), 'studios', ['region_id'], unique=False)
    op.create_table('service_activities',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('studio_id', sa.Uuid(), nullable=True),
    sa.Column('sector_id', sa.Uuid(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('public_reach', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('featured_service','sector_service_week','lecture','reception_day','online_meeting')", name=op.f('ck_service_activities_kind')),
    sa.CheckConstraint('public_reach >= 0', name=op.f('ck_service_activities_public_reach')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_service_activities_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], name=op.f('fk_service_activities_sector_id_sectors')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_service_activities_studio_id_studios'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_activities'))
    )
    op.create_index('ix_service_activities_org_held_on', 'service_activities', ['organisation_id', 'held_on'], unique=False)
    op.create_index(op.f('ix_service_activities_organisation_id'), 'service_activities', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_service_activities_studio_id'), 'service_activities', ['studio_id'], unique=False)
    op.create_table('studio_memberships',
    sa.Column('studio_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('until IS NULL OR until >= since', name=op.f('ck_studio_memberships_period')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_studio_memberships_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_studio_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_studio_memberships_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studio_memberships'))
    )
    op.create_index('ix_studio_memberships_member', 'studio_memberships', ['member_id', 'until'], unique=False)
    op.create_index(op.f('ix_studio_memberships_organisation_id'), 'studio_memberships', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_studio_memberships_studio_id'), 'studio_memberships', ['studio_id'], unique=False)
    op.create_index('uq_studio_memberships_open', 'studio_memberships', ['studio_id', 'member_id'], unique=True, postgresql_where=sa.text('until IS NULL'), sqlite_where=sa.text('until IS NULL'))
    op.create_table('studio_ratings',
    sa.Column('studio_id', sa.Uuid(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('self_assessment', sa.Text(), nullable=True),
    sa.Column('awarded_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IS NULL OR level IN ('province','city','district')", name=op.f('ck_studio_ratings_level')),
    sa.CheckConstraint('stars IS NULL OR stars BETWEEN 1 AND 5', name=op.f('ck_studio_ratings_stars')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_studio_ratings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_studio_ratings_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studio_ratings'))
    )
    op.create_index(op.f('ix_studio_ratings_organisation_id'), 'studio_ratings', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_studio_ratings_state'), 'studio_ratings', ['state'], unique=False)
    op.create_index('ix_studio_ratings_studio_year', 'studio_ratings', ['studio_id', 'year'], unique=False)
    op.create_table('service_activity_members',
    sa.Column('activity_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['service_activities.id'], name=op.f('fk_service_activity_members_activity_id_service_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_service_activity_members_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'member_id', name=op.f('pk_service_activity_members'))
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table('service_activity_members')
    op.drop_index('ix_studio_ratings_studio_year', table_name='studio_ratings')
    op.drop_index(op.f('ix_studio_ratings_state'), table_name='studio_ratings')
    op.drop_index(op.f('ix_studio_ratings_organisation_id'), table_name='studio_ratings')
    op.drop_table('studio_ratings')
    op.drop_index('uq_studio_memberships_open', table_name='studio_memberships', postgresql_where=sa.text('until IS NULL'), sqlite_where=sa.text('until IS NULL'))
    op.drop_index(op.f('ix_studio_memberships_studio_id'), table_name='studio_memberships')
    op.drop_index(op.f('ix_studio_memberships_organisation_id'), table_name='studio_memberships')
    op.drop_index('ix_studio_memberships_member', table_name='studio_memberships')
    op.drop_table('studio_memberships')
    op.drop_index(op.f('ix_service_activities_studio_id'), table_name='service_activities')
    op.drop_index(op.f('ix_service_activities_organisation_id'), table_name='service_activities')
    op.drop_index('ix_service_activities_org_held_on', table_name='service_activities')
    op.drop_table('service_activities')
    op.drop_index(op.f('ix_studios_region_id'), table_name='studios')
    op.drop_index(op.f('ix_studios_organisation_id'), table_name='studios')
    op.drop_index(op.f('ix_studios_convener_member_id'), table_name='studios')
    op.drop_index('ix_studios_circle', table_name='studios')
    op.drop_table('studios')
    op.drop_index(op.f('ix_contact_requests_state'), table_name='contact_requests')
    op.drop_index(op.f('ix_contact_requests_organisation_id'), table_name='contact_requests')
    op.drop_index('ix_contact_requests_member', table_name='contact_requests')
    op.drop_index('ix_contact_requests_client_created', table_name='contact_requests')
    op.drop_table('contact_requests')
