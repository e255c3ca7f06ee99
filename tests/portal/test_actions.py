"""Every lead action through the portal: the happy path and its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    Activity,
    AuditEvent,
    Comment,
    Offer,
    OfferState,
    OutboxMessage,
    Stage,
    workflow,
)
from models.base import utcnow
from tests import factories
from tests.conftest import csrf_token
from tests.portal.conftest import snapshot


def _offer(offer_id: int) -> Offer:
    """The offer as committed."""
    db.session.expire_all()
    return db.session.get(Offer, offer_id)


def _version(offer_id: int, *, lead: bool = False) -> int:
    """The version a page loaded now would carry (the offer's, or its lead's)."""
    offer = _offer(offer_id)
    return offer.lead.version if lead else offer.version


def _follow(client, response) -> str:
    """The page a redirect leads to."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_manager_requests_details_and_sees_the_company(client, auth, world, offer_for):
    offer = offer_for()
    auth.login("manager@alpha.example")
    before = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert offer.lead.prospect.company_name not in before
    html = _follow(client, client.post(f"/leads/{offer.lead.ref}/request-details"))
    assert "The details are now visible below." in html
    assert offer.lead.prospect.company_name in html
    assert _offer(offer.id).state is OfferState.DETAILS_GRANTED


def test_details_needing_approval_wait_for_the_vendor(client, auth, world, offer_for):
    world["alpha"].policy.details_need_approval = True
    db.session.commit()
    offer = offer_for()
    auth.login("manager@alpha.example")
    html = _follow(client, client.post(f"/leads/{offer.lead.ref}/request-details"))
    assert "Your request has been sent to the vendor." in html
    assert offer.lead.prospect.company_name not in html
    assert _offer(offer.id).state is OfferState.DETAILS_REQUESTED


def test_accept_with_rep_and_comment(client, auth, world, offer_for):
    offer = offer_for(details=True)
    rep = world["alpha_rep"]
    auth.login("manager@alpha.example")
    response = client.post(
        f"/leads/{offer.lead.ref}/accept",
        data={"rep": rep.id, "comment": "We will call on Monday.", "version": offer.version},
    )
    html = _follow(client, response)
    assert "You have accepted the lead." in html
    assert "We will call on Monday." in html
    offer = _offer(offer.id)
    assert offer.state is OfferState.ACCEPTED
    assert offer.assigned_rep_id == rep.id
    assert offer.lead.stage is Stage.APPOINTMENT
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "lead_assigned" in kinds


def test_accepting_an_expired_offer_is_refused_and_changes_nothing(client, auth, world, offer_for):
    offer = offer_for()
    offer.respond_by = utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/leads/{offer.lead.ref}/accept", data={"rep": 0, "version": _version(offer.id)}
    )
    html = _follow(client, response)
    assert "This offer has expired." in html
    assert "The time to respond to this offer is over." in html
    assert snapshot() == before


def test_accepting_a_withdrawn_offer_is_refused(client, auth, world, offer_for):
    offer = offer_for()
    workflow.withdraw_offer(offer, world["sales"], reason="customer asked")
    db.session.commit()
    auth.login("manager@alpha.example")
    data = {"rep": 0, "version": _version(offer.id)}
    html = _follow(client, client.post(f"/leads/{offer.lead.ref}/accept", data=data))
    assert "This offer can no longer be accepted." in html
    assert _offer(offer.id).state is OfferState.WITHDRAWN


def test_a_second_accept_is_refused(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/leads/{offer.lead.ref}/accept", data={"rep": 0, "version": _version(offer.id)}
    )
    assert snapshot() == before
    assert "This offer can no longer be accepted." in _follow(client, response)


def test_the_partner_that_comes_second_is_told_the_lead_is_gone(client, auth, world):
    lead = factories.lead(world["sales"], region="chubu")
    world["beta"].regions = ["chubu"]
    alpha_offer = workflow.offer_lead(lead, world["alpha"], world["sales"])
    beta_offer = workflow.offer_lead(lead, world["beta"], world["sales"])
    db.session.commit()
    version = beta_offer.version
    workflow.accept_offer(alpha_offer, world["alpha_manager"])
    db.session.commit()
    auth.login("manager@beta.example")
    response = client.post(f"/leads/{lead.ref}/accept", data={"rep": 0, "version": version})
    html = _follow(client, response)
    assert "no longer available" in html
    assert _offer(alpha_offer.id).state is OfferState.ACCEPTED
    assert _offer(beta_offer.id).state is OfferState.WITHDRAWN


def test_a_stale_form_is_refused_with_a_reload_hint(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    stale_version = offer.lead.version
    workflow.move_stage(offer, world["alpha_manager"], Stage.NEEDS_HEARING)
    db.session.commit()
    auth.login("manager@alpha.example")
    response = client.post(
        f"/leads/{offer.lead.ref}/stage", data={"to_stage": "proposal", "version": stale_version}
    )
    html = _follow(client, response)
    assert "Reload the page and try again." in html
    assert _offer(offer.id).lead.stage is Stage.NEEDS_HEARING


def test_decline_needs_a_reason_and_keeps_the_text(client, auth, world, offer_for):
    offer = offer_for()
    auth.login("manager@alpha.example")
    response = client.post(
        f"/leads/{offer.lead.ref}/decline",
        data={"reason": "", "note": "my explanation", "version": _version(offer.id)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a reason for declining." in html
    assert "my explanation" in html
    response = client.post(
        f"/leads/{offer.lead.ref}/decline",
        data={"reason": "other", "note": "", "version": _version(offer.id)},
    )
    assert response.status_code == 422
    assert "Explain the reason for declining." in response.get_data(as_text=True)
    assert _offer(offer.id).state is OfferState.OFFERED
    html = _follow(
        client,
        client.post(
            f"/leads/{offer.lead.ref}/decline",
            data={"reason": "no_capacity", "note": "busy", "version": _version(offer.id)},
        ),
    )
    assert "You have declined the offer." in html
    declined = _offer(offer.id)
    assert declined.state is OfferState.DECLINED
    assert declined.decline_note == "busy"


def test_the_rep_works_the_lead_to_won(client, auth, world, offer_for):
    offer = offer_for(accept=True, rep=True)
    ref = offer.lead.ref
    auth.login("rep@alpha.example")
    html = _follow(
        client,
        client.post(
            f"/leads/{ref}/activities",
            data={
                "day": utcnow().date().isoformat(),
                "time": "00:00",
                "channel": "phone",
                "category": "product_inquiry",
                "detail": "Called the IT manager; demo next week.",
            },
        ),
    )
    assert "The activity has been logged." in html
    assert "Called the IT manager; demo next week." in html
    data = {"to_stage": "proposal", "version": _version(offer.id, lead=True)}
    html = _follow(client, client.post(f"/leads/{ref}/stage", data=data))
    assert "The stage is now Proposal." in html
    html = _follow(client, client.post(f"/leads/{ref}/comments", data={"body": "Quote sent."}))
    assert "Quote sent." in html
    html = _follow(
        client,
        client.post(
            f"/leads/{ref}/won",
            data={
                "order_date": "2026-03-01",
                "product": "Power10 server",
                "amount": "4,800,000",
                "delivery_date": "2026-04-01",
                "version": _version(offer.id, lead=True),
            },
        ),
    )
    assert "closed as won" in html
    assert "Power10 server" in html
    lead = _offer(offer.id).lead
    assert lead.stage is Stage.WON
    assert lead.order_amount == 4_800_000
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_won_without_order_data_keeps_the_input_and_changes_nothing(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    before = snapshot()
    response = client.post(
        f"/leads/{offer.lead.ref}/won",
        data={
            "order_date": "2026-03-01",
            "product": "Typed product",
            "amount": "",
            "version": _version(offer.id, lead=True),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the amount." in html
    assert "Enter the delivery date." in html
    assert 'value="Typed product"' in html
    assert snapshot() == before


def test_won_with_delivery_before_order_is_refused_by_the_rule(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    response = client.post(
        f"/leads/{offer.lead.ref}/won",
        data={
            "order_date": "2026-03-01",
            "product": "Typed product",
            "amount": "10",
            "delivery_date": "2026-02-01",
            "version": _version(offer.id, lead=True),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The delivery date cannot be before the order date." in html
    assert 'value="Typed product"' in html
    assert _offer(offer.id).lead.stage is Stage.APPOINTMENT


def test_close_as_lost(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    html = _follow(
        client,
        client.post(
            f"/leads/{offer.lead.ref}/lost",
            data={"reason": "competitor", "version": _version(offer.id, lead=True)},
        ),
    )
    assert "closed as lost" in html
    assert _offer(offer.id).lead.stage is Stage.LOST
    outcome = html[html.index(">Result<") :]
    assert "Lost" in outcome and "Competitor" in outcome
    assert 'id="activity-form"' not in html
    posted = {
        "day": "2025-01-10",
        "time": "10:00",
        "channel": "visit",
        "category": "other",
        "detail": "after the end",
    }
    html = _follow(client, client.post(f"/leads/{offer.lead.ref}/activities", data=posted))
    assert "Activities can no longer be logged on this lead." in html
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_an_activity_in_the_future_is_refused(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    response = client.post(
        f"/leads/{offer.lead.ref}/activities",
        data={
            "day": tomorrow,
            "time": "10:00",
            "channel": "visit",
            "category": "other",
            "detail": "future visit",
        },
    )
    assert response.status_code == 422
    assert "An activity cannot be in the future." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_the_category_template_fills_the_detail_without_javascript(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    html = client.get(f"/leads/{offer.lead.ref}?category=complaint").get_data(as_text=True)
    assert '<option selected value="complaint">' in html
    assert "What happened:" in html.split('id="activity-detail"')[1].split("</textarea>")[0]


def test_the_board_marks_posts_new_since_the_last_visit(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    workflow.post_comment(offer, world["sales"], body="First from vendor")
    db.session.commit()
    auth.login("manager@alpha.example")
    assert client.get("/leads").get_data(as_text=True).count("1 new") == 1
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert html.count('class="entry new"') == 1
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert 'class="entry new"' not in html
    workflow.post_comment(_offer(offer.id), world["sales"], body="Second from vendor")
    db.session.commit()
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert html.count('class="entry new"') == 1
    assert html.index("Second from vendor") > html.index('class="entry new"')


def test_manager_reassigns_to_its_own_rep_only(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    html = _follow(
        client, client.post(f"/leads/{offer.lead.ref}/assign", data={"rep": world["alpha_rep"].id})
    )
    assert "now assigned to" in html
    assert _offer(offer.id).assigned_rep_id == world["alpha_rep"].id
    response = client.post(f"/leads/{offer.lead.ref}/assign", data={"rep": world["beta_rep"].id})
    assert response.status_code == 422
    assert _offer(offer.id).assigned_rep_id == world["alpha_rep"].id


def test_a_rep_cannot_accept_decline_or_assign(client, auth, world, offer_for):
    offer = offer_for(accept=True, rep=True)
    auth.login("rep@alpha.example")
    before = snapshot()
    for action in ("assign", "accept", "decline"):
        data = {"rep": 0, "reason": "no_capacity"}
        response = client.post(f"/leads/{offer.lead.ref}/{action}", data=data)
        assert snapshot() == before
        assert "Only your organisation&#39;s manager can do this." in _follow(client, response)
        before = snapshot()


def test_contact_views_are_audited(client, auth, world, offer_for):
    offer = offer_for(accept=True)
    auth.login("manager@alpha.example")
    client.get(f"/leads/{offer.lead.ref}")
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "prospect.personal_data_viewed" in actions


@pytest.mark.csrf
def test_actions_without_a_csrf_token_are_refused(client, auth, world, offer_for):
    offer = offer_for()
    auth.login("manager@alpha.example")
    before = snapshot()
    refused = client.post(
        f"/leads/{offer.lead.ref}/accept",
        data={"rep": 0, "comment": "typed text", "version": offer.version},
    )
    # Refused, the form re-rendered with the text kept and a fresh token to send again.
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "send it again" in html and "typed text" in html
    assert snapshot() == before
    token = csrf_token(client, f"/leads/{offer.lead.ref}")
    response = client.post(
        f"/leads/{offer.lead.ref}/accept",
        data={"rep": 0, "csrf_token": token, "version": offer.version},
    )
    assert response.status_code == 302
    assert _offer(offer.id).state is OfferState.ACCEPTED
