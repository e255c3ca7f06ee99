"""Staff's changes to a lead's record: edit, archive, unarchive, and reading personal data.

Like the workflow rules: check, change, audit, flush; the door commits. The back
office and the portal call these, never their own copy.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db
from models.errors import InvalidTransition, NotAllowed
from models.leads import ConversationNote, Lead, Timing
from models.offers import OPEN_STATES, EndCause, Offer
from models.prospects import COMPANY_FIELDS, CONTACT_FIELDS, PROSPECT_REQUIRED, Prospect
from models.users import User
from models.workflow.guards import check_version

#: What staff may edit on a lead after posting it, with each text's maximum length.
LEAD_TEXTS = {"teaser": limits.TEASER_MAX, "need": limits.NEED_MAX}
LEAD_FIELDS = ("teaser", "need", "timing", "estimated_value", "expected_close_on")

#: What staff may edit on a prospect, with each text's maximum length.
PROSPECT_TEXTS = {
    "company_name": limits.COMPANY_NAME_MAX,
    "address": 300,
    "phone": 40,
    "representative": limits.NAME_MAX,
    "website": 300,
    "contact_name": limits.NAME_MAX,
    "contact_title": limits.NAME_MAX,
    "contact_phone": 40,
    "contact_email": 254,
}
PROSPECT_NULLABLE = ("contact_title",)


def _require_staff(actor: User) -> None:
    """Only vendor staff change leads' records."""
    if not actor.is_staff:
        raise NotAllowed()


def _changes(record: Any, values: dict[str, Any]) -> tuple[dict, dict]:
    """Set ``values`` on ``record``; return what changed, before and after."""
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(record, name, value)
    return before, after


def _clean_text(value: str | None, limit: int, field: str) -> str | None:
    """Stripped text within ``limit`` characters (``None`` for blank)."""
    text = (value or "").strip() or None
    return limits.check_text(text, limit, field=field)


def edit_lead(
    actor: User, lead: Lead, *, expected_version: int | None = None, **values: Any
) -> Lead:
    """Change a lead's description (teaser, need, timing, value, expected close); audited.

    ``expected_version`` is the version the form was loaded with: a form loaded before
    someone else's change is refused (:class:`~models.errors.StaleRecord`).
    """
    _require_staff(actor)
    check_version(lead, expected_version)
    unknown = set(values) - set(LEAD_FIELDS)
    if unknown:
        raise NotAllowed()
    clean: dict[str, Any] = {}
    for name, limit in LEAD_TEXTS.items():
        if name in values:
            text = _clean_text(values[name], limit, name)
            if text is None:
                raise limits.OutOfRange(_l("This field is required."), field=name)
            clean[name] = text
    if "timing" in values:
        timing = values["timing"]
        clean["timing"] = timing if isinstance(timing, Timing) else Timing(timing)
    if "estimated_value" in values:
        clean["estimated_value"] = limits.check_amount(
            values["estimated_value"], field="estimated_value"
        )
    if "expected_close_on" in values:
        day: date | None = values["expected_close_on"]
        clean["expected_close_on"] = limits.check_deal_date(day, field="expected_close_on")
    before, after = _changes(lead, clean)
    if after:
        record_event(db.session, actor, "lead.edited", lead, before=before, after=after)
    db.session.flush()
    return lead


def edit_prospect(actor: User, prospect: Prospect, **values: Any) -> Prospect:
    """Change a prospect's company and contact details; audited (values of personal data are
    not copied into the log, only which fields changed)."""
    _require_staff(actor)
    unknown = set(values) - {*COMPANY_FIELDS, *CONTACT_FIELDS}
    if unknown:
        raise NotAllowed()
    clean = {}
    for name, value in values.items():
        text = _clean_text(value, PROSPECT_TEXTS[name], name)
        if text is None and name in PROSPECT_REQUIRED:
            raise limits.OutOfRange(_l("This field is required."), field=name)
        clean[name] = text if text is not None or name in PROSPECT_NULLABLE else ""
    before, after = _changes(prospect, clean)
    if after:
        record_event(
            db.session, actor, "prospect.edited", prospect, after={"fields": sorted(after)}
        )
    db.session.flush()
    return prospect


def record_personal_data_view(actor: User, prospect: Prospect, via: str, **context: Any) -> None:
    """Audit that ``actor`` was shown the prospect's contact person (name, phone, e-mail).

    One event name for every page of either door that shows it; ``via`` says which
    page (``portal.lead``, ``admin.lead``, ``admin.prospect``, ``admin.registration``…).
    """
    organisation_id = None if actor.organisation.is_vendor else actor.organisation_id
    record_event(
        db.session,
        actor,
        "prospect.personal_data_viewed",
        prospect,
        after={"via": via, **context},
        organisation_id=organisation_id,
    )
    db.session.flush()


def archive_lead(actor: User, lead: Lead, *, now: datetime | None = None) -> list[Offer]:
    """Archive a lead: its open offers are withdrawn (partners told); it cannot be offered.

    Returns the withdrawn offers. An accepted offer stays: the partner's work is kept.
    """
    from models import workflow

    _require_staff(actor)
    if lead.archived:
        raise InvalidTransition(_l("This lead is already archived."))
    offers = list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.lead_id == lead.id, Offer.state.in_(OPEN_STATES))
            .order_by(Offer.id)
        )
    )
    for offer in offers:
        workflow.withdraw_offer(offer, actor, cause=EndCause.LEAD_ARCHIVED, now=now)
    lead.archived = True
    record_event(
        db.session,
        actor,
        "lead.archived",
        lead,
        before={"archived": False},
        after={"archived": True, "withdrawn_offers": [o.id for o in offers]},
    )
    db.session.flush()
    return offers


def unarchive_lead(actor: User, lead: Lead) -> Lead:
    """Bring an archived lead back: it can be offered again; audited."""
    _require_staff(actor)
    if not lead.archived:
        raise InvalidTransition(_l("This lead is not archived."))
    lead.archived = False
    record_event(db.session, actor, "lead.unarchived", lead, before={"archived": True}, after={})
    db.session.flush()
    return lead


def archive_note(actor: User, note: ConversationNote) -> ConversationNote:
    """Archive a conversation note: partners stop seeing it, nothing is lost; audited."""
    _require_staff(actor)
    if note.archived:
        raise InvalidTransition(_l("This note is already archived."))
    note.archived = True
    record_event(db.session, actor, "note.archived", note.lead, after={"note_id": note.id})
    db.session.flush()
    return note
