"""On PostgreSQL, the tenant gate's queries use indexes on generated data.

The small benchmark scale (10,000 leads, 15,000 offers) is generated, analysed
(``VACUUM ANALYZE``, as ``bench seed`` does) and each gate query is explained
with the planner's defaults: no sequential scan of offers or leads may appear.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bench.seed import manager_email, rep_email
from leadshare.extensions import db
from models.gates import current_offer_query, reachable_leads, reachable_offers
from models.offers import Offer
from models.users import User
from tests.bench.conftest import ANCHOR

pytestmark = pytest.mark.postgres


def _plan(query: sa.Select) -> dict:
    """PostgreSQL's plan of ``query`` with its parameters bound, as JSON."""
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    rows = db.session.execute(sa.text("EXPLAIN (FORMAT JSON) " + sql)).scalar()
    return rows[0]["Plan"] if isinstance(rows, list) else json.loads(rows)[0]["Plan"]


def _nodes(plan: dict):
    """Every node of a plan tree."""
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(plan: dict) -> set[tuple[str, str]]:
    """(node type, table) of every scan in the plan."""
    return {
        (node["Node Type"], node["Relation Name"])
        for node in _nodes(plan)
        if "Relation Name" in node
    }


@pytest.fixture
def generated(app):
    """The small benchmark scale, loaded and analysed."""
    from bench.seed import seed

    db.session.remove()  # the generator truncates on its own connection
    seed(db.engine, "small", 1, ANCHOR, progress=False, log=lambda _m: None)
    setting = db.session.execute(sa.text("SHOW enable_seqscan")).scalar()
    assert setting == "on"
    return app


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _a_ref(user: User) -> str:
    offer = db.session.scalars(reachable_offers(user).limit(1)).first()
    assert offer is not None, f"{user.email} reaches no offer in the generated data"
    return offer.lead.ref


def test_inbox_page_of_the_gate_uses_indexes(generated):
    """reachable_offers, newest first, one page: index scans only (large, small partner, rep)."""
    for email in (manager_email(1), manager_email(10), rep_email(1)):
        query = (
            reachable_offers(_user(email))
            .order_by(Offer.offered_at.desc(), Offer.id.desc())
            .limit(25)
        )
        scans = _scans(_plan(query))
        assert scans, "no scan in the plan"
        assert all(kind != "Seq Scan" for kind, _table in scans), (email, scans)


def test_current_offer_query_uses_indexes(generated):
    """One lead by its reference through the gate: the unique ref index, then offers by lead."""
    for email in (manager_email(1), rep_email(1)):
        user = _user(email)
        scans = _scans(_plan(current_offer_query(user, _a_ref(user))))
        assert ("Seq Scan", "offers") not in scans, (email, scans)
        assert ("Seq Scan", "leads") not in scans, (email, scans)
        assert any(table == "leads" and "Index" in kind for kind, table in scans), scans


def test_reachable_leads_of_a_rep_uses_indexes(generated):
    """The rep's leads: their assigned offers by index, leads by primary key."""
    user = _user(rep_email(1))
    scans = _scans(_plan(reachable_leads(user).limit(25)))
    assert all(kind != "Seq Scan" for kind, _table in scans), scans
