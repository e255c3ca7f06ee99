"""Deal registration: a partner registers a deal it found itself; staff decide."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import limits
from models.base import Base, enum_column, utcnow
from models.leads import new_reference

if TYPE_CHECKING:
    from models.leads import Lead
    from models.organisations import Organisation
    from models.users import User


class RegistrationStatus(enum.Enum):
    """pending → approved | rejected."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


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
    address: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(40))
    representative: Mapped[str] = mapped_column(sa.String(120))
    website: Mapped[str] = mapped_column(sa.String(300))
    industry: Mapped[str | None] = mapped_column(sa.String(40))
    region: Mapped[str | None] = mapped_column(sa.String(20))
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_title: Mapped[str | None] = mapped_column(sa.String(120))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_consent: Mapped[bool] = mapped_column(default=False)
    need: Mapped[str] = mapped_column(sa.Text)
    product_interest: Mapped[str] = mapped_column(sa.String(40))
    expected_value: Mapped[int | None] = mapped_column(sa.BigInteger)

    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.PENDING,
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    lead: Mapped[Lead | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "status != 'rejected' OR decision_reason IS NOT NULL", name="rejection_has_reason"
        ),
        sa.CheckConstraint("status != 'approved' OR lead_id IS NOT NULL", name="approved_has_lead"),
        # Plausibility limits (models/limits.py), repeated by the database.
        sa.CheckConstraint(limits.amount_check("expected_value"), name="value_within_limits"),
        sa.CheckConstraint(limits.text_check("need", limits.NEED_MAX), name="need_within_limits"),
    )
