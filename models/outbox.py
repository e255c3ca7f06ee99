"""Notifications written in the same transaction as the change that caused them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from models.users import User


class OutboxStatus(enum.Enum):
    """pending → sent; failed at once on a permanent refusal or after the retry window.

    A failed message goes back to pending through :func:`retry_failed`.
    """

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
    failed_at: Mapped[datetime | None]
    #: The RFC 5322 Message-ID, fixed at the first delivery attempt and kept across retries,
    #: so a receiver can recognise a message sent twice.
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: A delivery pass holds the message until then; after a crash another pass takes it.
    leased_until: Mapped[datetime | None]
    #: First temporary failure of the current retry window (None while nothing failed).
    retry_since: Mapped[datetime | None]

    recipient: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


@dataclass(frozen=True)
class Notice:
    """One message to queue: what, to whom, its payload and its de-duplication key."""

    kind: str
    recipient: User
    payload: dict[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None


def taken_dedup_keys(session: sa.orm.Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` an earlier message already carries (one query per 1,000 keys)."""
    wanted = sorted(set(keys))
    taken: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        taken.update(
            session.scalars(
                sa.select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(chunk))
            )
        )
    return taken


def queue_messages(session: sa.orm.Session, notices: Iterable[Notice]) -> list[OutboxMessage]:
    """Queue many messages at once; skip inactive recipients and duplicate keys.

    The keys are checked against earlier messages in one query per 1,000 (a sweep
    queues thousands per run) and against each other; the messages are added to
    the session, flushed with the caller's next flush or commit.
    """
    notices = [n for n in notices if n.recipient.active and n.recipient.email]
    taken = taken_dedup_keys(session, [n.dedup_key for n in notices if n.dedup_key is not None])
    queued = []
    for notice in notices:
        if notice.dedup_key is not None:
            if notice.dedup_key in taken:
                continue
            taken.add(notice.dedup_key)
        queued.append(
            OutboxMessage(
                kind=notice.kind,
                recipient_id=notice.recipient.id,
                to_email=notice.recipient.email,
                locale=notice.recipient.locale.value,
                payload=notice.payload or {},
                dedup_key=notice.dedup_key,
            )
        )
    session.add_all(queued)
    return queued


def queue_message(
    session: sa.orm.Session,
    kind: str,
    recipient: User,
    payload: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message for ``recipient`` in their language; skip a duplicate ``dedup_key``."""
    queued = queue_messages(session, [Notice(kind, recipient, payload or {}, dedup_key)])
    return queued[0] if queued else None


def retry_failed(
    session: sa.orm.Session, actor: User | None = None, *, ids: list[int] | None = None
) -> list[int]:
    """Put failed messages (all, or those of ``ids``) back in the queue; return their ids.

    Each gets a fresh retry window and keeps its Message-ID, so a receiver that
    did get an earlier attempt recognises the message. Audited when staff do it.
    """
    from models.audit import record_event

    query = sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    messages = list(session.scalars(query.order_by(OutboxMessage.id)))
    now = utcnow()
    for message in messages:
        before = {"status": message.status, "last_error": message.last_error}
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now
        message.failed_at = None
        message.leased_until = None
        message.retry_since = None
        if actor is not None:
            record_event(
                session,
                actor,
                "outbox.retried",
                message,
                before=before,
                after={"status": message.status},
            )
    session.flush()
    return [message.id for message in messages]


def failed_count(session: sa.orm.Session) -> int:
    """How many messages failed for good and wait for an operator."""
    return session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.FAILED
        )
    )
