"""Tenant isolation (OWASP WSTG-ATHZ-04): every portal route replayed as the wrong user."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.portal.conftest import snapshot

MISSING_REF = "doesNotExist0000"


def _lead_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every portal route that takes a lead reference."""
    portal = {name for name, bp in app.blueprints.items() if bp.import_name.startswith("portal.")}
    routes = []
    for rule in app.url_map.iter_rules():
        if "<ref>" not in rule.rule or rule.endpoint.split(".")[0] not in portal:
            continue
        if rule.endpoint.startswith("integrations."):
            continue  # token and endpoint refs, not leads: tests/portal/test_integrations.py
        for method in ("GET", "POST"):
            if method in rule.methods:
                routes.append((method, rule.rule))
    return routes


def _form_data(world) -> dict:
    """Plausible input for every action, so that only the gate can stop it."""
    return {
        "rep": str(world["alpha_rep"].id),
        "comment": "taking it",
        "reason": "no_capacity",
        "note": "x",
        "to_stage": "proposal",
        "day": "2026-01-05",
        "time": "10:00",
        "channel": "phone",
        "category": "other",
        "detail": "called",
        "order_date": "2026-01-05",
        "product": "Server",
        "amount": "100",
        "delivery_date": "2026-02-05",
        "body": "hello",
    }


def _page(response) -> str:
    """The page without its CSRF tokens (signed with a timestamp, so they differ per second)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def _replay(client, method, rule, ref, data):
    """One request of ``rule`` with ``ref`` filled in."""
    url = rule.replace("<ref>", ref)
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data)


def _assert_all_hidden(app, client, world, refs):
    """Every route answers each of ``refs`` exactly like a reference that does not exist."""
    data = _form_data(world) | {"csrf_token": csrf_token(client, "/leads")}
    before = snapshot()
    routes = _lead_routes(app)
    assert len(routes) >= 10, routes
    for method, rule in routes:
        missing = _replay(client, method, rule, MISSING_REF, data)
        assert missing.status_code == 404, (method, rule)
        for ref in refs:
            response = _replay(client, method, rule, ref, data)
            assert response.status_code == 404, (method, rule, ref)
            body = _page(response).replace(ref, MISSING_REF)
            assert body == _page(missing), (method, rule)
    assert snapshot() == before


@pytest.fixture
def alpha_leads(offer_for):
    """Alpha's leads in every state a partner can see."""
    offered = offer_for("alpha")
    granted = offer_for("alpha", details=True)
    accepted = offer_for("alpha", accept=True)
    assigned = offer_for("alpha", accept=True, rep=True)
    return {"offered": offered, "granted": granted, "accepted": accepted, "assigned": assigned}


@pytest.mark.csrf
@pytest.mark.parametrize("email", ["manager@beta.example", "rep@beta.example"])
def test_another_partner_gets_404_on_every_route_and_changes_nothing(
    app, client, auth, world, alpha_leads, email
):
    auth.login(email)
    refs = [offer.lead.ref for offer in alpha_leads.values()]
    _assert_all_hidden(app, client, world, refs)


@pytest.mark.csrf
def test_a_rep_gets_404_on_leads_not_assigned_to_them(app, client, auth, world, alpha_leads):
    auth.login("rep@alpha.example")
    refs = [alpha_leads[k].lead.ref for k in ("offered", "granted", "accepted")]
    _assert_all_hidden(app, client, world, refs)
    # …while the lead assigned to them opens.
    assert client.get(f"/leads/{alpha_leads['assigned'].lead.ref}").status_code == 200


@pytest.mark.csrf
def test_the_inbox_and_search_never_list_another_partners_lead(client, auth, world, offer_for):
    secret = offer_for("alpha", accept=True, teaser="秘密の案件 alpha-only")
    auth.login("manager@beta.example")
    for tab in ("new", "details", "accepted", "closed"):
        html = client.get(f"/leads?tab={tab}&q=alpha-only").get_data(as_text=True)
        assert "秘密の案件" not in html
        assert secret.lead.ref not in html
        assert "Nothing matches your search." in html


@pytest.mark.csrf
def test_a_manager_cannot_touch_another_partners_users(app, client, auth, world):
    auth.login("manager@beta.example")
    token = csrf_token(client, "/team")
    before = snapshot()
    for action in ("deactivate", "reactivate", "reset"):
        for target in (world["alpha_rep"], world["alpha_manager"], world["sales"]):
            response = client.post(f"/team/{target.id}/{action}", data={"csrf_token": token})
            assert response.status_code == 404
        assert client.post(f"/team/99999/{action}", data={"csrf_token": token}).status_code == 404
    assert snapshot() == before
    html = client.get("/team").get_data(as_text=True)
    assert "rep@alpha.example" not in html
    assert "rep@beta.example" in html


@pytest.mark.parametrize("url", ["/team", "/team/invite"])
def test_a_rep_cannot_manage_the_team(client, auth, world, url):
    auth.login("rep@alpha.example")
    response = client.get(url) if url == "/team" else client.post(url, data={})
    assert response.status_code == 403


def test_staff_are_sent_to_the_back_office_and_anonymous_to_login(client, auth, world, offer_for):
    ref = offer_for().lead.ref
    for url in ("/leads", f"/leads/{ref}", "/team", "/account", "/registrations"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    auth.login("sales@vendor.example")
    response = client.get(f"/leads/{ref}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")


def test_registrations_of_another_partner_are_not_listed(client, auth, world):
    from leadshare.extensions import db
    from models import workflow

    workflow.register_deal(
        world["alpha_manager"],
        company_name="アルファだけの会社",
        address="a",
        phone="1",
        representative="r",
        website="w",
        contact_name="c",
        contact_phone="2",
        contact_email="c@x.example",
        need="n",
        product_interest="servers",
    )
    db.session.commit()
    auth.login("manager@beta.example")
    assert "アルファだけの会社" not in client.get("/registrations").get_data(as_text=True)
