"""Rules on a partner organisation as a whole."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    NotAllowed,
)
from models.offers import OPEN_STATES, EndCause, Offer
from models.organisations import Organisation, PartnerStatus
from models.outbox import queue_message
from models.users import User
from models.workflow.guards import flush
from models.workflow.notifications import offer_payload
from models.workflow.offers import withdraw_offer


def suspend_partner(org: Organisation, actor: User, *, now: datetime | None = None) -> list[Offer]:
    """Suspend a partner: no more offers, every user logged out, its open offers withdrawn.

    Each open offer goes through :func:`withdraw_offer` (the partner's managers and
    assigned rep are told); each lead's owner hears that the lead is free to offer
    again. Returns the withdrawn offers. Accepted leads stay with the partner.
    """
    if not actor.is_admin:
        raise NotAllowed(_l("Only an administrator can suspend a partner."))
    if org.is_vendor:
        raise InvalidTransition(_l("Only a partner can be suspended."))
    if org.status is PartnerStatus.SUSPENDED:
        raise InvalidTransition(_l("This partner is already suspended."))
    now = now or utcnow()
    before = org.status
    org.status = PartnerStatus.SUSPENDED
    for user in org.users:
        user.rotate_session_token()
    flush()
    offers = list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.organisation_id == org.id, Offer.state.in_(OPEN_STATES))
            .order_by(Offer.id)
        )
    )
    for offer in offers:
        withdraw_offer(offer, actor, cause=EndCause.PARTNER_SUSPENDED, now=now)
        queue_message(db.session, "partner_suspended", offer.lead.owner, offer_payload(offer))
    record_event(
        db.session,
        actor,
        "partner.suspended",
        org,
        before={"status": before},
        after={
            "status": org.status,
            "withdrawn_offers": [o.id for o in offers],
            "users_logged_out": len(org.users),
        },
        organisation_id=org.id,
    )
    flush()
    return offers
