"""Notifications written in the same transaction as the change that caused them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from models.users import User


class OutboxStatus(enum.Enum):
    """pending → sent, or failed after the last retry."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One e-mail to one person, rendered and delivered later, retried until sent."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(60))
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(5))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Makes repeated triggers (an SLA sweep run twice) queue a message only once.
    dedup_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]

    recipient: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


def queue_message(
    session: sa.orm.Session,
    kind: str,
    recipient: User,
    payload: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message for ``recipient`` in their language; skip a duplicate ``dedup_key``."""
    if not recipient.active or not recipient.email:
        return None
    if dedup_key is not None:
        exists = session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)
        )
        if exists is not None:
            return None
    message = OutboxMessage(
        kind=kind,
        recipient_id=recipient.id,
        to_email=recipient.email,
        locale=recipient.locale.value,
        payload=payload or {},
        dedup_key=dedup_key,
    )
    session.add(message)
    return message
