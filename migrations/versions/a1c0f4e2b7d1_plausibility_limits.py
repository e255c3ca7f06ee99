"""Plausibility limits: amounts, business dates and free-text lengths as CHECK constraints.

The bounds come from models/limits.py, the one place that defines them.

Revision ID: a1c0f4e2b7d1
Revises: 460102bf180d
Create Date: 2026-11-24 03:20:00

"""

from alembic import op

from models import limits

revision = "a1c0f4e2b7d1"
down_revision = "460102bf180d"
branch_labels = None
depends_on = None

#: table -> [(constraint name without the ck_<table>_ prefix, SQL)]
CHECKS = {
    "leads": [
        ("value_within_limits", limits.amount_check("estimated_value")),
        ("amount_within_limits", limits.amount_check("order_amount")),
        ("order_date_within_limits", limits.date_check("order_date")),
        ("delivery_date_within_limits", limits.date_check("delivery_date")),
        ("expected_close_within_limits", limits.date_check("expected_close_on")),
        ("teaser_within_limits", limits.text_check("teaser", limits.TEASER_MAX)),
        ("outcome_note_within_limits", limits.text_check("outcome_note", limits.NOTE_MAX)),
    ],
    "activities": [
        ("occurred_within_limits", limits.date_check("occurred_at")),
        ("detail_within_limits", limits.text_check("detail", limits.CONVERSATION_MAX)),
    ],
    "stage_changes": [
        ("note_within_limits", limits.text_check("note", limits.NOTE_MAX)),
    ],
    "offers": [
        ("decline_note_within_limits", limits.text_check("decline_note", limits.REASON_MAX)),
        (
            "withdraw_reason_within_limits",
            limits.text_check("withdraw_reason", limits.REASON_MAX),
        ),
        (
            "refused_reason_within_limits",
            limits.text_check("details_refused_reason", limits.REASON_MAX),
        ),
        ("comment_within_limits", limits.text_check("comment_to_partner", limits.COMMENT_MAX)),
    ],
    "comments": [
        ("body_within_limits", limits.text_check("body", limits.COMMENT_MAX)),
    ],
    "deal_registrations": [
        ("value_within_limits", limits.amount_check("expected_value")),
        ("need_within_limits", limits.text_check("need", limits.NEED_MAX)),
    ],
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, sql in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), sql)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch_op:
            for name, _sql in reversed(checks):
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
