"""offers.details_reminded_at: the sweep selects only details requests not yet reminded

Revision ID: d4e8a2f61c07
Revises: 0007ed916cbd
Create Date: 2026-11-24 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e8a2f61c07'
down_revision = '0007ed916cbd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_reminded_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('details_reminded_at')
