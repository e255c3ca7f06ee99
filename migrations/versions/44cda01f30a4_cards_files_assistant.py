"""business cards, lead files and the assistant role

Revision ID: 44cda01f30a4
Revises: c6cd042d0517
Create Date: 2026-11-24 03:09:14.729500

"""
from alembic import op
import sqlalchemy as sa

import models.base


# revision identifiers, used by Alembic.
revision = '44cda01f30a4'
down_revision = 'c6cd042d0517'
branch_labels = None
depends_on = None


ROLES_BEFORE = "'admin', 'sales', 'partner_manager', 'partner_rep'"
ROLES_AFTER = "'admin', 'sales', 'assistant', 'partner_manager', 'partner_rep'"


def _sqlite_foreign_keys(on):
    """Pause SQLite's foreign keys while batch mode rebuilds ``users``.

    The rebuild drops the old table; with enforcement on, that would fail on every
    row referring to a user. The pragma only works outside a transaction, so it is
    the first statement of each direction (before any UPDATE opens one).
    """
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _allow_roles(roles):
    """Replace the CHECK constraint of users.role (batch mode rebuilds the table on SQLite)."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), f"role IN ({roles})")


def upgrade():
    _sqlite_foreign_keys(False)
    _allow_roles(ROLES_AFTER)
    _sqlite_foreign_keys(True)
    op.create_table('business_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_key', sa.String(length=64), nullable=False),
    sa.Column('photo_type', sa.String(length=40), nullable=False),
    sa.Column('ocr_available', sa.Boolean(), nullable=False),
    sa.Column('ocr_text', sa.Text(), nullable=True),
    sa.Column('ocr_fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'saved', 'dismissed', name='card_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('processed_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('processed_by_id', sa.Integer(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_business_cards_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_business_cards_owner_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['processed_by_id'], ['users.id'], name=op.f('fk_business_cards_processed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_cards')),
    sa.UniqueConstraint('photo_key', name=op.f('uq_business_cards_photo_key')),
    sa.UniqueConstraint('ref', name=op.f('uq_business_cards_ref'))
    )
    with op.batch_alter_table('business_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_cards_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_business_cards_status'), ['status'], unique=False)

    op.create_table('lead_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('proposal', 'quote', 'contract', 'other', name='file_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('archived_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_lead_files_archived_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_files_lead_id_leads'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_lead_files_offer_id_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_lead_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_files')),
    sa.UniqueConstraint('ref', name=op.f('uq_lead_files_ref')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_lead_files_storage_key'))
    )
    with op.batch_alter_table('lead_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_files_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_files_offer_id'), ['offer_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    _sqlite_foreign_keys(False)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('lead_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_files_offer_id'))
        batch_op.drop_index(batch_op.f('ix_lead_files_lead_id'))

    op.drop_table('lead_files')
    with op.batch_alter_table('business_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_cards_status'))
        batch_op.drop_index(batch_op.f('ix_business_cards_owner_id'))

    op.drop_table('business_cards')
    op.execute("UPDATE users SET active = false WHERE role = 'assistant'")
    op.execute("UPDATE users SET role = 'sales' WHERE role = 'assistant'")
    _allow_roles(ROLES_BEFORE)
    _sqlite_foreign_keys(True)
