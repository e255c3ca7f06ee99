"""Exports and changes to users need a fresh login (``fresh_login_required`` semantics)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from leadshare.extensions import db
from models import Role, User
from tests import factories


def make_stale(client) -> None:
    """Mark the session as restored rather than freshly logged in."""
    with client.session_transaction() as sess:
        sess["_fresh"] = False


def next_of(response) -> str:
    """The ``next`` of a redirect to the login page."""
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query)["next"][0]


@pytest.mark.parametrize(
    ("email", "url"),
    [
        ("admin@vendor.example", "/admin/leads/export/csv/"),
        ("admin@vendor.example", "/admin/users/export/csv/"),
        ("admin@vendor.example", "/admin/audit/export/csv/"),
        ("sales@vendor.example", "/admin/offers/export/csv/"),
    ],
)
def test_export_needs_a_fresh_login(world, client, auth, email, url):
    factories.lead(world["sales"])
    db.session.commit()
    auth.login(email)
    fresh = client.get(url)
    assert fresh.status_code == 200 and fresh.mimetype == "text/csv"

    make_stale(client)
    response = client.get(url)
    assert response.status_code == 302
    assert next_of(response) == url
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please log in again to confirm it is you." in login_page
    assert 'name="password"' in login_page

    # Logging in again makes the session fresh and lands on the export.
    again = auth.login(email, next=url)
    assert again.status_code == 302 and again.headers["Location"] == url
    assert client.get(url).mimetype == "text/csv"


def test_a_stale_session_cannot_change_a_users_role_or_password(world, client, auth):
    rep = world["alpha_rep"]
    token, password_hash = rep.session_token, rep.password_hash
    auth.login("admin@vendor.example")
    make_stale(client)
    edit_url = f"/admin/users/edit/?id={rep.id}"
    form = {
        "name": rep.name,
        "email": rep.email,
        "role": "partner_manager",
        "organisation": str(world["alpha"].id),
        "locale": rep.locale.value,
        "new_password": "a-brand-new-password",
    }
    assert next_of(client.get(edit_url)) == edit_url
    response = client.post(edit_url, data=form)
    assert next_of(response) == edit_url
    assert next_of(client.get("/admin/users/new/")) == "/admin/users/new/"
    db.session.expire_all()
    assert rep.role is Role.PARTNER_REP and rep.active
    assert (rep.session_token, rep.password_hash) == (token, password_hash)

    auth.login("admin@vendor.example", next=edit_url)
    assert client.get(edit_url).status_code == 200
    assert client.post(edit_url, data=form).status_code == 302
    db.session.expire_all()
    assert rep.role is Role.PARTNER_MANAGER and rep.check_password("a-brand-new-password")


def test_a_stale_session_cannot_deactivate_a_user(world, client, auth):
    rep = world["beta_rep"]
    auth.login("admin@vendor.example")
    form = {
        "name": rep.name,
        "email": rep.email,
        "role": rep.role.value,
        "organisation": str(world["beta"].id),
        "locale": rep.locale.value,
    }  # "active" left out: unticked
    make_stale(client)
    client.post(f"/admin/users/edit/?id={rep.id}", data=form)
    assert db.session.get(User, rep.id).active
    with client.session_transaction() as sess:
        sess["_fresh"] = True
    client.post(f"/admin/users/edit/?id={rep.id}", data=form)
    db.session.expire_all()
    assert not db.session.get(User, rep.id).active


def test_a_stale_session_still_reads_lists(world, client, auth):
    auth.login("admin@vendor.example")
    make_stale(client)
    assert client.get("/admin/users/").status_code == 200
    assert client.get("/admin/leads/").status_code == 200
