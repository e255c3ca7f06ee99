"""How many leads a partner holds, and whether an offer fits its policy."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models.base import db
from models.leads import (
    WORKING_STAGES,
    Lead,
)
from models.offers import OPEN_STATES, Offer, OfferState
from models.organisations import Organisation


def holds_lead() -> sa.ColumnElement[bool]:
    """An offer that counts against capacity: open, or accepted and still being worked."""
    return sa.or_(
        Offer.state.in_(OPEN_STATES),
        sa.and_(Offer.state == OfferState.ACCEPTED, Lead.stage.in_(WORKING_STAGES)),
    )


def open_lead_count(organisation_id: int) -> int:
    """Leads a partner holds: open offers plus accepted leads still being worked."""
    return db.session.scalar(
        sa.select(sa.func.count(Offer.id))
        .join(Offer.lead)
        .where(Offer.organisation_id == organisation_id, holds_lead())
    )


def open_lead_counts(organisation_ids: list[int]) -> dict[int, int]:
    """:func:`open_lead_count` for many partners in one query (0 for those holding none)."""
    counts = dict.fromkeys(organisation_ids, 0)
    if not organisation_ids:
        return counts
    rows = db.session.execute(
        sa.select(Offer.organisation_id, sa.func.count(Offer.id))
        .join(Offer.lead)
        .where(Offer.organisation_id.in_(organisation_ids), holds_lead())
        .group_by(Offer.organisation_id)
    )
    counts.update({org_id: int(n) for org_id, n in rows})
    return counts


def policy_problems(
    lead: Lead,
    partner: Organisation,
    *,
    open_count: int | None = None,
    check_capacity: bool = True,
) -> list[str]:
    """Why offering ``lead`` to ``partner`` falls outside its policy (empty when it fits).

    ``open_count`` is the partner's :func:`open_lead_count` when the caller already
    has it (the routing ranking counts every partner in one query). A caller that
    weighs capacity itself (the CSV import, over many rows) passes
    ``check_capacity=False``.
    """
    problems: list[str] = []
    policy = partner.policy
    if policy is None:
        return problems
    if not policy.allows_region(lead.prospect.region):
        problems.append(str(_l("The lead's region is outside the partner's regions.")))
    if not policy.allows_product_line(lead.product_interest):
        problems.append(str(_l("The product line is outside the partner's product lines.")))
    if not check_capacity:
        return problems
    if open_count is None:
        open_count = open_lead_count(partner.id)
    if open_count >= policy.max_open_leads:
        problems.append(str(_l("The partner is at capacity.")))
    return problems
