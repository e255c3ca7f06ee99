"""Who hears about an offer, and the teaser-level payload of every notice."""

from __future__ import annotations

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


def partner_recipients(offer: Offer) -> list[User]:
    """Who hears about an offer at the partner: its managers and the assigned rep."""
    recipients = {u.id: u for u in partner_managers(offer.organisation_id)}
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
