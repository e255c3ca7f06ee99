"""The staff dashboard: pipeline funnel, offers by state, response SLA, scorecards, yesterday.

Figures come from one place (this module and :mod:`models.scorecards`), so the
charts, their tables and the tests read the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask_admin import BaseView, expose
from flask_babel import get_timezone

from admin.security import StaffAccessMixin
from leadshare.extensions import db
from models.base import utcnow
from models.labels import enum_label
from models.leads import WORKING_STAGES, ConversationNote, Lead, Stage
from models.offers import OPEN_STATES, Offer, OfferState
from models.organisations import Organisation, OrgKind
from models.scorecards import scorecards


def stage_funnel() -> list[tuple[Stage, int]]:
    """Leads (not archived) per stage, in pipeline order."""
    counts = dict(
        db.session.execute(
            sa.select(Lead.stage, sa.func.count())
            .where(Lead.archived.is_(False))
            .group_by(Lead.stage)
        ).all()
    )
    return [(stage, counts.get(stage, 0)) for stage in Stage]


def offers_by_state() -> list[tuple[OfferState, int]]:
    """Offers per state."""
    counts = dict(
        db.session.execute(sa.select(Offer.state, sa.func.count()).group_by(Offer.state)).all()
    )
    return [(state, counts.get(state, 0)) for state in OfferState]


def overview() -> dict[str, int]:
    """What staff look at first: leads to qualify, to offer, offers waiting, being worked."""
    stages = dict(stage_funnel())
    states = dict(offers_by_state())
    return {
        "new": stages[Stage.NEW],
        "qualified": stages[Stage.QUALIFIED],
        "open_offers": sum(states[state] for state in OPEN_STATES),
        "working": sum(stages[stage] for stage in WORKING_STAGES),
    }


@dataclass
class SlaCompliance:
    """Offers answered within the partner's response SLA, and those that were not."""

    on_time: int
    late: int

    @property
    def rate(self) -> float | None:
        """Share answered on time; None before any answer is due."""
        total = self.on_time + self.late
        return self.on_time / total if total else None


def response_sla(now: datetime | None = None) -> SlaCompliance:
    """Offers answered by their deadline vs. answered late, expired, or open past it.

    Withdrawn offers and open offers still within their deadline do not count.
    """
    now = now or utcnow()
    # Answered in time when the first answer came by the deadline; NULLs make a
    # comparison unknown, which CASE treats as no.
    on_time = Offer.first_answer_at <= Offer.respond_by
    answered = Offer.first_answer_at.is_not(None)
    overdue = sa.or_(
        Offer.state == OfferState.EXPIRED,
        sa.and_(Offer.state.in_(OPEN_STATES), Offer.respond_by < now),
    )
    counted_on_time, counted_late = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((on_time, 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((on_time, 0), (answered, 1), (overdue, 1), else_=0)), 0
            ),
        ).where(Offer.state != OfferState.WITHDRAWN)
    ).one()
    return SlaCompliance(int(counted_on_time), int(counted_late))


def partner_scorecards(now: datetime | None = None) -> list[tuple[Organisation, object]]:
    """Every partner with its scorecard, by name."""
    partners = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind == OrgKind.PARTNER)
            .order_by(Organisation.name)
        )
    )
    cards = scorecards([p.id for p in partners], now=now)
    return [(p, cards[p.id]) for p in partners]


def yesterday(now: datetime | None = None) -> dict[str, int]:
    """Seed 001's morning report: what happened yesterday (user's time zone), what waits."""
    now = now or utcnow()
    tz = get_timezone()
    today = now.astimezone(tz).date()
    start = datetime.combine(today - timedelta(days=1), time(), tz).astimezone(UTC)
    end = datetime.combine(today, time(), tz).astimezone(UTC)

    def count(model, column, *where):
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(model)
                .where(column >= start, column < end, *where)
            )
            or 0
        )

    won_amount = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Lead.order_amount), 0)).where(
            Lead.stage.in_([Stage.WON, Stage.DELIVERED, Stage.PAID]),
            Lead.closed_at >= start,
            Lead.closed_at < end,
        )
    )
    return {
        "leads_created": count(Lead, Lead.created_at),
        "notes_added": count(ConversationNote, ConversationNote.created_at),
        "offers_made": count(Offer, Offer.offered_at),
        "offers_accepted": count(Offer, Offer.accepted_at),
        "offers_declined": count(Offer, Offer.ended_at, Offer.state == OfferState.DECLINED),
        "offers_expired": count(Offer, Offer.ended_at, Offer.state == OfferState.EXPIRED),
        "won": count(
            Lead, Lead.closed_at, Lead.stage.in_([Stage.WON, Stage.DELIVERED, Stage.PAID])
        ),
        "won_amount": int(won_amount or 0),
        "lost": count(Lead, Lead.closed_at, Lead.stage == Stage.LOST),
        "waiting_details": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Offer)
            .where(Offer.state == OfferState.DETAILS_REQUESTED)
        )
        or 0,
        "to_qualify": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Lead)
            .where(Lead.stage == Stage.NEW, Lead.archived.is_(False))
        )
        or 0,
        "to_offer": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Lead)
            .where(
                Lead.stage == Stage.QUALIFIED,
                Lead.archived.is_(False),
                ~Lead.offers.any(Offer.state.in_(OPEN_STATES)),
            )
        )
        or 0,
    }


def chart_json(kind: str, labels: list[str], values: list[float], label: str) -> str:
    """The JSON a chart canvas carries in its data attribute."""
    return json.dumps(
        {"type": kind, "labels": labels, "values": values, "label": label}, ensure_ascii=False
    )


def dashboard(now: datetime | None = None) -> dict:
    """Every figure of the dashboard."""
    return {
        "funnel": stage_funnel(),
        "offers": offers_by_state(),
        "sla": response_sla(now),
        "scorecards": partner_scorecards(now),
        "yesterday": yesterday(now),
    }


class ReportsView(StaffAccessMixin, BaseView):
    """Reports for staff (sales and administrators)."""

    @expose("/")
    def index(self):
        """The dashboard with its charts and tables."""
        figures = dashboard()
        funnel_chart = chart_json(
            "bar",
            [enum_label(s) for s, _ in figures["funnel"]],
            [n for _, n in figures["funnel"]],
            "leads",
        )
        offers_chart = chart_json(
            "doughnut",
            [enum_label(s) for s, _ in figures["offers"]],
            [n for _, n in figures["offers"]],
            "offers",
        )
        return self.render(
            "staff/reports.html",
            f=figures,
            funnel_chart=funnel_chart,
            offers_chart=offers_chart,
            enum_label=enum_label,
        )
