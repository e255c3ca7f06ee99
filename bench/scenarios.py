"""What the load driver requests: targets picked from the database, one scenario per page."""

from __future__ import annotations

import os

import psycopg


def targets_from_db(conn: psycopg.Connection, n: int, writes: int, typical: int) -> dict:
    """Pick the driver's lead references: the largest partner (p0001) and a typical one."""
    from bench.seed import manager_email, partner_slug, rep_email

    org = conn.execute("SELECT id FROM organisations WHERE slug = 'p0001'").fetchone()[0]
    rep_id = conn.execute("SELECT id FROM users WHERE email = %s", (rep_email(1),)).fetchone()[0]
    page_refs = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND NOT l.archived ORDER BY md5(l.ref) LIMIT %s",
            (org, n),
        )
    ]
    accept = conn.execute(
        "SELECT l.ref, o.version FROM offers o JOIN leads l ON l.id = o.lead_id "
        "WHERE o.organisation_id = %s AND o.state IN ('offered', 'details_requested', "
        "'details_granted') AND l.stage = 'qualified' AND NOT l.archived "
        "AND o.respond_by > now() AT TIME ZONE 'UTC' + interval '2 hours' "
        "ORDER BY md5(l.ref) LIMIT %s",
        (org, writes),
    ).fetchall()
    board = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND o.state = 'accepted' AND NOT l.archived "
            "ORDER BY md5(l.ref) LIMIT %s",
            (org, writes),
        )
    ]
    typical_org = conn.execute(
        "SELECT id FROM organisations WHERE slug = %s", (partner_slug(typical),)
    ).fetchone()[0]
    typical_refs = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND NOT l.archived ORDER BY md5(l.ref) LIMIT %s",
            (typical_org, n),
        )
    ]
    typical_offers = conn.execute(
        "SELECT count(*) FROM offers WHERE organisation_id = %s", (typical_org,)
    ).fetchone()[0]
    max_lead = conn.execute("SELECT max(id) FROM leads").fetchone()[0]
    offers_of_org = conn.execute(
        "SELECT count(*) FROM offers WHERE organisation_id = %s", (org,)
    ).fetchone()[0]
    rep_leads = conn.execute(
        "SELECT count(*) FROM offers WHERE assigned_rep_id = %s AND state = 'accepted'", (rep_id,)
    ).fetchone()[0]
    return {
        "organisation_id": org,
        "manager": manager_email(1),
        "rep": rep_email(1),
        "offers_of_partner": offers_of_org,
        "typical_manager": manager_email(typical),
        "typical_refs": typical_refs,
        "offers_of_typical_partner": typical_offers,
        "accepted_leads_of_rep": rep_leads,
        "page_refs": page_refs,
        "accept": accept,
        "board": board,
        "max_lead_id": max_lead,
    }


def staff_list_filter(env: dict) -> str:
    """The query string of the back office's lead list filtered to stage = qualified."""
    os.environ.update(env)
    from flask_admin.contrib.sqla import filters as sqla_filters

    from leadshare import create_app
    from models.leads import Stage

    app = create_app()
    for admin in app.extensions.get("admin", []):
        for view in admin._views:
            if getattr(view, "endpoint", None) != "staff_leads":
                continue
            for key, (_index, flt) in (view._filter_args or {}).items():
                column = getattr(getattr(flt, "column", None), "key", None)
                # The stage choice filter, with the value its options offer (as the UI sends).
                if column == "stage" and isinstance(flt, sqla_filters.FilterEqual):
                    return f"flt0_{key}={Stage.QUALIFIED.value}"
    raise LookupError("the back office's lead list has no stage filter")


def scenarios(t: dict, s: dict, staff_filter: str) -> list[dict]:
    """The driver's plan: every page of the issue, the reference and the stock ModelView."""
    from bench.seed import PASSWORD, STAFF_SALES

    def login(email: str, landing: str) -> dict:
        return {"email": email, "password": PASSWORD, "landing": landing}

    manager = login(t["manager"], "/leads")
    n, w = s["requests"] + s["warmup"], s["warmup"]
    common = {
        "budget_seconds": s["budget_seconds"],
        "warmup": w,
        "requests": s["requests"],
        "seconds": s["seconds"],
        "concurrency": s["concurrency"],
    }
    step = max(1, t["max_lead_id"] // n)
    refs = t["page_refs"] or ["missing"]
    typical = t["typical_refs"] or ["missing"]
    return [
        {
            "name": "reference",
            **common,
            "login": None,
            "steps": [{"path": f"/bench/reference?id={1 + i * step}"} for i in range(n)],
        },
        {"name": "inbox", **common, "login": manager, "steps": [{"path": "/leads"}]},
        {
            "name": "inbox_rep",
            **common,
            "login": login(t["rep"], "/leads"),
            "steps": [{"path": "/leads"}],
        },
        {
            "name": "inbox_typical",
            **common,
            "login": login(t["typical_manager"], "/leads"),
            "steps": [{"path": "/leads"}],
        },
        {
            "name": "lead_page_typical",
            **common,
            "login": login(t["typical_manager"], "/leads"),
            "steps": [{"path": f"/leads/{typical[i % len(typical)]}"} for i in range(n)],
        },
        {
            "name": "lead_page",
            **common,
            "login": manager,
            "steps": [{"path": f"/leads/{refs[i % len(refs)]}"} for i in range(n)],
        },
        {
            "name": "staff_lead_list",
            **common,
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": f"/admin/leads/?{staff_filter}"}],
        },
        {
            "name": "stock_modelview",
            "warmup": 2,
            "budget_seconds": s["budget_seconds"],
            "requests": s["slow_requests"],
            "seconds": s["seconds"],
            "concurrency": s["concurrency"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/bench-stock-leads/"}],
        },
        {
            "name": "staff_home",
            **common,
            "requests": s["slow_requests"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/"}],
        },
        {
            "name": "dashboard",
            "warmup": 2,
            "budget_seconds": s["budget_seconds"],
            "requests": s["slow_requests"],
            "seconds": s["seconds"],
            "concurrency": s["concurrency"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/reports/"}],
        },
        {
            "name": "board_comment",
            "warmup": 0,
            "login": manager,
            "expect": [302, 303],
            "steps": [
                {
                    "method": "POST",
                    "path": f"/leads/{ref}/comments",
                    "data": {"body": f"ベンチマークの投稿 {i}"},
                }
                for i, ref in enumerate(t["board"])
            ],
        },
        {
            "name": "accept_offer",
            "warmup": 0,
            "login": manager,
            "expect": [302, 303],
            "steps": [
                {
                    "method": "POST",
                    "path": f"/leads/{ref}/accept",
                    "data": {"version": str(version), "rep": "0", "comment": ""},
                }
                for ref, version in t["accept"]
            ],
        },
    ]
