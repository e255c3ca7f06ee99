"""Business cards (名刺) sent from a phone, waiting in the intake queue (rules: models.intake)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_column, utcnow
from models.leads import Lead, new_reference
from models.users import User


class CardStatus(enum.Enum):
    """Waiting in the queue, saved as a prospect, or dismissed."""

    WAITING = "waiting"
    SAVED = "saved"
    DISMISSED = "dismissed"


CARD_STATUS_LABELS = {
    CardStatus.WAITING: _l("Waiting"),
    CardStatus.SAVED: _l("Saved"),
    CardStatus.DISMISSED: _l("Dismissed"),
}


class BusinessCard(Base):
    """A photographed business card waiting to become a prospect."""

    __tablename__ = "business_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    #: Who met the person and sent the card: the new lead's owner.
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    photo_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    photo_type: Mapped[str] = mapped_column(sa.String(40))
    #: Whether OCR ran; its text and the fields it picked (pre-filling the form).
    ocr_available: Mapped[bool] = mapped_column(default=False)
    ocr_text: Mapped[str | None] = mapped_column(sa.Text)
    ocr_fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[CardStatus] = mapped_column(
        enum_column(CardStatus, "card_status"), default=CardStatus.WAITING, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    processed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id", ondelete="SET NULL"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    processed_by: Mapped[User | None] = relationship(foreign_keys=[processed_by_id])
    lead: Mapped[Lead | None] = relationship()

    @property
    def is_waiting(self) -> bool:
        """Still in the queue."""
        return self.status is CardStatus.WAITING


def intake_queue() -> sa.Select[tuple[BusinessCard]]:
    """The cards waiting to be entered, oldest first (the queue is shared by the vendor)."""
    return (
        sa.select(BusinessCard)
        .where(BusinessCard.status == CardStatus.WAITING)
        .order_by(BusinessCard.submitted_at, BusinessCard.id)
    )


def recent_cards(limit: int = 20) -> sa.Select[tuple[BusinessCard]]:
    """The latest cards already saved or dismissed."""
    return (
        sa.select(BusinessCard)
        .where(BusinessCard.status != CardStatus.WAITING)
        .order_by(BusinessCard.processed_at.desc(), BusinessCard.id.desc())
        .limit(limit)
    )
