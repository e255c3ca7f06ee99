"""What the lead page and the inbox show, field by field, per offer state and policy."""

from __future__ import annotations

import pytest

from leadshare.extensions import db
from models import (
    Channel,
    ConversationNote,
    DeclineReason,
    InstalledProduct,
    NoteCategory,
    NoteVisibility,
    Stage,
    workflow,
)
from tests import factories

TEASER = "TEASER-製造業のサーバー更改"
NEED = "NEED-保守切れ"
SHAREABLE = "SHAREABLE-note-text"
INTERNAL = "INTERNAL-note-text"
INSTALLED = "INSTALLED-Power9"
WITHHELD = "contact goes through the vendor"


def _lead(world, *, consent=True):
    """A lead with a shareable and an internal note and an installed product."""
    prospect = factories.prospect(consent=consent, company_name="COMPANY-テスト精機")
    prospect.installed_products.append(InstalledProduct(product_name=INSTALLED, quantity=2))
    lead = factories.lead(
        world["sales"], prospect=prospect, teaser=TEASER, need=NEED, value=7_000_000
    )
    for text, visibility in (
        (SHAREABLE, NoteVisibility.SHAREABLE),
        (INTERNAL, NoteVisibility.INTERNAL),
    ):
        db.session.add(
            ConversationNote(
                lead=lead,
                author=world["sales"],
                text=text,
                channel=Channel.PHONE,
                category=NoteCategory.PRODUCT_INQUIRY,
                visibility=visibility,
            )
        )
    db.session.flush()
    return lead


def _page(client, auth, lead) -> str:
    """The lead page as alpha's manager sees it."""
    auth.login("manager@alpha.example")
    response = client.get(f"/leads/{lead.ref}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _offer(world, lead, state: str):
    """Alpha's offer of ``lead`` moved to ``state``."""
    offer = workflow.offer_lead(lead, world["alpha"], world["sales"], comment="VENDOR-COMMENT")
    manager = world["alpha_manager"]
    if state in ("granted", "accepted"):
        workflow.request_details(offer, manager)
    if state == "accepted":
        workflow.accept_offer(offer, manager)
    if state == "declined":
        workflow.decline_offer(offer, manager, reason=DeclineReason.NO_CAPACITY)
    if state == "withdrawn":
        workflow.withdraw_offer(offer, world["sales"], reason="x")
    db.session.commit()
    return offer


@pytest.mark.parametrize(
    ("state", "visible", "hidden"),
    [
        (
            "offered",
            [TEASER, NEED, "VENDOR-COMMENT", "Please respond"],
            ["COMPANY-", SHAREABLE, INSTALLED, "連絡 花子", "Board with the vendor"],
        ),
        (
            "granted",
            [TEASER, "COMPANY-", SHAREABLE, INSTALLED],
            ["連絡 花子", "Board with the vendor", "Activities"],
        ),
        (
            "accepted",
            [
                TEASER,
                "COMPANY-",
                SHAREABLE,
                INSTALLED,
                "連絡 花子",
                "Board with the vendor",
                "Activities",
                "Move the stage",
            ],
            [],
        ),
        (
            "declined",
            [TEASER, NEED],
            ["COMPANY-", SHAREABLE, INSTALLED, "連絡 花子", "Your answer"],
        ),
        (
            "withdrawn",
            [TEASER, NEED],
            ["COMPANY-", SHAREABLE, INSTALLED, "連絡 花子", "Your answer"],
        ),
    ],
)
def test_each_state_discloses_its_level(client, auth, world, state, visible, hidden):
    lead = _lead(world)
    _offer(world, lead, state)
    html = _page(client, auth, lead)
    for text in visible:
        assert text in html, text
    for text in hidden + [INTERNAL]:
        assert text not in html, text


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        ("show_notes", SHAREABLE),
        ("show_installed_products", INSTALLED),
        ("show_contact", "連絡 花子"),
    ],
)
def test_the_policy_hides_each_part(client, auth, world, flag, text):
    lead = _lead(world)
    _offer(world, lead, "accepted")
    assert text in _page(client, auth, lead)
    setattr(world["alpha"].policy, flag, False)
    db.session.commit()
    assert text not in client.get(f"/leads/{lead.ref}").get_data(as_text=True)


def test_the_value_shows_only_when_the_policy_allows(client, auth, world):
    lead = _lead(world)
    _offer(world, lead, "accepted")
    world["alpha"].policy.show_value = False
    db.session.commit()
    assert "Estimated value" not in _page(client, auth, lead)
    world["alpha"].policy.show_value = True
    db.session.commit()
    html = client.get(f"/leads/{lead.ref}").get_data(as_text=True)
    assert "Estimated value" in html
    assert "7,000,000" in html


def test_without_consent_the_contact_goes_through_the_vendor(client, auth, world):
    lead = _lead(world, consent=False)
    _offer(world, lead, "accepted")
    html = _page(client, auth, lead)
    assert WITHHELD in html
    assert "連絡 花子" not in html
    assert lead.prospect.contact_email not in html
    assert lead.prospect.contact_phone not in html


def test_with_consent_the_contact_is_shown(client, auth, world):
    lead = _lead(world, consent=True)
    _offer(world, lead, "accepted")
    html = _page(client, auth, lead)
    assert WITHHELD not in html
    assert lead.prospect.contact_email in html


def test_the_inbox_shows_the_company_only_once_disclosed(client, auth, world):
    teaser_lead = _lead(world)
    _offer(world, teaser_lead, "offered")
    auth.login("manager@alpha.example")
    html = client.get("/leads?tab=new").get_data(as_text=True)
    assert TEASER in html
    assert "COMPANY-" not in html
    assert "Nothing matches" in client.get("/leads?tab=new&q=COMPANY").get_data(as_text=True)
    granted = _lead(world)
    _offer(world, granted, "granted")
    html = client.get("/leads?tab=details&q=company-").get_data(as_text=True)
    assert "COMPANY-" in html
    assert granted.ref in html
    assert teaser_lead.ref not in html


def test_the_stage_filter_never_reveals_another_partners_work(client, auth, world):
    lead = _lead(world)
    world["beta"].regions = ["chubu"]
    alpha_offer = workflow.offer_lead(lead, world["alpha"], world["sales"])
    workflow.offer_lead(lead, world["beta"], world["sales"])
    workflow.accept_offer(alpha_offer, world["alpha_manager"])
    db.session.commit()
    auth.login("manager@beta.example")
    html = client.get("/leads?tab=closed&stage=appointment").get_data(as_text=True)
    assert lead.ref not in html
    html = client.get(f"/leads/{lead.ref}").get_data(as_text=True)
    assert "Appointment" not in html


def test_stored_html_is_rendered_inert(client, auth, world):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    prospect = factories.prospect(company_name=payload, contact_name=payload, address=payload)
    prospect.installed_products.append(InstalledProduct(product_name=payload))
    lead = factories.lead(world["sales"], prospect=prospect, teaser=payload, need=payload)
    db.session.add(
        ConversationNote(
            lead=lead,
            author=world["sales"],
            text=payload,
            channel=Channel.PHONE,
            category=NoteCategory.OTHER,
            visibility=NoteVisibility.SHAREABLE,
        )
    )
    offer = workflow.offer_lead(lead, world["alpha"], world["sales"], comment=payload)
    workflow.request_details(offer, world["alpha_manager"])
    workflow.accept_offer(offer, world["alpha_manager"], comment=payload)
    workflow.log_activity(
        offer,
        world["alpha_manager"],
        occurred_at=factories.past(hours=1),
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        detail=payload,
    )
    workflow.move_stage(offer, world["alpha_manager"], Stage.PROPOSAL, note=payload)
    db.session.commit()
    auth.login("manager@alpha.example")
    for url in (f"/leads/{lead.ref}", "/leads?tab=accepted", f"/leads?tab=accepted&q={payload}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    html = client.get(f"/leads/{lead.ref}").get_data(as_text=True)
    # Every stored copy appears escaped: teaser (title + h1), need, company, contact, address,
    # installed product, note, vendor comment, board post, activity, stage note.
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 11
