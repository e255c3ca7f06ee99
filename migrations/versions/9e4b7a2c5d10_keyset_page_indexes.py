"""indexes for keyset pages of boards, activities and stage history

Revision ID: 9e4b7a2c5d10
Revises: 44cda01f30a4
Create Date: 2026-11-24 03:50:00

"""
from alembic import op


revision = '9e4b7a2c5d10'
down_revision = '44cda01f30a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_offer_created', ['offer_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_offer_occurred', ['offer_id', 'occurred_at', 'id'], unique=False)
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_stage_changes_offer_id', ['offer_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_changes_offer_id')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_offer_occurred')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_offer_created')
