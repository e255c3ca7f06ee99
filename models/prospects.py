"""Prospects — the customer company and its contact person — and their installed products."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_column, utcnow
from models.kanji_forms import FOLD_OLD_FORMS

#: The prospect company's own fields: a partner sees them once details are granted.
COMPANY_FIELDS = ("company_name", "address", "phone", "representative", "website")
#: What a teaser says about the prospect (codes of ``models.catalogue``, never a name).
PROFILE_FIELDS = ("industry", "size_band", "region")
#: The contact person: personal data, shared with a partner only with the contact's consent.
CONTACT_FIELDS = ("contact_name", "contact_title", "contact_phone", "contact_email")
#: Every field of a prospect that people type in, in the order forms and files show them.
PROSPECT_FIELDS = (*COMPANY_FIELDS, *PROFILE_FIELDS, *CONTACT_FIELDS)
#: Required whenever a prospect is captured (lead form, CSV import, deal registration).
PROSPECT_REQUIRED = (*COMPANY_FIELDS, "contact_name", "contact_phone", "contact_email")


class ConsentMethod(enum.Enum):
    """How the contact person's consent to share with partners was obtained."""

    PHONE = "phone"
    EMAIL = "email"
    WEB_FORM = "web_form"
    WRITTEN = "written"


_COMPANY_AFFIXES = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|\(株\)|\(有\)|\(同\)|㈱|㈲|"
    r"kabushikikaisha|kabushiki kaisha|co\.,?\s*ltd\.?|inc\.?|corporation|corp\.?|k\.k\.",
    re.IGNORECASE,
)


def normalise_company_name(name: str) -> str:
    """A key for duplicate detection: 株式会社/(株)/㈱, width variants and spaces removed.

    Old and variant kanji forms are folded to the modern ones (株式會社 → 株式会社,
    髙島 → 高島) after NFKC, so the legal-form affixes match in either writing.
    """
    text = unicodedata.normalize("NFKC", name or "").lower().translate(FOLD_OLD_FORMS)
    text = _COMPANY_AFFIXES.sub("", text)
    return re.sub(r"[\s\u3000・.,、。\-‐ー－]+", "", text)


def normalise_phone(phone: str) -> str:
    """Digits only, full-width digits folded: ０５２-１２３ → 052123."""
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))


class Prospect(Base):
    """The customer company and its contact person: the fields a lead needs."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(sa.String(200))
    company_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    address: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(40))
    phone_key: Mapped[str] = mapped_column(sa.String(40), default="", server_default="", index=True)
    representative: Mapped[str] = mapped_column(sa.String(120))
    website: Mapped[str] = mapped_column(sa.String(300))
    industry: Mapped[str | None] = mapped_column(sa.String(40))
    size_band: Mapped[str | None] = mapped_column(sa.String(20))
    region: Mapped[str | None] = mapped_column(sa.String(20), index=True)

    # The contact person: personal data under APPI.
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_title: Mapped[str | None] = mapped_column(sa.String(120))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    contact_phone_key: Mapped[str] = mapped_column(sa.String(40), index=True)
    contact_email: Mapped[str] = mapped_column(sa.String(254), index=True)

    consent_to_share: Mapped[bool] = mapped_column(default=False)
    consent_recorded_at: Mapped[datetime | None]
    consent_method: Mapped[ConsentMethod | None] = mapped_column(
        enum_column(ConsentMethod, "consent_method")
    )
    consent_recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    installed_products: Mapped[list[InstalledProduct]] = relationship(
        back_populates="prospect", order_by="InstalledProduct.installed_on"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "consent_to_share = false OR (consent_recorded_at IS NOT NULL "
            "AND consent_method IS NOT NULL)",
            name="consent_is_recorded",
        ),
    )

    def __str__(self) -> str:
        return self.company_name

    @sa.orm.validates("company_name")
    def _keep_company_key(self, key: str, value: str) -> str:
        """Keep the duplicate-detection key in step with the name."""
        self.company_key = normalise_company_name(value)
        return value

    @sa.orm.validates("phone")
    def _keep_company_phone_key(self, key: str, value: str) -> str:
        """Keep the duplicate-detection key in step with the company phone."""
        self.phone_key = normalise_phone(value)
        return value

    @sa.orm.validates("contact_phone")
    def _keep_phone_key(self, key: str, value: str) -> str:
        """Keep the duplicate-detection phone key in step with the phone."""
        self.contact_phone_key = normalise_phone(value)
        return value

    @sa.orm.validates("contact_email")
    def _lower_email(self, key: str, value: str) -> str:
        """E-mail addresses are compared case-insensitively."""
        return value.strip().lower() if value else value


class InstalledProduct(Base):
    """A vendor product the prospect already runs (its history with the vendor)."""

    __tablename__ = "installed_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    product_name: Mapped[str] = mapped_column(sa.String(200))
    product_line: Mapped[str | None] = mapped_column(sa.String(40))
    installed_on: Mapped[date | None]
    quantity: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    prospect: Mapped[Prospect] = relationship(back_populates="installed_products")

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
