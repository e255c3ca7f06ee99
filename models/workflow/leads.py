"""Rules on the vendor's side of a lead: notes and qualification."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
)
from models.leads import (
    Channel,
    ConversationNote,
    Lead,
    NoteCategory,
    NoteVisibility,
    Stage,
)
from models.users import User
from models.workflow.guards import check_version, flush, require_staff


def add_note(
    lead: Lead,
    actor: User,
    *,
    text: str,
    channel: Channel,
    category: NoteCategory,
    visibility: NoteVisibility,
    occurred_at: datetime | None = None,
) -> ConversationNote:
    """Record what the prospect said (staff only)."""
    require_staff(actor)
    if not text or not text.strip():
        raise MissingData(_l("The note is empty."))
    note = ConversationNote(
        lead=lead,
        author=actor,
        text=text.strip(),
        channel=channel,
        category=category,
        visibility=visibility,
        occurred_at=occurred_at or utcnow(),
    )
    db.session.add(note)
    flush()
    record_event(
        db.session,
        actor,
        "note.added",
        lead,
        after={"note_id": note.id, "visibility": visibility, "category": category},
    )
    return note


def qualify_lead(
    lead: Lead,
    actor: User,
    *,
    budget: bool,
    authority: bool,
    need: bool,
    timing: bool,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Set the qualification checklist; a complete list makes a new lead qualified."""
    require_staff(actor)
    check_version(lead, expected_version)
    if lead.is_closed or lead.is_working:
        raise InvalidTransition(_l("A lead being worked or closed cannot be requalified."))
    before = {
        "budget": lead.has_budget,
        "authority": lead.has_authority,
        "need": lead.has_need,
        "timing": lead.has_timing,
        "stage": lead.stage,
    }
    complete = budget and authority and need and timing
    if not complete and lead.stage is Stage.QUALIFIED and any(o.is_open for o in lead.offers):
        raise InvalidTransition(_l("Withdraw the open offers before unqualifying the lead."))
    lead.set_checklist(
        budget=budget, authority=authority, need=need, timing=timing, now=now or utcnow()
    )
    flush()
    after = {
        "budget": budget,
        "authority": authority,
        "need": need,
        "timing": timing,
        "stage": lead.stage,
    }
    record_event(db.session, actor, "lead.qualified", lead, before=before, after=after)
    return lead
