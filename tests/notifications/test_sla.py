"""SLA sweeps under a fixed clock: reminder, expiry, re-offer, stale and overdue flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    AuditEvent,
    Channel,
    NoteCategory,
    Offer,
    OfferState,
    OutboxMessage,
    PartnerTier,
    Role,
)
from models import workflow as wf
from models.sla import sweep
from tests import factories


def _kinds(to: str | None = None) -> list[str]:
    query = sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query))


def _snapshot() -> tuple:
    """Everything a sweep could change."""
    return (
        db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        db.session.scalar(sa.select(sa.func.count(Offer.id))),
        tuple(db.session.execute(sa.select(Offer.id, Offer.state, Offer.version)).all()),
    )


@pytest.fixture
def offered(world):
    """A lead offered to alpha (48 h to answer), the offer mail already in the outbox."""
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.commit()
    return offer


def test_reminder_at_75_percent_once(offered):
    """Before 75 % nothing; after, one reminder to the manager; a second sweep adds nothing."""
    start = offered.offered_at
    assert not sweep(now=start + timedelta(hours=35)).changed
    report = sweep(now=start + timedelta(hours=36, minutes=1))
    db.session.commit()
    assert report.reminded == [offered.id]
    assert offered.reminded_at is not None
    assert _kinds("manager@alpha.example") == ["offer_new", "offer_reminder"]
    before = _snapshot()
    assert not sweep(now=start + timedelta(hours=40)).changed
    db.session.commit()
    assert _snapshot() == before


def test_a_reminder_does_not_make_the_partners_open_form_stale(world, offered):
    """The partner loaded the offer before the reminder; accepting it still works."""
    version_in_form = offered.version
    sweep(now=offered.offered_at + timedelta(hours=37))
    db.session.commit()
    db.session.expire_all()
    wf.accept_offer(
        offered,
        world["alpha_manager"],
        expected_version=version_in_form,
        now=offered.offered_at + timedelta(hours=38),
    )
    db.session.commit()
    assert offered.state is OfferState.ACCEPTED


def test_expiry_tells_the_owner_and_frees_the_lead(offered):
    """At 100 % the offer expires, the owner is told, the lead can be offered again."""
    report = sweep(now=offered.respond_by + timedelta(seconds=1))
    db.session.commit()
    assert report.expired == [offered.id]
    assert offered.state is OfferState.EXPIRED
    assert "offer_expired" in _kinds("sales@vendor.example")
    assert report.reoffered == []  # the setting is off by default
    # Back among those to offer: staff can offer it to alpha again.
    wf.offer_lead(offered.lead, offered.organisation, offered.lead.owner)
    db.session.rollback()
    before = _snapshot()
    assert not sweep(now=offered.respond_by + timedelta(minutes=5)).changed
    assert _snapshot() == before


def test_expiry_reoffers_to_the_next_partner_when_enabled(world, offered):
    """With auto re-offer, the lead goes to the best partner without policy problems."""
    gamma = factories.partner("gamma", tier=PartnerTier.PLATINUM, regions=["chubu"])
    factories.user(gamma, Role.PARTNER_MANAGER, "manager@gamma.example")
    # Beta ranks below gamma and its policy excludes the lead's region anyway.
    world["beta"].policy.allowed_regions = ["kanto"]
    db.session.commit()
    now = offered.respond_by + timedelta(seconds=1)
    report = sweep(now=now, auto_reoffer=True)
    db.session.commit()
    (new_id,) = report.reoffered
    new = db.session.get(Offer, new_id)
    assert new.organisation.slug == "gamma"
    assert new.offered_by_id == offered.lead.owner_id
    assert new.respond_by == now + timedelta(hours=48)
    assert "offer_new" in _kinds("manager@gamma.example")
    before = _snapshot()
    assert not sweep(now=now + timedelta(minutes=1), auto_reoffer=True).changed
    assert _snapshot() == before


def test_stale_lead_flagged_and_partner_nudged_once(world, offered):
    """No activity for the update SLA: flagged stale, alpha nudged once, cleared by activity."""
    wf.accept_offer(offered, world["alpha_manager"], rep=world["alpha_rep"])
    db.session.commit()
    accepted = offered.accepted_at
    assert not sweep(now=accepted + timedelta(days=13)).stale
    report = sweep(now=accepted + timedelta(days=14, minutes=1))
    db.session.commit()
    lead = offered.lead
    assert report.stale == [lead.ref]
    assert lead.stale_since is not None
    assert _kinds("manager@alpha.example").count("stale_nudge") == 1
    assert _kinds("rep@alpha.example").count("stale_nudge") == 1
    before = _snapshot()
    assert not sweep(now=accepted + timedelta(days=20)).changed
    assert _snapshot() == before
    # An activity clears the flag; a new stale period nudges again.
    later = accepted + timedelta(days=21)
    wf.log_activity(
        offered,
        world["alpha_rep"],
        occurred_at=later,
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        detail="called",
        now=later,
    )
    db.session.commit()
    assert lead.stale_since is None
    sweep(now=later + timedelta(days=15))
    db.session.commit()
    assert _kinds("manager@alpha.example").count("stale_nudge") == 2


def test_overdue_lead_flagged_and_owner_told_once(world, offered):
    """Past the expected close date without outcome: flagged, owner told once."""
    offered.lead.expected_close_on = date(2025, 5, 30)
    db.session.commit()
    from datetime import UTC, datetime

    now = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    report = sweep(now=now)
    db.session.commit()
    assert offered.lead.ref in report.overdue
    assert offered.lead.overdue_since is not None
    assert "overdue_outcome" in _kinds("sales@vendor.example")
    events = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "lead.flagged_overdue")
    ).all()
    assert len(events) == 1
    before = _snapshot()
    sweep(now=now + timedelta(hours=1))
    assert _snapshot()[:2] == before[:2]


@pytest.mark.parametrize(("zone", "overdue"), [("Asia/Tokyo", True), ("UTC", False)])
def test_overdue_counts_days_in_the_configured_business_zone(app, offered, zone, overdue):
    """16:00 UTC on 2 June is already 3 June in Tokyo: a lead due 2 June is late there only."""
    from datetime import UTC, datetime

    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    offered.lead.expected_close_on = date(2025, 6, 2)
    db.session.commit()
    report = sweep(now=datetime(2025, 6, 2, 16, 0, tzinfo=UTC))
    assert (offered.lead.ref in report.overdue) is overdue


def test_sla_sweep_command(runner, offered):
    """The cron command runs the sweep and commits."""
    result = runner.invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "expired 0" in result.output
