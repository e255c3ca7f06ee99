"""Working an accepted lead: stages, activities, won and lost."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
)
from models.leads import (
    WORKING_STAGES,
    Activity,
    Channel,
    Lead,
    LostReason,
    NoteCategory,
    Stage,
    StageChange,
)
from models.offers import Offer
from models.outbox import queue_message
from models.users import User
from models.workflow.guards import check_version, flush, require_worker
from models.workflow.notifications import lead_payload


def _record_stage(lead: Lead, actor: User, to_stage: Stage, now: datetime, note: str | None):
    """Move the lead to ``to_stage`` with its history row, audit event and owner notice."""
    from_stage = lead.stage
    offer = lead.accepted_offer
    lead.stage = to_stage
    lead.last_activity_at = now
    lead.stale_since = None
    db.session.add(
        StageChange(
            lead=lead,
            offer_id=offer.id if offer else None,
            from_stage=from_stage,
            to_stage=to_stage,
            changed_by=actor,
            changed_at=now,
            note=note,
        )
    )
    flush()
    record_event(
        db.session,
        actor,
        "lead.stage_changed",
        lead,
        before={"stage": from_stage},
        after={"stage": to_stage, "note": note},
        organisation_id=offer.organisation_id if offer else None,
    )
    payload = lead_payload(lead) | {"from_stage": from_stage.value, "to_stage": to_stage.value}
    if actor.id != lead.owner_id:
        queue_message(db.session, "stage_changed", lead.owner, payload)


def stage_moves(lead: Lead) -> list[Stage]:
    """The stages :func:`move_stage` may take ``lead`` to from where it is now."""
    if lead.stage in WORKING_STAGES:
        return [stage for stage in WORKING_STAGES if stage is not lead.stage]
    if lead.stage is Stage.WON:
        return [Stage.DELIVERED]
    if lead.stage is Stage.DELIVERED:
        return [Stage.PAID]
    return []


def move_stage(
    offer: Offer,
    actor: User,
    to_stage: Stage,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Move an accepted lead along the pipeline (won and lost go through the close rules)."""
    require_worker(actor, offer)
    lead = offer.lead
    check_version(lead, expected_version)
    now = now or utcnow()
    if to_stage not in stage_moves(lead):
        raise InvalidTransition(
            _l("The lead cannot move to this stage from its current stage."), field="to_stage"
        )
    limits.check_text(note, limits.NOTE_MAX, field="note")
    _record_stage(lead, actor, to_stage, now, (note or "").strip() or None)
    return lead


def close_won(
    offer: Offer,
    actor: User,
    *,
    order_date: date | None,
    product: str | None,
    amount: int | None,
    delivery_date: date | None,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Close the lead as won: order date, product, amount and delivery date are required."""
    require_worker(actor, offer)
    lead = offer.lead
    check_version(lead, expected_version)
    if lead.stage not in WORKING_STAGES:
        raise InvalidTransition(_l("Only a lead being worked can be closed."))
    product = (product or "").strip() or None
    required = {
        "order_date": order_date,
        "product": product,
        "amount": amount,
        "delivery_date": delivery_date,
    }
    for field, value in required.items():
        if value is None:
            raise MissingData(
                _l("A won deal needs the order date, product, amount and delivery date."),
                field=field,
            )
    now = now or utcnow()
    limits.check_amount(amount, field="amount")
    limits.check_deal_date(order_date, field="order_date", now=now)
    limits.check_deal_date(delivery_date, field="delivery_date", now=now)
    limits.check_text(product, limits.PRODUCT_MAX, field="product")
    limits.check_text(note, limits.NOTE_MAX, field="note")
    if delivery_date < order_date:
        raise MissingData(
            _l("The delivery date cannot be before the order date."), field="delivery_date"
        )
    lead.order_date, lead.order_product = order_date, product
    lead.order_amount, lead.delivery_date = amount, delivery_date
    lead.outcome_note = (note or "").strip() or None
    lead.closed_at = now
    _record_stage(lead, actor, Stage.WON, now, lead.outcome_note)
    return lead


def close_lost(
    offer: Offer,
    actor: User,
    *,
    reason: LostReason | None,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Close the lead as lost, with a reason (and a note when the reason is 'other')."""
    require_worker(actor, offer)
    lead = offer.lead
    check_version(lead, expected_version)
    if lead.stage not in WORKING_STAGES:
        raise InvalidTransition(_l("Only a lead being worked can be closed."))
    note = (note or "").strip() or None
    if reason is None:
        raise MissingData(_l("Choose why the lead was lost."), field="reason")
    if reason is LostReason.OTHER and note is None:
        raise MissingData(_l("Explain why the lead was lost."), field="note")
    limits.check_text(note, limits.NOTE_MAX, field="note")
    now = now or utcnow()
    lead.lost_reason = reason
    lead.outcome_note = note
    lead.closed_at = now
    _record_stage(lead, actor, Stage.LOST, now, note)
    return lead


def log_activity(
    offer: Offer,
    actor: User,
    *,
    occurred_at: datetime,
    channel: Channel,
    category: NoteCategory,
    detail: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Activity:
    """Log a contact with the prospect on an accepted lead that is not paid or lost yet."""
    require_worker(actor, offer)
    check_version(offer.lead, expected_version)
    if not offer.lead.takes_activities:
        raise InvalidTransition(_l("Activities can no longer be logged on this lead."))
    if not detail or not detail.strip():
        raise MissingData(_l("Describe the activity."), field="detail")
    now = now or utcnow()
    if occurred_at > now + timedelta(minutes=5):
        raise MissingData(_l("An activity cannot be in the future."), field="occurred_at")
    limits.check_activity_time(occurred_at, field="occurred_at", now=now)
    limits.check_text(detail.strip(), limits.CONVERSATION_MAX, field="detail")
    lead = offer.lead
    # A double submit (a second click, a resent form) logs once: the same contact at the
    # same time, by the same author, in the same words, is the activity already logged.
    duplicate = db.session.scalar(
        sa.select(Activity)
        .where(
            Activity.lead_id == lead.id,
            Activity.author_id == actor.id,
            Activity.occurred_at == occurred_at,
            Activity.channel == channel,
            Activity.category == category,
            Activity.detail == detail.strip(),
        )
        .limit(1)
    )
    if duplicate is not None:
        return duplicate
    activity = Activity(
        lead=lead,
        offer_id=offer.id,
        author=actor,
        occurred_at=occurred_at,
        channel=channel,
        category=category,
        detail=detail.strip(),
    )
    db.session.add(activity)
    lead.last_activity_at = now
    lead.stale_since = None
    flush()
    record_event(
        db.session,
        actor,
        "lead.activity_logged",
        lead,
        after={"activity_id": activity.id, "channel": channel, "category": category},
        organisation_id=offer.organisation_id,
    )
    return activity
