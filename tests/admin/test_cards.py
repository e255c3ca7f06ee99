"""The card intake queue through the back office: phone page, queue, entering, access."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, BusinessCard, CardStatus, Lead, OutboxMessage, Role
from tests import factories, samples

FORM = {
    "company_name": "株式会社みなと精機",
    "address": "愛知県名古屋市中区栄3-15-33",
    "phone": "052-123-4567",
    "representative": "港 一郎",
    "website": "https://minato-seiki.co.jp",
    "region": "chubu",
    "contact_name": "山田 太郎",
    "contact_phone": "090-1234-5678",
    "contact_email": "yamada@minato-seiki.co.jp",
    "teaser": "製造業・生産管理の更改",
    "need": "展示会で名刺交換",
    "product_interest": "servers",
    "source": "event",
    "timing": "unknown",
}


@pytest.fixture(autouse=True)
def no_ocr(app):
    """These tests are about the pages; OCR itself is tested in tests/models."""
    app.config["TESSERACT_CMD"] = "/nonexistent/tesseract"


@pytest.fixture
def assistant(world):
    person = factories.staff(Role.ASSISTANT, "assistant@vendor.example")
    db.session.commit()
    return person


def send_card(client, data=None, name="IMG_0001.jpg", note="展示会で名刺交換"):
    return client.post(
        "/admin/cards/new",
        data={"photo": (io.BytesIO(data or samples.jpeg_with_gps()), name), "note": note},
        content_type="multipart/form-data",
    )


def test_sales_sends_a_card_and_the_assistant_enters_it(client, auth, world, assistant):
    """Phone page → queue → photo beside the form → saved prospect; the sender gets an e-mail."""
    auth.login("sales@vendor.example")
    page = client.get("/admin/cards/new").get_data(as_text=True)
    assert 'capture="environment"' in page and 'enctype="multipart/form-data"' in page
    response = send_card(client)
    assert response.status_code == 302
    card = db.session.scalar(sa.select(BusinessCard))
    assert card.owner_id == world["sales"].id and card.note == "展示会で名刺交換"
    auth.logout()

    assert auth.login("assistant@vendor.example").headers["Location"].endswith("/admin/")
    assert client.get("/admin/").headers["Location"].endswith("/admin/cards/")
    queue = client.get("/admin/cards/").get_data(as_text=True)
    assert f"/admin/cards/{card.ref}" in queue
    page = client.get(f"/admin/cards/{card.ref}").get_data(as_text=True)
    assert f"/admin/cards/{card.ref}/photo" in page
    assert 'id="ocr-unavailable"' in page  # no Tesseract: an empty form, still usable
    assert "展示会で名刺交換" in page  # the sender's note pre-fills the need
    photo = client.get(f"/admin/cards/{card.ref}/photo")
    assert photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["Content-Disposition"].startswith("attachment")
    assert b"Phone 15" not in photo.data

    response = client.post(f"/admin/cards/{card.ref}", data=FORM)
    assert response.status_code == 302
    lead = db.session.scalar(sa.select(Lead))
    assert lead.owner_id == world["sales"].id
    assert lead.prospect.contact_email == "yamada@minato-seiki.co.jp"
    db.session.refresh(card)
    assert card.status is CardStatus.SAVED
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "card_saved"))
    assert mail.to_email == "sales@vendor.example"
    assert "株式会社みなと精機" in client.get("/admin/cards/").get_data(as_text=True)


def test_ocr_prefills_the_form(app, client, auth, world):
    """Fields read from the card appear in the form."""
    auth.login("sales@vendor.example")
    send_card(client)
    card = db.session.scalar(sa.select(BusinessCard))
    card.ocr_available = True
    card.ocr_fields = {"contact_email": "ocr@found.example", "phone": "03-1111-2222"}
    db.session.commit()
    page = client.get(f"/admin/cards/{card.ref}").get_data(as_text=True)
    assert 'value="ocr@found.example"' in page and 'value="03-1111-2222"' in page


def test_duplicates_are_shown_before_saving(client, auth, world, assistant):
    """The same duplicate check as the lead desk: warn first, save on confirmation."""
    factories.prospect(contact_email="yamada@minato-seiki.co.jp")
    db.session.commit()
    auth.login("sales@vendor.example")
    send_card(client)
    card = db.session.scalar(sa.select(BusinessCard))
    page = client.post(f"/admin/cards/{card.ref}", data=FORM).get_data(as_text=True)
    assert 'id="duplicates"' in page
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0
    response = client.post(f"/admin/cards/{card.ref}", data={**FORM, "confirm_duplicate": "yes"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (samples.pdf_bytes(), "card.pdf", "Only photos are accepted"),
        (b"<svg onload=alert(1)>", "card.jpg", "Only photos are accepted"),
        (samples.png_bomb(), "card.png", "The image is too large"),
    ],
)
def test_refused_photos_are_explained_next_to_the_field(
    app, client, auth, world, data, name, message
):
    """Nothing is stored; the message sits beside the photo field."""
    auth.login("sales@vendor.example")
    response = send_card(client, data=data, name=name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="card-photo".*?id="card-photo-error">[^<]*' + message, html, re.S)
    assert db.session.scalar(sa.select(sa.func.count(BusinessCard.id))) == 0
    files = app.config["FILES_DIR"]
    import pathlib

    assert not pathlib.Path(files).exists() or not any(pathlib.Path(files).rglob("*.*"))


def test_a_photo_over_the_size_limit_is_refused_in_japanese(app, client, auth, world):
    """The limit is stated in the user's language."""
    app.config["FILES_MAX_BYTES"] = 2048
    world["sales"].locale = world["sales"].locale.__class__("ja")
    db.session.commit()
    auth.login("sales@vendor.example")
    html = send_card(client).get_data(as_text=True)
    assert "ファイルが大きすぎます" in html and "2 KB" in html
    assert db.session.scalar(sa.select(sa.func.count(BusinessCard.id))) == 0


def test_assistants_reach_the_queue_and_nothing_else(client, auth, world, assistant):
    """No leads, partners, reports or users; no portal either."""
    auth.login("assistant@vendor.example")
    assert client.get("/admin/cards/").status_code == 200
    for url in (
        "/admin/desk/",
        "/admin/leads/",
        "/admin/prospects/",
        "/admin/partners/",
        "/admin/users/",
        "/admin/reports/",
        "/admin/import/",
        "/admin/audit/",
        "/admin/lead-files/x/y",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/leads").status_code == 302
    menu = client.get("/admin/cards/").get_data(as_text=True)
    assert "/admin/leads/" not in menu and "/admin/reports/" not in menu


def test_partners_and_anonymous_never_reach_the_queue(client, auth, world):
    """Card photos are personal data of the vendor's prospects."""
    auth.login("sales@vendor.example")
    send_card(client)
    card = db.session.scalar(sa.select(BusinessCard))
    auth.logout()
    urls = [
        "/admin/cards/",
        "/admin/cards/new",
        f"/admin/cards/{card.ref}",
        f"/admin/cards/{card.ref}/photo",
    ]
    for url in urls:
        assert "/login" in client.get(url).headers["Location"]
    auth.login("manager@alpha.example")
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/cards/{card.ref}", data=FORM).status_code == 403
    assert client.post(f"/admin/cards/{card.ref}/dismiss", data={"reason": "x"}).status_code == 403
    db.session.refresh(card)
    assert card.status is CardStatus.WAITING
    viewed = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "card.photo_viewed")
    )
    assert viewed == 0
