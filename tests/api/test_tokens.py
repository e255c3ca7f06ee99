"""API tokens: issued once, stored hashed, read-only, revocable, expiring, audited, rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import ApiToken, AuditEvent, OfferState, PartnerStatus
from models.api_tokens import create_api_token, revoke_api_token
from models.base import utcnow
from tests.conftest import csrf_token


def test_cli_prints_a_token_that_works_and_is_stored_hashed(runner, api, world):
    """`flask api-token create EMAIL` prints a token; only its digest is in the database."""
    result = runner.invoke(args=["api-token", "create", "manager@alpha.example"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("lsk_")
    me = api.get("/me", raw)
    assert me.status_code == 200
    assert me.json["user"] == "manager@alpha.example"
    assert me.json["organisation"] == "alpha"
    assert me.json["read_only"] is False
    row = db.session.scalar(sa.select(ApiToken))
    assert row.digest != raw and raw not in (row.digest, row.shown_prefix)
    assert len(raw) > 40


def test_cli_read_only_and_unknown_user(runner, api, world, offer_for):
    """--read-only tokens read but cannot change; an unknown e-mail is an error."""
    offer = offer_for("alpha")
    raw = runner.invoke(args=["api-token", "create", "manager@alpha.example", "--read-only"])
    token = raw.output.strip()
    assert api.get(f"/leads/{offer.lead.ref}", token).status_code == 200
    refused = api.post(f"/leads/{offer.lead.ref}/request-details", token)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/read-only-token")
    db.session.expire_all()
    assert offer.state is OfferState.OFFERED
    missing = runner.invoke(args=["api-token", "create", "nobody@example.com"])
    assert missing.exit_code != 0


def test_revoked_expired_and_deactivated_tokens_answer_401(api, world):
    """Revoked, expired, a deactivated user's and a suspended partner's tokens stop working."""
    revoked_row, revoked = create_api_token(None, world["alpha_manager"], name="a")
    expiring_row, expiring = create_api_token(
        None, world["alpha_rep"], name="b", expires_at=utcnow() + timedelta(hours=1)
    )
    _row, beta = create_api_token(None, world["beta_manager"], name="c")
    db.session.commit()
    assert api.get("/me", revoked).status_code == 200
    revoke_api_token(revoked_row, world["admin"])
    db.session.commit()
    response = api.get("/me", revoked)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/me", expiring).status_code == 200
    db.session.get(ApiToken, expiring_row.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.get("/me", expiring).status_code == 401
    world["beta"].status = PartnerStatus.SUSPENDED
    db.session.commit()
    assert api.get("/me", beta).status_code == 401
    assert api.get("/me", "lsk_not-a-token").status_code == 401
    assert api.get("/me").status_code == 401


def test_managers_issue_tokens_for_their_own_organisation_only(world):
    """A manager may issue for its users, not another partner's; a rep may not issue."""
    from models.errors import NotAllowed

    create_api_token(world["alpha_manager"], world["alpha_rep"], name="rep CRM")
    with pytest.raises(NotAllowed):
        create_api_token(world["alpha_manager"], world["beta_rep"], name="x")
    with pytest.raises(NotAllowed):
        create_api_token(world["alpha_rep"], world["alpha_rep"], name="x")
    with pytest.raises(NotAllowed):
        create_api_token(world["sales"], world["sales"], name="x")
    db.session.rollback()


def test_every_call_is_audited_with_its_token(api, tokens, world):
    """Each call leaves an api.call event naming the token, and sets last_used_at."""
    api.get("/me", tokens["alpha_manager"])
    api.get("/leads/nope", tokens["alpha_manager"])
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api.call").order_by(AuditEvent.id)
    ).all()
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.user_id == world["alpha_manager"].id)
    )
    assert [(e.entity_id, e.after["path"], e.after["status"]) for e in events] == [
        (token.ref, "/api/v1/me", 200),
        (token.ref, "/api/v1/leads/nope", 404),
    ]
    assert events[0].actor_id == world["alpha_manager"].id
    assert token.last_used_at is not None


@pytest.mark.csrf
def test_the_session_cookie_never_authenticates_the_api(client, auth, api, world, offer_for):
    """Logged in to the portal, the browser still gets 401 from the API (no CSRF hole)."""
    offer = offer_for("alpha")
    assert auth.login("manager@alpha.example").status_code == 302
    assert client.get("/leads").status_code == 200
    response = client.post(
        f"/api/v1/leads/{offer.lead.ref}/request-details",
        json={},
        headers={"X-CSRFToken": csrf_token(client, "/leads")},
    )
    assert response.status_code == 401
    db.session.expire_all()
    assert offer.state is OfferState.OFFERED


@pytest.mark.csrf
def test_bearer_calls_need_no_csrf_token(api, tokens, offer_for):
    """With CSRF protection on, a token-authenticated POST works without a CSRF token."""
    offer = offer_for("alpha")
    response = api.post(f"/leads/{offer.lead.ref}/request-details", tokens["alpha_manager"])
    assert response.status_code == 200


@pytest.mark.ratelimit
def test_rate_limit_is_per_token(app, api, tokens):
    """Past the limit one token gets 429 problem+json; another token is unaffected."""
    app.config["API_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert api.get("/me", tokens["alpha_manager"]).status_code == 200
    limited = api.get("/me", tokens["alpha_manager"], **{"Accept-Language": "en"})
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert limited.json["title"] == "Too many requests"
    assert "Retry-After" in limited.headers
    assert api.get("/me", tokens["beta_manager"]).status_code == 200


def test_admin_issues_and_revokes_tokens_in_the_back_office(client, auth, api, world):
    """An administrator issues a token for a sales user (marketing automation) and revokes it."""
    from tests.conftest import csrf_token as token_of

    auth.login("admin@vendor.example")
    page = client.post(
        "/admin/api-tokens/",
        data={
            "email": "sales@vendor.example",
            "name": "Marketing automation",
            "csrf_token": token_of(client, "/admin/api-tokens/"),
        },
    )
    assert page.status_code == 201
    import re

    raw = re.search(r'id="new-token">(lsk_[^<]+)<', page.get_data(as_text=True)).group(1)
    assert api.get("/me", raw).json["role"] == "sales"
    ref = db.session.scalar(sa.select(ApiToken.ref))
    client.post(
        f"/admin/api-tokens/{ref}/revoke",
        data={"csrf_token": token_of(client, "/admin/api-tokens/")},
    )
    assert api.get("/me", raw).status_code == 401


def test_sales_and_partners_cannot_open_the_token_admin(client, auth, world):
    """Only administrators manage every token."""
    auth.login("sales@vendor.example")
    assert client.get("/admin/api-tokens/").status_code == 403
    auth.logout()
    auth.login("manager@alpha.example")
    assert client.get("/admin/api-tokens/").status_code == 403
