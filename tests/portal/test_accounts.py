"""Accounts you can trust: server-side sessions, password reset, two-factor authentication."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from leadshare.extensions import db
from models import AuditEvent, LoginSession, OutboxMessage, User, accounts
from models.base import utcnow
from tests.conftest import Auth, csrf_token


def _user(email: str) -> User:
    """The user as committed."""
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _copy_cookie(source, target) -> None:
    """Give ``target`` the session cookie of ``source`` (a stolen or copied cookie)."""
    target.set_cookie("session", source.get_cookie("session").value)


def _events(action: str) -> int:
    """How many audit events of ``action`` were recorded."""
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == action))


# --------------------------------------------------------------------------- sessions


@pytest.mark.csrf
def test_logging_out_ends_a_copied_cookie_and_nothing_else(app, world):
    laptop, phone, thief = app.test_client(), app.test_client(), app.test_client()
    Auth(laptop).login("rep@alpha.example")
    Auth(phone).login("rep@alpha.example")
    _copy_cookie(laptop, thief)
    assert thief.get("/leads").status_code == 200
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/account")})
    assert thief.get("/leads").status_code == 302  # back to the login page
    assert laptop.get("/leads").status_code == 302
    assert phone.get("/leads").status_code == 200  # the other device goes on
    assert _events("auth.logout") == 1


@pytest.mark.csrf
def test_the_account_page_lists_sessions_and_ends_one(app, world):
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).login("rep@alpha.example")
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/605.1"
    )
    Auth(phone).login("rep@alpha.example")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Safari · iPhone" in page and "This device" in page
    phone_session = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.user_agent.like("%iPhone%"))
    )
    response = laptop.post(
        f"/account/sessions/{phone_session.id}/revoke",
        data={"csrf_token": csrf_token(laptop, "/account")},
    )
    assert response.status_code == 302
    assert phone.get("/leads").status_code == 302
    assert laptop.get("/leads").status_code == 200
    assert "iPhone" not in laptop.get("/account").get_data(as_text=True)


def test_nobody_ends_another_users_session(app, world):
    alpha, beta = app.test_client(), app.test_client()
    Auth(alpha).login("rep@alpha.example")
    Auth(beta).login("rep@beta.example")
    beta_session = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.user_id == world["beta_rep"].id)
    )
    alpha.post(f"/account/sessions/{beta_session.id}/revoke")
    assert beta.get("/leads").status_code == 200
    db.session.expire_all()
    assert db.session.get(LoginSession, beta_session.id).revoked_at is None


def test_log_out_everywhere_ends_every_session(app, world):
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).login("manager@alpha.example")
    Auth(phone).login("manager@alpha.example")
    laptop.post("/account/logout-everywhere")
    assert laptop.get("/leads").status_code == 302
    assert phone.get("/leads").status_code == 302


def test_idle_timeout_is_kept_on_the_server_too(app, world):
    client = app.test_client()
    Auth(client).login("rep@alpha.example")
    later = utcnow().timestamp() + app.config["SESSION_IDLE_TIMEOUT"].total_seconds() + 60
    with time_machine.travel(later, tick=False):
        assert client.get("/leads").status_code == 302


# --------------------------------------------------------------------------- password reset


def _reset_link(email: str) -> str | None:
    """The path of the newest reset link e-mailed to ``email``."""
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == "password_reset", OutboxMessage.to_email == email)
        .order_by(OutboxMessage.id.desc())
    )
    return f"/password/{message.payload['password_token']}" if message else None


def forgot(client, email: str, **data):
    """Ask for a reset link; the request's work is done once its answer is closed (sent)."""
    response = client.post("/password/forgot", data={"email": email, **data})
    response.close()
    return response


def test_the_login_page_offers_a_reset(client, world):
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)


def test_reset_answers_the_same_for_unknown_and_known_addresses(client, world):
    known = forgot(client, "rep@alpha.example")
    unknown = forgot(client, "nobody@alpha.example")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert client.get("/login").status_code == 200
    assert _reset_link("rep@alpha.example") is not None
    assert _reset_link("nobody@alpha.example") is None
    assert _events("auth.password_reset_requested") == 1


def test_a_reset_link_carries_no_session_secret_works_once_and_logs_out_everywhere(app, world):
    device = app.test_client()
    Auth(device).login("rep@alpha.example")
    client = app.test_client()
    forgot(client, "Rep@Alpha.example ")
    link = _reset_link("rep@alpha.example")
    token = link.rsplit("/", 1)[1]
    user = _user("rep@alpha.example")
    sessions = db.session.scalars(sa.select(LoginSession.token)).all()
    assert user.session_token not in token and not any(s in token for s in sessions)
    assert (
        client.post(
            link, data={"password": "brand-new-password", "confirm": "brand-new-password"}
        ).status_code
        == 302
    )
    assert device.get("/leads").status_code == 302  # every session ended
    assert client.get(link).status_code == 404  # spent
    assert Auth(client).login("rep@alpha.example", "brand-new-password").status_code == 302


def test_the_answer_to_a_reset_request_is_sent_before_the_address_is_looked_up(client, world):
    """Known or unknown, the request sends the same statements before its answer; the
    lookup and the link come after it, so the answer's timing tells nothing."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        answers = {}
        for email in ("rep@alpha.example", "nobody@alpha.example"):
            statements.clear()
            response = client.post("/password/forgot", data={"email": email})
            answers[email] = (response.status_code, list(statements))
            if email == "rep@alpha.example":
                assert _reset_link(email) is None  # not yet: the answer is not sent
            response.close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert answers["rep@alpha.example"] == answers["nobody@alpha.example"]
    assert _reset_link("rep@alpha.example") is not None


def test_resets_are_limited_per_account(client, world):
    for _ in range(accounts.RESETS_PER_HOUR + 2):
        forgot(client, "rep@alpha.example")
    sent = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.kind == "password_reset", OutboxMessage.to_email == "rep@alpha.example"
        )
    )
    assert sent == accounts.RESETS_PER_HOUR
    assert _events("auth.password_reset_throttled") == 2


@pytest.mark.ratelimit
def test_resets_are_throttled_per_address(client, world):
    answers = [
        client.post("/password/forgot", data={"email": f"x{n}@alpha.example"}).status_code
        for n in range(7)
    ]
    assert 429 in answers


# --------------------------------------------------------------------------- two-factor


def _enable_two_factor(client) -> tuple[str, list[str]]:
    """Set up TOTP through the account pages; returns the secret and the recovery codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn by the app
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "This code is not right" in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(
        r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True)
    )
    assert len(codes) == accounts.RECOVERY_CODE_COUNT
    return secret, codes


def test_two_factor_set_up_then_login_asks_for_the_code(app, world):
    client = app.test_client()
    Auth(client).login("manager@alpha.example")
    secret, codes = _enable_two_factor(client)
    user = _user("manager@alpha.example")
    assert user.has_two_factor
    stored = db.session.scalars(sa.select(accounts.RecoveryCode.code_hash)).all()
    assert codes[0] not in stored  # only hashes are kept
    Auth(client).logout()

    response = Auth(client).login("manager@alpha.example")
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/leads").status_code == 302  # not logged in yet
    assert client.post("/login/two-factor", data={"code": "123456"}).status_code == 422
    assert _events("auth.two_factor_failed") >= 1
    # The code the app shows now: any code of this step was used by the set-up, so step on.
    with time_machine.travel(utcnow().timestamp() + 30, tick=False):
        ok = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert ok.headers["Location"] == "/leads"
        assert client.get("/leads").status_code == 200


def test_a_totp_code_works_once_and_a_recovery_code_once(app, world):
    client = app.test_client()
    Auth(client).login("manager@alpha.example")
    secret, codes = _enable_two_factor(client)
    Auth(client).logout()
    Auth(client).login("manager@alpha.example")
    used = pyotp.TOTP(secret).now()
    assert client.post("/login/two-factor", data={"code": used}).status_code == 422  # replay
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 302
    Auth(client).logout()
    Auth(client).login("manager@alpha.example")
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 422
    assert _events("auth.recovery_code_used") == 1


def test_an_administrator_resets_a_lost_second_factor(app, world):
    client = app.test_client()
    Auth(client).login("rep@alpha.example")
    _enable_two_factor(client)
    admin, rep = world["admin"], _user("rep@alpha.example")
    with pytest.raises(accounts.NotAllowed):
        accounts.reset_second_factor(world["sales"], rep)
    accounts.reset_second_factor(db.session.merge(admin), rep)
    db.session.commit()
    assert not _user("rep@alpha.example").has_two_factor
    assert client.get("/leads").status_code == 302  # their sessions ended too
    assert Auth(client).login("rep@alpha.example").headers["Location"] == "/leads"
    assert _events("auth.two_factor_reset") == 1


def test_demo_style_admin_login_is_not_forced_in_development(client, auth, world):
    assert auth.login("admin@vendor.example").headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_administrators_must_set_up_two_factor_in_production(app, client, auth, world):
    from leadshare.config import ProductionConfig

    assert ProductionConfig.TWO_FACTOR_REQUIRED_FOR_ADMINS
    app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = True
    auth.login("admin@vendor.example")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200
    _enable_two_factor(client)
    assert client.get("/admin/").status_code == 200
    # Sales staff and partners are offered it, not forced.
    other = app.test_client()
    Auth(other).login("sales@vendor.example")
    assert other.get("/admin/").status_code == 200
