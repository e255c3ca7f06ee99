"""Checks every rule starts with: who may act, and whether the form is stale."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from models.base import db
from models.errors import (
    InvalidTransition,
    NotAllowed,
    StaleRecord,
)
from models.leads import (
    Lead,
)
from models.offers import Offer
from models.users import Role, User


def check_version(record: Lead | Offer, expected_version: int | None) -> None:
    """Refuse a write based on a form loaded before someone else's change."""
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord()


def flush() -> None:
    """Flush, turning database-level conflicts into rule errors."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleRecord() from exc


def require_staff(actor: User) -> None:
    """Only vendor staff may do this."""
    if not actor.is_staff:
        raise NotAllowed()


def require_partner_of(actor: User, offer: Offer, *, manager: bool = False) -> None:
    """The actor must be a user of the offer's partner (its manager when ``manager``)."""
    if not actor.is_partner or actor.organisation_id != offer.organisation_id:
        raise NotAllowed()
    if manager and actor.role is not Role.PARTNER_MANAGER:
        raise NotAllowed(_l("Only your organisation's manager can do this."))
    if actor.role is Role.PARTNER_REP and offer.assigned_rep_id != actor.id:
        raise NotAllowed()


def require_worker(actor: User, offer: Offer) -> None:
    """Staff, or a user of the partner that accepted the offer."""
    if actor.is_staff:
        return
    require_partner_of(actor, offer)
    if not offer.is_accepted:
        raise InvalidTransition(_l("Only an accepted lead can be worked on."))
