"""The business-card intake queue: a sales user sends a card photo, an assistant enters it.

1. :func:`submit_card` — a staff member photographs a card (名刺) on the phone and
   sends it with an optional note. The photo is re-encoded (no location data)
   and read by OCR; the card waits in the queue.
2. :func:`save_card` — an assistant (or any staff member) corrects the fields and
   saves them through :func:`models.capture.capture_lead`, duplicate check
   included; the new lead belongs to the card's sender, who is told by e-mail
   to record the first activity.
3. :func:`dismiss_card` — a photo that is not a card, or a duplicate, leaves the
   queue without a prospect (kept, never deleted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from models.audit import record_event
from models.base import db, utcnow
from models.capture import capture_lead
from models.card_reader import read_card
from models.cards import BusinessCard, CardStatus
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.leads import Lead
from models.outbox import queue_message
from models.prospects import ConsentMethod
from models.storage import file_store, new_storage_key
from models.uploads import IMAGE_TYPES, check_upload
from models.users import User


def _require_vendor(actor: User) -> None:
    """Vendor staff and assistants work the queue."""
    if not (actor.is_staff or actor.is_assistant):
        raise NotAllowed()


def submit_card(
    owner: User,
    *,
    filename: str | None,
    data: bytes,
    note: str | None = None,
    now: datetime | None = None,
) -> BusinessCard:
    """Queue a card photo sent by a staff member; the photo is made safe and read by OCR."""
    if not owner.is_staff:
        raise NotAllowed(_l("Only sales staff send business cards: the lead will be theirs."))
    if not data:
        raise MissingData(_l("Take or choose a photo of the card."))
    photo = check_upload(filename, data, allowed=IMAGE_TYPES)
    reading = read_card(photo.data)
    key = new_storage_key()
    file_store().put(key, photo.data, photo.content_type)
    card = BusinessCard(
        owner=owner,
        note=(note or "").strip() or None,
        photo_key=key,
        photo_type=photo.content_type,
        ocr_available=reading.available,
        ocr_text=reading.text or None,
        ocr_fields=reading.fields,
        submitted_at=now or utcnow(),
    )
    db.session.add(card)
    db.session.flush()
    record_event(
        db.session,
        owner,
        "card.submitted",
        card,
        after={"ocr": reading.available, "fields": sorted(reading.fields)},
    )
    return card


def card_photo(card: BusinessCard, actor: User) -> bytes:
    """The card's photo (personal data): vendor only, and every view is audited."""
    _require_vendor(actor)
    data = file_store().get(card.photo_key)
    record_event(db.session, actor, "card.photo_viewed", card)
    db.session.flush()
    return data


def save_card(
    card: BusinessCard,
    actor: User,
    *,
    prospect: dict[str, Any],
    lead: dict[str, Any],
    consent: bool = False,
    consent_method: ConsentMethod | None = None,
    now: datetime | None = None,
) -> Lead:
    """Enter the card as a prospect and lead of its sender; the sender is told to follow up."""
    _require_vendor(actor)
    if not card.is_waiting:
        raise InvalidTransition(_l("This card has already been handled."))
    now = now or utcnow()
    new_lead = capture_lead(
        actor,
        prospect=prospect,
        lead=lead,
        consent=consent,
        consent_method=consent_method,
        owner=card.owner,
        now=now,
    )
    card.status = CardStatus.SAVED
    card.processed_at = now
    card.processed_by_id = actor.id
    card.lead = new_lead
    db.session.flush()
    record_event(db.session, actor, "card.saved", card, after={"lead": new_lead.ref})
    queue_message(
        db.session,
        "card_saved",
        card.owner,
        {
            "lead_ref": new_lead.ref,
            "company_name": new_lead.prospect.company_name,
            "contact_name": new_lead.prospect.contact_name,
            "entered_by": actor.name,
            "teaser": new_lead.teaser,
            "product_interest": new_lead.product_interest,
            "region": new_lead.prospect.region,
            "timing": new_lead.timing.value,
        },
        dedup_key=f"card_saved:{card.ref}",
    )
    return new_lead


def dismiss_card(
    card: BusinessCard, actor: User, *, reason: str, now: datetime | None = None
) -> BusinessCard:
    """Take a card out of the queue without entering it (kept, with the reason)."""
    _require_vendor(actor)
    if not card.is_waiting:
        raise InvalidTransition(_l("This card has already been handled."))
    reason = (reason or "").strip()
    if not reason:
        raise MissingData(_l("Say why the card is dismissed."))
    card.status = CardStatus.DISMISSED
    card.processed_at = now or utcnow()
    card.processed_by_id = actor.id
    db.session.flush()
    record_event(db.session, actor, "card.dismissed", card, after={"reason": reason[:500]})
    return card
