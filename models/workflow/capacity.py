"""How many leads a partner holds, and whether an offer fits its policy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import counters
from models.base import db
from models.leads import (
    Lead,
)
from models.organisations import Organisation


def open_lead_count(organisation_id: int) -> int:
    """Leads a partner holds: open offers plus accepted leads still being worked.

    Read from the ``holding`` counter kept with every change (:mod:`models.counters`),
    so a capacity check costs one row whatever the partner's history; the
    definition is :func:`models.counters.holds_lead`.
    """
    return open_lead_counts([organisation_id])[organisation_id]


def open_lead_counts(organisation_ids: list[int]) -> dict[int, int]:
    """:func:`open_lead_count` for many partners in one query (0 for those holding none)."""
    return counters.holding_counts(db.session, organisation_ids)


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
