"""Outbox: stable Message-ID, delivery lease, retry window and failure time.

Revision ID: b7c1d2e3f4a5
Revises: 57aa4bb36e2e
Create Date: 2026-11-24 03:20:00
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "b7c1d2e3f4a5"
down_revision = "57aa4bb36e2e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("leased_until", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("retry_since", models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("retry_since")
        batch_op.drop_column("leased_until")
        batch_op.drop_column("message_id")
        batch_op.drop_column("failed_at")
