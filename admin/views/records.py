"""The Records menu: the audit log and the outbox, read-only."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.filters import ChoiceFilter, catalogue_filter, enum_filter
from admin.queues import QueueFilter
from admin.views.common import ADMIN_READ, BaseStaffView, _catalogue_label, partner_filter, when
from models.audit import ACTION_LABELS, ENTITY_LABELS, AuditEvent, action_label, entity_label
from models.base import db
from models.labels import MESSAGE_KINDS
from models.organisations import Organisation
from models.outbox import OutboxMessage, OutboxStatus, retry_failed

#: The outbox list filtered on failed messages (the staff home links here).
FAILED_FILTER = {"flt0_status_is": OutboxStatus.FAILED.value}


def distinct_values(column):
    """Choices from the values a column holds (each shown as itself: they are names)."""

    def choices():
        values = db.session.scalars(sa.select(column).distinct().order_by(column))
        return [(v, v) for v in values if v]

    return choices


def action_choices():
    """The actions the log holds, by their labels in the user's language."""
    values = db.session.scalars(sa.select(AuditEvent.action).distinct())
    return sorted(((v, action_label(v)) for v in values if v), key=lambda pair: pair[1])


def entity_choices():
    """The kinds of record the log holds, by their labels."""
    values = db.session.scalars(sa.select(AuditEvent.entity_type).distinct())
    return sorted(((v, entity_label(v)) for v in values if v), key=lambda pair: pair[1])


def _action(view, context, model, name):
    """An audit action by its label."""
    return action_label(model.action)


def _entity(view, context, model, name):
    """The kind of record by its label."""
    return entity_label(model.entity_type)


def _partner_name(view, context, model, name):
    """The partner an event concerns, by name."""
    org_id = getattr(model, name)
    if org_id is None:
        return ""
    org = db.session.get(Organisation, org_id)
    return org.name if org is not None else str(org_id)


class AuditView(BaseStaffView):
    """The append-only audit log (administrators only, read-only)."""

    admin_only = True
    permissions = ADMIN_READ
    column_list = [
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "ip_address",
    ]
    column_details_list = [
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "before",
        "after",
        "ip_address",
    ]
    column_export_list = [
        "occurred_at",
        "actor.email",
        "action",
        "entity_type",
        "entity_id",
        "organisation_id",
        "before",
        "after",
        "ip_address",
    ]
    column_searchable_list = ["action", "entity_id"]
    column_filters = [
        *when(AuditEvent.occurred_at, _l("When")),
        ChoiceFilter(AuditEvent.action, _l("Action"), action_choices),
        ChoiceFilter(AuditEvent.entity_type, _l("Record type"), entity_choices),
        "entity_id",
        "actor.email",
        partner_filter(AuditEvent.organisation_id),
    ]
    column_formatters = {
        "organisation_id": _partner_name,
        "action": _action,
        "entity_type": _entity,
    }
    export_catalogues = {"action": ACTION_LABELS, "entity_type": ENTITY_LABELS}
    column_default_sort = ("occurred_at", True)
    column_labels = {
        "actor": _l("Who"),
        "action": _l("Action"),
        "entity_type": _l("Record type"),
        "entity_id": _l("Record"),
        "organisation_id": _l("Partner"),
        "before": _l("Before"),
        "after": _l("After"),
        "ip_address": _l("IP address"),
    }

    def record_title(self, model) -> str:
        """The event's action and record."""
        return f"{action_label(model.action)} ({entity_label(model.entity_type)} {model.entity_id})"


class OutboxView(BaseStaffView):
    """Notifications waiting, sent or failed (administrators only); failed ones can be retried."""

    admin_only = True
    permissions = ADMIN_READ
    column_list = [
        "created_at",
        "kind",
        "to_email",
        "locale",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "last_error",
    ]
    column_details_list = [
        "created_at",
        "kind",
        "to_email",
        "locale",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "last_error",
        "message_id",
        "dedup_key",
    ]
    column_export_list = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    column_formatters = {
        "locale": lambda v, c, m, n: {"ja": "日本語", "en": "English"}.get(m.locale),
        "kind": _catalogue_label(MESSAGE_KINDS),
    }
    export_catalogues = {"kind": MESSAGE_KINDS}
    column_searchable_list = ["kind", "to_email"]
    column_filters = [
        QueueFilter(OutboxMessage),
        enum_filter(OutboxMessage.status, _l("Status"), OutboxStatus),
        catalogue_filter(OutboxMessage.kind, _l("Kind"), MESSAGE_KINDS),
        "to_email",
        *when(OutboxMessage.created_at, _l("Queued")),
        *when(OutboxMessage.failed_at, _l("Failed")),
    ]
    column_default_sort = ("created_at", True)
    column_labels = {
        "created_at": _l("Queued"),
        "kind": _l("Kind"),
        "to_email": _l("To"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "payload": _l("Content"),
        "next_attempt_at": _l("Next attempt"),
        "dedup_key": _l("Deduplication key"),
        "failed_at": _l("Failed"),
        "message_id": _l("Message-ID"),
    }

    def record_title(self, model) -> str:
        """The message's kind and recipient."""
        return f"{MESSAGE_KINDS.get(model.kind, model.kind)} → {model.to_email}"

    @action(
        "retry",
        _l("Send again"),
        _l("Put the selected failed messages back in the queue?"),
    )
    def action_retry(self, ids):
        """Put failed messages back in the queue (the rule keeps their Message-ID)."""
        wanted = [message.id for message in self.scoped_ids(ids)]
        requeued = retry_failed(db.session, current_user, ids=wanted)
        db.session.commit()
        flash(_("%(count)d messages are back in the queue.", count=len(requeued)), "success")
