"""Business cards: OCR on cards the tests print themselves, the queue, saving, the owner told."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, Lead, OutboxMessage, Role, Stage
from models.card_reader import parse_card_text, read_card
from models.cards import CardStatus, intake_queue
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.intake import card_photo, dismiss_card, save_card, submit_card
from models.uploads import UploadRefused
from tests import factories, samples

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not samples.CJK_FONT.exists(),
    reason="needs Debian's tesseract-ocr, tesseract-ocr-jpn and fonts-noto-cjk",
)

PROSPECT = {
    "company_name": "株式会社みなと精機",
    "address": "愛知県名古屋市中区栄3-15-33",
    "phone": "052-123-4567",
    "representative": "港 一郎",
    "website": "https://minato-seiki.co.jp",
    "contact_name": "山田 太郎",
    "contact_title": "営業部 部長",
    "contact_phone": "090-1234-5678",
    "contact_email": "yamada@minato-seiki.co.jp",
}
LEAD = {
    "teaser": "製造業・名古屋・生産管理の更改",
    "need": "展示会で名刺交換",
    "product_interest": "servers",
}


@pytest.fixture(autouse=True)
def english(app):
    """Messages are asserted in English (the default locale is Japanese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def no_ocr(app):
    """Tesseract missing: the queue must work all the same."""
    app.config["TESSERACT_CMD"] = "/nonexistent/tesseract"


@pytest.fixture
def assistant(world):
    person = factories.staff(Role.ASSISTANT, "assistant@vendor.example")
    db.session.commit()
    return person


@needs_tesseract
def test_ocr_finds_the_email_and_phone_on_a_printed_japanese_card(app):
    """Tesseract's Japanese model reads a card rendered with Noto Sans CJK."""
    reading = read_card(samples.business_card())
    assert reading.available
    fields = reading.fields
    assert fields["contact_email"] == "yamada@minato-seiki.co.jp"
    assert fields["phone"] == "052-123-4567"
    assert fields["contact_phone"] == "090-1234-5678"
    assert "みなと精機" in fields["company_name"]
    assert "名古屋" in fields["address"]
    assert fields["region"] == "chubu"


@needs_tesseract
def test_ocr_reads_an_english_card(app):
    """The same reader handles an English-language card."""
    card = samples.business_card(
        [
            ("Harbor Systems Inc.", 60),
            ("Jane Smith", 90),
            ("Sales Manager", 44),
            ("Tel +81-3-5555-0100", 40),
            ("jane.smith@harbor.example.com", 40),
        ]
    )
    fields = read_card(card).fields
    assert fields["contact_email"] == "jane.smith@harbor.example.com"
    assert fields["phone"].replace("-", "").endswith("355550100")
    assert fields["contact_name"] == "Jane Smith"


def test_without_tesseract_the_reading_is_empty(app, no_ocr):
    """No binary: no crash, no fields."""
    reading = read_card(samples.business_card([("x@y.example", 40)]))
    assert not reading.available and reading.fields == {}


def test_fields_are_picked_from_noisy_text():
    """OCR spacing and full-width characters do not hide the e-mail, phones or website."""
    text = (
        "株 式 会 社 さくら 商事\n代表取締役 社長\n佐藤 花子\n"
        "〒100-0005 東京都千代田区丸の内1-1-1\nＴＥＬ ０３－１２３４－５６７８\n"
        "FAX 03-1234-5679\nsato @ sakura-shoji . co.jp\nwww.sakura-shoji.co.jp\n"
    )
    fields = parse_card_text(text)
    assert fields["company_name"] == "株式会社さくら商事"
    assert fields["phone"] == "03-1234-5678"
    assert fields["contact_email"] == "sato@sakura-shoji.co.jp"
    assert fields["website"] == "https://www.sakura-shoji.co.jp"
    assert fields["contact_title"] == "代表取締役社長"
    assert fields["contact_name"] == "佐藤花子"
    assert fields["representative"] == "佐藤花子"
    assert fields["address"].startswith("東京都千代田区")
    assert fields["region"] == "kanto"


def test_a_card_goes_from_photo_to_prospect_and_its_owner_is_told(app, world, assistant, no_ocr):
    """Sales sends the photo; the assistant saves it; the lead is the sender's; mail is queued."""
    card = submit_card(
        world["sales"], filename="IMG_0001.jpg", data=samples.jpeg_with_gps(), note="展示会"
    )
    db.session.commit()
    assert list(db.session.scalars(intake_queue())) == [card]
    assert not card.ocr_available and card.ocr_fields == {}
    assert b"Phone 15" not in card_photo(card, assistant)

    lead = save_card(card, assistant, prospect=PROSPECT, lead=LEAD)
    db.session.commit()
    assert lead.owner == world["sales"] and lead.stage is Stage.NEW
    assert lead.prospect.contact_email == "yamada@minato-seiki.co.jp"
    assert card.status is CardStatus.SAVED and card.lead == lead
    assert list(db.session.scalars(intake_queue())) == []
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "card_saved"))
    assert message.to_email == "sales@vendor.example"
    assert message.payload["lead_ref"] == lead.ref
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"card.submitted", "card.photo_viewed", "lead.created", "card.saved"} <= actions
    with pytest.raises(InvalidTransition):
        save_card(card, assistant, prospect=PROSPECT, lead=LEAD)


def test_saving_needs_the_required_fields_and_a_staff_owner(world, assistant, no_ocr):
    """The capture rule's checks apply; an assistant cannot send cards (it would own leads)."""
    card = submit_card(world["sales"], filename="c.png", data=samples.png_bytes())
    with pytest.raises(MissingData):
        save_card(card, assistant, prospect={**PROSPECT, "contact_email": ""}, lead=LEAD)
    with pytest.raises(NotAllowed):
        submit_card(assistant, filename="c.png", data=samples.png_bytes())
    with pytest.raises(NotAllowed):
        save_card(card, world["alpha_manager"], prospect=PROSPECT, lead=LEAD)
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_a_card_can_be_dismissed_with_a_reason(world, assistant, no_ocr):
    """Not a card, or already known: out of the queue, kept."""
    card = submit_card(world["sales"], filename="c.png", data=samples.png_bytes())
    with pytest.raises(MissingData):
        dismiss_card(card, assistant, reason=" ")
    dismiss_card(card, assistant, reason="重複")
    assert card.status is CardStatus.DISMISSED


def test_a_photo_that_is_not_an_image_is_refused(app, world, no_ocr):
    """Card photos must be photos; nothing is stored otherwise."""
    with pytest.raises(UploadRefused, match="Only photos"):
        submit_card(world["sales"], filename="c.pdf", data=samples.pdf_bytes())
