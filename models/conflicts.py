"""Is this company already known? One matching rule for captured leads and deal registrations.

Two records are about the same company when any of these agree:

- the normalised company name (:func:`models.prospects.normalise_company_name`:
  株式会社 / (株) / ㈱, full- and half-width forms, spaces, old and new kanji forms);
- a phone number, digits only (the company's or the contact's, either way round);
- the contact's e-mail address, case-insensitively.

:func:`find_duplicates` (capture) and :func:`registration_conflicts` (deal
registration) both build on :class:`MatchKeys`, so both doors and both features
agree on what "the same company" means.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from models.base import db
from models.leads import CLOSED_STAGES, Lead
from models.offers import HOLDING_STATES, Offer
from models.organisations import Organisation
from models.prospects import Prospect, normalise_company_name, normalise_phone
from models.registrations import CLAIMING, DealRegistration

#: At most this many records of each kind are listed for one check.
MATCH_LIMIT = 20


class MatchReason(enum.Enum):
    """Which key two records share."""

    COMPANY = "company"
    PHONE = "phone"
    EMAIL = "email"


MATCH_REASON_LABELS = {
    MatchReason.COMPANY: _l("same company name"),
    MatchReason.PHONE: _l("same phone"),
    MatchReason.EMAIL: _l("same contact e-mail"),
}


class ConflictKind(enum.Enum):
    """What a registration runs into."""

    PROSPECT = "prospect"  # a customer the vendor already knows, without an open lead
    OPEN_LEAD = "open_lead"  # a lead still open (offered, accepted or being worked)
    REGISTRATION = "registration"  # another pending or approved registration


CONFLICT_KIND_LABELS = {
    ConflictKind.PROSPECT: _l("Known customer"),
    ConflictKind.OPEN_LEAD: _l("Open lead"),
    ConflictKind.REGISTRATION: _l("Other registration"),
}


@dataclass(frozen=True)
class MatchKeys:
    """The normalised keys of one record: company name, phones, contact e-mail."""

    company_key: str
    phone_keys: frozenset[str]
    email: str

    @classmethod
    def of(cls, company_name: str | None, phones: Iterable[str | None], email: str | None):
        """Keys of raw values (empty values never match anything)."""
        return cls(
            company_key=normalise_company_name(company_name or ""),
            phone_keys=frozenset(k for k in (normalise_phone(p or "") for p in phones) if k),
            email=(email or "").strip().lower(),
        )

    @property
    def empty(self) -> bool:
        """Nothing to compare."""
        return not (self.company_key or self.phone_keys or self.email)

    def prospect_condition(self) -> sa.ColumnElement[bool]:
        """SQL: a prospect sharing one of the keys."""
        conditions = []
        if self.company_key:
            conditions.append(Prospect.company_key == self.company_key)
        if self.phone_keys:
            conditions.append(Prospect.contact_phone_key.in_(self.phone_keys))
            conditions.append(Prospect.phone_key.in_(self.phone_keys))
        if self.email:
            conditions.append(Prospect.contact_email == self.email)
        return sa.or_(*conditions) if conditions else sa.false()

    def registration_condition(self) -> sa.ColumnElement[bool]:
        """SQL: a deal registration sharing one of the keys."""
        conditions = []
        if self.company_key:
            conditions.append(DealRegistration.company_key == self.company_key)
        if self.phone_keys:
            conditions.append(DealRegistration.phone_key.in_(self.phone_keys))
            conditions.append(DealRegistration.contact_phone_key.in_(self.phone_keys))
        if self.email:
            conditions.append(DealRegistration.contact_email == self.email)
        return sa.or_(*conditions) if conditions else sa.false()

    def reasons(
        self, company_key: str, phone_keys: Iterable[str], email: str
    ) -> tuple[MatchReason, ...]:
        """Which of these keys another record's keys share."""
        found = []
        if self.company_key and company_key == self.company_key:
            found.append(MatchReason.COMPANY)
        if self.phone_keys & {k for k in phone_keys if k}:
            found.append(MatchReason.PHONE)
        if self.email and email == self.email:
            found.append(MatchReason.EMAIL)
        return tuple(found)

    def prospect_reasons(self, prospect: Prospect) -> tuple[MatchReason, ...]:
        """Why ``prospect`` matches."""
        return self.reasons(
            prospect.company_key,
            (prospect.phone_key, prospect.contact_phone_key),
            prospect.contact_email,
        )


def matching_prospects(keys: MatchKeys) -> list[Prospect]:
    """Existing prospects sharing one of ``keys``, oldest first."""
    if keys.empty:
        return []
    return list(
        db.session.scalars(
            sa.select(Prospect)
            .where(keys.prospect_condition())
            .order_by(Prospect.id)
            .limit(MATCH_LIMIT)
        )
    )


@dataclass(frozen=True)
class Duplicate:
    """An existing prospect that looks like the one being captured, and why."""

    prospect: Prospect
    reasons: tuple[str, ...]


def find_duplicates(
    company_name: str | None, contact_phone: str | None, contact_email: str | None
) -> list[Duplicate]:
    """Existing prospects with the same normalised company name, phone or contact e-mail."""
    keys = MatchKeys.of(company_name, [contact_phone], contact_email)
    return [
        Duplicate(p, tuple(str(MATCH_REASON_LABELS[r]) for r in keys.prospect_reasons(p)))
        for p in matching_prospects(keys)
    ]


@dataclass(frozen=True)
class Conflict:
    """One existing record a registration runs into, for staff to compare side by side.

    ``partner`` is the partner holding it (the registering partner of another
    registration, the partner an open lead is offered to or accepted by), or None.
    """

    kind: ConflictKind
    reasons: tuple[MatchReason, ...]
    prospect: Prospect | None = None
    lead: Lead | None = None
    registration: DealRegistration | None = None
    partner: Organisation | None = None
    offer: Offer | None = None


def registration_keys(registration: DealRegistration) -> MatchKeys:
    """The match keys of a registration (its company and contact phones both count)."""
    return MatchKeys.of(
        registration.company_name,
        [registration.phone, registration.contact_phone],
        registration.contact_email,
    )


def registration_conflicts(registration: DealRegistration) -> list[Conflict]:
    """Everything the registration may clash with: known customers, open leads, registrations.

    Other registrations count while pending or approved, whoever registered them
    (the same partner registering twice is a conflict too). Rejected, withdrawn,
    attached and expired ones do not. Staff only: the partner never sees this.
    """
    keys = registration_keys(registration)
    if keys.empty:
        return []
    conflicts: list[Conflict] = []
    others = db.session.scalars(
        sa.select(DealRegistration)
        .where(
            keys.registration_condition(),
            DealRegistration.status.in_(CLAIMING),
            DealRegistration.id != registration.id if registration.id else sa.true(),
        )
        .options(selectinload(DealRegistration.organisation))
        .order_by(DealRegistration.id)
        .limit(MATCH_LIMIT)
    )
    claimed_leads: set[int] = set()
    for other in others:
        reasons = keys.reasons(
            other.company_key, (other.phone_key, other.contact_phone_key), other.contact_email
        )
        if other.lead_id is not None:
            claimed_leads.add(other.lead_id)
        conflicts.append(
            Conflict(
                ConflictKind.REGISTRATION,
                reasons,
                registration=other,
                lead=other.lead,
                partner=other.organisation,
            )
        )
    own_lead = registration.lead_id
    for prospect in matching_prospects(keys):
        reasons = keys.prospect_reasons(prospect)
        leads = db.session.scalars(
            sa.select(Lead)
            .where(
                Lead.prospect_id == prospect.id,
                Lead.stage.not_in(CLOSED_STAGES),
                Lead.archived.is_(False),
            )
            .options(selectinload(Lead.offers).selectinload(Offer.organisation))
            .order_by(Lead.id)
        ).all()
        open_leads = [lead for lead in leads if lead.id not in claimed_leads | {own_lead}]
        if not leads:
            conflicts.append(Conflict(ConflictKind.PROSPECT, reasons, prospect=prospect))
        for lead in open_leads:
            holding = next(
                (o for o in lead.offers if o.state in HOLDING_STATES),
                None,
            )
            conflicts.append(
                Conflict(
                    ConflictKind.OPEN_LEAD,
                    reasons,
                    prospect=prospect,
                    lead=lead,
                    partner=holding.organisation if holding else None,
                    offer=holding,
                )
            )
    return conflicts
