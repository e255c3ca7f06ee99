"""The rules that change leads and offers.

Each rule checks who may do it and whether the record allows it, changes the
rows, writes its audit event and outbox messages, and flushes. None commits:
the view or command that called it commits once, so a refused rule leaves the
database untouched (the caller rolls back).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from leadshare.extensions import db
from models.audit import record_event
from models.base import utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
    NoLongerAvailable,
    NotAllowed,
    PolicyViolation,
    StaleRecord,
)
from models.leads import (
    WORKING_STAGES,
    Activity,
    Channel,
    ConversationNote,
    Lead,
    LeadSource,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Stage,
    StageChange,
    Timing,
)
from models.offers import OPEN_STATES, Comment, DeclineReason, Offer, OfferState
from models.organisations import Organisation, PartnerStatus
from models.outbox import queue_message
from models.prospects import ConsentMethod, Prospect, normalise_company_name
from models.registrations import DealRegistration, RegistrationStatus
from models.users import Role, User

DEFAULT_RESPONSE_SLA_HOURS = 48


# --------------------------------------------------------------------------- helpers


def _check_version(record: Lead | Offer, expected_version: int | None) -> None:
    """Refuse a write based on a form loaded before someone else's change."""
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord()


def _flush() -> None:
    """Flush, turning database-level conflicts into rule errors."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleRecord() from exc


def _require_staff(actor: User) -> None:
    """Only vendor staff may do this."""
    if not actor.is_staff:
        raise NotAllowed()


def _require_partner_of(actor: User, offer: Offer, *, manager: bool = False) -> None:
    """The actor must be a user of the offer's partner (its manager when ``manager``)."""
    if not actor.is_partner or actor.organisation_id != offer.organisation_id:
        raise NotAllowed()
    if manager and actor.role is not Role.PARTNER_MANAGER:
        raise NotAllowed(_l("Only your organisation's manager can do this."))
    if actor.role is Role.PARTNER_REP and offer.assigned_rep_id != actor.id:
        raise NotAllowed()


def _require_worker(actor: User, offer: Offer) -> None:
    """Staff, or a user of the partner that accepted the offer."""
    if actor.is_staff:
        return
    _require_partner_of(actor, offer)
    if not offer.is_accepted:
        raise InvalidTransition(_l("Only an accepted lead can be worked on."))


def partner_managers(organisation_id: int) -> list[User]:
    """The active managers of a partner, who receive its offers."""
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.organisation_id == organisation_id,
                User.role == Role.PARTNER_MANAGER,
                User.active.is_(True),
            )
        )
    )


def partner_recipients(offer: Offer) -> list[User]:
    """Who hears about an offer at the partner: its managers and the assigned rep."""
    recipients = {u.id: u for u in partner_managers(offer.organisation_id)}
    if offer.assigned_rep is not None:
        recipients[offer.assigned_rep.id] = offer.assigned_rep
    return list(recipients.values())


def _notify_partner(offer: Offer, kind: str, payload: dict[str, Any], dedup: str | None = None):
    """Queue ``kind`` for the offer's partner: its managers, and the assigned rep."""
    for user in partner_recipients(offer):
        key = f"{dedup}:{user.id}" if dedup else None
        queue_message(db.session, kind, user, payload, dedup_key=key)


def lead_payload(lead: Lead) -> dict[str, Any]:
    """Teaser-level facts safe to put in any notification (no names, no personal data)."""
    return {
        "lead_ref": lead.ref,
        "teaser": lead.teaser,
        "product_interest": lead.product_interest,
        "region": lead.prospect.region,
        "timing": lead.timing.value,
    }


def _offer_payload(offer: Offer) -> dict[str, Any]:
    """Teaser payload plus the offer's partner and deadline."""
    payload = lead_payload(offer.lead)
    payload.update(
        partner_name=offer.organisation.name,
        respond_by=offer.respond_by.isoformat(),
        offer_state=offer.state.value,
    )
    return payload


def _holds_lead() -> sa.ColumnElement[bool]:
    """An offer that counts against capacity: open, or accepted and still being worked."""
    return sa.or_(
        Offer.state.in_(OPEN_STATES),
        sa.and_(Offer.state == OfferState.ACCEPTED, Lead.stage.in_(WORKING_STAGES)),
    )


def open_lead_count(organisation_id: int) -> int:
    """Leads a partner holds: open offers plus accepted leads still being worked."""
    return db.session.scalar(
        sa.select(sa.func.count(Offer.id))
        .join(Offer.lead)
        .where(Offer.organisation_id == organisation_id, _holds_lead())
    )


def open_lead_counts(organisation_ids: list[int]) -> dict[int, int]:
    """:func:`open_lead_count` for many partners in one query (0 for those holding none)."""
    counts = dict.fromkeys(organisation_ids, 0)
    if not organisation_ids:
        return counts
    rows = db.session.execute(
        sa.select(Offer.organisation_id, sa.func.count(Offer.id))
        .join(Offer.lead)
        .where(Offer.organisation_id.in_(organisation_ids), _holds_lead())
        .group_by(Offer.organisation_id)
    )
    counts.update({org_id: int(n) for org_id, n in rows})
    return counts


# --------------------------------------------------------------------------- leads


def add_note(
    lead: Lead,
    actor: User,
    *,
    text: str,
    channel: Channel,
    category: NoteCategory,
    visibility: NoteVisibility,
    occurred_at: datetime | None = None,
) -> ConversationNote:
    """Record what the prospect said (staff only)."""
    _require_staff(actor)
    if not text or not text.strip():
        raise MissingData(_l("The note is empty."))
    note = ConversationNote(
        lead=lead,
        author=actor,
        text=text.strip(),
        channel=channel,
        category=category,
        visibility=visibility,
        occurred_at=occurred_at or utcnow(),
    )
    db.session.add(note)
    _flush()
    record_event(
        db.session,
        actor,
        "note.added",
        lead,
        after={"note_id": note.id, "visibility": visibility, "category": category},
    )
    return note


def qualify_lead(
    lead: Lead,
    actor: User,
    *,
    budget: bool,
    authority: bool,
    need: bool,
    timing: bool,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Set the qualification checklist; a complete list makes a new lead qualified."""
    _require_staff(actor)
    _check_version(lead, expected_version)
    if lead.is_closed or lead.is_working:
        raise InvalidTransition(_l("A lead being worked or closed cannot be requalified."))
    before = {
        "budget": lead.has_budget,
        "authority": lead.has_authority,
        "need": lead.has_need,
        "timing": lead.has_timing,
        "stage": lead.stage,
    }
    lead.has_budget, lead.has_authority = budget, authority
    lead.has_need, lead.has_timing = need, timing
    if lead.is_qualified and lead.stage is Stage.NEW:
        lead.stage = Stage.QUALIFIED
        lead.qualified_at = now or utcnow()
    elif not lead.is_qualified and lead.stage is Stage.QUALIFIED:
        if any(o.is_open for o in lead.offers):
            raise InvalidTransition(_l("Withdraw the open offers before unqualifying the lead."))
        lead.stage = Stage.NEW
        lead.qualified_at = None
    _flush()
    after = {
        "budget": budget,
        "authority": authority,
        "need": need,
        "timing": timing,
        "stage": lead.stage,
    }
    record_event(db.session, actor, "lead.qualified", lead, before=before, after=after)
    return lead


def policy_problems(
    lead: Lead,
    partner: Organisation,
    *,
    open_count: int | None = None,
    check_capacity: bool = True,
) -> list[str]:
    """Why offering ``lead`` to ``partner`` falls outside its policy (empty when it fits).

    ``open_count`` is the partner's :func:`open_lead_count` when the caller already
    has it (the routing ranking counts every partner in one query). A caller that
    weighs capacity itself (the CSV import, over many rows) passes
    ``check_capacity=False``.
    """
    problems: list[str] = []
    policy = partner.policy
    if policy is None:
        return problems
    if not policy.allows_region(lead.prospect.region):
        problems.append(str(_l("The lead's region is outside the partner's regions.")))
    if not policy.allows_product_line(lead.product_interest):
        problems.append(str(_l("The product line is outside the partner's product lines.")))
    if not check_capacity:
        return problems
    if open_count is None:
        open_count = open_lead_count(partner.id)
    if open_count >= policy.max_open_leads:
        problems.append(str(_l("The partner is at capacity.")))
    return problems


def offer_lead(
    lead: Lead,
    partner: Organisation,
    actor: User,
    *,
    comment: str | None = None,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Offer:
    """Offer a qualified lead to an active partner, within its policy unless overridden."""
    _require_staff(actor)
    now = now or utcnow()
    if not lead.is_qualified or lead.stage is not Stage.QUALIFIED:
        raise InvalidTransition(
            _l("Only a qualified lead that is not being worked can be offered.")
        )
    if not partner.receives_offers:
        raise InvalidTransition(_l("Only active partners can receive offers."))
    existing = db.session.scalar(
        sa.select(Offer.id).where(
            Offer.lead_id == lead.id,
            Offer.organisation_id == partner.id,
            Offer.state.in_(OPEN_STATES),
        )
    )
    if existing is not None:
        raise InvalidTransition(_l("This partner already has an open offer for this lead."))
    problems = policy_problems(lead, partner)
    override_reason = (override_reason or "").strip() or None
    if problems and override_reason is None:
        raise PolicyViolation(" ".join(problems))
    hours = partner.policy.response_sla_hours if partner.policy else DEFAULT_RESPONSE_SLA_HOURS
    offer = Offer(
        lead=lead,
        organisation=partner,
        offered_by=actor,
        offered_at=now,
        respond_by=now + timedelta(hours=hours),
        comment_to_partner=(comment or "").strip() or None,
        override_reason=override_reason if problems else None,
    )
    db.session.add(offer)
    _flush()
    record_event(
        db.session,
        actor,
        "offer.overridden" if problems else "offer.made",
        offer,
        after={
            "lead": lead.ref,
            "partner": partner.slug,
            "respond_by": offer.respond_by,
            "override_reason": offer.override_reason,
            "policy_problems": problems or None,
        },
        organisation_id=partner.id,
    )
    _notify_partner(offer, "offer_new", _offer_payload(offer))
    return offer


def request_details(offer: Offer, actor: User, *, now: datetime | None = None) -> Offer:
    """The partner asks for the details; granted at once unless its policy needs approval."""
    _require_partner_of(actor, offer, manager=True)
    now = now or utcnow()
    if offer.state is not OfferState.OFFERED:
        raise InvalidTransition(_l("Details can only be requested for a new offer."))
    if now >= offer.respond_by:
        raise InvalidTransition(_l("This offer has expired."))
    offer.state = OfferState.DETAILS_REQUESTED
    offer.details_requested_at = now
    _flush()
    record_event(
        db.session,
        actor,
        "offer.details_requested",
        offer,
        before={"state": OfferState.OFFERED},
        after={"state": offer.state},
        organisation_id=offer.organisation_id,
    )
    policy = offer.organisation.policy
    if policy is not None and policy.details_need_approval:
        queue_message(db.session, "details_requested", offer.lead.owner, _offer_payload(offer))
        return offer
    return _grant(offer, None, now)


def _grant(offer: Offer, actor: User | None, now: datetime) -> Offer:
    """Move a details request to granted and tell the partner."""
    offer.state = OfferState.DETAILS_GRANTED
    offer.details_granted_at = now
    offer.details_granted_by_id = actor.id if actor else None
    _flush()
    record_event(
        db.session,
        actor,
        "offer.details_granted",
        offer,
        before={"state": OfferState.DETAILS_REQUESTED},
        after={"state": offer.state, "automatic": actor is None},
        organisation_id=offer.organisation_id,
    )
    _notify_partner(offer, "details_granted", _offer_payload(offer))
    return offer


def grant_details(offer: Offer, actor: User, *, now: datetime | None = None) -> Offer:
    """Staff approve a partner's request for details."""
    _require_staff(actor)
    if offer.state is not OfferState.DETAILS_REQUESTED:
        raise InvalidTransition(_l("There is no pending request for details."))
    return _grant(offer, actor, now or utcnow())


def refuse_details(offer: Offer, actor: User, *, reason: str) -> Offer:
    """Staff refuse a request for details; the offer stays open at teaser level."""
    _require_staff(actor)
    if offer.state is not OfferState.DETAILS_REQUESTED:
        raise InvalidTransition(_l("There is no pending request for details."))
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for refusing."))
    offer.state = OfferState.OFFERED
    offer.details_refused_reason = reason.strip()
    _flush()
    record_event(
        db.session,
        actor,
        "offer.details_refused",
        offer,
        before={"state": OfferState.DETAILS_REQUESTED},
        after={"state": offer.state, "reason": offer.details_refused_reason},
        organisation_id=offer.organisation_id,
    )
    _notify_partner(offer, "details_refused", _offer_payload(offer) | {"reason": reason.strip()})
    return offer


def _partner_rep(offer: Offer, rep: User | None) -> User | None:
    """Check that ``rep`` is an active user of the offer's partner."""
    if rep is None:
        return None
    if rep.organisation_id != offer.organisation_id or not rep.is_partner or not rep.active:
        raise NotAllowed(
            _l("The lead can only be assigned to an active user of your organisation.")
        )
    return rep


def accept_offer(
    offer: Offer,
    actor: User,
    *,
    rep: User | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Offer:
    """The partner takes the lead; the lead's other open offers are withdrawn."""
    _require_partner_of(actor, offer, manager=True)
    now = now or utcnow()
    lead = offer.lead
    if offer.state not in OPEN_STATES:
        if lead.offers and any(o.is_accepted and o.id != offer.id for o in lead.offers):
            raise NoLongerAvailable()
        raise InvalidTransition(_l("This offer can no longer be accepted."))
    if now >= offer.respond_by:
        raise InvalidTransition(_l("This offer has expired."))
    if lead.stage is not Stage.QUALIFIED:
        raise NoLongerAvailable()
    # After the state checks, so a partner that came second hears "taken", not "reload".
    _check_version(offer, expected_version)
    _partner_rep(offer, rep)
    before = {"state": offer.state}
    offer.state = OfferState.ACCEPTED
    offer.accepted_at = now
    offer.accepted_by = actor
    offer.assigned_rep = rep
    lead.stage = Stage.APPOINTMENT
    lead.last_activity_at = now
    db.session.add(
        StageChange(
            lead=lead,
            offer_id=offer.id,
            from_stage=Stage.QUALIFIED,
            to_stage=Stage.APPOINTMENT,
            changed_by=actor,
            changed_at=now,
        )
    )
    try:
        _flush()
    except (IntegrityError, StaleRecord) as exc:
        # Another partner's acceptance reached the database first.
        raise NoLongerAvailable() from exc
    record_event(
        db.session,
        actor,
        "offer.accepted",
        offer,
        before=before,
        after={"state": offer.state, "rep": rep.email if rep else None},
        organisation_id=offer.organisation_id,
    )
    queue_message(db.session, "offer_accepted", lead.owner, _offer_payload(offer))
    if rep is not None and rep.id != actor.id:
        queue_message(db.session, "lead_assigned", rep, _offer_payload(offer))
    for other in lead.offers:
        if other.id != offer.id and other.is_open:
            _end_offer(other, None, OfferState.WITHDRAWN, now, reason="accepted by another partner")
            _notify_partner(other, "offer_withdrawn", _offer_payload(other))
    if comment and comment.strip():
        post_comment(offer, actor, body=comment, now=now)
    _flush()
    return offer


def _end_offer(
    offer: Offer, actor: User | None, state: OfferState, now: datetime, *, reason: str | None
) -> None:
    """Close an open offer as declined, expired or withdrawn."""
    before = {"state": offer.state}
    offer.state = state
    offer.ended_at = now
    if state is OfferState.WITHDRAWN:
        offer.withdraw_reason = reason
    record_event(
        db.session,
        actor,
        f"offer.{state.value}",
        offer,
        before=before,
        after={"state": state, "reason": reason},
        organisation_id=offer.organisation_id,
    )


def decline_offer(
    offer: Offer,
    actor: User,
    *,
    reason: DeclineReason | None,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Offer:
    """The partner declines, with a reason (and a note when the reason is 'other')."""
    _require_partner_of(actor, offer, manager=True)
    _check_version(offer, expected_version)
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("This offer can no longer be declined."))
    if reason is None:
        raise MissingData(_l("Choose a reason for declining."))
    note = (note or "").strip() or None
    if reason is DeclineReason.OTHER and note is None:
        raise MissingData(_l("Explain the reason for declining."))
    now = now or utcnow()
    offer.decline_reason = reason
    offer.decline_note = note
    _end_offer(offer, actor, OfferState.DECLINED, now, reason=reason.value)
    _flush()
    queue_message(
        db.session,
        "offer_declined",
        offer.lead.owner,
        _offer_payload(offer) | {"reason": reason.value, "note": note},
    )
    return offer


def expire_offer(offer: Offer, *, now: datetime | None = None) -> Offer:
    """An offer past its deadline without an answer expires; the owner is told."""
    now = now or utcnow()
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("Only an open offer can expire."))
    if now < offer.respond_by:
        raise InvalidTransition(_l("The offer's deadline has not passed."))
    _end_offer(offer, None, OfferState.EXPIRED, now, reason="response SLA")
    _flush()
    queue_message(db.session, "offer_expired", offer.lead.owner, _offer_payload(offer))
    return offer


def withdraw_offer(offer: Offer, actor: User, *, reason: str, now: datetime | None = None) -> Offer:
    """Staff take an open offer back, with a reason."""
    _require_staff(actor)
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("Only an open offer can be withdrawn."))
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for withdrawing."))
    _end_offer(offer, actor, OfferState.WITHDRAWN, now or utcnow(), reason=reason.strip())
    _flush()
    _notify_partner(offer, "offer_withdrawn", _offer_payload(offer))
    return offer


#: The withdrawal reason of the offers a suspension takes back.
SUSPENSION_REASON = "partner suspended"


def suspend_partner(org: Organisation, actor: User, *, now: datetime | None = None) -> list[Offer]:
    """Suspend a partner: no more offers, every user logged out, its open offers withdrawn.

    Each open offer goes through :func:`withdraw_offer` (the partner's managers and
    assigned rep are told); each lead's owner hears that the lead is free to offer
    again. Returns the withdrawn offers. Accepted leads stay with the partner.
    """
    if not actor.is_admin:
        raise NotAllowed(_l("Only an administrator can suspend a partner."))
    if org.is_vendor:
        raise InvalidTransition(_l("Only a partner can be suspended."))
    if org.status is PartnerStatus.SUSPENDED:
        raise InvalidTransition(_l("This partner is already suspended."))
    now = now or utcnow()
    before = org.status
    org.status = PartnerStatus.SUSPENDED
    for user in org.users:
        user.rotate_session_token()
    _flush()
    offers = list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.organisation_id == org.id, Offer.state.in_(OPEN_STATES))
            .order_by(Offer.id)
        )
    )
    for offer in offers:
        withdraw_offer(offer, actor, reason=SUSPENSION_REASON, now=now)
        queue_message(db.session, "partner_suspended", offer.lead.owner, _offer_payload(offer))
    record_event(
        db.session,
        actor,
        "partner.suspended",
        org,
        before={"status": before},
        after={
            "status": org.status,
            "withdrawn_offers": [o.id for o in offers],
            "users_logged_out": len(org.users),
        },
        organisation_id=org.id,
    )
    _flush()
    return offers


def assign_rep(offer: Offer, actor: User, rep: User | None) -> Offer:
    """A partner manager assigns (or reassigns) an accepted lead to one of its reps."""
    _require_partner_of(actor, offer, manager=True)
    if not offer.is_accepted:
        raise InvalidTransition(_l("Only an accepted lead can be assigned."))
    _partner_rep(offer, rep)
    before = {"rep": offer.assigned_rep.email if offer.assigned_rep else None}
    offer.assigned_rep = rep
    _flush()
    record_event(
        db.session,
        actor,
        "offer.assigned",
        offer,
        before=before,
        after={"rep": rep.email if rep else None},
        organisation_id=offer.organisation_id,
    )
    if rep is not None and rep.id != actor.id:
        queue_message(db.session, "lead_assigned", rep, _offer_payload(offer))
    return offer


# --------------------------------------------------------------------------- working the lead


def _accepted_offer(lead: Lead) -> Offer | None:
    """The lead's accepted offer, if any."""
    return next((o for o in lead.offers if o.is_accepted), None)


def _record_stage(lead: Lead, actor: User, to_stage: Stage, now: datetime, note: str | None):
    """Move the lead to ``to_stage`` with its history row, audit event and owner notice."""
    from_stage = lead.stage
    offer = _accepted_offer(lead)
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
    _flush()
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
    _require_worker(actor, offer)
    lead = offer.lead
    _check_version(lead, expected_version)
    now = now or utcnow()
    if to_stage not in stage_moves(lead):
        raise InvalidTransition(_l("The lead cannot move to this stage from its current stage."))
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
    _require_worker(actor, offer)
    lead = offer.lead
    _check_version(lead, expected_version)
    if lead.stage not in WORKING_STAGES:
        raise InvalidTransition(_l("Only a lead being worked can be closed."))
    product = (product or "").strip() or None
    if order_date is None or product is None or amount is None or delivery_date is None:
        raise MissingData(_l("A won deal needs the order date, product, amount and delivery date."))
    if amount < 0:
        raise MissingData(_l("The amount cannot be negative."))
    if delivery_date < order_date:
        raise MissingData(_l("The delivery date cannot be before the order date."))
    now = now or utcnow()
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
    _require_worker(actor, offer)
    lead = offer.lead
    _check_version(lead, expected_version)
    if lead.stage not in WORKING_STAGES:
        raise InvalidTransition(_l("Only a lead being worked can be closed."))
    note = (note or "").strip() or None
    if reason is None:
        raise MissingData(_l("Choose why the lead was lost."))
    if reason is LostReason.OTHER and note is None:
        raise MissingData(_l("Explain why the lead was lost."))
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
    """Log a contact with the prospect on an accepted lead (seed 001's activity record)."""
    _require_worker(actor, offer)
    _check_version(offer.lead, expected_version)
    if not detail or not detail.strip():
        raise MissingData(_l("Describe the activity."))
    now = now or utcnow()
    if occurred_at > now + timedelta(minutes=5):
        raise MissingData(_l("An activity cannot be in the future."))
    lead = offer.lead
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
    _flush()
    record_event(
        db.session,
        actor,
        "lead.activity_logged",
        lead,
        after={"activity_id": activity.id, "channel": channel, "category": category},
        organisation_id=offer.organisation_id,
    )
    return activity


def post_comment(offer: Offer, actor: User, *, body: str, now: datetime | None = None) -> Comment:
    """Post on the board of ``offer``; the other side is told."""
    if not actor.is_staff:
        _require_partner_of(actor, offer)
        if not offer.is_accepted:
            raise InvalidTransition(_l("The board opens once the lead is accepted."))
    body = (body or "").strip()
    if not body:
        raise MissingData(_l("The message is empty."))
    if len(body) > 5000:
        raise MissingData(_l("The message is too long (5,000 characters at most)."))
    comment = Comment(offer=offer, author=actor, body=body, created_at=now or utcnow())
    db.session.add(comment)
    _flush()
    record_event(
        db.session,
        actor,
        "comment.posted",
        offer,
        after={"comment_id": comment.id},
        organisation_id=offer.organisation_id,
    )
    payload = lead_payload(offer.lead) | {"author": actor.name}
    if actor.is_staff:
        _notify_partner(offer, "comment_new", payload)
    else:
        queue_message(db.session, "comment_new", offer.lead.owner, payload)
    return comment


# --------------------------------------------------------------------------- deal registration

REGISTRATION_FIELDS = (
    "company_name",
    "address",
    "phone",
    "representative",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
    "need",
    "product_interest",
)


def register_deal(actor: User, **fields: Any) -> DealRegistration:
    """A partner registers a deal it found itself; staff are told."""
    if not actor.is_partner:
        raise NotAllowed()
    missing = [name for name in REGISTRATION_FIELDS if not str(fields.get(name) or "").strip()]
    if missing:
        raise MissingData(_l("Fill in every required field."))
    registration = DealRegistration(
        organisation_id=actor.organisation_id, submitted_by=actor, **fields
    )
    db.session.add(registration)
    _flush()
    record_event(
        db.session,
        actor,
        "registration.submitted",
        registration,
        after={"company_key": normalise_company_name(registration.company_name)},
        organisation_id=actor.organisation_id,
    )
    owner = registration.organisation.account_owner
    if owner is not None:
        queue_message(
            db.session,
            "registration_submitted",
            owner,
            {"registration_ref": registration.ref, "partner_name": registration.organisation.name},
        )
    return registration


def approve_registration(
    registration: DealRegistration, actor: User, *, now: datetime | None = None
) -> Lead:
    """Staff approve: the deal becomes a lead already accepted by the registering partner."""
    _require_staff(actor)
    if registration.status is not RegistrationStatus.PENDING:
        raise InvalidTransition(_l("This registration has already been decided."))
    now = now or utcnow()
    r = registration
    prospect = Prospect(
        company_name=r.company_name,
        address=r.address,
        phone=r.phone,
        representative=r.representative,
        website=r.website,
        industry=r.industry,
        region=r.region,
        contact_name=r.contact_name,
        contact_title=r.contact_title,
        contact_phone=r.contact_phone,
        contact_email=r.contact_email,
        consent_to_share=r.contact_consent,
        consent_recorded_at=now if r.contact_consent else None,
        consent_method=ConsentMethod.WRITTEN if r.contact_consent else None,
    )
    lead = Lead(
        prospect=prospect,
        teaser=r.need[:200],
        need=r.need,
        product_interest=r.product_interest,
        source=LeadSource.PARTNER,
        timing=Timing.UNKNOWN,
        estimated_value=r.expected_value,
        has_budget=True,
        has_authority=True,
        has_need=True,
        has_timing=True,
        qualified_at=now,
        owner=actor,
        stage=Stage.APPOINTMENT,
        last_activity_at=now,
    )
    offer = Offer(
        lead=lead,
        organisation_id=r.organisation_id,
        state=OfferState.ACCEPTED,
        offered_by=actor,
        offered_at=now,
        respond_by=now,
        accepted_at=now,
        accepted_by_id=r.submitted_by_id,
        assigned_rep_id=r.submitted_by_id if r.submitted_by.role is Role.PARTNER_REP else None,
        comment_to_partner=None,
    )
    db.session.add_all([prospect, lead, offer])
    r.status = RegistrationStatus.APPROVED
    r.decided_by = actor
    r.decided_at = now
    r.lead = lead
    _flush()
    record_event(
        db.session,
        actor,
        "registration.approved",
        r,
        after={"lead": lead.ref},
        organisation_id=r.organisation_id,
    )
    queue_message(
        db.session,
        "registration_decided",
        r.submitted_by,
        {"registration_ref": r.ref, "status": "approved", "lead_ref": lead.ref},
    )
    return lead


def reject_registration(
    registration: DealRegistration, actor: User, *, reason: str, now: datetime | None = None
) -> DealRegistration:
    """Staff reject a registration with a reason the partner sees."""
    _require_staff(actor)
    if registration.status is not RegistrationStatus.PENDING:
        raise InvalidTransition(_l("This registration has already been decided."))
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for rejecting."))
    registration.status = RegistrationStatus.REJECTED
    registration.decision_reason = reason.strip()
    registration.decided_by = actor
    registration.decided_at = now or utcnow()
    _flush()
    record_event(
        db.session,
        actor,
        "registration.rejected",
        registration,
        after={"reason": registration.decision_reason},
        organisation_id=registration.organisation_id,
    )
    queue_message(
        db.session,
        "registration_decided",
        registration.submitted_by,
        {"registration_ref": registration.ref, "status": "rejected", "reason": reason.strip()},
    )
    return registration
