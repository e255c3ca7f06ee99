"""Input you can trust: plausible values only, forms that keep the user's work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Comment, Offer, OfferState, Stage
from models.limits import MAX_AMOUNT_YEN
from tests.conftest import csrf_token
from tests.portal.conftest import snapshot


def _offer(offer_id: int) -> Offer:
    """The offer as committed."""
    db.session.expire_all()
    return db.session.get(Offer, offer_id)


def _won(offer: Offer, amount: str, **fields) -> dict:
    """The won form as the page would send it."""
    return {
        "order_date": "2026-03-01",
        "product": "Typed product",
        "amount": amount,
        "delivery_date": "2026-04-01",
        "version": _offer(offer.id).lead.version,
        **fields,
    }


def test_an_absurd_amount_is_refused_next_to_the_field_and_reports_still_work(
    client, auth, world, offer_for
):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(f"/leads/{offer.lead.ref}/won", data=_won(offer, "9223372036854775807"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "cannot be more than 1,000,000,000,000 yen" in html
    assert html.count("field-error") == 1  # one message, not two contradictory ones
    assert 'value="Typed product"' in html and "<details open" in html
    assert snapshot() == before
    # At the limit itself the deal closes, and the scorecard sums it without trouble.
    limit = f"{MAX_AMOUNT_YEN:,}"
    assert client.post(f"/leads/{offer.lead.ref}/won", data=_won(offer, limit)).status_code == 302
    assert _offer(offer.id).lead.order_amount == MAX_AMOUNT_YEN
    assert client.get("/scorecard").status_code == 200


@pytest.mark.parametrize("typed", ["1,200,000", "１，２００，０００", "¥1,200,000"])
def test_amounts_are_read_as_people_type_them(client, auth, world, offer_for, typed):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    assert client.post(f"/leads/{offer.lead.ref}/won", data=_won(offer, typed)).status_code == 302
    assert _offer(offer.id).lead.order_amount == 1_200_000


def test_implausible_dates_are_refused_next_to_the_field(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    data = _won(offer, "100", order_date="0001-01-01", delivery_date="9999-12-31")
    response = client.post(f"/leads/{offer.lead.ref}/won", data=data)
    assert response.status_code == 422
    assert "The date cannot be before" in response.get_data(as_text=True)
    assert _offer(offer.id).lead.stage is Stage.APPOINTMENT
    response = client.post(
        f"/leads/{offer.lead.ref}/activities",
        data={
            "day": "1900-01-01",
            "time": "10:00",
            "channel": "phone",
            "category": "other",
            "detail": "An old call",
        },
    )
    assert response.status_code == 422
    assert "An old call" in response.get_data(as_text=True)


def test_other_without_a_note_reopens_the_form_with_the_message_by_the_field(
    client, auth, world, offer_for
):
    offer = offer_for()
    auth.login("manager@alpha.example")
    response = client.post(
        f"/leads/{offer.lead.ref}/decline",
        data={"reason": "other", "note": "  ", "version": offer.version},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    decline_form = html.split(f'action="/leads/{offer.lead.ref}/decline"')[1].split("</form>")[0]
    assert "<details open" in html
    assert "Explain the reason for declining." in decline_form
    assert _offer(offer.id).state is OfferState.OFFERED


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "１"])
def test_a_form_without_a_readable_version_is_refused_like_a_stale_one(
    client, auth, world, offer_for, version
):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    data = {"to_stage": "proposal"} | ({} if version is None else {"version": version})
    response = client.post(f"/leads/{offer.lead.ref}/stage", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reload the page and try again." in page
    assert _offer(offer.id).lead.stage is Stage.APPOINTMENT


@pytest.mark.csrf
def test_an_expired_csrf_token_keeps_the_text_and_asks_to_send_again(
    client, auth, world, offer_for
):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/leads/{offer.lead.ref}/comments",
        data={"body": "A long message I typed", "csrf_token": "expired-or-forged"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "send it again" in html and "A long message I typed" in html
    assert snapshot() == before
    # The re-rendered page carries a fresh token: sending again works.
    token = csrf_token(client, f"/leads/{offer.lead.ref}")
    again = client.post(
        f"/leads/{offer.lead.ref}/comments",
        data={"body": "A long message I typed", "csrf_token": token},
    )
    assert again.status_code == 302


def test_a_double_submit_posts_once(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    for _ in range(2):
        response = client.post(f"/leads/{offer.lead.ref}/comments", data={"body": "Quote sent."})
        assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
