"""A real browser on a 375-pixel phone: a manager invites a new colleague and another
partner's user; both look the same; the new colleague accepts and logs in.

Runs in Japanese and in English against a real HTTP server and a temporary SQLite file.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Locale, OutboxMessage, Role, User
from tests import factories
from tests.e2e.conftest import BROWSER_TEST, login, logout

pytestmark = BROWSER_TEST


def _submit(page, form_selector: str) -> None:
    """Submit one form by its button and wait for the page that follows."""
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


TEXT = {
    Locale.JA: {"sent": "宛てに招待メールを送信しました。", "pending": "招待中（未承諾）"},
    Locale.EN: {"sent": "An invitation has been sent to", "pending": "Invited, pending"},
}
SEND_AGAIN = {
    Locale.JA: "もう一度送信してください。",
    Locale.EN: "Check your entry and send it again.",
}


def _row(page, email: str) -> str:
    """What the team list shows for ``email``, the address itself left out."""
    return page.locator("tr", has_text=email).inner_text().replace(email, "ADDRESS")


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_an_invitation_reveals_nothing_and_the_new_colleague_joins(served, browser, locale):
    app, base = served
    with app.app_context():
        alpha = factories.partner("alpha")
        beta = factories.partner("beta")
        factories.user(alpha, Role.PARTNER_MANAGER, "manager@alpha.example", locale=locale)
        factories.user(beta, Role.PARTNER_REP, "rep@beta.example")
        db.session.commit()
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale=locale.value)
    page = context.new_page()
    text = TEXT[locale]
    login(page, base, "manager@alpha.example")
    page.goto(f"{base}/team")

    # An expired page: the form comes back with what was typed.
    page.fill("#invite-name", "新人 花子")
    page.fill("#invite-email", "hanako@newco.example")
    page.evaluate(
        "document.querySelector(\"form[action='/team/invite'] input[name=csrf_token]\")"
        ".value = 'expired'"
    )
    _submit(page, "form[action='/team/invite']")
    assert SEND_AGAIN[locale] in page.locator(".flash").inner_text()
    assert page.input_value("#invite-name") == "新人 花子"
    assert page.input_value("#invite-email") == "hanako@newco.example"
    _submit(page, "form[action='/team/invite']")
    assert text["sent"] in page.locator(".flash").inner_text()

    # Another partner's user: the same answer and the same row.
    page.fill("#invite-name", "新人 花子")
    page.fill("#invite-email", "rep@beta.example")
    _submit(page, "form[action='/team/invite']")
    assert text["sent"] in page.locator(".flash").inner_text()
    assert _row(page, "rep@beta.example") == _row(page, "hanako@newco.example")
    assert text["pending"] in _row(page, "rep@beta.example")
    logout(page)

    # The new colleague opens the e-mailed link and chooses a password.
    with app.app_context():
        payload = db.session.scalar(
            sa.select(OutboxMessage.payload).where(OutboxMessage.to_email == "hanako@newco.example")
        )
        assert not db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.to_email == "rep@beta.example")
        )
    page.goto(f"{base}/password/{payload['password_token']}")
    assert "hanako@newco.example" in page.content()
    page.fill("#new-password", "hanako-password-1")
    page.fill("#confirm-password", "hanako-password-1")
    _submit(page, "main form")
    page.fill("input[name=email]", "hanako@newco.example")
    page.fill("input[name=password]", "hanako-password-1")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith("/leads")
    assert "新人 花子" in page.content()  # the header names the user
    with app.app_context():
        hanako = db.session.scalar(sa.select(User).where(User.email == "hanako@newco.example"))
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@alpha.example"))
        rep = db.session.scalar(sa.select(User).where(User.email == "rep@beta.example"))
        assert hanako.organisation_id == manager.organisation_id != rep.organisation_id
    context.close()
