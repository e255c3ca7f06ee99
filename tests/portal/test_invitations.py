"""Invitations reveal nothing: a manager sees the same answer and the same team list
whether or not an address already has an account; login and reset reveal nothing either."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine

from leadshare.extensions import db
from models import AuditEvent, Invitation, OutboxMessage, User
from models.base import utcnow
from tests.conftest import csrf_token
from tests.portal.test_accounts import forgot

PASSWORD = "a-long-password-1"  # noqa: S105 (a test password)


def _user(email: str) -> User | None:
    """The account with ``email``, as committed."""
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _mails(email: str) -> list[OutboxMessage]:
    """Invitation messages queued for ``email``."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "invitation", OutboxMessage.to_email == email)
            .order_by(OutboxMessage.id)
        )
    )


def _link(email: str) -> str:
    """The latest set-password link e-mailed to ``email``."""
    return f"/password/{_mails(email)[-1].payload['password_token']}"


def _invite(client, email: str, name: str = "Typed Name", **extra):
    """Post the invitation form and follow to the team page."""
    data = {"name": name, "email": email, "role": "partner_rep", "locale": "en", **extra}
    return client.post("/team/invite", data=data, follow_redirects=True)


def _flash(html: str) -> str:
    """The page's message, addresses blanked out."""
    found = re.search(r'<p class="flash[^"]*"[^>]*>([^<]+)</p>', html)
    assert found, "no message on the page"
    return re.sub(r"[\w.+-]+@[\w.-]+\.example", "ADDRESS", found.group(1))


def _row(html: str, email: str) -> str:
    """The team list's row of ``email``, with the address and row ids blanked out."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    row = next((r for r in rows if email in r), None)
    assert row is not None, f"no row for {email}"
    row = row.replace(email, "ADDRESS")
    return re.sub(r"/team/invitations/\d+/", "/team/invitations/ID/", row)


def _account(email: str) -> tuple:
    """What must not change on an existing account."""
    user = _user(email)
    return (
        user.organisation_id,
        user.name,
        user.role,
        user.password_hash,
        user.session_token,
        user.active,
    )


@pytest.mark.parametrize("existing", ["rep@beta.example", "admin@vendor.example"])
def test_inviting_an_existing_address_looks_exactly_like_inviting_a_new_one(
    client, auth, world, existing
):
    auth.login("manager@alpha.example")
    before = _account(existing)
    fresh = _invite(client, "nobody-yet@gamma.example")
    clash = _invite(client, existing)
    assert clash.status_code == fresh.status_code == 200
    assert _flash(clash.get_data(as_text=True)) == _flash(fresh.get_data(as_text=True))
    assert _flash(fresh.get_data(as_text=True)) == "An invitation has been sent to ADDRESS."
    # The team list shows both as invited and pending, row for row the same.
    team = client.get("/team").get_data(as_text=True)
    assert _row(team, existing) == _row(team, "nobody-yet@gamma.example")
    assert "Invited, pending" in _row(team, existing)
    # Sending it again answers the same too.
    clash_row = db.session.scalar(sa.select(Invitation).where(Invitation.email == existing))
    again = client.post(f"/team/invitations/{clash_row.id}/resend", follow_redirects=True)
    assert _flash(again.get_data(as_text=True)) == "An invitation has been sent to ADDRESS."
    # The existing account is untouched, never e-mailed, never linked; staff see the clash.
    assert _account(existing) == before
    assert not _mails(existing) and len(_mails("nobody-yet@gamma.example")) == 1
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.invitation_clash")
    ).all()
    assert len(events) == 2 and all(e.organisation_id is None for e in events)
    assert all(e.after["email"] == existing for e in events)


def test_accepting_creates_the_account_only_while_the_address_is_free(client, auth, world):
    # Two partners invite the same new address; the first to be accepted wins.
    auth.login("manager@alpha.example")
    _invite(client, "shared@consultant.example", name="Alpha's pick")
    alpha_link = _link("shared@consultant.example")
    auth.logout()
    auth.login("manager@beta.example")
    _invite(client, "shared@consultant.example", name="Beta's pick")
    beta_link = _link("shared@consultant.example")
    auth.logout()
    accepted = client.post(beta_link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert accepted.status_code == 302
    assert _user("shared@consultant.example").organisation_id == world["beta"].id
    before = _account("shared@consultant.example")
    refused = client.post(alpha_link, data={"password": "other-password-2", "confirm": "x" * 16})
    assert refused.status_code == 422  # the two passwords differ: nothing checked yet
    refused = client.post(
        alpha_link,
        data={"password": "other-password-2", "confirm": "other-password-2"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert "already has a LeadShare account" in refused.get_data(as_text=True)
    assert _account("shared@consultant.example") == before
    assert auth.login("shared@consultant.example", PASSWORD).headers["Location"] == "/leads"
    assert (
        db.session.scalar(
            sa.select(AuditEvent.organisation_id).where(
                AuditEvent.action == "user.invitation_clash"
            )
        )
        is None
    )


def test_a_pending_invitation_expires_and_a_resend_gives_a_new_link(client, auth, world):
    auth.login("manager@alpha.example")
    _invite(client, "late@alpha.example")
    first = _link("late@alpha.example")
    invitation = db.session.scalar(sa.select(Invitation))
    with time_machine.travel(utcnow().timestamp() + 73 * 3600, tick=False):
        auth.login("manager@alpha.example")  # the earlier session has timed out
        assert "Invitation expired" in client.get("/team").get_data(as_text=True)
        assert client.get(first).status_code == 404
        client.post(f"/team/invitations/{invitation.id}/resend")
        second = _link("late@alpha.example")
        assert second != first
        assert client.get(first).status_code == 404
        assert "Invited, pending" in client.get("/team").get_data(as_text=True)
        assert client.get(second).status_code == 200


def test_a_cancelled_invitation_leaves_the_list_and_its_link_stops_working(client, auth, world):
    auth.login("manager@alpha.example")
    _invite(client, "changed-mind@alpha.example")
    link = _link("changed-mind@alpha.example")
    invitation = db.session.scalar(sa.select(Invitation))
    page = client.post(f"/team/invitations/{invitation.id}/cancel", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "The invitation to changed-mind@alpha.example is cancelled." in html
    assert "changed-mind@alpha.example</span>" not in html
    assert client.get(link).status_code == 404


def test_a_double_submitted_invitation_is_sent_once(client, auth, world):
    auth.login("manager@alpha.example")
    for _ in range(2):
        response = _invite(client, "twice@alpha.example")
        assert "An invitation has been sent" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
    assert len(_mails("twice@alpha.example")) == 1


def test_only_the_own_manager_can_resend_or_cancel(client, auth, world):
    auth.login("manager@alpha.example")
    _invite(client, "ours@alpha.example")
    invitation = db.session.scalar(sa.select(Invitation))
    auth.logout()
    auth.login("manager@beta.example")
    assert client.post(f"/team/invitations/{invitation.id}/cancel").status_code == 404
    assert client.post(f"/team/invitations/{invitation.id}/resend").status_code == 404
    auth.logout()
    auth.login("rep@alpha.example")
    assert client.post(f"/team/invitations/{invitation.id}/cancel").status_code == 403
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).cancelled_at is None
    assert len(_mails("ours@alpha.example")) == 1


def _login_answer(client, email: str, password: str) -> tuple[int, str]:
    """Status and message of a login attempt."""
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code, _flash(response.get_data(as_text=True))


def test_login_answers_and_works_the_same_whether_or_not_the_address_exists(
    client, auth, world, monkeypatch
):
    from models import users

    # An account invited the old way, without a password yet.
    world["beta_rep"].password_hash = None
    db.session.commit()
    verified = []

    class Counting:
        """The real hasher, counting verifications."""

        def __init__(self, real):
            self.real = real

        def verify(self, *args):
            verified.append(1)
            return self.real.verify(*args)

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(users, "_hasher", Counting(users._hasher))
    answers = {}
    for email in ("nobody@alpha.example", "rep@alpha.example", "rep@beta.example"):
        verified.clear()
        answers[email] = _login_answer(client, email, "wrong-password-123")
        # One Argon2 verification each: an unknown address costs what a known one does.
        assert len(verified) == 1, email
    assert len(set(answers.values())) == 1, answers
    assert answers["nobody@alpha.example"][0] == 200


def test_forgot_password_answers_the_same_whether_or_not_the_address_exists(client, world):
    answers = []
    for email in ("nobody@alpha.example", "rep@alpha.example"):
        token = csrf_token(client, "/password/forgot")
        response = forgot(client, email, csrf_token=token)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], _flash(page)))
    assert answers[0] == answers[1]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "password_reset")
        )
        == 1
    )


def test_the_invitation_mail_greets_the_invitee_and_carries_the_link(client, auth, world):
    from leadshare.mail import render_message

    auth.login("manager@alpha.example")
    _invite(client, "welcome@alpha.example", name="Hanako Sato")
    mail = render_message(_mails("welcome@alpha.example")[-1])
    assert "Dear Hanako Sato," in mail.text
    assert _link("welcome@alpha.example") in mail.text
    assert "valid for 72 hours" in mail.text
