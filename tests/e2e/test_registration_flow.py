"""A real browser through deal registration: a partner on a phone, in Japanese, registers a
deal another partner already works; staff see the conflict side by side and approve; the
partner finds an older registration under "expiring soon" and asks for more time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import DealRegistration, ExtensionState, Locale, RegistrationStatus, utcnow
from models import workflow as wf
from tests import factories
from tests.e2e.conftest import BROWSER_TEST, login, serving_in_memory
from tests.models.test_registrations import DEAL

PHONE = 375

pytestmark = BROWSER_TEST


@pytest.fixture
def server(app, world):
    """Beta works 武蔵野ホームセンター; alpha has a registration whose period ends in 10 days."""
    for person in ("alpha_rep", "alpha_manager", "sales"):
        world[person].locale = Locale.JA
    prospect = factories.prospect(company_name="武蔵野ホームセンター株式会社", region="kanto")
    lead = factories.lead(world["sales"], prospect=prospect, region="kanto")
    offer = wf.offer_lead(lead, world["beta"], world["sales"], override_reason="既存顧客")
    wf.accept_offer(offer, world["beta_manager"])
    older = wf.register_deal(
        world["alpha_rep"],
        **DEAL
        | {
            "company_name": "株式会社東海精密",
            "phone": "052-100-2000",
            "contact_phone": "052-100-2001",
            "contact_email": "buyer@tokai-seimitsu.example.jp",
        },
        now=utcnow() - timedelta(days=81),
    )
    wf.approve_registration(older, world["sales"], now=utcnow() - timedelta(days=80))
    db.session.commit()
    with serving_in_memory(app) as base:
        yield base


def submit(page, selector):
    """Click a form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit], {selector} button:not([type])")


def fits(page) -> bool:
    """Nothing sticks out sideways on the phone."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE


def test_register_on_a_phone_staff_compare_and_approve_partner_extends(server, browser):
    errors: list[str] = []
    phone = browser.new_context(viewport={"width": PHONE, "height": 800}, locale="ja")
    page = phone.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The rep sees which fields are required before sending anything.
    login(page, server, "rep@alpha.example")
    page.goto(f"{server}/registrations")
    assert "* の付いた項目は必須です。" in page.content()
    assert page.locator("label[for=reg-company] .required-mark").is_visible()
    assert page.locator("label[for=reg-contact-title] .required-mark").count() == 0
    assert fits(page)

    # …registers the company beta already works, written with ㈱ and half-width kana.
    page.fill("#reg-company", "㈱武蔵野ﾎｰﾑｾﾝﾀｰ")
    for field, value in {
        "#reg-address": DEAL["address"],
        "#reg-phone": "0422-99-0000",
        "#reg-representative": DEAL["representative"],
        "#reg-website": DEAL["website"],
        "#reg-contact-name": DEAL["contact_name"],
        "#reg-contact-phone": "0422-99-0001",
        "#reg-contact-email": "other@musashino-hc.example.jp",
        "#reg-need": DEAL["need"],
        "#reg-value": "8000000",
    }.items():
        page.fill(field, value)
    page.select_option("#reg-consent", "phone")
    page.select_option("#reg-product", "servers")
    submit(page, "form[action='/registrations#new']")
    content = page.content()
    assert "審査中" in content  # under review, and nothing about who else is involved
    assert "Beta" not in content and "beta" not in content
    assert fits(page)

    # Staff compare the conflict side by side and approve.
    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    # Only this feature's pages are checked here (the list is Flask-Admin's own page).
    staff.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "/details/" in staff.url else None,
    )
    login(staff, server, "sales@vendor.example")
    staff.goto(f"{server}/admin/registrations/")
    with staff.expect_navigation():
        staff.click("tr:has-text('㈱武蔵野ﾎｰﾑｾﾝﾀｰ') a[href*='/admin/registrations/details/']")
    table = staff.inner_text("#conflicts")
    assert "㈱武蔵野ﾎｰﾑｾﾝﾀｰ" in table and "武蔵野ホームセンター株式会社" in table
    assert "Beta 株式会社" in table
    assert "進行中のリード" in table  # the kind, by its label
    with staff.expect_navigation():
        staff.click("#approve-form button")
    assert staff.url.startswith(f"{server}/admin/desk/")

    # The rep finds the older registration under "expiring soon" and asks for more time.
    page.goto(f"{server}/registrations")
    page.select_option("#f-expiring", "1")
    submit(page, "form.filters")
    listing = page.content()
    assert "株式会社東海精密" in listing
    assert "まもなく期限切れ" in listing
    assert "武蔵野" not in listing  # just approved: its period ends in 90 days
    assert fits(page)
    with page.expect_navigation():
        page.click("text=株式会社東海精密")
    page.fill("#ext-reason", "先方の決裁が来月になりました。")
    submit(page, "#extend form")
    assert "延長申請中" in page.content()
    assert fits(page)

    registrations = {r.company_name: r for r in db.session.scalars(sa.select(DealRegistration))}
    db.session.expire_all()
    assert registrations["㈱武蔵野ﾎｰﾑｾﾝﾀｰ"].status is RegistrationStatus.APPROVED
    assert registrations["株式会社東海精密"].extension is ExtensionState.REQUESTED
    assert not errors, errors
    phone.close()
