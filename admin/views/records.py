"""The Records menu: the audit log and the outbox, read-only."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.views.common import BaseStaffView, when
from models.audit import AuditEvent
from models.base import db
from models.labels import enum_label
from models.outbox import OutboxMessage, OutboxStatus, retry_failed

#: The outbox list filtered on failed messages (the staff home links here).
FAILED_FILTER = {"flt0_0": OutboxStatus.FAILED.value}


class StatusIs(sqla_filters.FilterEqual):
    """Status equals one of the outbox statuses; an unknown value is ignored, not a crash."""

    def __init__(self, column, name):
        super().__init__(
            column, name, options=lambda: [(s.value, enum_label(s)) for s in OutboxStatus]
        )

    def validate(self, value):
        """Only the statuses there are."""
        return value in {status.value for status in OutboxStatus}

    def clean(self, value):
        """The status member of ``value``."""
        return OutboxStatus(value)


class AuditView(BaseStaffView):
    """The append-only audit log (administrators only, read-only)."""

    admin_only = True
    permissions = {"admin": {"export"}}
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
        "action",
        "entity_type",
        "entity_id",
        "actor.email",
        "organisation_id",
    ]
    column_default_sort = ("occurred_at", True)
    column_labels = {
        "occurred_at": _l("When"),
        "actor": _l("Who"),
        "actor.email": _l("Who"),
        "action": _l("Action"),
        "entity_type": _l("Record type"),
        "entity_id": _l("Record"),
        "organisation_id": _l("Partner id"),
        "before": _l("Before"),
        "after": _l("After"),
        "ip_address": _l("IP address"),
    }


class OutboxView(BaseStaffView):
    """Notifications waiting, sent or failed (administrators only); failed ones can be retried."""

    admin_only = True
    permissions = {"admin": {"export"}}
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
    column_searchable_list = ["kind", "to_email"]
    column_filters = [
        StatusIs(OutboxMessage.status, _l("Status")),  # first: FAILED_FILTER names it flt0_0
        "kind",
        "to_email",
        *when(OutboxMessage.created_at, _l("Queued")),
        *when(OutboxMessage.failed_at, _l("Failed")),
    ]
    column_default_sort = ("created_at", True)
    column_labels = {
        "created_at": _l("Queued"),
        "kind": _l("Kind"),
        "to_email": _l("To"),
        "locale": _l("Language"),
        "status": _l("Status"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "payload": _l("Content"),
        "next_attempt_at": _l("Next attempt"),
        "dedup_key": _l("Deduplication key"),
        "failed_at": _l("Failed"),
        "message_id": _l("Message-ID"),
    }

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
