"""A page's cost does not depend on how much history a partner, or the vendor, has.

On PostgreSQL, every SELECT a page sends is replayed under ``EXPLAIN (ANALYZE,
BUFFERS)`` and the shared buffers it touches are summed. A partner with fifty
times more history than a small one must stay within twice the small one's
buffers on every portal page; the back office's home and dashboard within twice
with ten times more (older) leads. Absolute sizes stay small so the test is fast:
the ratio, not the size, is what is asserted, with sequential scans disabled so
that PostgreSQL plans as it does for large tables. Timings live only in ``bench/``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    Comment,
    Lead,
    LeadSource,
    Offer,
    OfferState,
    Prospect,
    Stage,
    Timing,
    counters,
    utcnow,
)
from tests.bench.conftest import statements

pytestmark = pytest.mark.postgres

STATES = (
    OfferState.OFFERED,
    OfferState.DETAILS_GRANTED,
    OfferState.ACCEPTED,
    OfferState.DECLINED,
    OfferState.EXPIRED,
)


def history(org, sales, n: int, *, start: int, days_ago: float = 1) -> None:
    """``n`` leads offered to ``org`` in every state, with posts, inserted in bulk."""
    now = utcnow()
    prospects = [
        {
            "company_name": f"株式会社履歴{start + i}",
            "company_key": f"履歴{start + i}",
            "address": "愛知県名古屋市",
            "phone": "052-000-0000",
            "representative": "代表 太郎",
            "website": f"https://h{start + i}.example.jp",
            "region": "chubu",
            "industry": "manufacturing",
            "contact_name": "担当 花子",
            "contact_phone": f"090-{start + i:08d}",
            "contact_phone_key": f"090{start + i:08d}",
            "contact_email": f"c{start + i}@h.example.jp",
            "created_at": now - timedelta(days=days_ago),
        }
        for i in range(n)
    ]
    ids = db.session.scalars(sa.insert(Prospect).returning(Prospect.id), prospects).all()
    leads = [
        {
            "ref": f"h{start + i:010d}",
            "prospect_id": pid,
            "teaser": "製造業のサーバー更改",
            "need": "更改",
            "product_interest": "servers",
            "source": LeadSource.PHONE,
            "timing": Timing.WITHIN_3_MONTHS,
            "owner_id": sales.id,
            "stage": Stage.APPOINTMENT if i % 5 == 2 else Stage.QUALIFIED,
            "created_at": now - timedelta(days=days_ago),
        }
        for i, pid in enumerate(ids)
    ]
    lead_ids = db.session.scalars(sa.insert(Lead).returning(Lead.id), leads).all()
    offers = []
    for i, lead_id in enumerate(lead_ids):
        state = STATES[i % len(STATES)]
        offered = now - timedelta(days=days_ago, minutes=i)
        offers.append(
            {
                "lead_id": lead_id,
                "organisation_id": org.id,
                "offered_by_id": sales.id,
                "state": state,
                "offered_at": offered,
                "respond_by": now + timedelta(hours=40, minutes=i),
                "accepted_at": offered if state is OfferState.ACCEPTED else None,
                "ended_at": offered if state in (OfferState.DECLINED, OfferState.EXPIRED) else None,
                "decline_reason": "other" if state is OfferState.DECLINED else None,
            }
        )
    offer_ids = db.session.scalars(sa.insert(Offer).returning(Offer.id), offers).all()
    posts = [
        {"offer_id": oid, "author_id": sales.id, "body": "進捗はいかがですか", "created_at": now}
        for i, oid in enumerate(offer_ids)
        if i % len(STATES) == 2
    ]
    db.session.execute(sa.insert(Comment), posts)


def buffers(client, url: str) -> int:
    """Shared buffers (hit + read) the SELECTs of one GET of ``url`` touch."""
    with statements() as seen, _parameters() as params:
        assert client.get(url).status_code == 200
    total = 0
    with db.engine.connect() as conn:
        # Tables of a few thousand rows are sequentially scanned whatever the query;
        # without that option the plans are the ones a million rows get.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in zip(seen, params, strict=True):
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
            ).scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            top = plan[0]["Plan"]
            total += top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return total


class _parameters:
    """Collect the parameters of every statement (beside :func:`statements`)."""

    def __enter__(self):
        self.seen: list = []

        def before(conn, cursor, statement, parameters, context, executemany):
            self.seen.append(parameters)

        self.listener = before
        sa.event.listen(db.engine, "before_cursor_execute", before)
        return self.seen

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self.listener)


def _settle() -> None:
    """Counters from the inserted rows, committed, and fresh planner statistics."""
    counters.check(db.session, fix=True)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _accepted_ref(org) -> str:
    """A lead the partner accepted (its page shows the board)."""
    return db.session.scalar(
        sa.select(Lead.ref)
        .join(Offer, Offer.lead_id == Lead.id)
        .where(Offer.organisation_id == org.id, Offer.state == OfferState.ACCEPTED)
        .order_by(Lead.id)
        .limit(1)
    )


def test_portal_pages_of_a_partner_with_50_times_more_history_touch_at_most_twice_the_buffers(
    world, client, auth
):
    sales = world["sales"]
    small, big = world["beta"], world["alpha"]
    history(small, sales, 60, start=0)
    history(big, sales, 3000, start=100_000)
    _settle()
    pages = ["/leads", "/leads?tab=new", "/leads?tab=closed", "/leads?tab=accepted"]
    results = {}
    for org, email in ((small, "manager@beta.example"), (big, "manager@alpha.example")):
        auth.login(email)
        urls = [*pages, f"/leads/{_accepted_ref(org)}"]
        for url in urls:
            client.get(url)  # warm the caches the same way for both
        results[org.slug] = {
            url.replace(_accepted_ref(org), "<lead>"): buffers(client, url) for url in urls
        }
        auth.logout()
    for url, few in results["beta"].items():
        many = results["alpha"][url]
        assert many <= 2 * few, f"{url}: {many} buffers for 50× the history, {few} for the small"


def test_back_office_home_and_dashboard_with_10_times_more_leads_touch_at_most_twice(
    world, client, auth, runner
):
    sales = world["sales"]
    history(world["alpha"], sales, 100, start=0)
    _settle()
    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    auth.login("sales@vendor.example")
    for url in ("/admin/", "/admin/reports/"):
        client.get(url)
    few = {url: buffers(client, url) for url in ("/admin/", "/admin/reports/")}
    # Nine times as many leads again, all of them older history.
    history(world["beta"], sales, 900, start=10_000, days_ago=200)
    _settle()
    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    for url in ("/admin/", "/admin/reports/"):
        client.get(url)
    many = {url: buffers(client, url) for url in ("/admin/", "/admin/reports/")}
    for url in ("/admin/", "/admin/reports/"):
        assert many[url] <= 2 * few[url], f"{url}: {many[url]} buffers vs {few[url]}"
