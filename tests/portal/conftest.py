"""Portal fixtures: offers in every state, built through the workflow rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Base, workflow
from tests import factories


def make_offer(world, partner="alpha", *, accept=False, rep=False, details=False, **lead_fields):
    """A lead offered to ``partner`` (optionally details granted / accepted / given to its rep)."""
    lead = factories.lead(world["sales"], **lead_fields)
    offer = workflow.offer_lead(
        lead, world[partner], world["sales"], comment="Please call before Friday."
    )
    manager = world[f"{partner}_manager"]
    if details or accept:
        workflow.request_details(offer, manager)
    if accept:
        workflow.accept_offer(offer, manager, rep=world[f"{partner}_rep"] if rep else None)
    db.session.commit()
    return offer


@pytest.fixture
def offer_for(world):
    """Build offers: ``offer_for(partner="alpha", accept=True, rep=True)``."""

    def build(partner="alpha", **kwargs):
        return make_offer(world, partner, **kwargs)

    return build


def snapshot() -> dict[str, list]:
    """Every row of every table, to prove a request changed nothing.

    Login sessions are left out: each request may stamp its session's last-seen time.
    """
    rows = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "login_sessions":
            continue
        result = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        rows[table.name] = [tuple(r) for r in result]
    db.session.rollback()
    return rows
