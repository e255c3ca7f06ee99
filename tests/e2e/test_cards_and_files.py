"""A real browser: a business card sent from a 375-px phone without JavaScript, entered by the
assistant, and a file shared on a lead's board in both doors (Japanese and English).

``SAVE_SCREENSHOTS=1`` writes the pictures used in docs/cards-and-files.md.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import BusinessCard, LeadFile, Locale, OutboxMessage, Role, User, workflow
from models.attachments import attach_file
from tests import factories, samples
from tests.e2e.conftest import BROWSER_TEST, DOCS_SCREENSHOTS, login, logout

pytestmark = BROWSER_TEST


def _people(locale: Locale) -> None:
    sales = factories.staff(Role.SALES, "sales@vendor.example")
    sales.locale = locale
    sales.name = "鈴木 美咲" if locale is Locale.JA else "Misaki Suzuki"
    assistant = factories.staff(Role.ASSISTANT, "assistant@vendor.example")
    assistant.locale = locale
    assistant.name = "田中 由美" if locale is Locale.JA else "Yumi Tanaka"
    db.session.commit()


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_a_card_from_a_phone_becomes_a_prospect(served, browser, tmp_path, locale):
    """375 px, no JavaScript: photograph, send; the assistant checks the OCR and saves."""
    app, base = served
    shots = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path
    suffix = locale.value
    with app.app_context():
        _people(locale)
    card_path = tmp_path / "meishi.jpg"
    card_path.write_bytes(samples.business_card())

    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, java_script_enabled=False, locale=locale.value
    )
    page = phone.new_page()
    login(page, base, "sales@vendor.example")
    page.goto(f"{base}/admin/cards/new")
    photo = page.locator("#card-photo")
    assert photo.get_attribute("capture") == "environment"
    box = page.locator("#send-card").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # fits the phone's width
    photo.set_input_files(str(card_path))
    page.fill("textarea[name=note]", "展示会で名刺交換。生産管理サーバーの更改を検討中。")
    page.screenshot(path=str(shots / f"cards-phone-{suffix}.png"), full_page=True)
    with page.expect_navigation():
        page.click("#send-card")
    assert page.locator(".alert-success").count() == 1
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale.value)
    page = desk.new_page()
    login(page, base, "assistant@vendor.example")
    assert page.url.endswith("/admin/cards/")
    with app.app_context():
        card = db.session.scalar(sa.select(BusinessCard))
        ocr = card.ocr_available
    with page.expect_navigation():
        page.click(f"a[href='/admin/cards/{card.ref}']")
    assert page.locator("#card-image").evaluate("img => img.naturalWidth") > 0
    if ocr:  # Tesseract installed: the e-mail and phone come from the photo
        assert page.input_value("#contact_email") == "yamada@minato-seiki.co.jp"
        assert page.input_value("#phone") == "052-123-4567"
        assert page.input_value("#region") == "chubu"  # from the prefecture in the address
    else:
        page.fill("#contact_email", "yamada@minato-seiki.co.jp")
        page.fill("#phone", "052-123-4567")
        page.fill("#contact_phone", "090-1234-5678")
        page.fill("#company_name", "株式会社みなと精機")
        page.fill("#contact_name", "山田 太郎")
        page.fill("#address", "愛知県名古屋市中区栄3-15-33")
        page.select_option("#region", "chubu")
    page.fill("#representative", "港 一郎")
    if not page.input_value("#website"):
        page.fill("#website", "https://minato-seiki.co.jp")
    page.fill("#teaser", "製造業・名古屋・生産管理サーバーの更改")
    page.screenshot(path=str(shots / f"cards-enter-{suffix}.png"), full_page=True)
    with page.expect_navigation():
        page.click("#save-card")
    assert page.locator(".alert-success").count() == 1, page.content()
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "card_saved")
        )
        assert message.to_email == "sales@vendor.example"
    desk.close()


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_files_are_shared_on_the_board_in_both_doors(served, browser, tmp_path, locale):
    """Staff share a proposal; the partner's rep downloads it and shares a quote back."""
    app, base = served
    shots = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path
    suffix = locale.value
    with app.app_context():
        _people(locale)
        sales = db.session.scalar(sa.select(User).where(User.role == Role.SALES))
        alpha = factories.partner("alpha")
        manager = factories.user(
            alpha, Role.PARTNER_MANAGER, "manager@alpha.example", locale=locale
        )
        rep = factories.user(alpha, Role.PARTNER_REP, "rep@alpha.example", locale=locale)
        lead = factories.lead(
            sales,
            prospect=factories.prospect(company_name="株式会社中部精機"),
            teaser="製造業（従業員約200名）の基幹サーバー更改",
        )
        offer = workflow.offer_lead(lead, alpha, sales)
        workflow.request_details(offer, manager)
        workflow.accept_offer(offer, manager, rep=rep)
        attach_file(lead, sales, filename="社内メモ.pdf", data=samples.pdf_bytes("memo"))
        db.session.commit()
        ref, offer_id = lead.ref, offer.id
    proposal = tmp_path / ("提案書.pdf" if locale is Locale.JA else "proposal.pdf")
    proposal.write_bytes(samples.pdf_bytes())
    quote = tmp_path / ("見積書.pdf" if locale is Locale.JA else "quote.pdf")
    quote.write_bytes(samples.pdf_bytes("Quote"))
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale.value, accept_downloads=True
    )
    page = context.new_page()
    login(page, base, "sales@vendor.example")
    page.goto(f"{base}/admin/desk/{ref}")
    page.set_input_files("#file-input", str(proposal))
    page.select_option("#file-form select[name=kind]", "proposal")
    page.select_option("#file-form select[name=board]", str(offer_id))
    with page.expect_navigation():
        page.click("#upload-file")
    assert proposal.name in page.locator("#files").inner_text()
    page.locator("#files").screenshot(path=str(shots / f"files-staff-{suffix}.png"))
    logout(page)

    login(page, base, "rep@alpha.example")
    page.goto(f"{base}/leads/{ref}")
    files = page.locator("#files")
    assert proposal.name in files.inner_text() and "社内メモ.pdf" not in page.content()
    with page.expect_download() as download:
        files.locator("a", has_text=proposal.name).click()
    assert download.value.suggested_filename == proposal.name
    page.set_input_files("#file-input", str(fake))
    with page.expect_navigation():
        page.click("#file-form button[type=submit]")
    assert page.locator("#file-error").is_visible()  # the refusal, next to the field
    page.set_input_files("#file-input", str(quote))
    page.select_option("#file-kind", "quote")
    with page.expect_navigation():
        page.click("#file-form button[type=submit]")
    assert quote.name in page.locator("#files").inner_text()
    page.set_input_files("#file-input", str(fake))
    with page.expect_navigation():
        page.click("#file-form button[type=submit]")
    page.locator("#files").screenshot(path=str(shots / f"files-portal-{suffix}.png"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 3
    context.close()
