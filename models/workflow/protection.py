"""The protected period of an approved deal registration: one extension, reminder, end.

An approved registration is exclusive to its partner until ``protected_until``
(the partner policy's ``registration_days``, default 90). The partner may ask
once for an extension, which staff grant (30 days unless they say otherwise) or
refuse with a reason. :func:`sweep_registrations`, called by the SLA sweep,
reminds the partner before the end and ends the period: a deal without progress
goes back to the vendor to offer again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from models.audit import record_event
from models.base import db, utcnow
from models.errors import InvalidTransition, MissingData
from models.leads import CLOSED_STAGES, Lead, Stage, StageChange
from models.offers import EndCause, OfferState
from models.outbox import queue_message
from models.registrations import (
    EXPIRING_SOON_DAYS,
    DealRegistration,
    ExtensionState,
    RegistrationStatus,
    RegistrationStepKind,
)
from models.users import User
from models.workflow.guards import flush, require_staff
from models.workflow.registrations import (
    add_step,
    registration_payload,
    require_registration_user,
    tell_partner,
    tell_staff,
)

#: The partner is reminded this many days before the protected period ends
#: (at half the period when the period itself is shorter than twice this).
REMINDER_DAYS = EXPIRING_SOON_DAYS
#: Days added by a granted extension unless staff say otherwise.
EXTENSION_DAYS = 30
#: Stages at which the protected period ends without the deal going back:
#: a proposal was made, or the deal is closed.
PROGRESS_STAGES = (Stage.PROPOSAL, *CLOSED_STAGES)


def request_extension(
    registration: DealRegistration, actor: User, *, reason: str, now: datetime | None = None
) -> DealRegistration:
    """The partner asks, once, for more time on an approved registration."""
    require_registration_user(actor, registration)
    now = now or utcnow()
    if (
        registration.status is not RegistrationStatus.APPROVED
        or registration.protection_ended_at is not None
        or registration.protected_until is None
        or registration.protected_until <= now
    ):
        raise InvalidTransition(_l("Only a registration still protected can be extended."))
    if registration.extension is not None:
        raise InvalidTransition(_l("An extension can be requested only once."))
    if not reason or not reason.strip():
        raise MissingData(_l("Say why you need more time."))
    registration.extension = ExtensionState.REQUESTED
    registration.extension_requested_at = now
    registration.extension_reason = reason.strip()
    add_step(registration, RegistrationStepKind.EXTENSION_REQUESTED, actor, now, reason.strip())
    flush()
    record_event(
        db.session,
        actor,
        "registration.extension_requested",
        registration,
        after={"reason": registration.extension_reason},
        organisation_id=registration.organisation_id,
    )
    tell_staff(
        registration,
        "registration_extension_requested",
        registration_payload(
            registration,
            reason=registration.extension_reason,
            protected_until=registration.protected_until.isoformat(),
        ),
    )
    return registration


def decide_extension(
    registration: DealRegistration,
    actor: User,
    *,
    grant: bool,
    days: int | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> DealRegistration:
    """Staff grant (adding ``days``, default 30) or refuse (with a reason) an extension."""
    require_staff(actor)
    if registration.extension is not ExtensionState.REQUESTED:
        raise InvalidTransition(_l("There is no extension request to decide."))
    if registration.status is not RegistrationStatus.APPROVED:
        raise InvalidTransition(_l("Only an approved registration can be extended."))
    now = now or utcnow()
    reason = (reason or "").strip() or None
    before = {"protected_until": registration.protected_until}
    if grant:
        days = days or EXTENSION_DAYS
        if days < 1 or days > 365:
            raise MissingData(_l("An extension is between 1 and 365 days."))
        start = max(registration.protected_until, now)
        registration.protected_until = start + timedelta(days=days)
        registration.extension = ExtensionState.GRANTED
        registration.expiry_reminded_at = None
        kind = RegistrationStepKind.EXTENSION_GRANTED
    else:
        if reason is None:
            raise MissingData(_l("Give a reason for refusing."))
        registration.extension = ExtensionState.REFUSED
        kind = RegistrationStepKind.EXTENSION_REFUSED
    registration.extension_decision_reason = reason
    add_step(registration, kind, actor, now, reason)
    flush()
    record_event(
        db.session,
        actor,
        f"registration.{kind.value}",
        registration,
        before=before,
        after={"protected_until": registration.protected_until, "reason": reason},
        organisation_id=registration.organisation_id,
    )
    tell_partner(
        registration,
        "registration_extension_decided",
        registration_payload(
            registration,
            granted=grant,
            reason=reason,
            protected_until=registration.protected_until.isoformat(),
        ),
    )
    return registration


# --------------------------------------------------------------------------- the SLA sweep


@dataclass
class RegistrationSweep:
    """What one run of :func:`sweep_registrations` did (registration references)."""

    reminded: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)


def _reminder_at(registration: DealRegistration) -> datetime:
    """When the partner is reminded: 14 days before the end, or halfway for short periods."""
    start = registration.decided_at or registration.submitted_at
    end = registration.protected_until
    lead_time = min(timedelta(days=REMINDER_DAYS), (end - start) / 2)
    return end - lead_time


def _return_lead(registration: DealRegistration, now: datetime) -> None:
    """End the partner's hold: its accepted offer is withdrawn, the lead is the vendor's again."""
    lead = registration.lead
    offer = next(
        (
            o
            for o in lead.offers
            if o.is_accepted and o.organisation_id == registration.organisation_id
        ),
        None,
    )
    if offer is not None:
        offer.state = OfferState.WITHDRAWN
        offer.ended_at = now
        offer.end_cause = EndCause.REGISTRATION_EXPIRED
        record_event(
            db.session,
            None,
            "offer.withdrawn",
            offer,
            before={"state": OfferState.ACCEPTED},
            after={"state": OfferState.WITHDRAWN, "cause": EndCause.REGISTRATION_EXPIRED},
            organisation_id=offer.organisation_id,
        )
    db.session.add(
        StageChange(
            lead=lead,
            offer_id=offer.id if offer else None,
            from_stage=lead.stage,
            to_stage=Stage.QUALIFIED,
            changed_by=None,
            changed_at=now,
            note=None,
        )
    )
    lead.stage = Stage.QUALIFIED
    lead.stale_since = None


def sweep_registrations(now: datetime | None = None) -> RegistrationSweep:
    """Remind partners before their protected period ends; end the periods that are over.

    At the end, a deal without progress (no proposal yet, not closed) goes back
    to the vendor to offer again and the registration is marked expired; a deal
    in progress stays with the partner. A pending extension request holds the
    end until staff decide. Idempotent: each step marks what it handled and every
    message carries a ``dedup_key``.
    """
    now = now or utcnow()
    report = RegistrationSweep()
    base = sa.select(DealRegistration).where(
        DealRegistration.status == RegistrationStatus.APPROVED,
        DealRegistration.protection_ended_at.is_(None),
    )
    due_soon = db.session.scalars(
        base.where(
            DealRegistration.expiry_reminded_at.is_(None),
            DealRegistration.protected_until > now,
            DealRegistration.protected_until <= now + timedelta(days=REMINDER_DAYS),
        ).options(selectinload(DealRegistration.organisation))
    )
    for r in due_soon:
        if now < _reminder_at(r):
            continue
        r.expiry_reminded_at = now
        add_step(r, RegistrationStepKind.EXPIRY_REMINDED, None, now)
        tell_partner(
            r,
            "registration_expiring",
            registration_payload(
                r, protected_until=r.protected_until.isoformat(), can_extend=r.extension is None
            ),
            dedup=f"registration_expiring:{r.id}:{r.protected_until.isoformat()}",
        )
        report.reminded.append(r.ref)
    over = db.session.scalars(
        base.where(
            DealRegistration.protected_until <= now,
            sa.or_(
                DealRegistration.extension.is_(None),
                DealRegistration.extension != ExtensionState.REQUESTED,
            ),
        ).options(selectinload(DealRegistration.lead).selectinload(Lead.offers))
    )
    for r in over:
        r.protection_ended_at = now
        lead = r.lead
        if lead is not None and not lead.archived and lead.stage not in PROGRESS_STAGES:
            _return_lead(r, now)
            r.status = RegistrationStatus.EXPIRED
            add_step(r, RegistrationStepKind.EXPIRED, None, now)
            payload = registration_payload(r, lead_ref=lead.ref)
            tell_partner(r, "registration_expired", payload, dedup=f"registration_expired:{r.id}")
            queue_message(
                db.session,
                "registration_returned",
                lead.owner,
                payload,
                dedup_key=f"registration_returned:{r.id}:{lead.owner_id}",
            )
            report.returned.append(r.ref)
        else:
            add_step(r, RegistrationStepKind.PROTECTION_ENDED, None, now)
            report.ended.append(r.ref)
        record_event(
            db.session,
            None,
            "registration.protection_ended",
            r,
            after={"status": r.status, "lead_stage": lead.stage if lead else None},
            organisation_id=r.organisation_id,
        )
    flush()
    return report
