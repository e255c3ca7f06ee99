"""Rules of an offer's life: offered, details, accepted, declined, expired, withdrawn."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
    NoLongerAvailable,
    NotAllowed,
    PolicyViolation,
    StaleRecord,
)
from models.leads import (
    Lead,
    Stage,
    StageChange,
)
from models.offers import OPEN_STATES, DeclineReason, EndCause, Offer, OfferState
from models.organisations import Organisation, response_sla_hours
from models.outbox import queue_message
from models.users import User
from models.workflow.board import post_comment
from models.workflow.capacity import policy_problems
from models.workflow.guards import check_version, flush, require_partner_of, require_staff
from models.workflow.notifications import notify_partner, offer_payload


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
    require_staff(actor)
    now = now or utcnow()
    if lead.archived:
        raise InvalidTransition(_l("An archived lead cannot be offered: unarchive it first."))
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
    limits.check_text(comment, limits.COMMENT_MAX, field="comment")
    limits.check_text(override_reason, limits.REASON_MAX, field="override_reason")
    problems = policy_problems(lead, partner)
    override_reason = (override_reason or "").strip() or None
    if problems and override_reason is None:
        raise PolicyViolation(" ".join(problems))
    hours = response_sla_hours(partner.policy)
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
    flush()
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
    notify_partner(offer, "offer_new", offer_payload(offer))
    return offer


def request_details(offer: Offer, actor: User, *, now: datetime | None = None) -> Offer:
    """The partner asks for the details; granted at once unless its policy needs approval."""
    require_partner_of(actor, offer, manager=True)
    now = now or utcnow()
    if offer.state is not OfferState.OFFERED:
        raise InvalidTransition(_l("Details can only be requested for a new offer."))
    if now >= offer.respond_by:
        raise InvalidTransition(_l("This offer has expired."))
    offer.state = OfferState.DETAILS_REQUESTED
    offer.details_requested_at = now
    flush()
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
        queue_message(db.session, "details_requested", offer.lead.owner, offer_payload(offer))
        return offer
    return _grant(offer, None, now)


def _resume_clock(offer: Offer, now: datetime) -> datetime:
    """Move the deadline on by the time the request waited for staff; return the old one.

    While details wait for the vendor's approval the partner's clock is paused:
    the vendor's delay is not the partner's (the sweep neither reminds nor
    expires such an offer).
    """
    before = offer.respond_by
    if offer.details_requested_at is not None and now > offer.details_requested_at:
        offer.respond_by = before + (now - offer.details_requested_at)
    return before


def _grant(offer: Offer, actor: User | None, now: datetime) -> Offer:
    """Move a details request to granted and tell the partner."""
    deadline_before = _resume_clock(offer, now)
    offer.state = OfferState.DETAILS_GRANTED
    offer.details_granted_at = now
    offer.details_granted_by_id = actor.id if actor else None
    flush()
    record_event(
        db.session,
        actor,
        "offer.details_granted",
        offer,
        before={"state": OfferState.DETAILS_REQUESTED, "respond_by": deadline_before},
        after={"state": offer.state, "automatic": actor is None, "respond_by": offer.respond_by},
        organisation_id=offer.organisation_id,
    )
    notify_partner(offer, "details_granted", offer_payload(offer))
    return offer


def grant_details(offer: Offer, actor: User, *, now: datetime | None = None) -> Offer:
    """Staff approve a partner's request for details."""
    require_staff(actor)
    if offer.state is not OfferState.DETAILS_REQUESTED:
        raise InvalidTransition(_l("There is no pending request for details."))
    return _grant(offer, actor, now or utcnow())


def refuse_details(offer: Offer, actor: User, *, reason: str, now: datetime | None = None) -> Offer:
    """Staff refuse a request for details; the offer stays open at teaser level."""
    require_staff(actor)
    if offer.state is not OfferState.DETAILS_REQUESTED:
        raise InvalidTransition(_l("There is no pending request for details."))
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for refusing."), field="reason")
    limits.check_text(reason.strip(), limits.REASON_MAX, field="reason")
    deadline_before = _resume_clock(offer, now or utcnow())
    offer.state = OfferState.OFFERED
    offer.details_refused_reason = reason.strip()
    flush()
    record_event(
        db.session,
        actor,
        "offer.details_refused",
        offer,
        before={"state": OfferState.DETAILS_REQUESTED, "respond_by": deadline_before},
        after={
            "state": offer.state,
            "reason": offer.details_refused_reason,
            "respond_by": offer.respond_by,
        },
        organisation_id=offer.organisation_id,
    )
    notify_partner(offer, "details_refused", offer_payload(offer) | {"reason": reason.strip()})
    return offer


def partner_rep(offer: Offer, rep: User | None) -> User | None:
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
    require_partner_of(actor, offer, manager=True)
    now = now or utcnow()
    lead = offer.lead
    if offer.state not in OPEN_STATES:
        taken = lead.accepted_offer
        if taken is not None and taken.id != offer.id:
            raise NoLongerAvailable()
        raise InvalidTransition(_l("This offer can no longer be accepted."))
    if offer.deadline_passed(now):
        raise InvalidTransition(_l("This offer has expired."))
    if lead.stage is not Stage.QUALIFIED:
        raise NoLongerAvailable()
    # After the state checks, so a partner that came second hears "taken", not "reload".
    check_version(offer, expected_version)
    partner_rep(offer, rep)
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
        flush()
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
    queue_message(db.session, "offer_accepted", lead.owner, offer_payload(offer))
    if rep is not None and rep.id != actor.id:
        queue_message(db.session, "lead_assigned", rep, offer_payload(offer))
    for other in lead.offers:
        if other.id != offer.id and other.is_open:
            end_offer(
                other, None, OfferState.WITHDRAWN, now, cause=EndCause.ACCEPTED_BY_ANOTHER_PARTNER
            )
            notify_partner(other, "offer_withdrawn", offer_payload(other))
    if comment and comment.strip():
        post_comment(offer, actor, body=comment, now=now)
    flush()
    return offer


def end_offer(
    offer: Offer,
    actor: User | None,
    state: OfferState,
    now: datetime,
    *,
    cause: EndCause | None = None,
    reason: str | None = None,
) -> None:
    """Close an open offer as declined, expired or withdrawn.

    ``cause`` is the code of why a withdrawal or expiry happened; ``reason`` is a
    person's own words (a staff withdrawal) or the decline reason's code.
    """
    before = {"state": offer.state}
    offer.state = state
    offer.ended_at = now
    offer.end_cause = cause
    if state is OfferState.WITHDRAWN:
        offer.withdraw_reason = reason
    record_event(
        db.session,
        actor,
        f"offer.{state.value}",
        offer,
        before=before,
        after={"state": state, "cause": cause, "reason": reason},
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
    require_partner_of(actor, offer, manager=True)
    check_version(offer, expected_version)
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("This offer can no longer be declined."))
    if reason is None:
        raise MissingData(_l("Choose a reason for declining."), field="reason")
    note = (note or "").strip() or None
    if reason is DeclineReason.OTHER and note is None:
        raise MissingData(_l("Explain the reason for declining."), field="note")
    limits.check_text(note, limits.REASON_MAX, field="note")
    now = now or utcnow()
    offer.decline_reason = reason
    offer.decline_note = note
    end_offer(offer, actor, OfferState.DECLINED, now, reason=reason.value)
    flush()
    queue_message(
        db.session,
        "offer_declined",
        offer.lead.owner,
        offer_payload(offer) | {"reason": reason.value, "note": note},
    )
    return offer


def _check_expirable(offer: Offer, now: datetime) -> None:
    """Only an open offer past its deadline expires."""
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("Only an open offer can expire."))
    if now < offer.respond_by:
        raise InvalidTransition(_l("The offer's deadline has not passed."))


def expire_offer(offer: Offer, *, now: datetime | None = None, notify: bool = True) -> Offer:
    """An offer past its deadline without an answer expires; the owner is told.

    The SLA sweep uses :func:`expire_due_offers` and calls :func:`notify_expiry`
    once it knows whether the lead was re-offered, so the mail says where the lead went.
    """
    now = now or utcnow()
    _check_expirable(offer, now)
    end_offer(offer, None, OfferState.EXPIRED, now, cause=EndCause.RESPONSE_SLA)
    flush()
    if notify:
        notify_expiry(offer)
    return offer


def expire_due_offers(offers: list[Offer], *, now: datetime | None = None) -> list[Offer]:
    """:func:`expire_offer` for many offers with one flush; the caller notifies (the sweep).

    Every offer is checked before any changes, so a refusal leaves all of them open.
    """
    now = now or utcnow()
    for offer in offers:
        _check_expirable(offer, now)
    for offer in offers:
        end_offer(offer, None, OfferState.EXPIRED, now, cause=EndCause.RESPONSE_SLA)
    flush()
    return offers


def notify_expiry(
    offer: Offer, *, reoffer: Offer | None = None, reoffer_tried: bool = False
) -> None:
    """Tell the lead's owner that ``offer`` expired, and where the lead went next."""
    payload = offer_payload(offer) | {
        "reoffered_to": reoffer.organisation.name if reoffer is not None else None,
        "reoffer_respond_by": reoffer.respond_by.isoformat() if reoffer is not None else None,
        "reoffer_tried": reoffer_tried,
    }
    queue_message(db.session, "offer_expired", offer.lead.owner, payload)


def withdraw_offer(
    offer: Offer,
    actor: User,
    *,
    reason: str | None = None,
    cause: EndCause = EndCause.WITHDRAWN_BY_STAFF,
    now: datetime | None = None,
) -> Offer:
    """Staff take an open offer back: in their own words, or for a coded ``cause``."""
    require_staff(actor)
    if offer.state not in OPEN_STATES:
        raise InvalidTransition(_l("Only an open offer can be withdrawn."))
    reason = (reason or "").strip() or None
    if reason is None and cause is EndCause.WITHDRAWN_BY_STAFF:
        raise MissingData(_l("Give a reason for withdrawing."), field="reason")
    limits.check_text(reason, limits.REASON_MAX, field="reason")
    end_offer(offer, actor, OfferState.WITHDRAWN, now or utcnow(), cause=cause, reason=reason)
    flush()
    notify_partner(offer, "offer_withdrawn", offer_payload(offer))
    return offer


def assign_rep(offer: Offer, actor: User, rep: User | None) -> Offer:
    """A partner manager assigns (or reassigns) an accepted lead to one of its reps."""
    require_partner_of(actor, offer, manager=True)
    if not offer.is_accepted:
        raise InvalidTransition(_l("Only an accepted lead can be assigned."))
    partner_rep(offer, rep)
    before = {"rep": offer.assigned_rep.email if offer.assigned_rep else None}
    offer.assigned_rep = rep
    flush()
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
        queue_message(db.session, "lead_assigned", rep, offer_payload(offer))
    return offer
