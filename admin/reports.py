"""The staff dashboard: pipeline funnel, offers by state, response SLA, scorecards, yesterday.

Figures come from one place (this module and :mod:`models.scorecards`), so the
charts, their tables and the tests read the same numbers.
"""

from __future__ import annotations

import json
import time as time_module
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_admin import BaseView, expose
from flask_babel import get_timezone

from admin.queues import queue_counts
from admin.security import StaffAccessMixin
from leadshare.extensions import db
from models.base import utcnow
from models.labels import enum_label
from models.leads import WORKING_STAGES, ConversationNote, Lead, Stage
from models.offers import OPEN_STATES, Offer, OfferState
from models.organisations import Organisation, OrgKind
from models.scorecards import Scorecard, scorecards
from models.snapshots import ReportSnapshot, load_snapshot, store_snapshot


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


def yesterday(now: datetime | None = None, tz: tzinfo | None = None) -> dict[str, int]:
    """The morning report: what happened yesterday (user's time zone), what waits.

    Shown on the home page and the reports (see docs/admin.md, section 'Reports').
    """
    now = now or utcnow()
    # zoneinfo, not Babel's pytz zone: combine() with a pytz zone takes its LMT offset.
    tz = ZoneInfo(str(tz or get_timezone()))
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
    }


def chart_json(kind: str, labels: list[str], values: list[float], label: str) -> str:
    """The JSON a chart canvas carries in its data attribute."""
    return json.dumps(
        {"type": kind, "labels": labels, "values": values, "label": label}, ensure_ascii=False
    )


SNAPSHOT = "dashboard"
#: Scorecards shown on the dashboard (the partners with the most offers).
SCORECARD_ROWS = 50


def compute_snapshot(now: datetime | None = None) -> dict[str, Any]:
    """Every figure that aggregates the whole history, as JSON (what the snapshot stores)."""
    now = now or utcnow()
    sla = response_sla(now)
    cards = scorecards(None, now=now)
    business = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tokyo")
    return {
        # Yesterday is a closed window: counted once per refresh in the business time
        # zone, it is exact for everyone in that zone (the others count it live).
        "yesterday": {
            "zone": str(business),
            "day": (now.astimezone(business).date() - timedelta(days=1)).isoformat(),
            "figures": yesterday(now, business),
        },
        "funnel": {stage.value: n for stage, n in stage_funnel()},
        "offers": {state.value: n for state, n in offers_by_state()},
        "sla": {"on_time": sla.on_time, "late": sla.late},
        "scorecards": {str(org_id): asdict(card) for org_id, card in cards.items()},
        "queues": queue_counts(),
    }


def refresh_reports(now: datetime | None = None) -> ReportSnapshot:
    """Recompute the dashboard snapshot (the worker or cron; flushes, the caller commits)."""
    started = time_module.perf_counter()
    payload = compute_snapshot(now)
    return store_snapshot(
        db.session, SNAPSHOT, payload, seconds=time_module.perf_counter() - started
    )


@dataclass
class Figures:
    """The snapshot's figures and when they were computed (``live`` before any refresh)."""

    payload: dict[str, Any]
    as_of: datetime
    live: bool


def current_figures() -> Figures:
    """The stored snapshot; before the first refresh, the figures computed now (not stored)."""
    snapshot = load_snapshot(db.session, SNAPSHOT)
    if snapshot is None:
        return Figures(compute_snapshot(), utcnow(), live=True)
    return Figures(snapshot.payload, snapshot.computed_at, live=False)


def overview(figures: Figures | None = None) -> dict[str, int]:
    """What staff look at first: leads to qualify, to offer, offers waiting, being worked."""
    payload = (figures or current_figures()).payload
    stages, states = payload["funnel"], payload["offers"]
    return {
        "new": stages.get(Stage.NEW.value, 0),
        "qualified": stages.get(Stage.QUALIFIED.value, 0),
        "open_offers": sum(states.get(state.value, 0) for state in OPEN_STATES),
        "working": sum(stages.get(stage.value, 0) for stage in WORKING_STAGES),
    }


def day_report(figures: Figures, now: datetime | None = None) -> dict[str, int]:
    """Yesterday's counts and what waits on staff.

    Yesterday comes from the snapshot when it counted the same day in the user's
    time zone; otherwise it is counted now (one day's rows through date indexes).
    """
    now = now or utcnow()
    tz = get_timezone()
    stored = figures.payload.get("yesterday") or {}
    day = (now.astimezone(tz).date() - timedelta(days=1)).isoformat()
    if stored.get("zone") == str(tz) and stored.get("day") == day:
        counts = stored["figures"]
    else:
        counts = yesterday(now)
    queues = (figures.payload.get("queues") or queue_counts())["counts"]
    waiting = {
        "to_qualify": queues.get("to_qualify", 0),
        "to_offer": queues.get("to_offer", 0),
        "waiting_details": queues.get("details_to_approve", 0),
    }
    return {**counts, **waiting}


def busiest_partners(cards: dict[str, dict]) -> tuple[list[tuple[Organisation, Scorecard]], int]:
    """The :data:`SCORECARD_ROWS` partners with the most offers (ties by name), and how many
    partners there are: only those partners' rows are loaded, not every partner's.
    """
    ranked = sorted(cards.items(), key=lambda item: -item[1]["offers"])
    if len(ranked) > SCORECARD_ROWS:
        # Everyone tied with the last place, so that ties are broken by name below.
        last = ranked[SCORECARD_ROWS - 1][1]["offers"]
        ranked = [item for item in ranked if item[1]["offers"] >= last]
    wanted = [int(key) for key, _card in ranked]
    is_partner = Organisation.kind == OrgKind.PARTNER
    orgs = list(
        db.session.scalars(sa.select(Organisation).where(is_partner, Organisation.id.in_(wanted)))
    )
    if len(orgs) < SCORECARD_ROWS:
        # Partners without a scorecard yet (no offers): the first by name fill the table.
        orgs += db.session.scalars(
            sa.select(Organisation)
            .where(is_partner, Organisation.id.not_in(wanted))
            .order_by(Organisation.name)
            .limit(SCORECARD_ROWS - len(orgs))
        )
    rows = []
    for org in orgs:
        card = cards.get(str(org.id))
        rows.append((org, Scorecard(**card) if card else Scorecard(organisation_id=org.id)))
    rows.sort(key=lambda row: (-row[1].offers, row[0].name))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(is_partner)
    )
    return rows[:SCORECARD_ROWS], total or 0


def dashboard(now: datetime | None = None) -> dict:
    """Every figure of the dashboard: history from the snapshot, yesterday live."""
    figures = current_figures()
    payload = figures.payload
    rows, partners = busiest_partners(payload["scorecards"])
    return {
        "funnel": [(stage, payload["funnel"].get(stage.value, 0)) for stage in Stage],
        "offers": [(state, payload["offers"].get(state.value, 0)) for state in OfferState],
        "sla": SlaCompliance(**payload["sla"]),
        "scorecards": rows,
        "partners": partners,
        "yesterday": day_report(figures, now),
        "as_of": figures.as_of,
        "live": figures.live,
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
