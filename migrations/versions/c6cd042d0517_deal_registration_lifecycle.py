"""Deal registration lifecycle: conflict keys, consent method, protected period, history.

- ``prospects.phone_key``: the company phone, digits only, for duplicate checks;
  ``prospects.company_key`` is recomputed because the name key now also folds old
  kanji forms (會 → 会).
- ``partner_policies.registration_days``: the protected period (default 90 days).
- ``deal_registrations``: the lifecycle statuses (``pending`` becomes
  ``submitted``), match keys, the declared consent method, the protected period
  and its one extension; ``deal_registration_steps`` holds each registration's
  history (one step per past submission and decision is written for existing rows).
- A registration that said "consent" without saying how it was obtained is read
  as no consent: the method was never asked, so the contact is not disclosed.

Revision ID: c6cd042d0517
Revises: f29fc893fe1c
Create Date: 2026-11-24 03:07:32.349426

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import models.base
from models.prospects import normalise_company_name, normalise_phone


# revision identifiers, used by Alembic.
revision = 'c6cd042d0517'
down_revision = 'f29fc893fe1c'
branch_labels = None
depends_on = None

NEW_STATUSES = ('submitted', 'under_review', 'approved', 'rejected', 'withdrawn', 'attached', 'expired')
OLD_STATUSES = ('pending', 'approved', 'rejected')
STEP_KINDS = (
    'submitted', 'review_started', 'resubmitted', 'approved', 'rejected', 'withdrawn',
    'attached', 'extension_requested', 'extension_granted', 'extension_refused',
    'expiry_reminded', 'protection_ended', 'expired',
)
DEFAULT_REGISTRATION_DAYS = 90


END_CAUSES = ('withdrawn_by_staff', 'partner_suspended', 'accepted_by_another_partner', 'response_sla')


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _status_type(values):
    return sa.Enum(*values, name='registration_status', native_enum=False, create_constraint=True)


def upgrade():
    op.create_table('deal_registration_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*STEP_KINDS, name='registration_step_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('occurred_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_deal_registration_steps_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['deal_registrations.id'], name=op.f('fk_deal_registration_steps_registration_id_deal_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_registration_steps'))
    )
    with op.batch_alter_table('deal_registration_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_registration_steps_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('partner_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_days', sa.Integer(), nullable=False, server_default=str(DEFAULT_REGISTRATION_DAYS)))
        batch_op.create_check_constraint('registration_days_positive', 'registration_days > 0')

    with op.batch_alter_table('prospects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_key', sa.String(length=40), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_prospects_phone_key'), ['phone_key'], unique=False)

    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deal_registrations_registration_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_approved_has_lead'), type_='check')
        batch_op.alter_column('status', existing_type=sa.VARCHAR(length=8), type_=sa.String(12), existing_nullable=False)
        batch_op.add_column(sa.Column('company_key', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone_key', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone_key', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('consent_method', sa.Enum('phone', 'email', 'web_form', 'written', name='registration_consent_method', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('conflict_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('protected_until', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('expiry_reminded_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('protection_ended_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension', sa.Enum('requested', 'granted', 'refused', name='registration_extension', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('extension_requested_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('extension_decision_reason', sa.Text(), nullable=True))

    # The offer a lapsed registration ends records why (offers.end_cause).
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offers_offer_end_cause'), type_='check')
        batch_op.create_check_constraint(op.f('ck_offers_offer_end_cause'), _in('end_cause', END_CAUSES + ('registration_expired',)))

    _backfill()

    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(12), type_=_status_type(NEW_STATUSES), existing_nullable=False)
        batch_op.create_check_constraint('approved_has_lead', "status NOT IN ('approved', 'attached', 'expired') OR lead_id IS NOT NULL")
        batch_op.create_check_constraint('approved_is_protected', "status != 'approved' OR protected_until IS NOT NULL")
        batch_op.create_check_constraint('consent_has_method', 'contact_consent = false OR consent_method IS NOT NULL')
        batch_op.create_index(batch_op.f('ix_deal_registrations_company_key'), ['company_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_contact_email'), ['contact_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_contact_phone_key'), ['contact_phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_phone_key'), ['phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_protected_until'), ['protected_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_status'), ['status'], unique=False)

    # After the last rebuild of deal_registrations: SQLite's batch copy drops the
    # old table, which would cascade to the steps.
    _backfill_history()


def _backfill():
    """Keys, statuses and protected periods of the rows already there."""
    bind = op.get_bind()
    prospects = sa.table('prospects', sa.column('id'), sa.column('company_name'), sa.column('company_key'),
                         sa.column('phone'), sa.column('phone_key'))
    rows = bind.execute(sa.select(prospects.c.id, prospects.c.company_name, prospects.c.phone)).all()
    for pid, name, phone in rows:
        bind.execute(prospects.update().where(prospects.c.id == pid).values(
            company_key=normalise_company_name(name), phone_key=normalise_phone(phone)))

    regs = sa.table(
        'deal_registrations', sa.column('id'), sa.column('status'), sa.column('company_name'),
        sa.column('company_key'), sa.column('phone'), sa.column('phone_key'), sa.column('contact_phone'),
        sa.column('contact_phone_key'), sa.column('contact_email'), sa.column('contact_consent'),
        sa.column('submitted_at', models.base.UTCDateTime()), sa.column('submitted_by_id'),
        sa.column('decided_at', models.base.UTCDateTime()), sa.column('decided_by_id'),
        sa.column('decision_reason'), sa.column('protected_until', models.base.UTCDateTime()),
    )
    rows = bind.execute(sa.select(regs)).mappings().all()
    for r in rows:
        values = dict(
            company_key=normalise_company_name(r['company_name']),
            phone_key=normalise_phone(r['phone']),
            contact_phone_key=normalise_phone(r['contact_phone']),
            contact_email=(r['contact_email'] or '').strip().lower(),
            # No method was ever asked for: the contact is not disclosed onward.
            contact_consent=False,
        )
        if r['status'] == 'pending':
            values['status'] = 'submitted'
        if r['status'] == 'approved':
            values['protected_until'] = (r['decided_at'] or r['submitted_at']) + timedelta(days=DEFAULT_REGISTRATION_DAYS)
        bind.execute(regs.update().where(regs.c.id == r['id']).values(**values))


def _backfill_history():
    """One history step per past submission and decision."""
    bind = op.get_bind()
    regs = sa.table(
        'deal_registrations', sa.column('id'), sa.column('status'),
        sa.column('submitted_at', models.base.UTCDateTime()), sa.column('submitted_by_id'),
        sa.column('decided_at', models.base.UTCDateTime()), sa.column('decided_by_id'),
        sa.column('decision_reason'),
    )
    steps = sa.table('deal_registration_steps', sa.column('registration_id'), sa.column('kind'),
                     sa.column('occurred_at', models.base.UTCDateTime()), sa.column('actor_id'),
                     sa.column('note'))
    for r in bind.execute(sa.select(regs)).mappings().all():
        bind.execute(steps.insert().values(registration_id=r['id'], kind='submitted',
                                           occurred_at=r['submitted_at'], actor_id=r['submitted_by_id']))
        if r['status'] in ('approved', 'rejected') and r['decided_at'] is not None:
            bind.execute(steps.insert().values(
                registration_id=r['id'], kind=r['status'], occurred_at=r['decided_at'],
                actor_id=r['decided_by_id'], note=r['decision_reason']))


def downgrade():
    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_registrations_status'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_protected_until'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_phone_key'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_contact_phone_key'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_contact_email'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_company_key'))
        batch_op.drop_constraint(op.f('ck_deal_registrations_consent_has_method'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_registration_consent_method'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_registration_extension'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_approved_is_protected'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_approved_has_lead'), type_='check')
        batch_op.drop_constraint(op.f('ck_deal_registrations_registration_status'), type_='check')
        batch_op.alter_column('status', existing_type=sa.String(12), type_=sa.String(12), existing_nullable=False)

    regs = sa.table('deal_registrations', sa.column('status'))
    # States the old schema does not know fall back to the nearest one it does.
    op.execute(regs.update().where(regs.c.status.in_(('submitted', 'under_review', 'withdrawn'))).values(status='pending'))
    op.execute(regs.update().where(regs.c.status.in_(('attached', 'expired'))).values(status='approved'))

    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(12), type_=_status_type(OLD_STATUSES), existing_nullable=False)
        batch_op.create_check_constraint('approved_has_lead', "status != 'approved' OR lead_id IS NOT NULL")
        batch_op.drop_column('extension_decision_reason')
        batch_op.drop_column('extension_reason')
        batch_op.drop_column('extension_requested_at')
        batch_op.drop_column('extension')
        batch_op.drop_column('protection_ended_at')
        batch_op.drop_column('expiry_reminded_at')
        batch_op.drop_column('protected_until')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('conflict_count')
        batch_op.drop_column('consent_method')
        batch_op.drop_column('contact_phone_key')
        batch_op.drop_column('phone_key')
        batch_op.drop_column('company_key')

    with op.batch_alter_table('prospects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prospects_phone_key'))
        batch_op.drop_column('phone_key')

    with op.batch_alter_table('partner_policies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_partner_policies_registration_days_positive'), type_='check')
        batch_op.drop_column('registration_days')

    with op.batch_alter_table('deal_registration_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_registration_steps_registration_id'))

    op.drop_table('deal_registration_steps')

    offers = sa.table('offers', sa.column('end_cause'), sa.column('withdraw_reason'))
    op.execute(offers.update().where(offers.c.end_cause == 'registration_expired')
               .values(end_cause='withdrawn_by_staff', withdraw_reason='registration expired'))
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offers_offer_end_cause'), type_='check')
        batch_op.create_check_constraint(op.f('ck_offers_offer_end_cause'), _in('end_cause', END_CAUSES))
