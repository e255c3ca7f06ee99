"""Deal registration: a partner registers a deal it found itself; staff decide.

The lifecycle and the protected period are described in
:mod:`models.registrations`, docs/portal.md and docs/admin.md. Conflicts with
known customers, open leads and other registrations are found by
:func:`models.conflicts.registration_conflicts`; the partner only ever sees
"under review", staff see every conflict.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.conflicts import registration_conflicts
from models.errors import InvalidTransition, MissingData, NotAllowed, PolicyViolation
from models.leads import (
    Channel,
    ConversationNote,
    Lead,
    LeadSource,
    NoteCategory,
    NoteVisibility,
    Stage,
    Timing,
)
from models.offers import Offer, OfferState
from models.organisations import registration_days
from models.outbox import queue_message
from models.prospects import PROSPECT_REQUIRED, ConsentMethod, Prospect
from models.registrations import (
    UNDECIDED,
    DealRegistration,
    RegistrationStatus,
    RegistrationStep,
    RegistrationStepKind,
)
from models.users import Role, User
from models.workflow.capacity import open_lead_count
from models.workflow.guards import flush, require_staff
from models.workflow.notifications import partner_managers

#: What a deal registration must say: the prospect's required fields, the need and the product.
REGISTRATION_FIELDS = (*PROSPECT_REQUIRED, "need", "product_interest")
#: Every field a partner may fill in (the required ones and the optional ones).
EDITABLE_FIELDS = (
    *REGISTRATION_FIELDS,
    "industry",
    "region",
    "contact_title",
    "consent_method",
    "expected_value",
)


# --------------------------------------------------------------------------- helpers


def add_step(
    registration: DealRegistration,
    kind: RegistrationStepKind,
    actor: User | None,
    now: datetime,
    note: str | None = None,
) -> None:
    """Add one entry to the registration's history."""
    registration.steps.append(
        RegistrationStep(kind=kind, actor=actor, occurred_at=now, note=note or None)
    )


def registration_payload(registration: DealRegistration, **extra: Any) -> dict[str, Any]:
    """What every registration notice carries: no other partner, no personal data."""
    return {
        "registration_ref": registration.ref,
        "company_name": registration.company_name,
        "partner_name": registration.organisation.name,
        "status": registration.status.value,
        **extra,
    }


def _partner_people(registration: DealRegistration) -> list[User]:
    """Who hears about a registration at the partner: whoever submitted it and the managers."""
    people = {u.id: u for u in partner_managers(registration.organisation_id)}
    people[registration.submitted_by.id] = registration.submitted_by
    return list(people.values())


def tell_partner(
    registration: DealRegistration, kind: str, payload: dict, dedup: str | None = None
) -> None:
    """Queue ``kind`` for the partner's people."""
    for person in _partner_people(registration):
        key = f"{dedup}:{person.id}" if dedup else None
        queue_message(db.session, kind, person, payload, dedup_key=key)


def _staff_contact(registration: DealRegistration) -> list[User]:
    """Who hears about a registration at the vendor: the partner's account owner, else admins."""
    owner = registration.organisation.account_owner
    if owner is not None and owner.active:
        return [owner]
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
    )


def tell_staff(registration: DealRegistration, kind: str, payload: dict) -> None:
    """Queue ``kind`` for the vendor's people in charge of this partner."""
    for person in _staff_contact(registration):
        queue_message(db.session, kind, person, payload)


def require_registration_user(actor: User, registration: DealRegistration) -> None:
    """The partner's manager, or the user who submitted it."""
    if not actor.is_partner or actor.organisation_id != registration.organisation_id:
        raise NotAllowed()
    if actor.role is not Role.PARTNER_MANAGER and actor.id != registration.submitted_by_id:
        raise NotAllowed()


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Strip text, check the required fields; empty optional values become None."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise MissingData(_l("Fill in every required field."))
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    missing = [name for name in REGISTRATION_FIELDS if not str(values.get(name) or "").strip()]
    if missing:
        raise MissingData(_l("Fill in every required field."), field=missing[0])
    limits.check_amount(values.get("expected_value"), field="expected_value")
    limits.check_text(values.get("need"), limits.NEED_MAX, field="need")
    for name in ("industry", "region", "contact_title", "consent_method"):
        values[name] = values.get(name) or None
    if isinstance(values["consent_method"], str):
        values["consent_method"] = ConsentMethod(values["consent_method"])
    return values


def _fill(registration: DealRegistration, values: dict[str, Any]) -> None:
    """Copy the partner's values; consent is exactly what was declared."""
    for name, value in values.items():
        setattr(registration, name, value)
    registration.contact_consent = registration.consent_method is not None


def _check_conflicts(registration: DealRegistration) -> int:
    """Count conflicts; any sends the registration straight to review."""
    count = len(registration_conflicts(registration))
    registration.conflict_count = count
    if count:
        registration.status = RegistrationStatus.UNDER_REVIEW
    return count


# --------------------------------------------------------------------------- the partner


#: The same deal registered again by the same user within this window is a double submit.
DUPLICATE_WINDOW = timedelta(seconds=60)


def register_deal(
    actor: User, *, now: datetime | None = None, from_form: bool = False, **fields: Any
) -> DealRegistration:
    """A partner registers a deal it found itself; staff are told.

    With a possible conflict (same company, phone or contact e-mail as a known
    customer, an open lead or another registration) it goes straight to review;
    the partner sees only "under review".
    """
    if not actor.is_partner:
        raise NotAllowed()
    now = now or utcnow()
    values = _clean(fields)
    # From a form, a double submit (a second click, a resent page) registers once; other
    # callers may register the same deal twice on purpose (it then conflicts with itself).
    duplicate = from_form and db.session.scalar(
        sa.select(DealRegistration)
        .where(
            DealRegistration.submitted_by_id == actor.id,
            DealRegistration.company_name == values["company_name"],
            DealRegistration.need == values["need"],
            DealRegistration.submitted_at >= now - DUPLICATE_WINDOW,
        )
        .limit(1)
    )
    if duplicate:
        return duplicate
    registration = DealRegistration(
        organisation_id=actor.organisation_id,
        submitted_by=actor,
        submitted_at=now,
        status=RegistrationStatus.SUBMITTED,
    )
    _fill(registration, values)
    db.session.add(registration)
    flush()
    conflicts = _check_conflicts(registration)
    add_step(registration, RegistrationStepKind.SUBMITTED, actor, now)
    flush()
    record_event(
        db.session,
        actor,
        "registration.submitted",
        registration,
        after={
            "company_key": registration.company_key,
            "status": registration.status,
            "conflicts": conflicts,
            "consent_method": registration.consent_method,
        },
        organisation_id=actor.organisation_id,
    )
    tell_staff(
        registration,
        "registration_submitted",
        registration_payload(registration, conflicts=conflicts),
    )
    return registration


def resubmit_registration(
    registration: DealRegistration, actor: User, *, now: datetime | None = None, **fields: Any
) -> DealRegistration:
    """The partner corrects a rejected registration and sends it again."""
    require_registration_user(actor, registration)
    if registration.status is not RegistrationStatus.REJECTED:
        raise InvalidTransition(_l("Only a rejected registration can be corrected and resent."))
    now = now or utcnow()
    values = _clean(fields)
    before = {"status": registration.status, "reason": registration.decision_reason}
    _fill(registration, values)
    registration.status = RegistrationStatus.SUBMITTED
    registration.decided_by = None
    registration.decided_at = None
    registration.decision_reason = None
    registration.submitted_at = now
    conflicts = _check_conflicts(registration)
    add_step(registration, RegistrationStepKind.RESUBMITTED, actor, now)
    flush()
    record_event(
        db.session,
        actor,
        "registration.resubmitted",
        registration,
        before=before,
        after={"status": registration.status, "conflicts": conflicts},
        organisation_id=registration.organisation_id,
    )
    tell_staff(
        registration,
        "registration_submitted",
        registration_payload(registration, conflicts=conflicts),
    )
    return registration


def withdraw_registration(
    registration: DealRegistration, actor: User, *, now: datetime | None = None
) -> DealRegistration:
    """The partner takes back a registration the vendor has not decided yet."""
    require_registration_user(actor, registration)
    if registration.status not in UNDECIDED:
        raise InvalidTransition(
            _l("Only a registration still waiting for a decision can be withdrawn.")
        )
    now = now or utcnow()
    before = registration.status
    registration.status = RegistrationStatus.WITHDRAWN
    add_step(registration, RegistrationStepKind.WITHDRAWN, actor, now)
    flush()
    record_event(
        db.session,
        actor,
        "registration.withdrawn",
        registration,
        before={"status": before},
        after={"status": registration.status},
        organisation_id=registration.organisation_id,
    )
    return registration


# --------------------------------------------------------------------------- staff


def _require_undecided(registration: DealRegistration) -> None:
    """Staff decide once."""
    if registration.status not in UNDECIDED:
        raise InvalidTransition(_l("This registration has already been decided."))


def start_review(
    registration: DealRegistration, actor: User, *, now: datetime | None = None
) -> DealRegistration:
    """Staff take a submitted registration into review (the partner sees "under review")."""
    require_staff(actor)
    if registration.status is not RegistrationStatus.SUBMITTED:
        raise InvalidTransition(_l("Only a submitted registration can be taken into review."))
    now = now or utcnow()
    registration.status = RegistrationStatus.UNDER_REVIEW
    add_step(registration, RegistrationStepKind.REVIEW_STARTED, actor, now)
    flush()
    record_event(
        db.session,
        actor,
        "registration.review_started",
        registration,
        after={"status": registration.status},
        organisation_id=registration.organisation_id,
    )
    return registration


def approve_registration(
    registration: DealRegistration,
    actor: User,
    *,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Lead:
    """Staff approve: the deal becomes a lead accepted by the partner, protected for a period.

    Only an active partner can be approved. A partner at capacity can be approved
    only by an administrator giving a reason (audited). The contact's consent is
    recorded exactly as the partner declared it; none declared means the contact
    is not disclosed to other partners.
    """
    require_staff(actor)
    _require_undecided(registration)
    r = registration
    partner = r.organisation
    if not partner.receives_offers:
        raise InvalidTransition(_l("Only an active partner's registration can be approved."))
    override = (override_reason or "").strip() or None
    policy = partner.policy
    holding = open_lead_count(partner.id)
    at_capacity = policy is not None and holding >= policy.max_open_leads
    if at_capacity and override is None:
        raise PolicyViolation(
            _l("The partner is at capacity. An administrator can approve anyway, giving a reason.")
        )
    if override is not None and not actor.is_admin:
        raise NotAllowed(_l("Only an administrator can approve beyond the partner's capacity."))
    now = now or utcnow()
    conflicts = len(registration_conflicts(r))
    consent = r.consent_method is not None
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
        consent_to_share=consent,
        consent_method=r.consent_method,
        consent_recorded_at=r.submitted_at if consent else None,
        consent_recorded_by_id=r.submitted_by_id if consent else None,
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
        override_reason=override if at_capacity else None,
    )
    db.session.add_all([prospect, lead, offer])
    r.status = RegistrationStatus.APPROVED
    r.decided_by = actor
    r.decided_at = now
    r.lead = lead
    r.override_reason = override if at_capacity else None
    r.protected_until = now + timedelta(days=registration_days(partner.policy))
    add_step(r, RegistrationStepKind.APPROVED, actor, now)
    flush()
    record_event(
        db.session,
        actor,
        "registration.approved",
        r,
        after={
            "lead": lead.ref,
            "protected_until": r.protected_until,
            "consent_method": r.consent_method,
            "capacity_override": r.override_reason,
            "open_leads_before": holding,
            "conflicts": conflicts,
        },
        organisation_id=r.organisation_id,
    )
    tell_partner(
        r,
        "registration_decided",
        registration_payload(r, lead_ref=lead.ref, protected_until=r.protected_until.isoformat()),
    )
    return lead


def reject_registration(
    registration: DealRegistration, actor: User, *, reason: str, now: datetime | None = None
) -> DealRegistration:
    """Staff reject a registration with a reason the partner sees (it may correct and resend)."""
    require_staff(actor)
    _require_undecided(registration)
    if not reason or not reason.strip():
        raise MissingData(_l("Give a reason for rejecting."), field="reason")
    limits.check_text(reason.strip(), limits.REASON_MAX, field="reason")
    now = now or utcnow()
    registration.status = RegistrationStatus.REJECTED
    registration.decision_reason = reason.strip()
    registration.decided_by = actor
    registration.decided_at = now
    add_step(registration, RegistrationStepKind.REJECTED, actor, now, registration.decision_reason)
    flush()
    record_event(
        db.session,
        actor,
        "registration.rejected",
        registration,
        after={"reason": registration.decision_reason},
        organisation_id=registration.organisation_id,
    )
    tell_partner(
        registration,
        "registration_decided",
        registration_payload(registration, reason=reason.strip()),
    )
    return registration


def attach_registration(
    registration: DealRegistration,
    lead: Lead,
    actor: User,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> DealRegistration:
    """Staff add the registration to a lead the vendor already has (no new lead).

    What the partner wrote is kept on the lead as an internal note; the partner
    learns only that the deal was already known, never who else is involved.
    Staff may then offer the lead to the partner the usual way.
    """
    require_staff(actor)
    _require_undecided(registration)
    if lead.archived or lead.is_closed:
        raise InvalidTransition(_l("A registration can only be added to an open lead."))
    now = now or utcnow()
    note = (note or "").strip() or None
    registration.status = RegistrationStatus.ATTACHED
    registration.lead = lead
    registration.decided_by = actor
    registration.decided_at = now
    registration.decision_reason = note
    db.session.add(
        ConversationNote(
            lead=lead,
            author=actor,
            occurred_at=now,
            channel=Channel.WEB,
            category=NoteCategory.OTHER,
            visibility=NoteVisibility.INTERNAL,
            text=str(
                _l(
                    "Deal registration %(ref)s from %(partner)s: %(need)s",
                    ref=registration.ref,
                    partner=registration.organisation.name,
                    need=registration.need,
                )
            ),
        )
    )
    add_step(registration, RegistrationStepKind.ATTACHED, actor, now, note)
    flush()
    record_event(
        db.session,
        actor,
        "registration.attached",
        registration,
        after={"lead": lead.ref, "note": note},
        organisation_id=registration.organisation_id,
    )
    tell_partner(
        registration, "registration_decided", registration_payload(registration, reason=note)
    )
    return registration
