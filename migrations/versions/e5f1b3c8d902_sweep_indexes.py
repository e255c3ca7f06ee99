"""SLA sweep indexes: offers still to remind, details requests waiting, overdue flags by reason

Revision ID: e5f1b3c8d902
Revises: d4e8a2f61c07
Create Date: 2026-11-24 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f1b3c8d902'
down_revision = 'd4e8a2f61c07'
branch_labels = None
depends_on = None

OPEN = "stage NOT IN ('won', 'delivered', 'paid', 'lost')"
CLOCK = "state IN ('offered', 'details_granted')"


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_overdue_due')
        batch_op.create_index(
            'ix_leads_overdue_due', ['expected_close_on'], unique=False,
            sqlite_where=sa.text(f'overdue_since IS NULL AND archived = 0 AND {OPEN}'),
            postgresql_where=sa.text(f'overdue_since IS NULL AND archived = false AND {OPEN}'),
        )
        for column in ('expected_close_on', 'stage', 'archived'):
            batch_op.create_index(
                f'ix_leads_overdue_{column}', [column], unique=False,
                sqlite_where=sa.text('overdue_since IS NOT NULL'),
                postgresql_where=sa.text('overdue_since IS NOT NULL'),
            )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(
            'ix_offers_remind_due', ['respond_by'], unique=False,
            postgresql_include=['offered_at'],
            sqlite_where=sa.text(f'reminded_at IS NULL AND {CLOCK}'),
            postgresql_where=sa.text(f'reminded_at IS NULL AND {CLOCK}'),
        )
        batch_op.create_index(
            'ix_offers_details_waiting', ['respond_by'], unique=False,
            postgresql_include=['offered_at', 'details_requested_at', 'details_reminded_at'],
            sqlite_where=sa.text("state = 'details_requested'"),
            postgresql_where=sa.text("state = 'details_requested'"),
        )


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_details_waiting')
        batch_op.drop_index('ix_offers_remind_due')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for column in ('expected_close_on', 'stage', 'archived'):
            batch_op.drop_index(f'ix_leads_overdue_{column}')
        batch_op.drop_index('ix_leads_overdue_due')
        batch_op.create_index(
            'ix_leads_overdue_due', ['expected_close_on'], unique=False,
            sqlite_where=sa.text('overdue_since IS NULL AND archived = 0'),
            postgresql_where=sa.text('overdue_since IS NULL AND archived = false'),
        )
