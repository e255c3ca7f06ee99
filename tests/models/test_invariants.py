"""What the database itself guarantees, and what a refused or stale write leaves behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from leadshare.extensions import db
from models import AuditEvent, Lead, OutboxMessage, Prospect, Stage
from models import workflow as wf
from models.errors import PolicyViolation, StaleRecord
from tests import factories as f

REQUIRED_PROSPECT_FIELDS = [
    "company_name",
    "address",
    "phone",
    "representative",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
]


@pytest.mark.parametrize("field", REQUIRED_PROSPECT_FIELDS)
def test_seed_001_required_fields_are_not_null_in_the_database(app, field):
    prospect = f.prospect()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Prospect).where(Prospect.id == prospect.id).values({field: None})
        )
    db.session.rollback()


def test_enum_columns_are_checked_by_the_database(world):
    lead = f.lead(world["sales"])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text("UPDATE leads SET stage = 'bogus' WHERE id = :id"), {"id": lead.id}
        )
    db.session.rollback()


def test_won_without_order_data_is_refused_by_the_database(world):
    lead = f.lead(world["sales"])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text("UPDATE leads SET stage = 'won' WHERE id = :id"), {"id": lead.id}
        )
    db.session.rollback()


def test_consent_must_say_when_and_how(app):
    with pytest.raises(IntegrityError):
        f.prospect(consent=False, consent_to_share=True)
    db.session.rollback()


def test_foreign_keys_are_enforced(world):
    lead = f.lead(world["sales"])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text("UPDATE leads SET owner_id = 999999 WHERE id = :id"), {"id": lead.id}
        )
    db.session.rollback()


def test_audit_events_are_append_only(world):
    lead = f.lead(world["sales"])
    wf.qualify_lead(lead, world["sales"], budget=True, authority=True, need=True, timing=True)
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent))
    event.action = "tampered"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "lead.qualified"


def test_a_stale_write_fails_instead_of_overwriting(world, app):
    """Someone else saved the lead after we loaded it: our flush is refused."""
    lead = f.lead(world["sales"], qualified=False)
    db.session.commit()
    lead_id, loaded_version = lead.id, lead.version
    # Another request changes the lead through its own connection.
    with db.engine.begin() as other:
        other.execute(
            sa.update(Lead).where(Lead.id == lead_id).values(need="変更", version=Lead.version + 1)
        )
    assert lead.version == loaded_version  # our copy is the stale one (not yet refreshed)
    with pytest.raises(StaleRecord):
        wf.qualify_lead(lead, world["sales"], budget=True, authority=True, need=True, timing=True)
    db.session.rollback()
    assert db.session.get(Lead, lead_id).stage is Stage.NEW


def test_a_refused_rule_leaves_no_audit_or_outbox_behind(world):
    lead = f.lead(world["sales"])
    db.session.commit()
    world["alpha"].policy.max_open_leads = 0
    with pytest.raises(PolicyViolation):
        wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_notifications_commit_with_the_change_or_not_at_all(world):
    lead = f.lead(world["sales"])
    db.session.commit()
    wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    wf.offer_lead(db.session.get(Lead, lead.id), world["alpha"], world["sales"])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_naive_datetimes_are_refused(world):
    from datetime import datetime

    lead = f.lead(world["sales"])
    lead.qualified_at = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
