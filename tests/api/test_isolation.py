"""Tenant isolation of the API (OWASP WSTG-ATHZ-04): every endpoint replayed as the wrong user.

For each route taking a lead reference, another partner's token and a rep's
token (on a lead not assigned to them) get exactly the answer of a lead that
does not exist, and nothing in the database changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.conftest import snapshot

MISSING_REF = "doesNotExist0000"

#: A plausible body for every action, so that only the gate can stop it.
BODIES = {
    "accept": {"rep": "rep@alpha.example", "comment": "taking it"},
    "assign": {"rep": "rep@beta.example"},
    "decline": {"reason": "no_capacity"},
    "stage": {"to_stage": "proposal"},
    "activities": {
        "occurred_at": datetime(2026, 1, 5, 10, tzinfo=UTC).isoformat(),
        "channel": "phone",
        "category": "other",
        "detail": "called",
    },
    "won": {
        "order_date": "2026-01-05",
        "product": "Server",
        "amount": 100,
        "delivery_date": "2026-02-05",
    },
    "lost": {"reason": "price"},
    "comments": {"body": "hello"},
    "request-details": {},
}


def _lead_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every API route that takes a lead reference (staff ones apart)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or "<ref>" not in rule.rule:
            continue
        if rule.endpoint == "api.offer_lead":
            continue  # staff only: checked separately below
        for method in ("GET", "POST"):
            if method in rule.methods:
                routes.append((method, rule.rule))
    return routes


def _replay(api, method, rule, ref, token):
    """One call of ``rule`` with ``ref`` filled in."""
    path = rule.removeprefix("/api/v1").replace("<ref>", ref)
    if method == "GET":
        return api.get(path, token, **{"Accept-Language": "en"})
    action = path.rsplit("/", 1)[-1]
    return api.post(path, token, BODIES.get(action, {}), **{"Accept-Language": "en"})


def test_every_lead_route_is_covered(app):
    """The replay below covers every lead route of the API (a new route must be added)."""
    actions = {rule.rsplit("/", 1)[-1] for _method, rule in _lead_routes(app)}
    assert actions - {"<ref>"} <= set(BODIES)
    assert len(_lead_routes(app)) >= 10


@pytest.mark.parametrize("stage", ["offered", "details", "accepted"])
def test_other_partner_gets_404_and_changes_nothing(app, api, tokens, offer_for, stage):
    """beta's manager and rep replay every route on alpha's lead: 404 like a missing lead."""
    offer = offer_for("alpha", details=stage == "details", accept=stage == "accepted", rep=True)
    missing = {
        (method, rule): _replay(api, method, rule, MISSING_REF, tokens["beta_manager"]).json
        for method, rule in _lead_routes(app)
    }
    before = snapshot()
    for person in ("beta_manager", "beta_rep"):
        for method, rule in _lead_routes(app):
            response = _replay(api, method, rule, offer.lead.ref, tokens[person])
            assert response.status_code == 404, (person, method, rule, response.json)
            body = response.json
            expected = missing[(method, rule)]
            assert {k: v for k, v in body.items() if k != "instance"} == {
                k: v for k, v in expected.items() if k != "instance"
            }
    after = snapshot()
    after.pop("audit_events"), before.pop("audit_events")  # each call is audited, nothing else
    after.pop("api_tokens"), before.pop("api_tokens")  # last_used_at
    assert after == before


def test_rep_reaches_only_leads_assigned_to_them(app, api, tokens, offer_for):
    """alpha's rep replays every route on alpha's leads it is not assigned: 404, no change."""
    offers = [
        offer_for("alpha"),
        offer_for("alpha", details=True),
        offer_for("alpha", accept=True, rep=False),
    ]
    before = snapshot()
    for offer in offers:
        for method, rule in _lead_routes(app):
            response = _replay(api, method, rule, offer.lead.ref, tokens["alpha_rep"])
            assert response.status_code == 404, (method, rule, response.json)
    listed = api.get("/leads", tokens["alpha_rep"]).json["data"]
    assert listed == []
    after = snapshot()
    after.pop("audit_events"), before.pop("audit_events")
    after.pop("api_tokens"), before.pop("api_tokens")
    assert after == before


def test_lists_never_show_another_partners_leads(api, tokens, offer_for):
    """Each partner's list holds its own offers only."""
    alpha = offer_for("alpha")
    beta = offer_for("beta", region="kanto")
    assert [x["ref"] for x in api.get("/leads", tokens["alpha_manager"]).json["data"]] == [
        alpha.lead.ref
    ]
    assert [x["ref"] for x in api.get("/leads", tokens["beta_manager"]).json["data"]] == [
        beta.lead.ref
    ]


def test_staff_endpoints_refuse_partner_tokens(api, tokens, offer_for):
    """A partner's token cannot create or offer leads, whatever the lead."""
    offer = offer_for("alpha")
    before = snapshot()
    for person in ("alpha_manager", "alpha_rep", "beta_manager"):
        response = api.post(f"/leads/{offer.lead.ref}/offers", tokens[person], {"partner": "beta"})
        assert response.status_code == 403
    after = snapshot()
    after.pop("audit_events"), before.pop("audit_events")
    after.pop("api_tokens"), before.pop("api_tokens")
    assert after == before


def test_registrations_stay_with_their_partner_and_rep(api, tokens, world):
    """beta never reads alpha's registrations; a rep reads only its own; the manager all."""
    from leadshare.extensions import db
    from models import workflow

    fields = {
        "company_name": "株式会社登録",
        "address": "名古屋市",
        "phone": "052-1",
        "representative": "代表",
        "website": "https://r.example.jp",
        "contact_name": "担当",
        "contact_phone": "052-2",
        "contact_email": "c@r.example.jp",
        "need": "更改",
        "product_interest": "servers",
    }
    by_manager = workflow.register_deal(world["alpha_manager"], **fields)
    db.session.commit()
    ref = by_manager.ref
    assert api.get(f"/registrations/{ref}", tokens["alpha_manager"]).status_code == 200
    for person in ("beta_manager", "beta_rep", "alpha_rep"):
        assert api.get(f"/registrations/{ref}", tokens[person]).status_code == 404, person
        assert api.get("/registrations", tokens[person]).json["data"] == [], person
    listed = api.get("/registrations", tokens["alpha_manager"]).json["data"]
    assert [r["ref"] for r in listed] == [ref]
