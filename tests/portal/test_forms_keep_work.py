"""Portal forms keep the user's work: a refusal comes back next to the field with the text
kept, and a double submit does the thing once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Activity, ApiToken, DealRegistration, WebhookEndpoint
from tests.conftest import csrf_token
from tests.portal.conftest import snapshot
from tests.portal.test_registrations import REGISTRATION


def _form(html: str, action: str) -> str:
    """The HTML of the form posting to ``action``."""
    part = html.split(f'action="{action}"', 1)
    assert len(part) == 2, f"no form posting to {action}"
    return part[1].split("</form>", 1)[0]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_an_absurd_expected_value_is_one_message_by_the_field_and_the_text_stays(
    client, auth, world
):
    auth.login("rep@alpha.example")
    response = client.post(
        "/registrations", data=REGISTRATION | {"expected_value": "9223372036854775807"}
    )
    assert response.status_code == 422
    form = _form(response.get_data(as_text=True), "/registrations#new")
    assert form.count("field-error") == 1
    assert "cannot be more than 1,000,000,000,000 yen" in form
    assert 'value="株式会社みつけた"' in form and "POS更改" in form
    assert _count(DealRegistration) == 0


@pytest.mark.parametrize("typed", ["1,200,000", "１，２００，０００", "¥1,200,000"])
def test_an_expected_value_is_read_as_people_type_it(client, auth, world, typed):
    auth.login("rep@alpha.example")
    response = client.post("/registrations", data=REGISTRATION | {"expected_value": typed})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(DealRegistration.expected_value)) == 1_200_000


def test_a_double_submitted_registration_registers_once(client, auth, world):
    auth.login("rep@alpha.example")
    first = client.post("/registrations", data=REGISTRATION)
    second = client.post("/registrations", data=REGISTRATION)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(DealRegistration) == 1


def test_a_double_submitted_activity_is_logged_once(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    data = {
        "day": "2026-01-15",
        "time": "10:30",
        "channel": "phone",
        "category": "other",
        "detail": "Called about the quote.",
    }
    for _ in range(2):
        assert client.post(f"/leads/{offer.lead.ref}/activities", data=data).status_code == 302
    assert _count(Activity) == 1
    # The same words at another time are another call.
    client.post(f"/leads/{offer.lead.ref}/activities", data=data | {"time": "15:00"})
    assert _count(Activity) == 2


def test_close_as_lost_with_other_and_no_note_stays_open_with_the_message_by_the_note(
    client, auth, world, offer_for
):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/leads/{offer.lead.ref}/lost",
        data={"reason": "other", "note": " ", "version": offer.lead.version},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = _form(html, f"/leads/{offer.lead.ref}/lost")
    assert "field-error" in form
    chosen = re.search(r'<option (selected )?value="other"( selected)?>', form)
    assert chosen and (chosen.group(1) or chosen.group(2))
    assert "<details open" in html
    assert snapshot() == before


def test_a_refused_webhook_url_is_explained_by_the_field_and_the_rest_stays(
    app, client, auth, world
):
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    auth.login("manager@alpha.example")
    response = client.post(
        "/webhooks",
        data={
            "url": "http://crm.alpha.example/h",
            "description": "Our kintone",
            "events": ["offer.received"],
        },
    )
    assert response.status_code == 422
    form = _form(response.get_data(as_text=True), "/webhooks")
    url_field = form.split('name="url"', 1)[1].split('class="field"', 1)[0]
    assert "must start with https://" in url_field
    assert 'value="Our kintone"' in form and 'value="http://crm.alpha.example/h"' in form
    assert _count(WebhookEndpoint) == 0


def test_a_refused_token_keeps_its_name(client, auth, world):
    auth.login("manager@alpha.example")
    response = client.post(
        "/api-tokens",
        data={"name": "Our CRM", "user": world["alpha_manager"].id, "expires_days": "0"},
    )
    assert response.status_code == 422
    form = _form(response.get_data(as_text=True), "/api-tokens")
    assert 'value="Our CRM"' in form and "field-error" in form
    assert _count(ApiToken) == 0


def test_a_wrong_two_factor_code_is_explained_by_the_field_and_kept(client, auth, world):
    auth.login("manager@alpha.example")
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "000000"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html.split('name="code"', 1)[1].split("</form>", 1)[0]
    assert "This code is not right." in form and 'value="000000"' in form


@pytest.mark.csrf
def test_an_expired_token_on_the_registration_form_keeps_everything_typed(client, auth, world):
    auth.login("rep@alpha.example")
    response = client.post(
        "/registrations", data=REGISTRATION | {"csrf_token": "expired-or-forged"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This page was open too long. Check your entry and send it again." in html
    for value in ("株式会社みつけた", "名古屋市", "jiro@found.example.jp", "POS更改"):
        assert value in _form(html, "/registrations#new")
    assert _count(DealRegistration) == 0
    # The page carries a fresh token: sending again works.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    again = client.post("/registrations", data=REGISTRATION | {"csrf_token": token})
    assert again.status_code == 302
    assert _count(DealRegistration) == 1


@pytest.mark.csrf
def test_an_expired_token_on_a_team_button_says_to_press_it_again(client, auth, world):
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/team/{world['alpha_rep'].id}/deactivate",
        data={"csrf_token": "expired-or-forged"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The form expired. Please send it again." in response.get_data(as_text=True)
    assert snapshot() == before
    token = csrf_token(client, "/team")
    done = client.post(f"/team/{world['alpha_rep'].id}/deactivate", data={"csrf_token": token})
    assert done.status_code == 302
