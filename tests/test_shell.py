"""The application shell: health check, login, logout, landing pages, language."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from leadshare.auth import safe_next
from leadshare.extensions import db
from models import AuditEvent, User


def test_healthz_answers_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "up"


def test_healthz_answers_503_when_the_database_is_down(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("admin@vendor.example", "/admin/"),
        ("sales@vendor.example", "/admin/"),
        ("manager@alpha.example", "/leads"),
        ("rep@alpha.example", "/leads"),
    ],
)
def test_each_role_lands_on_its_page(world, client, auth, email, landing):
    response = auth.login(email)
    assert response.status_code == 302
    assert response.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_wrong_password_is_refused_and_audited(world, client, auth):
    response = auth.login("manager@alpha.example", "wrong")
    assert response.status_code == 200
    assert "パスワードが違う" in response.get_data(as_text=True)
    assert client.get("/leads").status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "auth.login_failed" in actions


def test_unknown_email_gets_the_same_answer(world, auth):
    # CSRF tokens carry a timestamp, so two pages a second apart differ only there.
    def page(email):
        html = auth.login(email, "wrong").get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    known = page("manager@alpha.example")
    unknown = page("nobody@alpha.example")
    assert known == unknown.replace("nobody@alpha.example", "manager@alpha.example")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "leads",
    ],
)
def test_next_is_only_followed_to_local_paths(world, auth, target):
    response = auth.login("manager@alpha.example", next=target)
    assert response.headers["Location"] == "/leads"


def test_next_to_a_local_page_is_followed(world, auth):
    response = auth.login("manager@alpha.example", next="/leads?tab=accepted")
    assert response.headers["Location"] == "/leads?tab=accepted"


def test_safe_next_accepts_only_relative_paths():
    assert safe_next("/leads/abc") == "/leads/abc"
    for bad in (None, "", "http://x", "//x", "/\\x", "x", "/a\nb"):
        assert safe_next(bad) is None


def test_logout_ends_the_session(world, client, auth):
    auth.login("manager@alpha.example")
    assert client.get("/leads").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/leads").status_code == 302


def test_deactivated_user_is_out_on_the_next_request(world, client, auth):
    auth.login("rep@alpha.example")
    assert client.get("/leads").status_code == 200
    world["alpha_rep"].active = False
    db.session.commit()
    assert client.get("/leads").status_code == 302


def test_password_change_logs_out_other_sessions(world, app, auth, client):
    auth.login("rep@alpha.example")
    other = app.test_client()
    type(auth)(other).login("rep@alpha.example")
    assert other.get("/leads").status_code == 200
    world["alpha_rep"].set_password("a-new-long-password")
    db.session.commit()
    assert other.get("/leads").status_code == 302
    assert client.get("/leads").status_code == 302


def test_suspended_partner_users_cannot_log_in(world, auth, client):
    from models import PartnerStatus

    world["beta"].status = PartnerStatus.SUSPENDED
    db.session.commit()
    response = auth.login("manager@beta.example")
    assert response.status_code == 200
    assert client.get("/leads").status_code == 302


def test_passwords_are_stored_as_argon2id(world):
    user = db.session.scalar(sa.select(User).where(User.email == "rep@alpha.example"))
    user.set_password("correct horse battery")
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("correct horse battery")
    assert not user.check_password("wrong")


def test_session_cookie_id_is_a_server_side_session_token_not_the_primary_key(world, client, auth):
    from models import LoginSession

    auth.login("rep@alpha.example")
    with client.session_transaction() as cookie:
        token = cookie["_user_id"]
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token == token))
    assert login is not None and login.user_id == world["alpha_rep"].id
    assert token != str(world["alpha_rep"].id) and len(token) > 30


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_language_follows_accept_language_then_the_user(world, client, auth):
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log in" in page
    page = client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "ログイン" in page
    world["alpha_manager"].locale = __import__("models").Locale.JA
    db.session.commit()
    auth.login("manager@alpha.example")
    page = client.get("/leads", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "ログアウト" in page


def test_pages_are_japanese_by_default(client):
    assert "ログイン" in client.get("/login").get_data(as_text=True)


def test_unknown_page_is_a_friendly_404_in_both_languages(client):
    en = client.get("/nope", headers={"Accept-Language": "en"})
    assert en.status_code == 404 and "Page not found" in en.get_data(as_text=True)
    ja = client.get("/nope", headers={"Accept-Language": "ja"})
    assert "ページが見つかりません" in ja.get_data(as_text=True)


@pytest.mark.csrf
def test_login_without_csrf_token_is_refused_and_asks_to_send_again(world, client):
    response = client.post(
        "/login",
        data={"email": "manager@alpha.example", "password": "demo-password"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422  # the form again, not a bare 400
    html = response.get_data(as_text=True)
    assert "send it again" in html and 'value="manager@alpha.example"' in html
    assert client.get("/leads").status_code == 302


@pytest.mark.csrf
def test_an_expired_token_on_a_header_button_does_nothing_and_says_so(world, client, auth):
    auth.login("manager@alpha.example")
    for path, data in (("/language", {"locale": "en", "next": "/leads"}), ("/logout", {})):
        response = client.post(path, data=data | {"csrf_token": "expired"}, follow_redirects=True)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "フォームの有効期限が切れました。" in html or "The form expired." in html, path
    assert client.get("/leads").status_code == 200  # still logged in


@pytest.mark.csrf
def test_login_with_csrf_token_works(world, auth):
    assert auth.login("manager@alpha.example").status_code == 302


@pytest.mark.ratelimit
def test_login_is_throttled_per_email_and_address(world, auth):
    for _ in range(5):
        assert auth.login("manager@alpha.example", "wrong").status_code == 200
    assert auth.login("manager@alpha.example", "wrong").status_code == 429
    # Another account from the same address is not locked out by these failures.
    assert auth.login("rep@alpha.example").status_code == 302
