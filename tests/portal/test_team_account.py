"""The manager's team page, the account page, set-password links and deal registration."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine

from leadshare.extensions import db
from models import OutboxMessage, User
from models.base import utcnow
from tests.conftest import csrf_token


def _user(email: str) -> User:
    """The user as committed."""
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _link(kind: str, email: str) -> str:
    """The path of the set-password link queued for ``email``."""
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == kind, OutboxMessage.to_email == email)
        .order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no {kind} message for {email}"
    return f"/password/{message.payload['password_token']}"


def test_manager_invites_a_colleague_who_sets_a_password_once(client, auth, world):
    auth.login("manager@alpha.example")
    response = client.post(
        "/team/invite",
        data={
            "name": "新人 一郎",
            "email": "New@Alpha.example",
            "role": "partner_rep",
            "locale": "ja",
        },
    )
    assert response.status_code == 302
    # No account until the invitation is accepted; the team page shows it pending.
    assert _user("new@alpha.example") is None
    assert "Invited, pending" in client.get("/team").get_data(as_text=True)
    link = _link("invitation", "new@alpha.example")
    auth.logout()
    assert "新人 一郎" in client.get(link).get_data(as_text=True)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    response = client.post(
        link, data={"password": "a-long-password-1", "confirm": "a-long-password-1"}
    )
    assert response.status_code == 302
    assert auth.login("new@alpha.example", "a-long-password-1").headers["Location"] == "/leads"
    invited = _user("new@alpha.example")
    assert invited.organisation_id == world["alpha"].id and invited.name == "新人 一郎"
    auth.logout()
    # The link is spent.
    assert client.get(link).status_code == 404
    again = client.post(
        link, data={"password": "another-password-2", "confirm": "another-password-2"}
    )
    assert again.status_code == 404


def test_reset_links_expire_after_an_hour_and_invitations_after_72_hours(client, auth, world):
    auth.login("manager@alpha.example")
    client.post(f"/team/{world['alpha_rep'].id}/reset")
    link = _link("password_reset", "rep@alpha.example")
    client.post(
        "/team/invite",
        data={"name": "New", "email": "new@alpha.example", "role": "partner_rep", "locale": "ja"},
    )
    invitation = _link("invitation", "new@alpha.example")
    auth.logout()
    with time_machine.travel(utcnow().timestamp() + 61 * 60, tick=False):
        assert client.get(link).status_code == 404
        assert client.get(invitation).status_code == 200
    with time_machine.travel(utcnow().timestamp() + 73 * 3600, tick=False):
        assert client.get(invitation).status_code == 404
    assert client.get(link).status_code == 200


def _invite(client, email: str):
    """Post the invitation form, following the redirect."""
    return client.post(
        "/team/invite",
        data={"name": "Typed Name", "email": email, "role": "partner_rep", "locale": "en"},
        follow_redirects=True,
    )


def _flash(response) -> str:
    """The page's message, the address typed blanked out."""
    found = re.search(r'<p class="flash[^"]*"[^>]*>([^<]+)</p>', response.get_data(as_text=True))
    assert found, "no message on the page"
    return re.sub(r"[\w.+-]+@[\w.-]+\.example", "ADDRESS", found.group(1))


@pytest.mark.parametrize("existing", ["rep@beta.example", "admin@vendor.example"])
def test_inviting_an_address_of_another_organisation_reveals_nothing(client, auth, world, existing):
    from models import AuditEvent

    auth.login("manager@alpha.example")
    before = _user(existing).password_hash
    fresh = _invite(client, "nobody-yet@gamma.example")
    clash = _invite(client, existing)
    assert clash.status_code == fresh.status_code == 200
    assert _flash(clash) == _flash(fresh) == "An invitation has been sent to ADDRESS."
    # The existing account is untouched and gets no e-mail; staff see the clash.
    account = _user(existing)
    assert account.organisation_id != world["alpha"].id and account.password_hash == before
    assert not db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.to_email == existing)
    )
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.invitation_clash")
    )
    assert event is not None and event.organisation_id is None


def test_inviting_a_member_of_the_own_team_says_so_next_to_the_field(client, auth, world):
    auth.login("manager@alpha.example")
    response = client.post(
        "/team/invite",
        data={
            "name": "Typed Name",
            "email": "rep@alpha.example",
            "role": "partner_rep",
            "locale": "en",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already in your team" in html and 'value="Typed Name"' in html


def test_deactivating_a_user_logs_them_out_at_once(app, world):
    rep_client, manager_client = app.test_client(), app.test_client()
    from tests.conftest import Auth

    Auth(rep_client).login("rep@alpha.example")
    assert rep_client.get("/leads").status_code == 200
    Auth(manager_client).login("manager@alpha.example")
    response = manager_client.post(f"/team/{world['alpha_rep'].id}/deactivate")
    assert response.status_code == 302
    assert rep_client.get("/leads").status_code == 302
    assert not _user("rep@alpha.example").active
    assert Auth(rep_client).login("rep@alpha.example").status_code == 200  # refused
    manager_client.post(f"/team/{world['alpha_rep'].id}/reactivate")
    assert _user("rep@alpha.example").active


def test_a_manager_cannot_deactivate_themself(client, auth, world):
    auth.login("manager@alpha.example")
    response = client.post(f"/team/{world['alpha_manager'].id}/deactivate")
    assert "You cannot deactivate your own account." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert _user("manager@alpha.example").active


@pytest.mark.csrf
def test_changing_the_password_keeps_this_session_and_ends_the_others(app, world):
    from tests.conftest import Auth

    here, elsewhere = app.test_client(), app.test_client()
    Auth(here).login("manager@alpha.example")
    Auth(elsewhere).login("manager@alpha.example")
    token = csrf_token(here, "/account")
    wrong = here.post(
        "/account/password",
        data={
            "current": "nope",
            "password": "new-password-123",
            "confirm": "new-password-123",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    response = here.post(
        "/account/password",
        data={
            "current": "demo-password",
            "password": "new-password-123",
            "confirm": "new-password-123",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert here.get("/leads").status_code == 200
    assert elsewhere.get("/leads").status_code == 302
    assert _user("manager@alpha.example").check_password("new-password-123")


@pytest.mark.csrf
def test_log_out_everywhere(app, world):
    from tests.conftest import Auth

    here, elsewhere = app.test_client(), app.test_client()
    Auth(here).login("rep@alpha.example")
    Auth(elsewhere).login("rep@alpha.example")
    token = csrf_token(here, "/account")
    assert here.post("/account/logout-everywhere", data={"csrf_token": token}).status_code == 302
    assert here.get("/leads").status_code == 302
    assert elsewhere.get("/leads").status_code == 302


def test_changing_the_password_needs_a_fresh_login(client, auth, world):
    auth.login("manager@alpha.example")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.post(
        "/account/password",
        data={
            "current": "demo-password",
            "password": "new-password-123",
            "confirm": "new-password-123",
        },
    )
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _user("manager@alpha.example").check_password("demo-password")


def test_the_language_switch_is_saved_on_the_user(client, auth, world):
    auth.login("manager@alpha.example")
    client.post("/language", data={"locale": "ja", "next": "/account"})
    assert _user("manager@alpha.example").locale.value == "ja"
    html = client.get("/account").get_data(as_text=True)
    assert "パスワードの変更" in html
