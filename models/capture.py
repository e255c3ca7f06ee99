"""Capturing a lead: the prospect, the lead, its first note and installed products.

Used by the back office's "post a lead" form and by the CSV import, so both
apply the same duplicate check and write the same audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.conflicts import Duplicate, find_duplicates
from models.errors import MissingData, NotAllowed
from models.leads import (
    Channel,
    ConversationNote,
    Lead,
    LeadSource,
    NoteCategory,
    NoteVisibility,
    Stage,
    Timing,
)
from models.prospects import (
    PROSPECT_REQUIRED,
    ConsentMethod,
    InstalledProduct,
    Prospect,
    normalise_company_name,
    normalise_phone,
)
from models.users import User

LEAD_REQUIRED = ("teaser", "need", "product_interest")

__all__ = ["Duplicate", "NoteInput", "ProductInput", "capture_lead", "find_duplicates"]


@dataclass
class NoteInput:
    """The first conversation note of a captured lead."""

    text: str
    channel: Channel
    category: NoteCategory
    visibility: NoteVisibility = NoteVisibility.INTERNAL
    occurred_at: datetime | None = None


@dataclass
class ProductInput:
    """One installed product of the prospect."""

    product_name: str
    product_line: str | None = None
    installed_on: date | None = None
    quantity: int = 1


def check_lead_limits(
    lead: dict[str, Any], *, note: NoteInput | None = None, now: datetime | None = None
) -> None:
    """The plausibility limits of a captured lead (models/limits.py), field by field."""
    limits.check_text(lead.get("teaser"), limits.TEASER_MAX, field="teaser")
    limits.check_text(lead.get("need"), limits.NEED_MAX, field="need")
    limits.check_amount(lead.get("estimated_value"), field="estimated_value")
    limits.check_deal_date(lead.get("expected_close_on"), field="expected_close_on", now=now)
    if note is not None:
        limits.check_text(note.text, limits.CONVERSATION_MAX, field="note_text")
        limits.check_activity_time(note.occurred_at, field="note_occurred_at", now=now)


@dataclass
class CaptureInput:
    """One lead to capture: what :func:`capture_lead` takes, for the bulk path."""

    prospect: dict[str, Any]
    lead: dict[str, Any]
    consent: bool = False
    consent_method: ConsentMethod | None = None
    consent_recorded_at: datetime | None = None
    checklist: dict[str, bool] | None = None
    note: NoteInput | None = None
    products: list[ProductInput] | None = None
    #: Whose lead it is, when not the actor's (an assistant enters a sales user's card).
    owner: User | None = None


def _check(item: CaptureInput, now: datetime) -> None:
    """The capture rule's checks: required fields, and how consent was obtained."""
    missing = [f for f in PROSPECT_REQUIRED if not str(item.prospect.get(f) or "").strip()]
    missing += [f for f in LEAD_REQUIRED if not str(item.lead.get(f) or "").strip()]
    if missing:
        raise MissingData(_l("Fill in every required field: %(fields)s", fields=", ".join(missing)))
    if item.consent and item.consent_method is None:
        raise MissingData(_l("Say how the contact's consent was obtained."))
    check_lead_limits(item.lead, note=item.note, now=now)


def _build(actor: User, item: CaptureInput, now: datetime) -> tuple[Prospect, Lead, list]:
    """The prospect, lead, installed products and first note of one capture (not added)."""
    consent = item.consent
    record = Prospect(
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in item.prospect.items()},
        consent_to_share=consent,
        consent_method=item.consent_method if consent else None,
        consent_recorded_at=(item.consent_recorded_at or now) if consent else None,
        consent_recorded_by_id=actor.id if consent else None,
    )
    checklist = item.checklist or {}
    lead = item.lead
    new_lead = Lead(
        prospect=record,
        teaser=lead["teaser"].strip(),
        need=lead["need"].strip(),
        product_interest=lead["product_interest"],
        source=lead.get("source") or LeadSource.PHONE,
        timing=lead.get("timing") or Timing.UNKNOWN,
        estimated_value=lead.get("estimated_value"),
        expected_close_on=lead.get("expected_close_on"),
        owner=item.owner or actor,
        stage=Stage.NEW,
    )
    new_lead.set_checklist(
        budget=bool(checklist.get("budget")),
        authority=bool(checklist.get("authority")),
        need=bool(checklist.get("need")),
        timing=bool(checklist.get("timing")),
        now=now,
    )
    extra: list = [
        InstalledProduct(
            prospect=record,
            product_name=product.product_name.strip(),
            product_line=product.product_line or None,
            installed_on=product.installed_on,
            quantity=product.quantity or 1,
        )
        for product in item.products or []
    ]
    note = item.note
    if note is not None and note.text.strip():
        extra.append(
            ConversationNote(
                lead=new_lead,
                author=actor,
                text=note.text.strip(),
                channel=note.channel,
                category=note.category,
                visibility=note.visibility,
                occurred_at=note.occurred_at or now,
            )
        )
    return record, new_lead, extra


def _audit(actor: User, prospect: Prospect, lead: Lead, item: CaptureInput) -> None:
    """The ``lead.created`` event of one capture."""
    record_event(
        db.session,
        actor,
        "lead.created",
        lead,
        after={
            "company_key": prospect.company_key,
            "stage": lead.stage,
            "consent": item.consent,
            "products": len(item.products or []),
            "owner": (item.owner or actor).id,
        },
    )


def capture_lead(
    actor: User,
    *,
    prospect: dict[str, Any],
    lead: dict[str, Any],
    consent: bool = False,
    consent_method: ConsentMethod | None = None,
    consent_recorded_at: datetime | None = None,
    checklist: dict[str, bool] | None = None,
    note: NoteInput | None = None,
    products: list[ProductInput] | None = None,
    owner: User | None = None,
    now: datetime | None = None,
) -> Lead:
    """Create a prospect and its lead; a complete checklist qualifies it.

    Staff capture for themselves or for a staff ``owner``; an assistant enters
    prospects only on behalf of a staff ``owner`` (a business card's sender).
    """
    item = CaptureInput(
        prospect=prospect,
        lead=lead,
        consent=consent,
        consent_method=consent_method,
        consent_recorded_at=consent_recorded_at,
        checklist=checklist,
        note=note,
        products=products,
        owner=owner,
    )
    return capture_leads(actor, [item], now=now)[0]


def capture_leads(
    actor: User, items: list[CaptureInput], *, now: datetime | None = None
) -> list[Lead]:
    """:func:`capture_lead` for many leads at once: the same checks, rows and audit events.

    Every item is checked before anything is added; the rows are then inserted
    with one flush (multi-row ``INSERT``s per table) and one ``lead.created``
    event is added per lead (flushed with the caller's next flush or commit).
    """
    if not (actor.is_staff or actor.is_assistant):
        raise NotAllowed()
    # Leads belong to staff: an assistant always names the staff member it works for.
    if any(not (item.owner or actor).is_staff for item in items):
        raise NotAllowed()
    now = now or utcnow()
    for item in items:
        _check(item, now)
    built = [_build(actor, item, now) for item in items]
    for record, new_lead, extra in built:
        db.session.add_all([record, new_lead, *extra])
    db.session.flush()
    for (record, new_lead, _extra), item in zip(built, items, strict=True):
        _audit(actor, record, new_lead, item)
    return [new_lead for _record, new_lead, _extra in built]


def find_duplicates_bulk(
    keys: list[tuple[str | None, str | None, str | None]],
) -> list[list[str]]:
    """:func:`find_duplicates` for many prospects with three queries in all.

    ``keys`` holds (company name, contact phone, contact e-mail) per candidate;
    the result holds, per candidate, why it looks like an existing prospect or
    an earlier candidate of the same batch (empty when it does not).
    """
    norm = [
        (
            normalise_company_name(company or ""),
            normalise_phone(phone or ""),
            (email or "").strip().lower(),
        )
        for company, phone, email in keys
    ]
    existing: dict[str, set[str]] = {"company": set(), "phone": set(), "email": set()}
    columns = {
        "company": Prospect.company_key,
        "phone": Prospect.contact_phone_key,
        "email": Prospect.contact_email,
    }
    for index, (name, column) in enumerate(columns.items()):
        wanted = sorted({k[index] for k in norm if k[index]})
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            existing[name].update(
                db.session.scalars(sa.select(column).where(column.in_(chunk)).distinct())
            )
    labels = {
        "company": str(_l("same company name")),
        "phone": str(_l("same contact phone")),
        "email": str(_l("same contact e-mail")),
    }
    seen: dict[str, set[str]] = {"company": set(), "phone": set(), "email": set()}
    result = []
    for key in norm:
        reasons = []
        for index, name in enumerate(columns):
            value = key[index]
            if value and (value in existing[name] or value in seen[name]):
                reasons.append(labels[name])
            if value:
                seen[name].add(value)
        result.append(reasons)
    return result
