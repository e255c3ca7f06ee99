"""The rules that change leads, offers, partners and deal registrations.

Each rule checks who may do it and whether the record allows it, changes the
rows, writes its audit event and outbox messages, and flushes. None commits:
the view or command that called it commits once, so a refused rule leaves the
database untouched (the caller rolls back). The rules live in one module per
topic; this package re-exports them so that callers write ``workflow.accept_offer``.
"""

from models.workflow.board import mark_board_read, post_comment
from models.workflow.capacity import open_lead_count, open_lead_counts, policy_problems
from models.workflow.leads import add_note, qualify_lead
from models.workflow.notifications import (
    lead_payload,
    managers_by_partner,
    partner_managers,
    partner_recipients,
)
from models.workflow.offers import (
    accept_offer,
    assign_rep,
    decline_offer,
    expire_due_offers,
    expire_offer,
    grant_details,
    notify_expiry,
    offer_lead,
    refuse_details,
    request_details,
    withdraw_offer,
)
from models.workflow.partners import suspend_partner
from models.workflow.pipeline import close_lost, close_won, log_activity, move_stage, stage_moves
from models.workflow.protection import decide_extension, request_extension, sweep_registrations
from models.workflow.registrations import (
    REGISTRATION_FIELDS,
    approve_registration,
    attach_registration,
    register_deal,
    reject_registration,
    resubmit_registration,
    start_review,
    withdraw_registration,
)

__all__ = [
    "REGISTRATION_FIELDS",
    "accept_offer",
    "add_note",
    "approve_registration",
    "assign_rep",
    "attach_registration",
    "close_lost",
    "close_won",
    "decide_extension",
    "decline_offer",
    "expire_due_offers",
    "expire_offer",
    "notify_expiry",
    "grant_details",
    "lead_payload",
    "log_activity",
    "mark_board_read",
    "move_stage",
    "offer_lead",
    "open_lead_count",
    "open_lead_counts",
    "partner_managers",
    "partner_recipients",
    "managers_by_partner",
    "policy_problems",
    "post_comment",
    "qualify_lead",
    "refuse_details",
    "register_deal",
    "reject_registration",
    "request_details",
    "request_extension",
    "resubmit_registration",
    "stage_moves",
    "start_review",
    "suspend_partner",
    "sweep_registrations",
    "withdraw_offer",
    "withdraw_registration",
]
