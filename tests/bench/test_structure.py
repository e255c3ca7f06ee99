"""Structure that keeps LeadShare fast: constant statement counts and no full-table COUNT.

Each page is loaded on a generated world with a few leads and again on one
with forty times as many: the number of SQL statements must not change, and
no page may count every row of a big table.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.seed import STAFF_SALES, manager_email, rep_email
from leadshare.extensions import db
from tests.bench.conftest import ANCHOR, FEW, MANY, full_counts, load, statements

OPEN = ("offered", "details_requested", "details_granted")


def _ref(state_clause: str) -> str | None:
    """The oldest lead of partner p0001 whose offer matches ``state_clause``.

    The generator draws lead by lead, so the oldest leads are the same rows in
    the small world and in the large one: the page differs only in volume.
    """
    sql = (
        "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "  # noqa: S608
        "JOIN organisations g ON g.id = o.organisation_id "
        "WHERE g.slug = 'p0001' AND " + state_clause + " ORDER BY o.id LIMIT 1"
    )
    row = db.session.execute(sa.text(sql)).first()
    return row[0] if row else None


def _staff_filter(app) -> str:
    """The lead list's stage filter argument, as the benchmark uses it."""
    for admin in app.extensions.get("admin", []):
        for view in admin._views:
            if getattr(view, "endpoint", None) != "staff_leads":
                continue
            for key, (_i, flt) in (view._filter_args or {}).items():
                kind = type(flt).__name__
                if (
                    getattr(flt.column, "key", None) == "stage"
                    and "Equal" in kind
                    and "Not" not in kind
                ):
                    return f"?flt0_{key}=QUALIFIED"
    return ""


def _pages(app) -> dict[str, tuple[str, str]]:
    """Page name → (who, URL) on the world currently loaded."""
    pages = {
        "reference": ("", "/bench/reference?id=1"),
        "inbox_rep": (rep_email(1), "/leads"),
        "staff_lead_list": (STAFF_SALES, "/admin/leads/" + _staff_filter(app)),
        "staff_home": (STAFF_SALES, "/admin/"),
        "dashboard": (STAFF_SALES, "/admin/reports/"),
    }
    tabs = {
        "new": "o.state = 'offered'",
        "details": "o.state IN ('details_requested', 'details_granted')",
        "accepted": "o.state = 'accepted' AND l.stage IN ('appointment', 'needs_hearing', "
        "'proposal')",
    }
    for tab, clause in tabs.items():
        # An empty tab sends fewer statements (nothing to load): compare full ones only.
        if _ref(clause):
            pages[f"inbox_{tab}"] = (manager_email(1), f"/leads?tab={tab}")
    states = {
        "accepted": "o.state = 'accepted'",
        "open": "o.state IN ('offered', 'details_requested', 'details_granted')",
        "ended": "o.state IN ('declined', 'expired', 'withdrawn')",
    }
    for name, clause in states.items():
        ref = _ref(clause)
        if ref:
            pages[f"lead_page_{name}"] = (manager_email(1), f"/leads/{ref}")
    return pages


def _measure(app, client, auth) -> dict[str, tuple[int, int, list[str]]]:
    """(status, statement count, full counts) of every page, logged in as its user."""
    results = {}
    current = None
    for name, (who, url) in _pages(app).items():
        if who != current:
            if current:
                auth.logout()
            if who:
                assert auth.login(who).status_code in (302, 303)
            current = who
        client.get(url)  # warm caches (translations, Flask-Admin's first render)
        with statements() as seen:
            status = client.get(url).status_code
        results[name] = (status, len(seen), full_counts(seen))
    return results


def test_every_page_sends_as_many_statements_for_40_leads_as_for_1600(bench_app, client, auth):
    """No N+1: the statement count of each page does not grow with the data."""
    load(FEW)
    few = _measure(bench_app, client, auth)
    auth.logout()
    load(MANY)
    many = _measure(bench_app, client, auth)

    compared = sorted(set(few) & set(many))
    assert {"reference", "inbox_accepted", "lead_page_accepted", "staff_lead_list"} <= set(compared)
    for name in compared:
        assert few[name][0] == 200, f"{name} answered {few[name][0]}"
        assert many[name][0] == 200, f"{name} answered {many[name][0]}"
    grown = {n: (few[n][1], many[n][1]) for n in compared if few[n][1] != many[n][1]}
    assert grown == {}, f"statement count grows with the data (few, many): {grown}"


@pytest.mark.parametrize(
    "page", ["inbox_accepted", "inbox_new", "lead_page_accepted", "staff_lead_list", "reference"]
)
def test_no_page_counts_every_row_of_a_big_table(bench_app, client, auth, page):
    """A page view never runs an unfiltered COUNT over leads, offers, notes, posts or audit."""
    load(MANY)
    results = _measure(bench_app, client, auth)
    status, _count, counted = results[page]
    assert status == 200
    assert counted == [], f"{page} counts a whole table: {counted}"


def test_reference_endpoint_exists_only_for_benchmarks(app, client):
    """Without BENCH_ENDPOINTS the reference endpoint and the stock ModelView are absent."""
    load(FEW)
    assert client.get("/bench/reference?id=1").status_code == 404
    assert "bench_stock_leads" not in {r.endpoint.split(".")[0] for r in app.url_map.iter_rules()}


def test_reference_endpoint_answers_one_lead_in_one_statement(bench_app, client):
    """The yardstick: one indexed query, JSON, no template."""
    load(FEW)
    with statements() as seen:
        answer = client.get("/bench/reference?id=3")
    assert answer.status_code == 200
    assert answer.json["id"] == 3 and len(answer.json["ref"]) == 16
    assert len(seen) == 1


def test_stock_modelview_is_staff_only(bench_app, client, auth):
    """The comparison ModelView keeps the back office's access rule."""
    load(FEW)
    assert client.get("/admin/bench-stock-leads/").status_code in (302, 303)
    auth.login(manager_email(1))
    assert client.get("/admin/bench-stock-leads/").status_code == 403
    auth.logout()
    auth.login(STAFF_SALES)
    assert client.get("/admin/bench-stock-leads/").status_code == 200


def _digest() -> dict[str, int]:
    """A fingerprint of the generated rows, ids included (they are generated too)."""
    out = {}
    for table in ("users", "prospects", "leads", "offers", "conversation_notes", "comments"):
        rows = db.session.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()  # noqa: S608
        out[table] = hash(tuple(tuple(r) for r in rows))
    # End the read transaction: the seeder truncates through its own connection.
    db.session.rollback()
    return out


def test_the_same_seed_generates_the_same_rows_and_another_seed_does_not(app):
    """Deterministic: a benchmark can be rerun on exactly the same data."""
    load(FEW)
    first = _digest()
    load(FEW)
    assert _digest() == first
    from bench.seed import SCALES, seed

    SCALES[FEW.name] = FEW
    db.session.remove()  # the generator truncates on its own connection
    try:
        seed(db.engine, FEW.name, 2, ANCHOR, progress=False, log=lambda _m: None)
    finally:
        SCALES.pop(FEW.name, None)
    other = _digest()
    assert other["leads"] != first["leads"] and other["offers"] != first["offers"]


def test_generated_offers_keep_the_one_accepted_and_one_open_rules(app):
    """Every state is present and the partial unique indexes' rules hold in generated data."""
    load(MANY)
    states = set(db.session.scalars(sa.text("SELECT DISTINCT state FROM offers")))
    assert states == {
        "offered",
        "details_requested",
        "details_granted",
        "accepted",
        "declined",
        "expired",
        "withdrawn",
    }
    twice_accepted = db.session.execute(
        sa.text(
            "SELECT lead_id FROM offers WHERE state = 'accepted' GROUP BY lead_id "
            "HAVING count(*) > 1"
        )
    ).all()
    assert twice_accepted == []
    open_offer_on_a_moved_lead = db.session.execute(
        sa.text(
            "SELECT o.id FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.state IN ('offered', 'details_requested', 'details_granted') "
            "AND l.stage != 'qualified'"
        )
    ).all()
    assert open_offer_on_a_moved_lead == []


def test_the_portal_pages_join_each_table_once(bench_app, client, auth):
    """The inbox and the lead page read their lead (and the inbox its prospect) from the
    joins they filter on: no aliased second join of the same table, three joins at most
    (a nine-table join took PostgreSQL longer to plan than to run)."""
    load(FEW)
    assert auth.login(manager_email(1)).status_code in (302, 303)
    lead_page = "/leads/" + _ref("o.state = 'accepted'")
    for url in ("/leads", lead_page):
        client.get(url)
        with statements() as seen:
            assert client.get(url).status_code == 200
        page = [f" {' '.join(s.split())} " for s in seen]
        page = [s for s in page if " FROM offers JOIN leads " in s]
        assert len(page) == 1, (url, seen)
        assert " AS leads_1 " not in page[0], url
        assert page[0].count(" JOIN ") <= 3, (url, page[0])
