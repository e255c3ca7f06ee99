"""Capturing a lead: the prospect, the lead, its first note and installed products.

Used by the back office's "post a lead" form and by the CSV import, so both
apply the same duplicate check and write the same audit event.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models import limits
from models.audit import record_events
from models.base import column_values, db, utcnow
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

__all__ = [
    "Duplicate",
    "NoteInput",
    "ProductInput",
    "capture_lead",
    "capture_leads",
    "find_duplicates",
    "insert_captures",
]


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


def _audit(actor: User, prospect: Prospect, lead: Lead, item: CaptureInput) -> dict[str, Any]:
    """What the ``lead.created`` event of one capture says (``after``)."""
    return {
        "company_key": prospect.company_key,
        "stage": lead.stage,
        "consent": item.consent,
        "products": len(item.products or []),
        "owner": (item.owner or actor).id,
    }


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is built and written.

    A batch allocates tens of thousands of small objects (ORM objects, their
    states, row dicts) and no cycles worth collecting; the collector would walk
    the whole heap again and again meanwhile (measured: building and turning
    5,000 captures into rows took about twice as long with it running).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _insert(model: type, rows: list[dict[str, Any]], *returning: str) -> list[tuple]:
    """Insert ``rows`` of ``model`` in batches (Core); return the ``returning`` columns per row.

    On PostgreSQL the new ids are taken from the table's own sequence in one
    query and the other returned columns from their column defaults (the
    function the ``INSERT`` would call, e.g. ``new_reference``), and the rows go
    in one ``executemany`` (the driver pipelines it): measured several times
    faster than a multi-row ``INSERT … RETURNING`` of 1000 rows of 20–30
    columns. Elsewhere (SQLite) a multi-row ``INSERT … RETURNING`` per batch
    (SQLAlchemy's "insertmanyvalues", returned rows in parameter order).
    """
    table = model.__table__
    if not rows:
        return []
    prefetch = bool(returning) and db.session.connection().dialect.name == "postgresql"
    if prefetch:
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        ids = db.session.scalars(
            sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, len(rows)))
        ).all()
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
            for name in returning:
                default = table.c[name].default
                if name not in row and default is not None:
                    row[name] = default.arg(None) if default.is_callable else default.arg
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(row), []).append(index)
    if not returning or prefetch:
        for indexes in groups.values():
            db.session.execute(sa.insert(table), [rows[i] for i in indexes])
        return [tuple(row[name] for name in returning) for row in rows]
    out: list[tuple] = [()] * len(rows)
    statement = sa.insert(table).returning(
        *(table.c[name] for name in returning), sort_by_parameter_order=True
    )
    for indexes in groups.values():
        result = db.session.execute(statement, [rows[i] for i in indexes])
        for index, found in zip(indexes, result, strict=True):
            out[index] = tuple(found)
    return out


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

    The rows are written by :func:`insert_captures`; the new leads are then
    read back in one query (with their prospects) for the caller to use.
    """
    ids = [lead_id for lead_id, _ref in insert_captures(actor, items, now=now)]
    if not ids:
        return []
    found = {
        lead.id: lead
        for lead in db.session.scalars(
            sa.select(Lead).where(Lead.id.in_(ids)).options(joinedload(Lead.prospect))
        )
    }
    return [found[lead_id] for lead_id in ids]


def insert_captures(
    actor: User, items: list[CaptureInput], *, now: datetime | None = None
) -> list[tuple[int, str]]:
    """Capture many leads with set-based inserts; return each new lead's (id, ref).

    Every item is checked (:func:`_check`) before anything is written. The rows
    are those :func:`_build` makes for one capture, turned into column values
    (:func:`models.base.column_values`, the column defaults applied by the
    ``INSERT``) and written in batches, a few statements per table whatever the
    number of items (:func:`_insert`: prospects, leads, installed products,
    notes), then one ``lead.created`` event per lead. The unit of work (and
    its counter hooks) is bypassed: a new lead has no offer yet, so no counter
    of :mod:`models.counters` moves.
    """
    if not (actor.is_staff or actor.is_assistant):
        raise NotAllowed()
    # Leads belong to staff: an assistant always names the staff member it works for.
    if any(not (item.owner or actor).is_staff for item in items):
        raise NotAllowed()
    now = now or utcnow()
    for item in items:
        _check(item, now)
    if not items:
        return []
    with _collector_paused():
        built = [_build(actor, item, now) for item in items]
        # The transient objects take the ids the database gives them, so the rows that
        # point at them (and the audit events) read their keys as a flush would.
        records = [record for record, _lead, _extra in built]
        for record, (prospect_id,) in zip(
            records, _insert(Prospect, [column_values(r) for r in records], "id"), strict=True
        ):
            record.id = prospect_id
        leads = [new_lead for _record, new_lead, _extra in built]
        for new_lead, (lead_id, ref) in zip(
            leads, _insert(Lead, [column_values(lead) for lead in leads], "id", "ref"), strict=True
        ):
            new_lead.id, new_lead.ref = lead_id, ref
        extras: dict[type, list[dict[str, Any]]] = {}
        for _record, _lead, extra in built:
            for obj in extra:
                extras.setdefault(type(obj), []).append(column_values(obj))
        for model, rows in extras.items():
            _insert(model, rows)
        record_events(
            db.session,
            actor,
            "lead.created",
            [
                (new_lead, _audit(actor, record, new_lead, item))
                for (record, new_lead, _extra), item in zip(built, items, strict=True)
            ],
        )
    return [(new_lead.id, new_lead.ref) for new_lead in leads]


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
