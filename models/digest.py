"""The daily digest (the morning report): what changed yesterday, what waits today.

:func:`queue_digests` queues one ``digest`` message per active user who has
something to read, in the user's language; "yesterday" and "today" are days in
the user's own time zone. The dedup key names the user and the day, so running
the command twice a day sends one digest. Items are teaser-level (lead
reference, teaser, stage, deadline); partner users only see their own
organisation's offers, exactly as through the tenant gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models.base import db, utcnow
from models.counters import waiting_items
from models.leads import CLOSED_STAGES, Lead, Stage, StageChange
from models.offers import HOLDING_STATES, Offer, OfferState
from models.outbox import OutboxMessage, queue_message
from models.users import Role, User


@dataclass
class Window:
    """Yesterday in one user's time zone, as UTC bounds, and the local date of today."""

    start: datetime
    end: datetime
    today: date


def window_for(user: User, now: datetime) -> Window:
    """The user's yesterday (local midnight to midnight in ``user.zone``) and today."""
    zone = user.zone
    today = now.astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=1), time(0), zone)
    end = datetime.combine(today, time(0), zone)
    return Window(start=start, end=end, today=today)


def _item(kind: str, lead: Lead, **extra: Any) -> dict[str, Any]:
    """One digest line about a lead (teaser level)."""
    return {"kind": kind, "lead_ref": lead.ref, "teaser": lead.teaser, **extra}


def _in(value: datetime | None, w: Window) -> bool:
    """Whether ``value`` falls on the user's yesterday."""
    return value is not None and w.start <= value < w.end


def _stage_changes(lead_ids: list[int], w: Window, actor: User) -> list[dict[str, Any]]:
    """Stage moves of the given leads yesterday by someone other than ``actor``."""
    if not lead_ids:
        return []
    changes = db.session.scalars(
        sa.select(StageChange)
        .where(
            StageChange.lead_id.in_(lead_ids),
            StageChange.changed_at >= w.start,
            StageChange.changed_at < w.end,
            sa.or_(StageChange.changed_by_id.is_(None), StageChange.changed_by_id != actor.id),
        )
        .options(selectinload(StageChange.lead))
        .order_by(StageChange.changed_at)
    )
    return [_item("stage_changed", c.lead, to_stage=c.to_stage.value) for c in changes]


def staff_digest(user: User, w: Window) -> tuple[list[dict], list[dict]]:
    """Changes on the leads a staff member owns, and what waits on them."""
    leads = list(
        db.session.scalars(
            sa.select(Lead)
            .where(Lead.owner_id == user.id, Lead.archived.is_(False))
            .options(selectinload(Lead.offers).selectinload(Offer.organisation))
        )
    )
    changed: list[dict] = []
    waiting: list[dict] = []
    for lead in leads:
        for offer in lead.offers:
            partner = offer.organisation.name
            if _in(offer.accepted_at, w):
                changed.append(_item("offer_accepted", lead, partner=partner))
            if offer.state in (OfferState.DECLINED, OfferState.EXPIRED) and _in(offer.ended_at, w):
                changed.append(_item(f"offer_{offer.state.value}", lead, partner=partner))
            if offer.state is OfferState.DETAILS_REQUESTED:
                waiting.append(_item("details_requested", lead, partner=partner))
        holding = any(o.state in HOLDING_STATES for o in lead.offers)
        if lead.stage is Stage.QUALIFIED and not holding:
            waiting.append(_item("to_offer", lead))
        # A moved date counts at once, even before the sweep clears the flag.
        if (
            lead.overdue_since is not None
            and lead.stage not in CLOSED_STAGES
            and lead.expected_close_on is not None
            and lead.expected_close_on < w.today
        ):
            waiting.append(
                _item("overdue", lead, expected_close_on=lead.expected_close_on.isoformat())
            )
    changed += _stage_changes([lead.id for lead in leads], w, user)
    return changed, waiting


def partner_digest(user: User, w: Window) -> tuple[list[dict], list[dict]]:
    """New offers and moves for a partner manager's organisation (a rep: their own leads).

    What waits is :func:`models.counters.waiting_items`, the definition the
    navigation badge counts, so the digest and the badge never disagree.
    """
    changed: list[dict] = []
    accepted_lead_ids = []
    if user.role is Role.PARTNER_MANAGER:
        new_offers = db.session.scalars(
            sa.select(Offer)
            .where(
                Offer.organisation_id == user.organisation_id,
                Offer.offered_at >= w.start,
                Offer.offered_at < w.end,
            )
            .options(selectinload(Offer.lead))
            .order_by(Offer.id)
        )
        changed += [_item("offer_new", offer.lead) for offer in new_offers]
    accepted = sa.select(Offer.lead_id).where(
        Offer.organisation_id == user.organisation_id, Offer.state == OfferState.ACCEPTED
    )
    if user.role is Role.PARTNER_REP:
        accepted = accepted.where(Offer.assigned_rep_id == user.id)
    accepted_lead_ids = list(db.session.scalars(accepted))
    changed += _stage_changes(accepted_lead_ids, w, user)
    waiting: list[dict] = []
    for kind, offer in waiting_items(db.session, user):
        extra = {"respond_by": offer.respond_by.isoformat()} if kind == "respond" else {}
        waiting.append(_item(kind, offer.lead, **extra))
    return changed, waiting


def queue_digests(*, now: datetime | None = None) -> int:
    """Queue today's digest for every active user with news; return how many were queued."""
    now = now or utcnow()
    queued = 0
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.id))
    for user in users:
        if not user.is_active:  # users of suspended partners
            continue
        w = window_for(user, now)
        key = f"digest:{user.id}:{w.today.isoformat()}"
        if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        changed, waiting = (staff_digest if user.is_staff else partner_digest)(user, w)
        if not changed and not waiting:
            continue
        payload = {
            "day": w.today.isoformat(),
            "yesterday": (w.today - timedelta(days=1)).isoformat(),
            "changed": changed,
            "waiting": waiting,
            "staff": user.is_staff,
        }
        if queue_message(db.session, "digest", user, payload, dedup_key=key) is not None:
            queued += 1
    db.session.flush()
    return queued
