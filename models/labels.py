"""Translated labels of the domain's codes, shared by the portal and the back office."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from models.leads import (
    STAGE_LABELS,
    Channel,
    LeadSource,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Timing,
)
from models.offers import DECLINE_REASON_LABELS, END_CAUSE_LABELS, OFFER_STATE_LABELS
from models.organisations import Engagement, PartnerStatus, PartnerTier
from models.outbox import OutboxStatus
from models.prospects import ConsentMethod
from models.registrations import (
    EXTENSION_STATE_LABELS,
    REGISTRATION_STATUS_LABELS,
    REGISTRATION_STEP_LABELS,
)
from models.users import LANGUAGE_NAMES, Role

ENUM_LABELS: dict[enum.Enum, object] = {
    **STAGE_LABELS,
    **OFFER_STATE_LABELS,
    **DECLINE_REASON_LABELS,
    **END_CAUSE_LABELS,
    Role.ADMIN: _l("Administrator"),
    Role.SALES: _l("Sales"),
    Role.ASSISTANT: _l("Assistant"),
    Role.PARTNER_MANAGER: _l("Partner manager"),
    Role.PARTNER_REP: _l("Partner representative"),
    PartnerStatus.PROSPECT: _l("Prospect"),
    PartnerStatus.ONBOARDING: _l("Onboarding"),
    PartnerStatus.ACTIVE: _l("Active"),
    PartnerStatus.SUSPENDED: _l("Suspended"),
    PartnerTier.PLATINUM: _l("Platinum"),
    PartnerTier.GOLD: _l("Gold"),
    PartnerTier.SILVER: _l("Silver"),
    PartnerTier.REGISTERED: _l("Registered"),
    Engagement.LOW: _l("Low"),
    Engagement.MEDIUM: _l("Medium"),
    Engagement.HIGH: _l("High"),
    LeadSource.PHONE: _l("Phone"),
    LeadSource.WEB: _l("Web"),
    LeadSource.EVENT: _l("Event"),
    LeadSource.REFERRAL: _l("Referral"),
    LeadSource.PARTNER: _l("Partner registration"),
    Timing.WITHIN_1_MONTH: _l("Within a month"),
    Timing.WITHIN_3_MONTHS: _l("Within 3 months"),
    Timing.WITHIN_6_MONTHS: _l("Within 6 months"),
    Timing.LATER: _l("Later"),
    Timing.UNKNOWN: _l("Unknown"),
    Channel.PHONE: _l("Phone"),
    Channel.EMAIL: _l("E-mail"),
    Channel.VISIT: _l("Visit"),
    Channel.WEB: _l("Web"),
    NoteCategory.PRODUCT_INQUIRY: _l("Product inquiry"),
    NoteCategory.DELIVERY: _l("Delivery"),
    NoteCategory.ORDER: _l("Order"),
    NoteCategory.COMPLAINT: _l("Complaint"),
    NoteCategory.OTHER: _l("Other"),
    NoteVisibility.INTERNAL: _l("Internal only"),
    NoteVisibility.SHAREABLE: _l("Shareable with partners"),
    ConsentMethod.PHONE: _l("By phone"),
    ConsentMethod.EMAIL: _l("By e-mail"),
    ConsentMethod.WEB_FORM: _l("Web form"),
    ConsentMethod.WRITTEN: _l("In writing"),
    **REGISTRATION_STATUS_LABELS,
    **EXTENSION_STATE_LABELS,
    **REGISTRATION_STEP_LABELS,
    OutboxStatus.PENDING: _l("Pending"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
    LostReason.PRICE: _l("Price"),
    LostReason.COMPETITOR: _l("Competitor"),
    LostReason.NO_BUDGET: _l("No budget"),
    LostReason.NO_DECISION: _l("No decision"),
    LostReason.TIMING: _l("Timing"),
    LostReason.UNREACHABLE: _l("Unreachable"),
    LostReason.OTHER: _l("Other"),
    **LANGUAGE_NAMES,
}

#: Labels of the prospect's fields (``models.prospects.PROSPECT_FIELDS``), for every door.
PROSPECT_FIELD_LABELS: dict[str, object] = {
    "company_name": _l("Company name"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "representative": _l("Representative"),
    "website": _l("Website"),
    "industry": _l("Industry"),
    "size_band": _l("Size"),
    "region": _l("Region"),
    "contact_name": _l("Contact name"),
    "contact_title": _l("Contact title"),
    "contact_phone": _l("Contact phone"),
    "contact_email": _l("Contact e-mail"),
}

#: What each kind of notification is about, for the staff's outbox list.
MESSAGE_KINDS: dict[str, object] = {
    "offer_new": _l("New offer"),
    "offer_reminder": _l("Offer reminder"),
    "details_requested": _l("Details requested"),
    "details_granted": _l("Details granted"),
    "details_refused": _l("Details refused"),
    "offer_accepted": _l("Offer accepted"),
    "lead_assigned": _l("Lead assigned"),
    "offer_withdrawn": _l("Offer withdrawn"),
    "offer_declined": _l("Offer declined"),
    "offer_expired": _l("Offer expired"),
    "partner_suspended": _l("Partner suspended"),
    "stage_changed": _l("Stage changed"),
    "comment_new": _l("New board post"),
    "stale_nudge": _l("Stale lead reminder"),
    "overdue_outcome": _l("Outcome overdue"),
    "registration_submitted": _l("Deal registration submitted"),
    "registration_decided": _l("Deal registration decided"),
    "registration_returned": _l("Deal registration returned"),
    "registration_expiring": _l("Deal registration expiring"),
    "registration_expired": _l("Deal registration expired"),
    "registration_extension_requested": _l("Extension requested"),
    "registration_extension_decided": _l("Extension decided"),
    "details_waiting": _l("Details request waiting"),
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "digest": _l("Daily digest"),
}


#: A per-category starting text for conversation notes (the detail text starts from a template).
NOTE_TEMPLATES: dict[NoteCategory, object] = {
    NoteCategory.PRODUCT_INQUIRY: _l(
        "Product asked about:\nCurrent system:\nQuantity / scale:\nBudget:\nDecision maker:\n"
        "Next step:"
    ),
    NoteCategory.DELIVERY: _l("Product:\nRequested delivery date:\nDelivery address:\nNotes:"),
    NoteCategory.ORDER: _l("Product:\nQuantity:\nAmount:\nOrder date:\nDelivery date:"),
    NoteCategory.COMPLAINT: _l("What happened:\nSince when:\nImpact:\nWhat the customer asks:"),
    NoteCategory.OTHER: _l("Subject:\nDetails:\nNext step:"),
}


def enum_label(value: enum.Enum | None) -> str:
    """The translated label of an enum member (its value when unknown)."""
    if value is None:
        return ""
    return str(ENUM_LABELS.get(value, value.value))


def label(value: object) -> str:
    """How any coded value reads to the user: an enum by its label, yes/no, blank for None.

    The ``label`` template filter of both doors, and of every export.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, enum.Enum):
        return enum_label(value)
    return str(value)


YES = _l("Yes")
NO = _l("No")


def select_choices(pairs) -> list:
    """WTForms choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, str(label)) for value, label in pairs]


def enum_choices(enum_cls: type[enum.Enum]) -> list:
    """Choices of an enum for a select field, labels translated now."""
    return select_choices((member.value, enum_label(member)) for member in enum_cls)


def enum_coerce(enum_cls: type[enum.Enum]):
    """A WTForms ``coerce`` turning a submitted value (or a member) into a member or None."""

    def coerce(value):
        if value is None or value == "" or isinstance(value, enum_cls):
            return value or None
        return enum_cls(value)

    return coerce


def enum_field_args(enum_cls: type[enum.Enum], blank: bool = False, **extra) -> dict:
    """``form_args`` for an enum column shown as a plain select (see ``form_overrides``)."""

    def choices():
        items = enum_choices(enum_cls)
        return (select_choices([("", "—")]) + items) if blank else items

    return {"choices": choices, "coerce": enum_coerce(enum_cls), **extra}
