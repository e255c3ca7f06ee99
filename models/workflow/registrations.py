"""Deal registration: a partner registers a deal it found itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
    NotAllowed,
)
from models.leads import (
    Lead,
    LeadSource,
    Stage,
    Timing,
)
from models.offers import Offer, OfferState
from models.outbox import queue_message
from models.prospects import PROSPECT_REQUIRED, ConsentMethod, Prospect, normalise_company_name
from models.registrations import DealRegistration, RegistrationStatus
from models.users import Role, User
from models.workflow.guards import flush, require_staff

#: What a deal registration must say: the prospect's required fields, the need and the product.
REGISTRATION_FIELDS = (*PROSPECT_REQUIRED, "need", "product_interest")


def register_deal(actor: User, **fields: Any) -> DealRegistration:
    """A partner registers a deal it found itself; staff are told."""
    if not actor.is_partner:
        raise NotAllowed()
    missing = [name for name in REGISTRATION_FIELDS if not str(fields.get(name) or "").strip()]
    if missing:
        raise MissingData(_l("Fill in every required field."), field=missing[0])
    limits.check_amount(fields.get("expected_value"), field="expected_value")
    limits.check_text(fields.get("need"), limits.NEED_MAX, field="need")
    registration = DealRegistration(
        organisation_id=actor.organisation_id, submitted_by=actor, **fields
    )
    db.session.add(registration)
    flush()
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
    require_staff(actor)
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
    flush()
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
    require_staff(actor)
    if registration.status is not RegistrationStatus.PENDING:
        raise InvalidTransition(_l("This registration has already been decided."))
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for rejecting."), field="reason")
    limits.check_text(reason.strip(), limits.REASON_MAX, field="reason")
    registration.status = RegistrationStatus.REJECTED
    registration.decision_reason = reason.strip()
    registration.decided_by = actor
    registration.decided_at = now or utcnow()
    flush()
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
