"""The partner ranking and the scorecards behind it, on constructed partners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from leadshare.extensions import db
from models import DeclineReason, Offer, OfferState, PartnerStatus, PartnerTier, Role, Stage
from models.routing import rank_partners
from models.scorecards import scorecards
from tests import factories

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _offer(partner, lead=None, *, state=OfferState.OFFERED, answered_after=None, **fields):
    """An offer to ``partner`` in ``state``, made a week before NOW."""
    lead = lead or factories.lead(prospect=None)
    offered = NOW - timedelta(days=7)
    offer = Offer(
        lead=lead,
        organisation=partner,
        offered_by=lead.owner,
        offered_at=offered,
        respond_by=offered + timedelta(hours=48),
        state=state,
    )
    if state is OfferState.ACCEPTED:
        offer.accepted_at = offered + (answered_after or timedelta(hours=1))
        lead.stage = fields.pop("stage", Stage.APPOINTMENT)
    if state is OfferState.DECLINED:
        offer.decline_reason = DeclineReason.NO_CAPACITY
        offer.ended_at = offered + (answered_after or timedelta(hours=1))
    if state in (OfferState.EXPIRED, OfferState.WITHDRAWN):
        offer.ended_at = offered + timedelta(hours=48)
    for key, value in fields.items():
        setattr(lead, key, value)
    db.session.add(offer)
    db.session.flush()
    return offer


def _won(partner):
    """An accepted lead of ``partner`` closed as won for 1,000,000 yen."""
    return _offer(
        partner,
        state=OfferState.ACCEPTED,
        stage=Stage.WON,
        order_date=NOW.date(),
        order_product="x",
        order_amount=1_000_000,
        delivery_date=NOW.date(),
    )


@pytest.fixture
def staffer(app):
    """A sales user owning the leads."""
    return factories.staff(Role.SALES, "sales@vendor.example")


def _rank(lead):
    """Partner slug → (position, fit), with reasons in English."""
    with force_locale("en"):
        fits = rank_partners(lead, now=NOW)
    return {fit.partner.slug: (i, fit) for i, fit in enumerate(fits)}


def test_region_and_product_fit_rank_first(staffer):
    """A partner serving the region and product outranks one that serves neither."""
    factories.partner("fits", regions=["chubu"], product_lines=["servers"])
    factories.partner("region_only", regions=["chubu"], product_lines=["storage"])
    factories.partner("neither", regions=["kanto"], product_lines=["storage"])
    lead = factories.lead(staffer, region="chubu", product="servers")
    ranking = _rank(lead)
    assert ranking["fits"][0] == 0
    assert ranking["fits"][1].score > ranking["region_only"][1].score
    assert ranking["region_only"][1].score > ranking["neither"][1].score
    assert any("Chubu" in r for r in ranking["fits"][1].reasons)


def test_free_capacity_moves_the_score(staffer):
    """The partner with more free slots ranks higher; a full one has a policy problem."""
    roomy = factories.partner("roomy", max_open_leads=4)
    full = factories.partner("full", max_open_leads=2)
    for _ in range(2):
        _offer(full)
    _offer(roomy)
    lead = factories.lead(staffer)
    ranking = _rank(lead)
    assert ranking["roomy"][1].score > ranking["full"][1].score
    assert ranking["roomy"][1].problems == []
    assert "The partner is at capacity." in ranking["full"][1].problems
    assert ranking["full"][1].needs_override


def test_tier_weight_moves_the_score(staffer):
    """Platinum outranks registered, all else equal."""
    factories.partner("plat", tier=PartnerTier.PLATINUM)
    factories.partner("reg", tier=PartnerTier.REGISTERED)
    ranking = _rank(factories.lead(staffer))
    assert ranking["plat"][1].score > ranking["reg"][1].score


def test_acceptance_rate_moves_the_score(staffer):
    """A partner that accepts outranks one that declines and lets offers expire."""
    taker = factories.partner("taker", max_open_leads=50)
    refuser = factories.partner("refuser", max_open_leads=50)
    for _ in range(2):
        # Same answer time for both, so only acceptance differs.
        _offer(taker, state=OfferState.ACCEPTED, stage=Stage.LOST, lost_reason=_lost())
        _offer(refuser, state=OfferState.DECLINED)
    _offer(refuser, state=OfferState.EXPIRED)
    _offer(taker, state=OfferState.EXPIRED)
    _offer(taker, state=OfferState.ACCEPTED, stage=Stage.LOST, lost_reason=_lost())
    _offer(refuser, state=OfferState.ACCEPTED, stage=Stage.LOST, lost_reason=_lost())
    cards = scorecards([taker.id, refuser.id], now=NOW)
    assert cards[taker.id].acceptance_rate == 0.75
    assert cards[refuser.id].acceptance_rate == 0.25
    ranking = _rank(factories.lead(staffer))
    assert ranking["taker"][1].score > ranking["refuser"][1].score


def _lost():
    from models import LostReason

    return LostReason.PRICE


def test_response_time_moves_the_score(staffer):
    """A partner answering in 2 hours outranks one answering in 40."""
    fast = factories.partner("fast", max_open_leads=50)
    slow = factories.partner("slow", max_open_leads=50)
    _offer(fast, state=OfferState.DECLINED, answered_after=timedelta(hours=2))
    _offer(slow, state=OfferState.DECLINED, answered_after=timedelta(hours=40))
    cards = scorecards([fast.id, slow.id], now=NOW)
    assert cards[fast.id].median_response_hours == 2.0
    assert cards[slow.id].median_response_hours == 40.0
    ranking = _rank(factories.lead(staffer))
    assert ranking["fast"][1].score > ranking["slow"][1].score


def test_win_rate_moves_the_score(staffer):
    """A partner that wins its leads outranks one that loses them."""
    winner = factories.partner("winner", max_open_leads=50)
    loser = factories.partner("loser", max_open_leads=50)
    _won(winner)
    _offer(loser, state=OfferState.ACCEPTED, stage=Stage.LOST, lost_reason=_lost())
    cards = scorecards([winner.id, loser.id], now=NOW)
    assert (cards[winner.id].win_rate, cards[loser.id].win_rate) == (1.0, 0.0)
    assert cards[winner.id].revenue_won == 1_000_000
    ranking = _rank(factories.lead(staffer))
    assert ranking["winner"][0] < ranking["loser"][0]


def test_stale_leads_lower_the_ranking(staffer):
    """Of two otherwise equal partners, the one letting leads go stale ranks lower."""
    tidy = factories.partner("tidy", max_open_leads=50)
    sloppy = factories.partner("sloppy", max_open_leads=50)
    _offer(tidy, state=OfferState.ACCEPTED)
    _offer(sloppy, state=OfferState.ACCEPTED, stale_since=NOW - timedelta(days=3))
    assert scorecards([sloppy.id], now=NOW)[sloppy.id].stale_leads == 1
    ranking = _rank(factories.lead(staffer))
    assert ranking["tidy"][0] < ranking["sloppy"][0]
    assert any("stale" in r for r in ranking["sloppy"][1].reasons)


def test_only_active_partners_without_the_lead_are_ranked(staffer):
    """Suspended partners and partners already holding the lead are left out."""
    factories.partner("active")
    factories.partner("suspended", status=PartnerStatus.SUSPENDED)
    holder = factories.partner("holder")
    declined = factories.partner("declined_before")
    lead = factories.lead(staffer)
    _offer(holder, lead)
    _offer(declined, lead, state=OfferState.DECLINED)
    assert set(_rank(lead)) == {"active", "declined_before"}


def test_policy_problems_are_reported(staffer):
    """A partner whose policy excludes the region is listed with the problem."""
    factories.partner("kanto_only", allowed_regions=["kanto"])
    fit = _rank(factories.lead(staffer, region="chubu"))["kanto_only"][1]
    assert fit.problems == ["The lead's region is outside the partner's regions."]


def test_query_count_does_not_grow_with_partners(staffer):
    """Ranking 3 or 12 partners costs the same number of queries."""
    lead = factories.lead(staffer)

    def count_queries() -> int:
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        db.session.expire_all()
        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            rank_partners(db.session.get(type(lead), lead.id), now=NOW)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    for _ in range(3):
        _offer(factories.partner(), state=OfferState.ACCEPTED)
    few = count_queries()
    for _ in range(9):
        _offer(factories.partner(), state=OfferState.DECLINED)
    assert count_queries() == few


def test_scorecard_for_partner_without_offers_is_empty(staffer):
    """A partner with no offers gets zeros and no rates."""
    newcomer = factories.partner("newcomer")
    card = scorecards([newcomer.id], now=NOW)[newcomer.id]
    assert (card.offers, card.acceptance_rate, card.win_rate) == (0, None, None)
