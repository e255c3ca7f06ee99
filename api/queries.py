"""Read queries of the API; every partner read starts from the tenant gate."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models.gates import current_offer_query, lead_view_loading, reachable_offers
from models.leads import Lead
from models.offers import Comment, Offer
from models.prospects import Prospect
from models.registrations import DealRegistration
from models.users import Role, User


def latest_offers(user: User, updated_since: datetime | None = None) -> sa.Select:
    """The user's latest reachable offer per lead, oldest first (a stable keyset order)."""
    newer = sa.orm.aliased(Offer)
    latest = ~sa.exists().where(
        newer.lead_id == Offer.lead_id,
        newer.organisation_id == Offer.organisation_id,
        newer.id > Offer.id,
    )
    query = reachable_offers(user).join(Offer.lead).where(latest, Lead.archived.is_(False))
    if updated_since is not None:
        query = query.where(
            sa.or_(Offer.updated_at >= updated_since, Lead.updated_at >= updated_since)
        )
    return query.order_by(Offer.id).options(*lead_view_loading())


def staff_leads(updated_since: datetime | None = None) -> sa.Select:
    """Every lead that is not archived, for vendor staff, oldest first."""
    query = sa.select(Lead).where(Lead.archived.is_(False))
    if updated_since is not None:
        query = query.where(Lead.updated_at >= updated_since)
    return query.order_by(Lead.id).options(
        selectinload(Lead.prospect).selectinload(Prospect.installed_products),
        selectinload(Lead.notes),
        selectinload(Lead.offers).selectinload(Offer.organisation),
    )


def current_offer(user: User, ref: str) -> sa.Select:
    """The user's current offer of lead ``ref`` through the tenant gate (a miss is 404)."""
    return current_offer_query(user, ref).options(*lead_view_loading())


def staff_lead(ref: str) -> sa.Select:
    """A lead by its reference, for staff."""
    return sa.select(Lead).where(Lead.ref == ref, Lead.archived.is_(False))


def registrations(user: User) -> sa.Select:
    """Registrations a partner user may read: a manager its organisation's, a rep its own."""
    query = (
        sa.select(DealRegistration)
        .where(DealRegistration.organisation_id == user.organisation_id)
        .options(selectinload(DealRegistration.lead))
        .order_by(DealRegistration.id)
    )
    if not user.is_partner:
        return query.where(sa.false())
    if user.role is not Role.PARTNER_MANAGER:
        query = query.where(DealRegistration.submitted_by_id == user.id)
    return query


def board(offer: Offer) -> sa.Select:
    """The visible posts of one board, oldest first."""
    return (
        sa.select(Comment)
        .where(Comment.offer_id == offer.id, Comment.hidden_at.is_(None))
        .order_by(Comment.id)
        .options(selectinload(Comment.author))
    )
