"""Refused forms of the lead desk and the registration review keep the user's work.

A refused rule re-renders the page (422) with the form open, the text as typed and
the message next to its field, in the user's language; an expired or missing CSRF
token asks to send again (no bare 400); nothing changes.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import DealRegistration, Lead, Locale, Offer, OfferState, RegistrationStatus, Stage
from models import workflow as wf
from models.users import User
from tests import factories
from tests.models.test_registrations import DEAL

SEND_AGAIN = {
    Locale.EN: "send it again",
    Locale.JA: "もう一度送信してください",
}
LOST_NOTE = {
    Locale.EN: "Explain why the lead was lost.",
    Locale.JA: "失注の理由を記入してください。",
}
NEGATIVE = {
    Locale.EN: "The amount cannot be negative.",
    Locale.JA: "金額に負の値は指定できません。",
}


def speak(email: str, locale: Locale) -> None:
    """Let the user read ``locale``."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    user.locale = locale
    db.session.commit()


def feedback_after(html: str, field_id: str) -> str:
    """The message shown right after the input ``field_id`` (Bootstrap's invalid feedback)."""
    start = html.index(f'id="{field_id}"')
    match = re.search(r'<div class="invalid-feedback d-block">([^<]+)</div>', html[start:])
    assert match is not None, f"no message after #{field_id}"
    return match.group(1)


@pytest.fixture
def worked(world):
    """A lead accepted by alpha."""
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"], rep=world["alpha_rep"])
    db.session.commit()
    return lead


def _lead(lead: Lead) -> Lead:
    db.session.expire_all()
    return db.session.get(Lead, lead.id)


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_lost_without_a_note_comes_back_open_with_the_message_next_to_the_note(
    worked, client, auth, locale
):
    speak("sales@vendor.example", locale)
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/lost",
        data={"lost-reason": "other", "lost-note": "  ", "lost-version": worked.version},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert feedback_after(html, "lost-note") == LOST_NOTE[locale]
    # The "close as lost" box is open and keeps the chosen reason.
    assert re.search(r"<details[^>]*open>\s*<summary[^>]*>[^<]*</summary>\s*<form[^>]*lost", html)
    assert re.search(r'<option selected value="other">|<option value="other" selected', html)
    assert _lead(worked).stage is Stage.APPOINTMENT


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_a_negative_amount_is_refused_next_to_the_amount_and_the_text_is_kept(
    worked, client, auth, locale
):
    speak("admin@vendor.example", locale)
    auth.login("admin@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/won",
        data={
            "won-order_date": "2026-11-01",
            "won-delivery_date": "2026-12-01",
            "won-product": "業務用サーバー 3台",
            "won-amount": "-5",
            "won-note": "年度末の納品",
            "won-version": worked.version,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert feedback_after(html, "won-amount") == NEGATIVE[locale]
    assert "業務用サーバー 3台" in html and "年度末の納品" in html
    assert "IntegrityError" not in html and "ck_" not in html
    assert _lead(worked).stage is Stage.APPOINTMENT


def test_a_refused_withdrawal_keeps_its_reason_next_to_the_offer(world, client, auth):
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    too_long = "理由" * 1500
    response = client.post(
        f"/admin/desk/{lead.ref}/offers/{offer.id}/withdraw", data={"reason": too_long}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert too_long in html
    assert feedback_after(html, f"withdraw-reason-{offer.id}")
    assert db.session.get(Offer, offer.id).state is OfferState.OFFERED


@pytest.mark.csrf
@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_an_expired_token_on_the_desk_asks_to_send_again_and_keeps_the_text(
    world, client, auth, locale
):
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"])
    db.session.commit()
    speak("sales@vendor.example", locale)
    auth.login("sales@vendor.example")
    for url, data, text in (
        (
            f"/admin/desk/{lead.ref}/notes",
            {"text": "先方から電話", "channel": "phone"},
            "先方から電話",
        ),
        (
            f"/admin/desk/{lead.ref}/offers/{offer.id}/comments",
            {"body": "来週の訪問を調整します", "csrf_token": "expired"},
            "来週の訪問を調整します",
        ),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422, url
        html = response.get_data(as_text=True)
        assert SEND_AGAIN[locale] in html and text in html, url
    db.session.expire_all()
    assert not db.session.get(Lead, lead.id).notes
    assert not db.session.get(Offer, offer.id).comments


@pytest.fixture
def registration(world):
    """A registration from alpha waiting for a decision."""
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    return registration


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_a_refused_rejection_keeps_the_reason_next_to_its_field(registration, client, auth, locale):
    speak("sales@vendor.example", locale)
    auth.login("sales@vendor.example")
    too_long = "重複" * 1500
    response = client.post(
        f"/admin/registrations/{registration.id}/reject", data={"reason": too_long}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert too_long in html
    assert feedback_after(html, "reason")
    db.session.expire_all()
    assert (
        db.session.get(DealRegistration, registration.id).status is not RegistrationStatus.REJECTED
    )


@pytest.mark.csrf
@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_an_expired_token_on_the_review_asks_to_send_again(registration, client, auth, locale):
    speak("sales@vendor.example", locale)
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/registrations/{registration.id}/reject",
        data={"reason": "既存顧客のため", "csrf_token": "old"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert SEND_AGAIN[locale] in html and "既存顧客のため" in html
    review = client.post(f"/admin/registrations/{registration.id}/review", data={})
    assert review.status_code == 422 and SEND_AGAIN[locale] in review.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DealRegistration, registration.id).status is RegistrationStatus.SUBMITTED


def test_the_lead_edit_form_carries_its_version_and_a_stale_one_is_refused(world, client, auth):
    lead = factories.lead(world["sales"])
    db.session.commit()
    speak("sales@vendor.example", Locale.EN)
    auth.login("sales@vendor.example")
    html = client.get(f"/admin/leads/edit/?id={lead.id}").get_data(as_text=True)
    assert re.search(rf'name="version"[^>]*value="{lead.version}"', html) or re.search(
        rf'value="{lead.version}"[^>]*name="version"', html
    )
    values = {
        "teaser": "製造業・生産管理の更改",
        "need": "全工場の生産管理システム更改",
        "timing": "3m",
        "estimated_value": "1,200,000",
        "expected_close_on": "",
    }
    stale = client.post(
        f"/admin/leads/edit/?id={lead.id}", data={**values, "version": lead.version - 1 or 99}
    )
    assert stale.status_code == 422
    assert "Reload the page and try again." in stale.get_data(as_text=True)
    assert _lead(lead).need != "全工場の生産管理システム更改"
    saved = client.post(
        f"/admin/leads/edit/?id={lead.id}", data={**values, "version": lead.version}
    )
    assert saved.status_code == 302
    assert _lead(lead).need == "全工場の生産管理システム更改"
    assert _lead(lead).estimated_value == 1_200_000
