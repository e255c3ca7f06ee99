"""The append-only audit log: who did what to which record, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

if TYPE_CHECKING:
    from models.users import User


class AuditEvent(Base):
    """One thing that happened; never updated, never deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(40))
    # The partner organisation the event concerns, for per-partner filtering.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    """The audit log is append-only."""
    raise PermissionError("audit events are append-only")


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Make enum, date and decimal values storable as JSON."""
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if hasattr(value, "value") and not isinstance(value, int | float | str | bool):
            value = value.value
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def record_event(
    session: sa.orm.Session,
    actor: User | None,
    action: str,
    entity: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for ``entity`` to the session (the caller commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=type(entity).__name__,
        entity_id=str(getattr(entity, "ref", None) or entity.id),
        organisation_id=organisation_id,
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    session.add(event)
    return event
