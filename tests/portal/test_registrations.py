"""The partner's side of deal registration: register, follow, correct, withdraw, extend."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import DealRegistration, ExtensionState, RegistrationStatus, utcnow, workflow
from tests import factories as f

REGISTRATION = {
    "company_name": "株式会社みつけた",
    "address": "名古屋市",
    "phone": "052-1",
    "representative": "代表",
    "website": "https://found.example.jp",
    "industry": "retail",
    "region": "chubu",
    "contact_name": "担当 次郎",
    "contact_phone": "052-2",
    "contact_email": "jiro@found.example.jp",
    "consent_method": "phone",
    "need": "POS更改",
    "product_interest": "servers",
    "expected_value": "3000000",
}


def _only() -> DealRegistration:
    """The one registration in the database."""
    return db.session.scalar(sa.select(DealRegistration))


def test_required_fields_are_marked_before_the_first_submit(client, auth, world):
    auth.login("rep@alpha.example")
    html = client.get("/registrations").get_data(as_text=True)
    assert "Fields marked with * are required." in html
    assert html.count('class="required-mark"') == 11  # the note + the ten required fields
    assert 'name="company_name" required' in html


def test_a_partner_registers_a_deal_and_follows_the_decision(client, auth, world):
    auth.login("rep@alpha.example")
    response = client.post("/registrations", data=REGISTRATION)
    registration = _only()
    assert response.headers["Location"].endswith(f"/registrations/{registration.ref}")
    assert registration.organisation_id == world["alpha"].id
    assert registration.consent_method.value == "phone"
    assert "Awaiting review" in client.get("/registrations").get_data(as_text=True)
    workflow.reject_registration(registration, world["sales"], reason="Already in our pipeline")
    db.session.commit()
    html = client.get("/registrations").get_data(as_text=True)
    assert "Rejected" in html
    assert "Already in our pipeline" in html


def test_a_conflict_shows_only_under_review_and_names_nobody(client, auth, world):
    prospect = f.prospect(company_name="㈱ミツケタ", region="chubu")
    lead = f.lead(world["sales"], prospect=prospect)
    offer = workflow.offer_lead(lead, world["beta"], world["sales"], override_reason="test")
    workflow.accept_offer(offer, world["beta_manager"])
    db.session.commit()
    auth.login("rep@alpha.example")
    client.post("/registrations", data=REGISTRATION | {"company_name": "株式会社ミツケタ"})
    registration = _only()
    assert registration.status is RegistrationStatus.UNDER_REVIEW
    for url in ("/registrations", f"/registrations/{registration.ref}"):
        html = client.get(url).get_data(as_text=True)
        assert "Under review" in html
        assert "Beta" not in html and "beta" not in html
        assert lead.ref not in html
        assert "conflict" not in html.lower()


def test_an_approved_registration_shows_its_lead_and_protected_period(client, auth, world):
    auth.login("rep@alpha.example")
    client.post("/registrations", data=REGISTRATION)
    registration = _only()
    lead = workflow.approve_registration(registration, world["sales"])
    db.session.commit()
    html = client.get("/registrations").get_data(as_text=True)
    assert "Approved" in html
    assert f"/leads/{lead.ref}" in html
    page = client.get(f"/registrations/{registration.ref}").get_data(as_text=True)
    assert "Reserved for your organisation until" in page
    assert "Ask for more time" in page
    assert client.get(f"/leads/{lead.ref}").status_code == 200


def test_an_incomplete_registration_keeps_the_input(client, auth, world):
    auth.login("manager@alpha.example")
    data = REGISTRATION | {"contact_email": "", "need": "Typed need"}
    response = client.post("/registrations", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Typed need" in html
    assert 'value="株式会社みつけた"' in html
    assert db.session.scalar(sa.select(sa.func.count(DealRegistration.id))) == 0


def test_a_rejected_registration_is_corrected_and_resent(client, auth, world):
    auth.login("rep@alpha.example")
    client.post("/registrations", data=REGISTRATION | {"website": "-"})
    registration = _only()
    workflow.reject_registration(registration, world["sales"], reason="Website missing")
    db.session.commit()
    page = client.get(f"/registrations/{registration.ref}").get_data(as_text=True)
    assert "Correct and send again" in page
    assert 'value="株式会社みつけた"' in page
    response = client.post(f"/registrations/{registration.ref}/resubmit", data=REGISTRATION)
    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status is RegistrationStatus.SUBMITTED
    assert registration.website == "https://found.example.jp"
    history = client.get(f"/registrations/{registration.ref}").get_data(as_text=True)
    for entry in ("Sent to the vendor", "Rejected", "Website missing", "Corrected and resubmitted"):
        assert entry in history


def test_a_waiting_registration_can_be_withdrawn(client, auth, world):
    auth.login("rep@alpha.example")
    client.post("/registrations", data=REGISTRATION)
    ref = _only().ref
    client.post(f"/registrations/{ref}/withdraw")
    assert _only().status is RegistrationStatus.WITHDRAWN
    assert "You withdrew this registration." in client.get(f"/registrations/{ref}").get_data(
        as_text=True
    )


def test_the_expiring_soon_filter_lists_only_those_ending_within_14_days(client, auth, world):
    auth.login("manager@alpha.example")
    soon = workflow.register_deal(
        world["alpha_rep"], **_fields("近日終了"), now=utcnow() - timedelta(days=81)
    )
    workflow.approve_registration(soon, world["sales"], now=utcnow() - timedelta(days=80))
    later = workflow.register_deal(world["alpha_rep"], **_fields("まだ先"))
    workflow.approve_registration(later, world["sales"])
    db.session.commit()
    everything = client.get("/registrations").get_data(as_text=True)
    assert "近日終了" in everything and "まだ先" in everything
    assert "1 registration is expiring soon." in everything
    html = client.get("/registrations?expiring=1").get_data(as_text=True)
    assert "近日終了" in html
    assert "まだ先" not in html
    assert "Expiring soon" in html


def test_an_extension_is_asked_for_once(client, auth, world):
    auth.login("rep@alpha.example")
    client.post("/registrations", data=REGISTRATION)
    registration = _only()
    workflow.approve_registration(registration, world["sales"])
    db.session.commit()
    empty = client.post(f"/registrations/{registration.ref}/extension", data={"reason": ""})
    assert empty.status_code == 422
    client.post(f"/registrations/{registration.ref}/extension", data={"reason": "決裁が来月"})
    db.session.refresh(registration)
    assert registration.extension is ExtensionState.REQUESTED
    page = client.get(f"/registrations/{registration.ref}").get_data(as_text=True)
    assert "Extension requested" in page
    assert "Ask for more time" not in page


def _fields(company: str) -> dict:
    """Rule arguments for a registration of ``company``."""
    values = REGISTRATION | {
        "company_name": company,
        "phone": "",
        "contact_phone": "",
        "contact_email": f"{abs(hash(company))}@example.jp",
    }
    values["phone"] = values["contact_phone"] = "03-" + str(abs(hash(company)))[:8]
    values["consent_method"] = None
    values["expected_value"] = None
    return values


@pytest.mark.parametrize(
    ("who", "visible"),
    [("rep@alpha.example", True), ("manager@alpha.example", True), ("rep@beta.example", False)],
)
def test_registrations_are_reached_only_inside_the_tenant(client, auth, world, who, visible):
    registration = workflow.register_deal(world["alpha_rep"], **_fields("秘密の会社"))
    db.session.commit()
    auth.login(who)
    page = client.get(f"/registrations/{registration.ref}")
    assert page.status_code == (200 if visible else 404)
    assert ("秘密の会社" in client.get("/registrations").get_data(as_text=True)) is visible
    if not visible:
        assert client.post(f"/registrations/{registration.ref}/withdraw").status_code == 404
        assert _only().status is RegistrationStatus.SUBMITTED


def test_another_rep_of_the_same_partner_does_not_see_a_colleagues_registration(
    client, auth, world
):
    registration = workflow.register_deal(world["alpha_manager"], **_fields("上長の案件"))
    db.session.commit()
    auth.login("rep@alpha.example")
    assert client.get(f"/registrations/{registration.ref}").status_code == 404


def test_the_registration_pages_are_in_japanese(client, auth, world):
    world["alpha_rep"].locale = world["alpha_rep"].locale.__class__("ja")
    db.session.commit()
    auth.login("rep@alpha.example")
    html = client.get("/registrations").get_data(as_text=True)
    assert "案件登録" in html
    assert "必須" in html
