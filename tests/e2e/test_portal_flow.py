"""A real browser through the partner portal: the manager takes a lead, the rep wins it.

Runs once in Japanese, once in English, and once on a 375-pixel phone with
JavaScript switched off. The app is served by a real HTTP server against a
temporary SQLite file.
"""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    Channel,
    ConversationNote,
    InstalledProduct,
    Lead,
    Locale,
    NoteCategory,
    NoteVisibility,
    Role,
    Stage,
    workflow,
)
from tests import factories
from tests.e2e.conftest import BROWSER_TEST, DOCS_SCREENSHOTS, login, logout

pytestmark = BROWSER_TEST


def _seed(locale: Locale) -> str:
    """A vendor, partner alpha (manager + rep) and a few offers; returns the main lead's ref."""
    sales = factories.staff(Role.SALES, "sales@vendor.example")
    alpha = factories.partner("alpha", regions=["chubu", "kinki"])
    factories.user(alpha, Role.PARTNER_MANAGER, "manager@alpha.example", locale=locale)
    rep = factories.user(alpha, Role.PARTNER_REP, "rep@alpha.example", locale=locale)
    rep.name = "営業 次郎" if locale is Locale.JA else "Jiro Eigyo"
    prospect = factories.prospect(company_name="株式会社中部精機", region="chubu")
    prospect.installed_products.append(
        InstalledProduct(product_name="Power9 S914", quantity=2, notes="2019年導入")
    )
    lead = factories.lead(
        sales,
        prospect=prospect,
        teaser="製造業（従業員約200名）の基幹サーバー更改",
        need="保守期限切れに伴い、生産管理システムのサーバーを来期中に更改したい。",
    )
    db.session.add(
        ConversationNote(
            lead=lead,
            author=sales,
            text="情報システム部長より: 現行機は2019年導入。クラウド移行も比較検討中。",
            channel=Channel.PHONE,
            category=NoteCategory.PRODUCT_INQUIRY,
            visibility=NoteVisibility.SHAREABLE,
        )
    )
    workflow.offer_lead(
        lead, alpha, sales, comment="今週中にご回答ください。部長は午前中なら電話可能です。"
    )
    for teaser, product in (
        ("物流倉庫の在庫管理システム刷新", "software"),
        ("病院の電子カルテ用ストレージ増設", "storage"),
    ):
        extra = factories.lead(sales, teaser=teaser, product=product, region="kinki")
        workflow.offer_lead(extra, alpha, sales, override_reason="demo")
    db.session.commit()
    return lead.ref


@pytest.fixture
def served_seed(served):
    """The served app and a builder of its data: ``seed(locale)`` gives (base URL, lead ref)."""
    app, base = served

    def seed(locale: Locale) -> tuple[str, str]:
        with app.app_context():
            ref = _seed(locale)
        return base, ref

    return app, seed


def _submit(page, form_selector: str) -> None:
    """Submit one form by its button and wait for the page that follows."""
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


TEXT = {
    Locale.JA: {
        "details": "会話記録",
        "accepted": "リードを受諾しました",
        "activity": "活動を記録しました",
        "stage": "ステージを「提案」に変更しました",
        "won": "受注としてクローズしました",
        "waiting": "対応待ち",
    },
    Locale.EN: {
        "details": "Conversation with the customer",
        "accepted": "You have accepted the lead",
        "activity": "The activity has been logged.",
        "stage": "The stage is now Proposal.",
        "won": "closed as won",
        "waiting": "Waiting on you",
    },
}


@pytest.mark.parametrize(
    ("variant", "locale", "width", "javascript"),
    [
        ("ja", Locale.JA, 1280, True),
        ("en", Locale.EN, 1280, True),
        ("phone", Locale.JA, 375, False),
    ],
)
def test_manager_takes_a_lead_and_the_rep_wins_it(
    served_seed, browser, tmp_path, variant, locale, width, javascript
):
    app, seed = served_seed
    shots = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path
    base, ref = seed(locale)
    text = TEXT[locale]
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        java_script_enabled=javascript,
        locale=locale.value,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)

    # The manager reads the teaser from the inbox.
    login(page, base, "manager@alpha.example")
    assert page.url.endswith("/leads")
    assert text["waiting"] in page.content()
    if variant == "ja":
        page.screenshot(path=str(shots / "portal-inbox.png"), full_page=True)
    with page.expect_navigation():
        page.click(f"a[href='/leads/{ref}']")
    assert "製造業（従業員約200名）の基幹サーバー更改" in page.content()
    assert "株式会社中部精機" not in page.content()

    # Requests the details, then accepts and gives the lead to the rep.
    _submit(page, "form[action$='/request-details']")
    assert "株式会社中部精機" in page.content()
    assert text["details"] in page.content()
    page.select_option("#accept-rep", label="営業 次郎" if locale is Locale.JA else "Jiro Eigyo")
    page.fill("#accept-comment", "担当者から明日お電話します。")
    _submit(page, "form[action$='/accept']")
    assert text["accepted"] in page.content()
    assert "連絡 花子" in page.content()  # the contact, shared with consent
    logout(page)

    # The rep logs a call, moves the stage, posts on the board and closes as won.
    login(page, base, "rep@alpha.example")
    with page.expect_navigation():
        page.click(f"a[href='/leads/{ref}']")
    if javascript:
        # Changing the category swaps in its template (progressive; links do it without JS).
        templates = json.loads(page.get_attribute("#activity-category", "data-templates"))
        page.select_option("#activity-category", "complaint")
        assert page.input_value("#activity-detail") == templates["complaint"]
        page.select_option("#activity-category", "product_inquiry")
    else:
        with page.expect_navigation():
            page.click(f"a[href='/leads/{ref}?category=product_inquiry#activities']")
    page.select_option("#activity-channel", "phone")
    page.fill("#activity-detail", "部長と電話。来週デモを実施予定。")
    _submit(page, "#activity-form")
    assert text["activity"] in page.content()
    assert "部長と電話。来週デモを実施予定。" in page.content()

    page.select_option("#stage-to", "proposal")
    _submit(page, "form[action$='/stage']")
    assert text["stage"] in page.content()

    page.fill("#comment-body", "見積書を提出しました。")
    _submit(page, "form[action$='/comments']")
    assert "見積書を提出しました。" in page.content()

    page.click("form[action$='/won'] >> xpath=.. >> summary")
    page.fill("#won-order-date", "2026-11-20")
    page.fill("#won-product", "Power10 S1014")
    page.fill("#won-amount", "4800000")
    page.fill("#won-delivery-date", "2026-12-15")
    _submit(page, "form[action$='/won']")
    assert text["won"] in page.content()
    if variant == "ja":
        page.screenshot(path=str(shots / "portal-lead.png"), full_page=True)
    if variant == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / "portal-phone.png"), full_page=False)
        for path in ("/leads?tab=closed", "/account"):
            page.goto(f"{base}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path

    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.ref == ref))
        assert lead.stage is Stage.WON
        assert lead.order_amount == 4_800_000
    assert not errors, errors
    assert not external, external
    context.close()
