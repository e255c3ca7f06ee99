"""The Records menu: the audit log and the outbox, read-only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from admin.views.common import BaseStaffView, when
from models.audit import AuditEvent
from models.outbox import OutboxMessage


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
    """Notifications waiting, sent or failed (administrators only, read-only)."""

    admin_only = True
    permissions = {"admin": {"export"}}
    column_list = [
        "created_at",
        "kind",
        "to_email",
        "locale",
        "status",
        "attempts",
        "sent_at",
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
        "last_error",
        "dedup_key",
    ]
    column_export_list = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    column_searchable_list = ["kind", "to_email"]
    column_filters = ["status", "kind", *when(OutboxMessage.created_at, _l("Queued"))]
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
    }
