"""Routing: which partners to offer a lead to, best first.

Staff are suggested partners ranked by fit.

:func:`rank_partners` scores every active partner that does not already hold
the lead. The score is a sum of weighted factors, each between 0 and its
weight, minus a penalty for stale leads:

==================  ======  =====================================================
factor              weight  value
==================  ======  =====================================================
region fit          3       the partner serves the prospect's region
product fit         3       the partner sells the lead's product line
free capacity       1.5     free share of ``policy.max_open_leads`` (0 when full)
tier                1       ``TIER_WEIGHT`` (platinum 1 … registered 0.25)
acceptance rate     1       from the scorecard (0.5 without history)
response time       1       1 − median answer hours ÷ the partner's SLA hours
                            (0.5 without history; 0 at or beyond the SLA)
win rate            1       from the scorecard (0.5 without outcomes)
stale leads         −0.75   per stale lead, at most −3 (leads go to
                            people who keep their records current)
==================  ======  =====================================================

Newcomers get the neutral 0.5 on scorecard factors so that a new partner is
neither buried nor preferred. ``problems`` lists why an offer would fall outside
the partner's policy (from :func:`models.workflow.policy_problems`): a
suggestion with problems needs an override reason from staff.

The number of queries does not depend on the number of partners: partners with
their policies, their open-lead counts, and their scorecards are each fetched
with one or two aggregate queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from models.base import db
from models.catalogue import PRODUCT_LINES, REGIONS, label
from models.labels import enum_label
from models.leads import Lead
from models.offers import HOLDING_STATES, Offer
from models.organisations import (
    TIER_WEIGHT,
    Organisation,
    OrgKind,
    PartnerStatus,
    response_sla_hours,
)
from models.scorecards import Scorecard, scorecards
from models.workflow import open_lead_counts, policy_problems

WEIGHT_REGION = 3.0
WEIGHT_PRODUCT = 3.0
WEIGHT_CAPACITY = 1.5
WEIGHT_TIER = 1.0
WEIGHT_ACCEPTANCE = 1.0
WEIGHT_RESPONSE = 1.0
WEIGHT_WIN = 1.0
PENALTY_PER_STALE_LEAD = 0.75
MAX_STALE_PENALTY = 3.0
#: The value of a scorecard factor for a partner without history.
NEUTRAL = 0.5


@dataclass
class PartnerFit:
    """One suggested partner for a lead: its score, why, and what would need an override."""

    partner: Organisation
    score: float
    reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def needs_override(self) -> bool:
        """Offering to this partner falls outside its policy."""
        return bool(self.problems)


def _percent(value: float) -> str:
    """A rate as a whole percentage."""
    return f"{round(value * 100)}%"


def _score(
    lead: Lead, partner: Organisation, open_count: int, card: Scorecard
) -> tuple[float, list[str]]:
    """The score of one partner for one lead, with the reasons shown to staff."""
    policy = partner.policy
    region = lead.prospect.region
    reasons: list[str] = []
    score = 0.0

    if region in (partner.regions or []):
        score += WEIGHT_REGION
        reasons.append(str(_l("Serves %(region)s", region=label(REGIONS, region))))
    else:
        reasons.append(str(_l("Does not serve %(region)s", region=label(REGIONS, region))))
    product = lead.product_interest
    if product in (partner.product_lines or []):
        score += WEIGHT_PRODUCT
        reasons.append(str(_l("Sells %(product)s", product=label(PRODUCT_LINES, product))))
    else:
        reasons.append(str(_l("Does not sell %(product)s", product=label(PRODUCT_LINES, product))))

    capacity = policy.max_open_leads if policy else 0
    free = max(0, capacity - open_count)
    if capacity:
        score += WEIGHT_CAPACITY * free / capacity
    reasons.append(str(_l("%(free)d of %(max)d slots free", free=free, max=capacity)))

    if partner.tier is not None:
        score += WEIGHT_TIER * TIER_WEIGHT[partner.tier]
        reasons.append(str(_l("%(tier)s partner", tier=enum_label(partner.tier))))

    if card.acceptance_rate is None:
        score += WEIGHT_ACCEPTANCE * NEUTRAL
    else:
        score += WEIGHT_ACCEPTANCE * card.acceptance_rate
        reasons.append(str(_l("Accepts %(rate)s of offers", rate=_percent(card.acceptance_rate))))

    sla_hours = response_sla_hours(policy)
    if card.median_response_hours is None:
        score += WEIGHT_RESPONSE * NEUTRAL
    else:
        score += WEIGHT_RESPONSE * max(0.0, 1 - card.median_response_hours / sla_hours)
        reasons.append(
            str(_l("Answers in %(hours)s hours (median)", hours=card.median_response_hours))
        )

    if card.win_rate is None:
        score += WEIGHT_WIN * NEUTRAL
    else:
        score += WEIGHT_WIN * card.win_rate
        reasons.append(str(_l("Wins %(rate)s of closed leads", rate=_percent(card.win_rate))))

    if card.stale_leads:
        score -= min(MAX_STALE_PENALTY, PENALTY_PER_STALE_LEAD * card.stale_leads)
        reasons.append(str(_l("%(count)d stale leads lower the ranking", count=card.stale_leads)))
    return round(score, 3), reasons


def rank_partners(lead: Lead, *, now: datetime | None = None) -> list[PartnerFit]:
    """Active partners that could take ``lead``, best fit first.

    Partners that already hold the lead (an open or accepted offer) are left
    out. Ties are broken by name so the order is stable.
    """
    holding = sa.select(Offer.organisation_id).where(
        Offer.lead_id == lead.id, Offer.state.in_(HOLDING_STATES)
    )
    partners = list(
        db.session.scalars(
            sa.select(Organisation)
            .options(selectinload(Organisation.policy))
            .where(
                Organisation.kind == OrgKind.PARTNER,
                Organisation.status == PartnerStatus.ACTIVE,
                Organisation.id.not_in(holding),
            )
        )
    )
    if not partners:
        return []
    ids = [p.id for p in partners]
    counts = open_lead_counts(ids)
    cards = scorecards(ids, now=now)
    fits = []
    for partner in partners:
        score, reasons = _score(lead, partner, counts[partner.id], cards[partner.id])
        problems = policy_problems(lead, partner, open_count=counts[partner.id])
        fits.append(PartnerFit(partner=partner, score=score, reasons=reasons, problems=problems))
    fits.sort(key=lambda fit: (-fit.score, fit.partner.name))
    return fits
