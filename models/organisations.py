"""Organisations — the vendor and its partners — and each partner's visibility policy."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from models.users import User


class OrgKind(enum.Enum):
    """Whether an organisation is the vendor or a reseller partner."""

    VENDOR = "vendor"
    PARTNER = "partner"


class PartnerTier(enum.Enum):
    """The partner's grade in the vendor's programme."""

    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    REGISTERED = "registered"


class PartnerStatus(enum.Enum):
    """Lifecycle of a partner; only active partners receive offers."""

    PROSPECT = "prospect"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Engagement(enum.Enum):
    """How engaged a partner is with the programme (a partner-programme field)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: Days an approved deal registration is exclusive when the policy says nothing else.
DEFAULT_REGISTRATION_DAYS = 90

TIER_WEIGHT = {
    PartnerTier.PLATINUM: 1.0,
    PartnerTier.GOLD: 0.75,
    PartnerTier.SILVER: 0.5,
    PartnerTier.REGISTERED: 0.25,
}


class Organisation(Base):
    """The vendor (exactly one) or a reseller partner company."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, "org_kind"))
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    tier: Mapped[PartnerTier | None] = mapped_column(enum_column(PartnerTier, "partner_tier"))
    status: Mapped[PartnerStatus] = mapped_column(
        enum_column(PartnerStatus, "partner_status"), default=PartnerStatus.ACTIVE
    )
    regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    product_lines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    size_band: Mapped[str | None] = mapped_column(sa.String(20))
    source: Mapped[str | None] = mapped_column(sa.String(100))
    annual_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    engagement: Mapped[Engagement | None] = mapped_column(enum_column(Engagement, "engagement"))
    account_owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account_owner: Mapped[User | None] = relationship(foreign_keys=[account_owner_id])
    policy: Mapped[PartnerPolicy | None] = relationship(
        back_populates="organisation", uselist=False, cascade="all, delete-orphan"
    )
    users: Mapped[list[User]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'vendor' AND tier IS NULL) OR kind = 'partner'", name="vendor_has_no_tier"
        ),
    )

    @property
    def is_vendor(self) -> bool:
        """True for the vendor organisation."""
        return self.kind is OrgKind.VENDOR

    @property
    def receives_offers(self) -> bool:
        """Only active partners receive offers."""
        return self.kind is OrgKind.PARTNER and self.status is PartnerStatus.ACTIVE

    def __str__(self) -> str:
        return self.name


#: A partner's SLAs when its policy says nothing else. A deployment changes them with
#: ``FLASK_DEFAULT_RESPONSE_SLA_HOURS`` / ``FLASK_DEFAULT_UPDATE_SLA_DAYS``; every rule,
#: page and new policy reads them through the functions below.
RESPONSE_SLA_HOURS = 48
UPDATE_SLA_DAYS = 14


def default_response_sla_hours() -> int:
    """Hours a partner has to answer an offer, unless its policy says otherwise."""
    if has_app_context():
        return int(current_app.config.get("DEFAULT_RESPONSE_SLA_HOURS", RESPONSE_SLA_HOURS))
    return RESPONSE_SLA_HOURS


def default_update_sla_days() -> int:
    """Days an accepted lead may go without an update, unless the policy says otherwise."""
    if has_app_context():
        return int(current_app.config.get("DEFAULT_UPDATE_SLA_DAYS", UPDATE_SLA_DAYS))
    return UPDATE_SLA_DAYS


def response_sla_hours(policy: PartnerPolicy | None) -> int:
    """The response SLA of a partner with ``policy`` (the default without one)."""
    return policy.response_sla_hours if policy is not None else default_response_sla_hours()


def update_sla_days(policy: PartnerPolicy | None) -> int:
    """The update SLA of a partner with ``policy`` (the default without one)."""
    return policy.update_sla_days if policy is not None else default_update_sla_days()


def registration_days(policy: PartnerPolicy | None) -> int:
    """Days an approved deal registration stays exclusive to a partner with ``policy``."""
    return policy.registration_days if policy is not None else DEFAULT_REGISTRATION_DAYS


class PartnerPolicy(Base):
    """What one partner may see and receive, set by an administrator.

    Gate 3 of the three visibility gates (models/gates.py).
    """

    __tablename__ = "partner_policies"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    show_notes: Mapped[bool] = mapped_column(default=True)
    show_installed_products: Mapped[bool] = mapped_column(default=True)
    show_contact: Mapped[bool] = mapped_column(default=True)
    show_value: Mapped[bool] = mapped_column(default=False)
    details_need_approval: Mapped[bool] = mapped_column(default=False)
    allowed_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    allowed_product_lines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    max_open_leads: Mapped[int] = mapped_column(default=10)
    response_sla_hours: Mapped[int] = mapped_column(default=default_response_sla_hours)
    update_sla_days: Mapped[int] = mapped_column(default=default_update_sla_days)
    #: Days an approved deal registration stays exclusive to the partner.
    registration_days: Mapped[int] = mapped_column(
        default=DEFAULT_REGISTRATION_DAYS, server_default=str(DEFAULT_REGISTRATION_DAYS)
    )

    organisation: Mapped[Organisation] = relationship(back_populates="policy")

    __table_args__ = (
        sa.CheckConstraint("max_open_leads >= 0", name="max_open_leads_not_negative"),
        sa.CheckConstraint("response_sla_hours > 0", name="response_sla_positive"),
        sa.CheckConstraint("update_sla_days > 0", name="update_sla_positive"),
        sa.CheckConstraint("registration_days > 0", name="registration_days_positive"),
    )

    def allows_region(self, region: str | None) -> bool:
        """An empty region list means every region."""
        return not self.allowed_regions or region in self.allowed_regions

    def allows_product_line(self, product_line: str | None) -> bool:
        """An empty product-line list means every product line."""
        return not self.allowed_product_lines or product_line in self.allowed_product_lines
