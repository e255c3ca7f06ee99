"""partial indexes for the inbox's details and closed tabs

Revision ID: c3d5e7f9a1b2
Revises: 9e4b7a2c5d10
Create Date: 2026-11-24 04:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d5e7f9a1b2'
down_revision = '9e4b7a2c5d10'
branch_labels = None
depends_on = None

DETAILS = "state IN ('details_requested', 'details_granted')"
ANSWERED = "state IN ('accepted', 'declined', 'expired', 'withdrawn')"


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(
            'ix_offers_details_respond_by', ['organisation_id', 'respond_by', 'id'], unique=False,
            sqlite_where=sa.text(DETAILS), postgresql_where=sa.text(DETAILS),
        )
        batch_op.create_index(
            'ix_offers_answered_offered', ['organisation_id', 'offered_at', 'id'], unique=False,
            sqlite_where=sa.text(ANSWERED), postgresql_where=sa.text(ANSWERED),
        )


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_answered_offered')
        batch_op.drop_index('ix_offers_details_respond_by')
