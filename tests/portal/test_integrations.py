"""``/api-tokens`` and ``/webhooks``: a partner manager connects its CRM from the portal."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import ApiToken, WebhookDelivery, WebhookEndpoint
from tests.conftest import csrf_token
from tests.portal.conftest import snapshot


def _create_token(client, world, **fields):
    """Post the token form as the logged-in manager."""
    data = {
        "name": "Salesforce sync",
        "user": str(world["alpha_manager"].id),
        "csrf_token": csrf_token(client, "/api-tokens"),
    }
    data.update(fields)
    return client.post("/api-tokens", data=data)


@pytest.mark.csrf
def test_manager_creates_a_token_shown_once_that_works(client, auth, world):
    """The new token appears once, works against the API, and the list shows only its prefix."""
    auth.login("manager@alpha.example")
    response = _create_token(client, world, read_only="y")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    raw = re.search(r'id="new-token">(lsk_[^<]+)<', response.get_data(as_text=True)).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json["read_only"] is True
    again = client.get("/api-tokens").get_data(as_text=True)
    assert raw not in again
    assert raw[:12] in again
    assert "Salesforce sync" in again


@pytest.mark.csrf
def test_manager_revokes_a_token(client, auth, world):
    """Revoking from the page stops the token at once."""
    auth.login("manager@alpha.example")
    page = _create_token(client, world).get_data(as_text=True)
    raw = re.search(r'id="new-token">(lsk_[^<]+)<', page).group(1)
    ref = db.session.scalar(sa.select(ApiToken.ref))
    response = client.post(
        f"/api-tokens/{ref}/revoke", data={"csrf_token": csrf_token(client, "/api-tokens")}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_token_for_a_rep_acts_as_that_rep(client, auth, world):
    """The manager may give one of its reps a token; it sees what the rep sees."""
    auth.login("manager@alpha.example")
    page = _create_token(client, world, user=str(world["alpha_rep"].id)).get_data(as_text=True)
    raw = re.search(r'id="new-token">(lsk_[^<]+)<', page).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json
    assert me["user"] == "rep@alpha.example"


def test_no_token_for_another_partners_user(client, auth, world):
    """A user of another partner is not among the choices: the form is refused, nothing made."""
    auth.login("manager@alpha.example")
    response = _create_token(client, world, user=str(world["beta_manager"].id))
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_reps_and_staff_cannot_manage_integrations(client, auth, world):
    """The pages are for partner managers only."""
    auth.login("rep@alpha.example")
    assert client.get("/api-tokens").status_code == 403
    assert client.get("/webhooks").status_code == 403
    auth.logout()
    auth.login("sales@vendor.example")
    assert client.get("/api-tokens").status_code == 302  # staff go to the back office


def test_another_partner_cannot_touch_our_token_or_endpoint(client, auth, world):
    """beta's manager gets 404 on alpha's token and endpoint refs, and nothing changes."""
    from models.api_tokens import create_api_token
    from models.webhooks import register_endpoint

    token, _raw = create_api_token(None, world["alpha_manager"], name="alpha CRM")
    endpoint = register_endpoint(
        world["alpha_manager"], url="https://crm.alpha.example/hook", events=["offer.received"]
    )
    db.session.commit()
    token_ref, endpoint_ref = token.ref, endpoint.ref
    auth.login("manager@beta.example")
    before = snapshot()
    assert client.post(f"/api-tokens/{token_ref}/revoke").status_code == 404
    assert client.get(f"/webhooks/{endpoint_ref}").status_code == 404
    for action in ("test", "pause", "resume"):
        assert client.post(f"/webhooks/{endpoint_ref}/{action}").status_code == 404
    assert endpoint.secret not in client.get("/webhooks").get_data(as_text=True)
    after = snapshot()
    assert after == before


@pytest.mark.csrf
def test_register_an_endpoint_see_its_secret_and_send_a_test(client, auth, world, runner):
    """Register, see the secret, send a test event and see it in the delivery log."""
    auth.login("manager@alpha.example")
    response = client.post(
        "/webhooks",
        data={
            "url": "https://crm.alpha.example/hooks/leadshare",
            "description": "kintone",
            "events": ["offer.received", "comment.posted"],
            "csrf_token": csrf_token(client, "/webhooks"),
        },
    )
    assert response.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.events == ["offer.received", "comment.posted"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert endpoint.secret in page
    client.post(
        f"/webhooks/{endpoint.ref}/test",
        data={"csrf_token": csrf_token(client, f"/webhooks/{endpoint.ref}")},
    )
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.event == "ping"
    assert "ping" in client.get(f"/webhooks/{endpoint.ref}").get_data(as_text=True)


def test_plain_http_is_refused_where_not_allowed(app, client, auth, world):
    """With WEBHOOK_ALLOW_HTTP off (production), an http:// URL is refused with a message."""
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    auth.login("manager@alpha.example")
    response = client.post(
        "/webhooks", data={"url": "http://crm.alpha.example/h", "events": ["offer.received"]}
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0
