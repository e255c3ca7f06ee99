"""A real browser: sales posts a lead with a note, qualifies and offers it; the partner
manager then sees the teaser in the portal."""

from __future__ import annotations

import pytest

from leadshare.extensions import db
from tests.e2e.conftest import BROWSER_TEST, login, serving_in_memory

pytestmark = BROWSER_TEST


@pytest.fixture
def server(app, world):
    """The app served by a real HTTP server in a thread."""
    world["alpha"].policy.details_need_approval = False
    db.session.commit()
    with serving_in_memory(app) as base:
        yield base


def test_sales_posts_and_offers_partner_sees_teaser(server, browser):
    """The flow a new sales person would follow, then the partner's inbox."""
    errors = []
    page = browser.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server, "sales@vendor.example")
    page.goto(f"{server}/admin/desk/")
    fields = {
        "company_name": "株式会社ブラウザ工業",
        "address": "大阪府大阪市北区1-1",
        "phone": "06-0000-0000",
        "representative": "大阪 一郎",
        "website": "https://browser-kogyo.example.jp",
        "contact_name": "北 花子",
        "contact_phone": "06-1111-2222",
        "contact_email": "kita@browser-kogyo.example.jp",
        "teaser": "物流倉庫のサーバー統合",
        "need": "倉庫管理サーバーを統合したい",
    }
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.select_option("[name=region]", "kinki")
    page.select_option("[name=product_interest]", "servers")
    # The note template follows the category while the text is still a template.
    page.select_option("[name=note_category]", "order")
    assert "Quantity" in page.input_value("[name=note_text]")
    page.fill("[name=note_text]", "倉庫3拠点のサーバーを統合したいとのこと。")
    page.click("#save-lead")
    page.wait_for_selector("#lead-stage")
    assert "倉庫3拠点" in page.content()

    for box in ("has_budget", "has_authority", "has_need", "has_timing"):
        page.check(f"#{box}")
    page.click("#save-checklist")
    page.wait_for_selector("#offer-form")
    page.check("#partner-alpha")
    page.fill("#comment", "ご検討をお願いします")
    page.click("#offer-submit")
    page.wait_for_selector(".offer-state")
    assert "Alpha" in page.inner_text(".offer-state >> xpath=..")
    assert not [e for e in errors if "Content Security Policy" in e]

    partner = browser.new_page()
    login(partner, server, "manager@alpha.example")
    partner.goto(f"{server}/leads")
    content = partner.content()
    assert "物流倉庫のサーバー統合" in content
    assert "ブラウザ工業" not in content
