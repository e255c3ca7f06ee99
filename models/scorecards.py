"""Partner scorecards: how each partner answers offers and works the leads it accepted.

One function, :func:`scorecards`, serves the staff dashboard, the partner's own
scorecard page and the routing ranking, so every door shows the same numbers.

Definitions (all over offers made in the last :data:`SCORECARD_WINDOW_DAYS` days):

- ``offers`` — offers the partner received (withdrawn ones included).
- ``accepted`` / ``declined`` / ``expired`` — offers that ended that way.
- ``acceptance_rate`` — accepted ÷ (accepted + declined + expired); an offer the
  vendor withdrew, or one still open, does not count either way. ``None``
  without any answered or expired offer.
- ``median_response_hours`` — median time from the offer to the partner's first
  answer (details requested, accepted or declined); an offer that expired
  unanswered counts as the slowest possible answer, its whole response time, so
  never answering never scores better than answering late. ``None`` without
  answers or expiries.
- ``stale_leads`` — accepted leads still being worked that the update SLA sweep
  flagged as stale (no activity for the partner's update SLA).
- ``won`` / ``lost`` — accepted leads closed that way; ``win_rate`` is
  won ÷ (won + lost), ``None`` before the first outcome.
- ``revenue_won`` — the sum of the order amounts of the won leads.
- ``registrations_submitted`` / ``registrations_approved`` /
  ``registrations_won`` — deal registrations the partner submitted in the window,
  those approved (including those whose protected period has since ended), and
  those still the partner's whose lead was won.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from models.base import db, utcnow
from models.leads import ORDER_STAGES, WORKING_STAGES, Lead, Stage
from models.offers import Offer, OfferState
from models.registrations import DealRegistration, RegistrationStatus

#: Only offers made within this many days count, so an old record fades.
SCORECARD_WINDOW_DAYS = 365


@dataclass
class Scorecard:
    """One partner's figures (see the module docstring for the definitions)."""

    organisation_id: int
    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    acceptance_rate: float | None = None
    median_response_hours: float | None = None
    working_leads: int = 0
    stale_leads: int = 0
    won: int = 0
    lost: int = 0
    win_rate: float | None = None
    revenue_won: int = 0
    registrations_submitted: int = 0
    registrations_approved: int = 0
    registrations_won: int = 0


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """A portable conditional count (SUM of CASE) for one aggregate query."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def scorecards(
    organisation_ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> dict[int, Scorecard]:
    """Scorecards of the given partners (every partner with offers when ``None``), by id.

    Two queries whatever the number of partners: one aggregate over offers and
    their leads, one fetching answer times for the median. Partners asked for
    that have no offers get an empty scorecard.
    """
    now = now or utcnow()
    since = now - timedelta(days=SCORECARD_WINDOW_DAYS)
    ids = None if organisation_ids is None else sorted(set(organisation_ids))
    if ids is not None and not ids:
        return {}

    accepted = Offer.state == OfferState.ACCEPTED
    won = sa.and_(accepted, Lead.stage.in_(ORDER_STAGES))
    query = (
        sa.select(
            Offer.organisation_id,
            sa.func.count(Offer.id),
            _count(accepted),
            _count(Offer.state == OfferState.DECLINED),
            _count(Offer.state == OfferState.EXPIRED),
            _count(sa.and_(accepted, Lead.stage.in_(WORKING_STAGES))),
            _count(
                sa.and_(accepted, Lead.stage.in_(WORKING_STAGES), Lead.stale_since.is_not(None))
            ),
            _count(won),
            _count(sa.and_(accepted, Lead.stage == Stage.LOST)),
            sa.func.coalesce(
                sa.func.sum(sa.case((won, sa.func.coalesce(Lead.order_amount, 0)), else_=0)), 0
            ),
        )
        .join(Lead, Lead.id == Offer.lead_id)
        .where(Offer.offered_at >= since)
        .group_by(Offer.organisation_id)
    )
    if ids is not None:
        query = query.where(Offer.organisation_id.in_(ids))

    cards: dict[int, Scorecard] = {i: Scorecard(organisation_id=i) for i in ids or ()}
    for row in db.session.execute(query):
        org_id, offers, acc, dec, exp, working, stale, won_n, lost_n, revenue = row
        card = Scorecard(
            organisation_id=org_id,
            offers=int(offers),
            accepted=int(acc),
            declined=int(dec),
            expired=int(exp),
            working_leads=int(working),
            stale_leads=int(stale),
            won=int(won_n),
            lost=int(lost_n),
            revenue_won=int(revenue),
        )
        decided = card.accepted + card.declined + card.expired
        card.acceptance_rate = card.accepted / decided if decided else None
        closed = card.won + card.lost
        card.win_rate = card.won / closed if closed else None
        cards[org_id] = card

    for org_id, counts in _registration_counts(ids, since).items():
        card = cards.setdefault(org_id, Scorecard(organisation_id=org_id))
        card.registrations_submitted, card.registrations_approved, card.registrations_won = counts

    for org_id, hours in _response_hours(ids, since).items():
        if org_id in cards:
            cards[org_id].median_response_hours = round(statistics.median(hours), 1)
    return cards


def _registration_counts(ids: list[int] | None, since: datetime) -> dict[int, tuple[int, int, int]]:
    """Deal registrations submitted, approved and won, per partner, in one query."""
    approved = DealRegistration.status.in_(
        (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED)
    )
    won = sa.and_(
        DealRegistration.status == RegistrationStatus.APPROVED, Lead.stage.in_(ORDER_STAGES)
    )
    query = (
        sa.select(
            DealRegistration.organisation_id,
            sa.func.count(DealRegistration.id),
            _count(approved),
            _count(won),
        )
        .outerjoin(Lead, Lead.id == DealRegistration.lead_id)
        .where(DealRegistration.submitted_at >= since)
        .group_by(DealRegistration.organisation_id)
    )
    if ids is not None:
        query = query.where(DealRegistration.organisation_id.in_(ids))
    return {
        org_id: (int(submitted), int(approved_n), int(won_n))
        for org_id, submitted, approved_n, won_n in db.session.execute(query)
    }


def _response_hours(ids: list[int] | None, since: datetime) -> dict[int, list[float]]:
    """Hours from offer to first answer (:attr:`Offer.first_answer_at`), per partner.

    An offer that expired without any answer counts with its whole response time.
    """
    answered = Offer.first_answer_at.is_not(None)
    unanswered_expiry = sa.and_(Offer.state == OfferState.EXPIRED, Offer.first_answer_at.is_(None))
    query = sa.select(
        Offer.organisation_id,
        Offer.offered_at,
        sa.case((answered, Offer.first_answer_at), else_=Offer.respond_by),
    ).where(Offer.offered_at >= since, sa.or_(answered, unanswered_expiry))
    if ids is not None:
        query = query.where(Offer.organisation_id.in_(ids))
    result: dict[int, list[float]] = defaultdict(list)
    for org_id, offered_at, first in db.session.execute(query):
        result[org_id].append(max(0.0, (first - offered_at).total_seconds() / 3600))
    return result
