"""Deal registration: a partner registers a deal it found itself; staff decide.

Lifecycle (docs/portal.md, docs/admin.md)::

    submitted → under review → approved → (protected period) → expired
                             ↘ rejected → (corrected) → submitted
                             ↘ attached to an existing lead
    submitted / under review → withdrawn by the partner

An approved registration is exclusive to its partner until ``protected_until``;
the partner may ask once for an extension, which staff grant or refuse.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import limits
from models.base import Base, enum_column, utcnow
from models.leads import new_reference
from models.prospects import ConsentMethod, normalise_company_name, normalise_phone

if TYPE_CHECKING:
    from models.leads import Lead
    from models.organisations import Organisation
    from models.users import User


class RegistrationStatus(enum.Enum):
    """Where a registration is in its lifecycle (see the module docstring)."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ATTACHED = "attached"
    EXPIRED = "expired"


#: "Expiring soon": the protected period ends within this many days; the partner
#: is reminded then too (see models.workflow.protection).
EXPIRING_SOON_DAYS = 14

#: Waiting for the vendor's decision.
UNDECIDED = (RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW)
#: Registrations that claim a deal: another registration of the same company conflicts.
CLAIMING = (*UNDECIDED, RegistrationStatus.APPROVED)

REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.SUBMITTED: _l("Awaiting review"),
    RegistrationStatus.UNDER_REVIEW: _l("Under review"),
    RegistrationStatus.APPROVED: _l("Approved"),
    RegistrationStatus.REJECTED: _l("Rejected"),
    RegistrationStatus.WITHDRAWN: _l("Withdrawn"),
    RegistrationStatus.ATTACHED: _l("Added to an existing deal"),
    RegistrationStatus.EXPIRED: _l("Protection ended"),
}


class ExtensionState(enum.Enum):
    """The one extension of the protected period a partner may ask for."""

    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


EXTENSION_STATE_LABELS = {
    ExtensionState.REQUESTED: _l("Extension requested"),
    ExtensionState.GRANTED: _l("Extension granted"),
    ExtensionState.REFUSED: _l("Extension refused"),
}


class RegistrationStepKind(enum.Enum):
    """One entry of a registration's history, as both sides see it."""

    SUBMITTED = "submitted"
    REVIEW_STARTED = "review_started"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ATTACHED = "attached"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_REFUSED = "extension_refused"
    EXPIRY_REMINDED = "expiry_reminded"
    PROTECTION_ENDED = "protection_ended"
    EXPIRED = "expired"


REGISTRATION_STEP_LABELS = {
    RegistrationStepKind.SUBMITTED: _l("Sent to the vendor"),
    RegistrationStepKind.REVIEW_STARTED: _l("Review started"),
    RegistrationStepKind.RESUBMITTED: _l("Corrected and resubmitted"),
    RegistrationStepKind.APPROVED: _l("Approved"),
    RegistrationStepKind.REJECTED: _l("Rejected"),
    RegistrationStepKind.WITHDRAWN: _l("Withdrawn by the partner"),
    RegistrationStepKind.ATTACHED: _l("Added to an existing deal"),
    RegistrationStepKind.EXTENSION_REQUESTED: _l("Extension requested"),
    RegistrationStepKind.EXTENSION_GRANTED: _l("Extension granted"),
    RegistrationStepKind.EXTENSION_REFUSED: _l("Extension refused"),
    RegistrationStepKind.EXPIRY_REMINDED: _l("Reminder: the protected period ends soon"),
    RegistrationStepKind.PROTECTION_ENDED: _l("Protected period ended with the deal in progress"),
    RegistrationStepKind.EXPIRED: _l("Protected period ended: the deal went back to the vendor"),
}


class DealRegistration(Base):
    """A deal a partner found and asks the vendor to register for it."""

    __tablename__ = "deal_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    company_name: Mapped[str] = mapped_column(sa.String(200))
    # Conflict-detection keys, kept in step with the fields they come from.
    company_key: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    address: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(40))
    phone_key: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    representative: Mapped[str] = mapped_column(sa.String(120))
    website: Mapped[str] = mapped_column(sa.String(300))
    industry: Mapped[str | None] = mapped_column(sa.String(40))
    region: Mapped[str | None] = mapped_column(sa.String(20))
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_title: Mapped[str | None] = mapped_column(sa.String(120))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    contact_phone_key: Mapped[str] = mapped_column(sa.String(40), default="", index=True)
    contact_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    # What the partner declared: consent to share with the vendor's partners, and how
    # it was obtained. Without a method the contact is not disclosed onward.
    contact_consent: Mapped[bool] = mapped_column(default=False)
    consent_method: Mapped[ConsentMethod | None] = mapped_column(
        enum_column(ConsentMethod, "registration_consent_method")
    )
    need: Mapped[str] = mapped_column(sa.Text)
    product_interest: Mapped[str] = mapped_column(sa.String(40))
    expected_value: Mapped[int | None] = mapped_column(sa.BigInteger)

    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.SUBMITTED,
        index=True,
    )
    #: How many possible conflicts were found at the last submission (staff only).
    conflict_count: Mapped[int] = mapped_column(default=0)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: An administrator's reason for approving beyond the partner's capacity.
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id", ondelete="SET NULL"))

    # The protected period of an approved registration.
    protected_until: Mapped[datetime | None] = mapped_column(index=True)
    expiry_reminded_at: Mapped[datetime | None]
    protection_ended_at: Mapped[datetime | None]
    extension: Mapped[ExtensionState | None] = mapped_column(
        enum_column(ExtensionState, "registration_extension")
    )
    extension_requested_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    extension_decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    lead: Mapped[Lead | None] = relationship()
    steps: Mapped[list[RegistrationStep]] = relationship(
        back_populates="registration", order_by="RegistrationStep.id"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "status != 'rejected' OR decision_reason IS NOT NULL", name="rejection_has_reason"
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'attached', 'expired') OR lead_id IS NOT NULL",
            name="approved_has_lead",
        ),
        sa.CheckConstraint(
            "status != 'approved' OR protected_until IS NOT NULL", name="approved_is_protected"
        ),
        sa.CheckConstraint(
            "contact_consent = false OR consent_method IS NOT NULL", name="consent_has_method"
        ),
        # Plausibility limits (models/limits.py), repeated by the database.
        sa.CheckConstraint(limits.amount_check("expected_value"), name="value_within_limits"),
        sa.CheckConstraint(limits.text_check("need", limits.NEED_MAX), name="need_within_limits"),
    )

    def __str__(self) -> str:
        return f"{self.company_name} ({self.ref})"

    @property
    def is_undecided(self) -> bool:
        """Waiting for the vendor's decision."""
        return self.status in UNDECIDED

    def is_expiring_soon(self, now: datetime) -> bool:
        """Approved, and the protected period ends within the next 14 days."""
        return (
            self.status is RegistrationStatus.APPROVED
            and self.protection_ended_at is None
            and self.protected_until is not None
            and now < self.protected_until <= now + timedelta(days=EXPIRING_SOON_DAYS)
        )

    def can_request_extension(self, now: datetime) -> bool:
        """Still protected, and no extension asked for yet."""
        return (
            self.status is RegistrationStatus.APPROVED
            and self.protection_ended_at is None
            and self.protected_until is not None
            and self.protected_until > now
            and self.extension is None
        )

    @sa.orm.validates("company_name")
    def _keep_company_key(self, key: str, value: str) -> str:
        """Keep the conflict key in step with the company name."""
        self.company_key = normalise_company_name(value)
        return value

    @sa.orm.validates("phone")
    def _keep_phone_key(self, key: str, value: str) -> str:
        """Keep the conflict key in step with the company phone."""
        self.phone_key = normalise_phone(value)
        return value

    @sa.orm.validates("contact_phone")
    def _keep_contact_phone_key(self, key: str, value: str) -> str:
        """Keep the conflict key in step with the contact phone."""
        self.contact_phone_key = normalise_phone(value)
        return value

    @sa.orm.validates("contact_email")
    def _lower_email(self, key: str, value: str) -> str:
        """E-mail addresses are compared case-insensitively."""
        return value.strip().lower() if value else value


def expiring_soon(now: datetime) -> sa.ColumnElement[bool]:
    """SQL: an approved registration whose protected period ends within the next 14 days."""
    return sa.and_(
        DealRegistration.status == RegistrationStatus.APPROVED,
        DealRegistration.protection_ended_at.is_(None),
        DealRegistration.protected_until > now,
        DealRegistration.protected_until <= now + timedelta(days=EXPIRING_SOON_DAYS),
    )


class RegistrationStep(Base):
    """One entry of a registration's history; ``note`` is what the partner may read."""

    __tablename__ = "deal_registration_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deal_registrations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RegistrationStepKind] = mapped_column(
        enum_column(RegistrationStepKind, "registration_step_kind")
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    registration: Mapped[DealRegistration] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()
