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


@dataclass(frozen=True)
class Duplicate:
    """An existing prospect that looks like the one being captured, and why."""

    prospect: Prospect
    reasons: tuple[str, ...]


def find_duplicates(
    company_name: str | None, contact_phone: str | None, contact_email: str | None
) -> list[Duplicate]:
    """Existing prospects with the same normalised company name, contact phone or e-mail."""
    company_key = normalise_company_name(company_name or "")
    phone_key = normalise_phone(contact_phone or "")
    email = (contact_email or "").strip().lower()
    conditions = []
    if company_key:
        conditions.append(Prospect.company_key == company_key)
    if phone_key:
        conditions.append(Prospect.contact_phone_key == phone_key)
    if email:
        conditions.append(Prospect.contact_email == email)
    if not conditions:
        return []
    found = db.session.scalars(
        sa.select(Prospect).where(sa.or_(*conditions)).order_by(Prospect.id).limit(20)
    )
    result = []
    for prospect in found:
        reasons = []
        if company_key and prospect.company_key == company_key:
            reasons.append(str(_l("same company name")))
        if phone_key and prospect.contact_phone_key == phone_key:
            reasons.append(str(_l("same contact phone")))
        if email and prospect.contact_email == email:
            reasons.append(str(_l("same contact e-mail")))
        result.append(Duplicate(prospect, tuple(reasons)))
    return result


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
    now: datetime | None = None,
) -> Lead:
    """Create a prospect and its lead (staff only); a complete checklist qualifies it."""
    if not actor.is_staff:
        raise NotAllowed()
    now = now or utcnow()
    missing = [f for f in PROSPECT_REQUIRED if not str(prospect.get(f) or "").strip()]
    missing += [f for f in LEAD_REQUIRED if not str(lead.get(f) or "").strip()]
    if missing:
        raise MissingData(_l("Fill in every required field: %(fields)s", fields=", ".join(missing)))
    if consent and consent_method is None:
        raise MissingData(_l("Say how the contact's consent was obtained."))
    check_lead_limits(lead, note=note, now=now)
    record = Prospect(
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in prospect.items()},
        consent_to_share=consent,
        consent_method=consent_method if consent else None,
        consent_recorded_at=(consent_recorded_at or now) if consent else None,
        consent_recorded_by_id=actor.id if consent else None,
    )
    checklist = checklist or {}
    new_lead = Lead(
        prospect=record,
        teaser=lead["teaser"].strip(),
        need=lead["need"].strip(),
        product_interest=lead["product_interest"],
        source=lead.get("source") or LeadSource.PHONE,
        timing=lead.get("timing") or Timing.UNKNOWN,
        estimated_value=lead.get("estimated_value"),
        expected_close_on=lead.get("expected_close_on"),
        owner=actor,
        stage=Stage.NEW,
    )
    new_lead.set_checklist(
        budget=bool(checklist.get("budget")),
        authority=bool(checklist.get("authority")),
        need=bool(checklist.get("need")),
        timing=bool(checklist.get("timing")),
        now=now,
    )
    db.session.add_all([record, new_lead])
    for product in products or []:
        db.session.add(
            InstalledProduct(
                prospect=record,
                product_name=product.product_name.strip(),
                product_line=product.product_line or None,
                installed_on=product.installed_on,
                quantity=product.quantity or 1,
            )
        )
    if note is not None and note.text.strip():
        db.session.add(
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
    db.session.flush()
    record_event(
        db.session,
        actor,
        "lead.created",
        new_lead,
        after={
            "company_key": record.company_key,
            "stage": new_lead.stage,
            "consent": consent,
            "products": len(products or []),
        },
    )
    return new_lead
