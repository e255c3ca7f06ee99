"""Who hears about an offer, and the teaser-level payload of every notice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from models.base import db
from models.leads import (
    Lead,
)
from models.offers import Offer
from models.outbox import queue_message
from models.users import Role, User


def partner_managers(organisation_id: int) -> list[User]:
    """The active managers of a partner, who receive its offers."""
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.organisation_id == organisation_id,
                User.role == Role.PARTNER_MANAGER,
                User.active.is_(True),
            )
        )
    )


def managers_by_partner(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active managers of many partners in one query (for a sweep over many offers)."""
    ids = sorted(set(organisation_ids))
    managers: dict[int, list[User]] = {i: [] for i in ids}
    if not ids:
        return managers
    for user in db.session.scalars(
        sa.select(User)
        .where(
            User.organisation_id.in_(ids),
            User.role == Role.PARTNER_MANAGER,
            User.active.is_(True),
        )
        .order_by(User.id)
    ):
        managers[user.organisation_id].append(user)
    return managers


def partner_recipients(offer: Offer, managers: dict[int, list[User]] | None = None) -> list[User]:
    """Who hears about an offer at the partner: its managers and the assigned rep.

    ``managers`` (from :func:`managers_by_partner`) saves the query per offer.
    """
    found = (
        managers[offer.organisation_id]
        if managers is not None and offer.organisation_id in managers
        else partner_managers(offer.organisation_id)
    )
    recipients = {u.id: u for u in found}
    if offer.assigned_rep is not None:
        recipients[offer.assigned_rep.id] = offer.assigned_rep
    return list(recipients.values())


def notify_partner(offer: Offer, kind: str, payload: dict[str, Any], dedup: str | None = None):
    """Queue ``kind`` for the offer's partner: its managers, and the assigned rep."""
    for user in partner_recipients(offer):
        key = f"{dedup}:{user.id}" if dedup else None
        queue_message(db.session, kind, user, payload, dedup_key=key)


def lead_payload(lead: Lead) -> dict[str, Any]:
    """Teaser-level facts safe to put in any notification (no names, no personal data)."""
    return {
        "lead_ref": lead.ref,
        "teaser": lead.teaser,
        "product_interest": lead.product_interest,
        "region": lead.prospect.region,
        "timing": lead.timing.value,
    }


def offer_payload(offer: Offer) -> dict[str, Any]:
    """Teaser payload plus the offer's partner and deadline."""
    payload = lead_payload(offer.lead)
    payload.update(
        partner_name=offer.organisation.name,
        respond_by=offer.respond_by.isoformat(),
        offer_state=offer.state.value,
    )
    return payload
