"""counters kept with every change, and report snapshots

Revision ID: 7c1e5a9d3b21
Revises: b7c1d2e3f4a5
Create Date: 2026-11-24 03:20:00

The counters start empty: ``flask --app wsgi counters check --fix`` fills them
from the existing data (docs/performance.md).
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = '7c1e5a9d3b21'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'counters',
        sa.Column('owner_kind', sa.String(length=8), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('owner_kind', 'owner_id', 'name', name=op.f('pk_counters')),
    )
    op.create_table(
        'report_snapshots',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('seconds', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_report_snapshots')),
    )


def downgrade():
    op.drop_table('report_snapshots')
    op.drop_table('counters')
