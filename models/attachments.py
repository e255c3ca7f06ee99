"""Rules for files on a lead: attach (checked, stored), archive, download (audited).

Who may use which board is the rule of :mod:`models.files`: staff anywhere on the
lead; a partner user only on its own accepted offer, like the comment board.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import lazy_gettext as _l

from models.audit import record_event
from models.base import db, utcnow
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.files import FileKind, LeadFile
from models.leads import Lead
from models.offers import Offer
from models.outbox import queue_message
from models.storage import file_store, new_storage_key
from models.uploads import CheckedFile, check_upload
from models.users import Role, User
from models.workflow import lead_payload, partner_recipients


def _may_use_board(actor: User, lead: Lead, offer: Offer | None) -> None:
    """Staff anywhere on the lead; a partner user only on its own accepted offer."""
    if offer is not None and offer.lead_id != lead.id:
        raise NotAllowed()
    if actor.is_staff:
        return
    if not actor.is_partner or offer is None or actor.organisation_id != offer.organisation_id:
        raise NotAllowed()
    if actor.role is Role.PARTNER_REP and offer.assigned_rep_id != actor.id:
        raise NotAllowed()
    if not offer.is_accepted:
        raise InvalidTransition(_l("The board opens once the lead is accepted."))


def attach_file(
    lead: Lead,
    actor: User,
    *,
    filename: str | None,
    data: bytes,
    kind: FileKind = FileKind.OTHER,
    offer: Offer | None = None,
    now: datetime | None = None,
) -> LeadFile:
    """Check and store a file on ``offer``'s board (or staff-only); the other side is told.

    Refusals (size, type, disguised or damaged content) raise before anything is stored.
    """
    _may_use_board(actor, lead, offer)
    if not data:
        raise MissingData(_l("Choose a file."))
    checked: CheckedFile = check_upload(filename, data)
    key = new_storage_key()
    file_store().put(key, checked.data, checked.content_type)
    record = LeadFile(
        lead=lead,
        offer=offer,
        kind=kind,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        storage_key=key,
        uploaded_by_id=actor.id,
        uploaded_at=now or utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        db.session,
        actor,
        "file.attached",
        lead,
        after={
            "file": record.ref,
            "filename": record.filename,
            "content_type": record.content_type,
            "size": record.size,
            "sha256": record.sha256,
            "staff_only": offer is None,
        },
        organisation_id=offer.organisation_id if offer is not None else None,
    )
    if offer is not None:
        _tell_the_other_side(offer, actor, record)
    return record


def _tell_the_other_side(offer: Offer, actor: User, record: LeadFile) -> None:
    """Staff uploads reach the partner's people; partner uploads reach the lead's owner."""
    payload = lead_payload(offer.lead) | {"author": actor.name, "filename": record.filename}
    if actor.is_staff:
        if offer.is_accepted:
            for person in partner_recipients(offer):
                queue_message(db.session, "file_shared", person, payload)
    else:
        queue_message(db.session, "file_shared", offer.lead.owner, payload)


def archive_file(record: LeadFile, actor: User, *, now: datetime | None = None) -> LeadFile:
    """Hide a file from the lists (kept, never deleted): staff, or the partner that uploaded it."""
    if record.archived:
        raise InvalidTransition(_l("This file is already archived."))
    if not actor.is_staff:
        _may_use_board(actor, record.lead, record.offer)
        uploader = record.uploaded_by
        if uploader is None or uploader.organisation_id != actor.organisation_id:
            raise NotAllowed(_l("You can archive only your own organisation's files."))
    record.archived_at = now or utcnow()
    record.archived_by_id = actor.id
    db.session.flush()
    record_event(
        db.session,
        actor,
        "file.archived",
        record.lead,
        after={"file": record.ref, "filename": record.filename},
        organisation_id=record.offer.organisation_id if record.offer is not None else None,
    )
    return record


def download_file(record: LeadFile, actor: User) -> bytes:
    """The file's bytes for ``actor`` (already through the gate); the download is audited."""
    if not actor.is_staff:
        _may_use_board(actor, record.lead, record.offer)
        if record.archived:
            raise NotAllowed()
    data = file_store().get(record.storage_key)
    record_event(
        db.session,
        actor,
        "file.downloaded",
        record.lead,
        after={"file": record.ref, "filename": record.filename},
        organisation_id=actor.organisation_id if actor.is_partner else None,
    )
    db.session.flush()
    return data
