"""SLA fairness and truthful notices: the vendor's delay is not the partner's, flags clear."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from leadshare.extensions import db
from leadshare.mail import render_message
from models import OfferState, OutboxMessage, PartnerTier, Role
from models import workflow as wf
from models.digest import queue_digests
from models.leads import LostReason, Stage
from models.offers import DeclineReason
from models.routing import rank_partners
from models.scorecards import scorecards
from models.sla import sweep
from tests import factories


def _messages(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query))


def test_waiting_for_staff_approval_pauses_the_partners_clock(world):
    """Details wait for approval: no partner reminder, no expiry, staff reminded; clock resumes."""
    world["alpha"].policy.details_need_approval = True
    lead = factories.lead(world["sales"])
    start = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    offer = wf.offer_lead(lead, world["alpha"], world["sales"], now=start)
    wf.request_details(offer, world["alpha_manager"], now=start + timedelta(hours=10))
    db.session.commit()

    sweep(now=start + timedelta(hours=37))  # 75 % point: staff, not the partner
    sweep(now=start + timedelta(hours=60))  # past the original deadline
    db.session.commit()
    assert offer.state is OfferState.DETAILS_REQUESTED
    assert _messages("offer_reminder") == []
    (waiting,) = _messages("details_waiting")
    assert waiting.to_email == "sales@vendor.example"
    rendered = render_message(waiting)
    assert "Alpha 株式会社" in rendered.subject and "paused" in rendered.text
    assert f"/admin/desk/{lead.ref}" in rendered.text

    # Still waiting on the vendor past the first deadline, the partner may accept.
    assert not offer.deadline_passed(start + timedelta(hours=60))

    wf.grant_details(offer, world["sales"], now=start + timedelta(hours=70))
    db.session.commit()
    # 60 hours waited on the vendor: the 48-hour deadline moves from +48 h to +108 h.
    assert offer.respond_by == start + timedelta(hours=108)
    assert not sweep(now=start + timedelta(hours=80)).expired
    report = sweep(now=start + timedelta(hours=108, minutes=1))
    db.session.commit()
    assert report.expired == [offer.id]


def test_an_expired_offer_counts_as_the_slowest_answer(world):
    """A partner that never answers does not score a better response time than a slow one."""
    start = datetime(2025, 6, 2, tzinfo=UTC)
    slow = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"], now=start)
    wf.decline_offer(
        slow,
        world["alpha_manager"],
        reason=DeclineReason.NO_CAPACITY,
        now=start + timedelta(hours=40),
    )
    lead = factories.lead(world["sales"], region="kanto")
    silent = wf.offer_lead(lead, world["beta"], world["sales"], now=start)
    db.session.commit()
    sweep(now=start + timedelta(hours=49))
    db.session.commit()
    assert silent.state is OfferState.EXPIRED

    cards = scorecards([world["alpha"].id, world["beta"].id], now=start + timedelta(days=3))
    assert cards[world["alpha"].id].median_response_hours == 40.0
    assert cards[world["beta"].id].median_response_hours == 48.0


def test_overdue_flag_clears_when_the_date_moves_and_returns_with_a_new_notice(world):
    """Staff move the date: flag cleared, digest quiet; the new date passes: a new notice."""
    lead = factories.lead(world["sales"], expected_close_on=date(2025, 6, 1))
    db.session.commit()
    now = datetime(2025, 6, 3, 0, 0, tzinfo=UTC)
    assert sweep(now=now).overdue == [lead.ref]
    db.session.commit()

    queue_digests(now=now)
    lead.expected_close_on = date(2025, 6, 30)
    db.session.commit()
    # The next day's digest stops listing it, even before the sweep has run.
    queue_digests(now=now + timedelta(days=1))
    before, after = _messages("digest", "sales@vendor.example")
    assert any(item["kind"] == "overdue" for item in before.payload["waiting"])
    assert all(item["kind"] != "overdue" for item in after.payload["waiting"])
    report = sweep(now=now + timedelta(days=1, hours=1))
    db.session.commit()
    assert report.overdue_cleared == [lead.ref]
    assert lead.overdue_since is None

    later = datetime(2025, 7, 2, 0, 0, tzinfo=UTC)
    assert sweep(now=later).overdue == [lead.ref]
    db.session.commit()
    assert len(_messages("overdue_outcome", "sales@vendor.example")) == 2


def test_closing_the_lead_clears_the_overdue_flag(world):
    """A lead that got its outcome is no longer overdue."""
    lead = factories.lead(world["sales"], expected_close_on=date(2025, 6, 1))
    db.session.commit()
    now = datetime(2025, 6, 3, tzinfo=UTC)
    sweep(now=now)
    lead.stage, lead.lost_reason = Stage.LOST, next(iter(LostReason))
    db.session.commit()
    assert sweep(now=now + timedelta(minutes=1)).overdue_cleared == [lead.ref]


def test_owner_is_told_where_an_automatic_reoffer_went(world):
    """The expiry mail names the partner the lead went to, instead of "back to offer"."""
    lead = factories.lead(world["sales"])
    gamma = factories.partner("gamma", tier=PartnerTier.PLATINUM, regions=["chubu"])
    factories.user(gamma, Role.PARTNER_MANAGER, "manager@gamma.example")
    world["beta"].policy.allowed_regions = ["kanto"]
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.commit()
    sweep(now=offer.respond_by + timedelta(seconds=1), auto_reoffer=True)
    db.session.commit()
    (notice,) = _messages("offer_expired", "sales@vendor.example")
    rendered = render_message(notice)
    assert "Gamma 株式会社" in rendered.subject
    assert "offered the lead automatically" in rendered.text
    assert "back among those to offer" not in rendered.text


def test_expiry_without_reoffer_says_the_lead_is_back_to_offer(world):
    """Auto re-offer off: the notice says staff choose the next partner."""
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    sweep(now=offer.respond_by + timedelta(seconds=1))
    (notice,) = _messages("offer_expired", "sales@vendor.example")
    assert "back among those to offer" in render_message(notice).text


def test_ranking_shows_the_tier_among_its_reasons(world):
    """Tier weighs in the score, so staff see it as a reason."""
    world["alpha"].tier = PartnerTier.PLATINUM
    db.session.commit()
    lead = factories.lead(world["sales"])
    with force_locale("en"):
        fits = {fit.partner.slug: fit for fit in rank_partners(lead)}
    assert "Platinum partner" in fits["alpha"].reasons


def test_one_setting_for_the_sla_defaults(app, world):
    """The default SLA settings reach new policies and offers to a partner without a policy."""
    app.config.update(DEFAULT_RESPONSE_SLA_HOURS=24, DEFAULT_UPDATE_SLA_DAYS=7)
    db.session.delete(world["beta"].policy)
    db.session.flush()
    db.session.expire(world["beta"], ["policy"])
    now = datetime(2025, 6, 2, tzinfo=UTC)
    lead = factories.lead(world["sales"], region="kanto")
    offer = wf.offer_lead(lead, world["beta"], world["sales"], now=now)
    assert offer.respond_by == now + timedelta(hours=24)

    delta = factories.partner("delta")
    assert (delta.policy.response_sla_hours, delta.policy.update_sla_days) == (24, 7)


def test_partner_may_accept_while_the_vendor_holds_the_details(world):
    """Past the first deadline, with details still waiting on staff, accepting still works."""
    world["alpha"].policy.details_need_approval = True
    start = datetime(2025, 6, 2, tzinfo=UTC)
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"], now=start)
    wf.request_details(offer, world["alpha_manager"], now=start + timedelta(hours=1))
    wf.accept_offer(offer, world["alpha_manager"], now=start + timedelta(hours=50))
    db.session.commit()
    assert offer.state is OfferState.ACCEPTED


def test_a_details_request_is_reminded_once_and_a_new_request_again(world):
    """Staff hear once per request; later sweeps no longer load a request already reminded."""
    world["alpha"].policy.details_need_approval = True
    start = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    offers = []
    for _ in range(3):
        offer = wf.offer_lead(
            factories.lead(world["sales"]), world["alpha"], world["sales"], now=start
        )
        wf.request_details(offer, world["alpha_manager"], now=start + timedelta(hours=1))
        offers.append(offer)
    db.session.commit()

    report = sweep(now=start + timedelta(hours=37))
    db.session.commit()
    assert sorted(report.staff_reminded) == sorted(o.id for o in offers)
    assert len(_messages("details_waiting")) == 3

    statements: list[str] = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        again = sweep(now=start + timedelta(hours=38))
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert again.staff_reminded == []
    # Nothing loaded, nothing checked one by one: no look-up of earlier messages at all.
    assert not [s for s in statements if "outbox_messages" in s]
    assert len(_messages("details_waiting")) == 3

    # Refused, then asked again: a new request waits again, and staff hear of it again.
    first = offers[0]
    wf.refuse_details(first, world["sales"], reason="まだ早い", now=start + timedelta(hours=39))
    wf.request_details(first, world["alpha_manager"], now=start + timedelta(hours=40))
    db.session.commit()
    later = sweep(now=first.respond_by + timedelta(hours=1))
    db.session.commit()
    assert first.id in later.staff_reminded
    assert len(_messages("details_waiting", to="sales@vendor.example")) >= 4
