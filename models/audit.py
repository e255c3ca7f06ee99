"""The append-only audit log: who did what to which record, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
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


def event_values(
    actor: User | None,
    action: str,
    entity: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> dict[str, Any]:
    """The column values of one audit event (``occurred_at`` is the column default)."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "entity_type": type(entity).__name__,
        "entity_id": str(getattr(entity, "ref", None) or entity.id),
        "organisation_id": organisation_id,
        "before": _jsonable(before),
        "after": _jsonable(after),
        "ip_address": request.remote_addr if has_request_context() else None,
    }


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
        **event_values(
            actor,
            action,
            entity,
            before=before,
            after=after,
            organisation_id=organisation_id,
        )
    )
    session.add(event)
    return event


def record_events(
    session: sa.orm.Session,
    actor: User | None,
    action: str,
    entities: list[tuple[Any, dict[str, Any] | None]],
) -> None:
    """:func:`record_event` for many (entity, after) pairs: one multi-row ``INSERT``.

    The same column values (:func:`event_values`), written at once with a Core
    statement instead of the unit of work (for bulk rules such as the CSV import).
    """
    rows = [event_values(actor, action, entity, after=after) for entity, after in entities]
    if rows:
        session.execute(sa.insert(AuditEvent.__table__), rows)


#: What each audit action reads as, in the user's language: the one table the audit
#: log's list, details page, filter and export use. Every action passed to
#: :func:`record_event` has a label here (a test reads the calls to check).
ACTION_LABELS: dict[str, object] = {
    # Accounts and sessions
    "auth.login": _l("Login"),
    "auth.login_failed": _l("Failed login"),
    "auth.logout": _l("Logged out"),
    "auth.logout_everywhere": _l("Logged out everywhere"),
    "auth.session_revoked": _l("Session ended"),
    "auth.password_changed": _l("Password changed by the user"),
    "auth.password_set": _l("Password set"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.password_reset_throttled": _l("Password reset refused (too many requests)"),
    "auth.two_factor_enabled": _l("Two-factor authentication turned on"),
    "auth.two_factor_disabled": _l("Two-factor authentication turned off"),
    "auth.two_factor_failed": _l("Wrong two-factor code"),
    "auth.two_factor_reset": _l("Two-factor authentication reset by an administrator"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.recovery_codes_renewed": _l("Recovery codes renewed"),
    # People, partners, policies
    "user.created": _l("User created"),
    "user.edited": _l("User changed"),
    "user.invited": _l("User invited"),
    "user.invitation_clash": _l("Invitation to an address that already has an account"),
    "user.invitation_resent": _l("Invitation sent again"),
    "user.invitation_cancelled": _l("Invitation cancelled"),
    "user.invitation_accepted": _l("Invitation accepted"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_reset": _l("Set-password link sent"),
    "user.email_clash_resolved": _l("Duplicate e-mail address resolved (to review)"),
    "partner.created": _l("Partner created"),
    "partner.edited": _l("Partner changed"),
    "partner.suspended": _l("Partner suspended"),
    "policy.changed": _l("Partner policy changed"),
    # Leads and prospects
    "lead.created": _l("Lead created"),
    "lead.edited": _l("Lead changed"),
    "lead.qualified": _l("Qualification checklist saved"),
    "lead.stage_changed": _l("Stage changed"),
    "lead.activity_logged": _l("Activity logged"),
    "lead.archived": _l("Lead archived"),
    "lead.unarchived": _l("Lead unarchived"),
    "lead.flagged_stale": _l("Lead flagged as stale"),
    "lead.flagged_overdue": _l("Lead flagged as overdue"),
    "lead.overdue_cleared": _l("Overdue flag cleared"),
    "note.added": _l("Note added"),
    "note.archived": _l("Note archived"),
    "prospect.edited": _l("Prospect changed"),
    "prospect.personal_data_viewed": _l("Personal data viewed"),
    "prospect.contact_viewed": _l("Contact person viewed (API)"),
    # Offers and boards
    "offer.made": _l("Lead offered"),
    "offer.overridden": _l("Lead offered outside the partner's policy"),
    "offer.details_requested": _l("Partner asked for the details"),
    "offer.details_granted": _l("Details granted"),
    "offer.details_refused": _l("Details refused"),
    "offer.accepted": _l("Offer accepted"),
    "offer.declined": _l("Offer declined"),
    "offer.expired": _l("Offer expired"),
    "offer.withdrawn": _l("Offer withdrawn"),
    "offer.assigned": _l("Lead assigned to a representative"),
    "offer.reminded": _l("Reminder sent"),
    "comment.posted": _l("Message posted"),
    # Deal registrations
    "registration.submitted": _l("Registration submitted"),
    "registration.resubmitted": _l("Registration resubmitted"),
    "registration.withdrawn": _l("Registration withdrawn"),
    "registration.review_started": _l("Registration taken into review"),
    "registration.approved": _l("Registration approved"),
    "registration.rejected": _l("Registration rejected"),
    "registration.attached": _l("Registration added to an existing lead"),
    "registration.extension_requested": _l("Partner asked for an extension"),
    "registration.extension_granted": _l("Extension granted"),
    "registration.extension_refused": _l("Extension refused"),
    "registration.protection_ended": _l("Protected period ended"),
    # Business cards and files
    "card.submitted": _l("Business card sent"),
    "card.photo_viewed": _l("Business card photo viewed"),
    "card.saved": _l("Business card saved as a lead"),
    "card.dismissed": _l("Business card dismissed"),
    "file.attached": _l("File attached"),
    "file.archived": _l("File archived"),
    "file.downloaded": _l("File downloaded"),
    # Integrations and mail
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "api.call": _l("API call"),
    "webhook.registered": _l("Webhook registered"),
    "webhook.paused": _l("Webhook paused"),
    "webhook.resumed": _l("Webhook resumed"),
    "webhook.test_sent": _l("Webhook test sent"),
    "outbox.retried": _l("Failed mail sent again"),
}


def action_label(action: str | None) -> str:
    """An audit action as it reads to the user (an unknown code stays as it is)."""
    if not action:
        return ""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


#: What each kind of record an event concerns reads as (``AuditEvent.entity_type`` holds
#: the class name); every mapped class has one (tested).
ENTITY_LABELS: dict[str, object] = {
    "Activity": _l("Activity"),
    "ApiToken": _l("API token"),
    "AuditEvent": _l("Audit event"),
    "BoardRead": _l("Board read marker"),
    "BusinessCard": _l("Business card"),
    "Comment": _l("Board message"),
    "ConversationNote": _l("Conversation note"),
    "CounterValue": _l("Counter"),
    "DealRegistration": _l("Deal registration"),
    "InstalledProduct": _l("Installed product"),
    "Invitation": _l("Invitation"),
    "Lead": _l("Lead"),
    "LeadFile": _l("File"),
    "LoginSession": _l("Login session"),
    "Offer": _l("Offer to a partner"),
    "Organisation": _l("Partner"),
    "OutboxMessage": _l("Outgoing message"),
    "PartnerPolicy": _l("Partner policy"),
    "PasswordLink": _l("Set-password link"),
    "Prospect": _l("Prospect company"),
    "RecoveryCode": _l("Recovery code"),
    "RegistrationStep": _l("Registration step"),
    "ReportSnapshot": _l("Report snapshot"),
    "StageChange": _l("Stage change"),
    "User": _l("User"),
    "WebhookDelivery": _l("Webhook delivery"),
    "WebhookEndpoint": _l("Webhook"),
}


def entity_label(entity_type: str | None) -> str:
    """The kind of record an event concerns, as it reads to the user."""
    if not entity_type:
        return ""
    label = ENTITY_LABELS.get(entity_type)
    return str(label) if label is not None else entity_type
