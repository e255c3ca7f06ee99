"""Posting, qualifying and offering a lead from the back office; the partner side sees it."""

from __future__ import annotations

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, ConversationNote, InstalledProduct, Lead, Offer, OfferState, Stage
from models.routing import rank_partners
from tests import factories

LEAD_FORM = {
    "company_name": "株式会社 中部精機",
    "address": "愛知県名古屋市中区1-1",
    "phone": "052-000-1111",
    "representative": "山田 太郎",
    "website": "https://chubu-seiki.example.jp",
    "industry": "manufacturing",
    "size_band": "50-299",
    "region": "chubu",
    "contact_name": "佐藤 花子",
    "contact_title": "情報システム課長",
    "contact_phone": "052-000-2222",
    "contact_email": "sato@chubu-seiki.example.jp",
    "consent": "y",
    "consent_method": "phone",
    "teaser": "製造業の基幹サーバー更改",
    "need": "保守切れのサーバーを更改したい",
    "product_interest": "servers",
    "source": "phone",
    "timing": "3m",
    "estimated_value": "8000000",
    "note_channel": "phone",
    "note_category": "product_inquiry",
    "note_visibility": "shareable",
    "note_text": "サーバー10台の更改を検討中。予算は確保済み。",
    "products-0-product_name": "旧サーバー X100",
    "products-0-product_line": "servers",
    "products-0-quantity": "10",
}


def post_lead(client, **changes):
    """Post the lead form; return the response."""
    return client.post("/admin/desk/", data={**LEAD_FORM, **changes})


def test_sales_posts_qualifies_and_offers_and_the_partner_sees_the_teaser(world, client, auth):
    """The whole flow through the real pages, then the partner's inbox."""
    auth.login("sales@vendor.example")
    response = post_lead(client)
    assert response.status_code == 302
    lead = db.session.scalar(sa.select(Lead))
    assert lead.stage is Stage.NEW
    assert lead.prospect.consent_to_share and lead.prospect.consent_method.value == "phone"
    assert db.session.scalar(sa.select(ConversationNote.text)) == LEAD_FORM["note_text"]
    assert db.session.scalar(sa.select(InstalledProduct.quantity)) == 10
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "株式会社 中部精機" in page and "Complete the qualification checklist" in page

    client.post(
        f"/admin/desk/{lead.ref}/qualify",
        data={
            "has_budget": "y",
            "has_authority": "y",
            "has_need": "y",
            "has_timing": "y",
            "version": str(lead.version),
        },
    )
    db.session.expire_all()
    assert lead.stage is Stage.QUALIFIED
    page = client.get(f"/admin/desk/{lead.ref}").get_data(as_text=True)
    assert page.index(world["alpha"].name) < page.index(world["beta"].name)  # ranked

    client.post(
        f"/admin/desk/{lead.ref}/offers",
        data={"partners": str(world["alpha"].id), "comment": "ご検討ください"},
    )
    offer = db.session.scalar(sa.select(Offer))
    assert offer.organisation_id == world["alpha"].id and offer.state is OfferState.OFFERED
    assert offer.comment_to_partner == "ご検討ください"

    auth.logout()
    auth.login("manager@alpha.example")
    inbox = client.get("/leads").get_data(as_text=True)
    assert "製造業の基幹サーバー更改" in inbox
    assert "中部精機" not in inbox  # teaser only
    assert client.get(f"/leads/{lead.ref}").status_code == 200
    auth.logout()
    auth.login("manager@beta.example")
    assert "製造業の基幹サーバー更改" not in client.get("/leads").get_data(as_text=True)
    assert client.get(f"/leads/{lead.ref}").status_code == 404


def test_duplicate_warning_then_save_anyway(world, client, auth):
    """A company written differently (㈱, full-width, spaces) is caught before saving."""
    factories.prospect(company_name="㈱中部精機")
    db.session.commit()
    auth.login("sales@vendor.example")
    response = post_lead(client, company_name="株式会社　中部 精機")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Possible duplicates" in html and "㈱中部精機" in html
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0
    response = post_lead(client, company_name="株式会社　中部 精機", confirm_duplicate="yes")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1


def test_duplicate_by_contact_phone_or_email(world, client, auth):
    """The contact's phone (any punctuation / width) or e-mail flags a duplicate too."""
    factories.prospect(company_name="別会社", contact_phone="０５２-０００-２２２２")
    db.session.commit()
    auth.login("sales@vendor.example")
    html = post_lead(client).get_data(as_text=True)
    assert "same phone" in html


def test_required_fields_and_consent_method(world, client, auth):
    """The required prospect fields (``PROSPECT_REQUIRED``) and the consent method are enforced."""
    auth.login("sales@vendor.example")
    response = post_lead(client, website="", consent_method="")
    # The form again (422), what was typed kept, the messages next to the fields.
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert LEAD_FORM["company_name"] in html
    assert "Say how the contact&#39;s consent was obtained." in html or (
        "Say how the contact's consent was obtained." in html
    )
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_policy_is_enforced_and_the_override_is_audited(world, client, auth):
    """Outside the partner's regions: refused without a reason, audited with one."""
    world["alpha"].policy.allowed_regions = ["kinki"]
    lead = factories.lead(world["sales"], region="chubu")
    db.session.commit()
    auth.login("sales@vendor.example")
    page = client.get(f"/admin/desk/{lead.ref}").get_data(as_text=True)
    assert "outside the partner" in page
    response = client.post(
        f"/admin/desk/{lead.ref}/offers",
        data={"partners": str(world["alpha"].id)},
        follow_redirects=True,
    )
    assert "outside the partner" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0

    client.post(
        f"/admin/desk/{lead.ref}/offers",
        data={"partners": str(world["alpha"].id), "override_reason": "顧客の指名"},
    )
    offer = db.session.scalar(sa.select(Offer))
    assert offer.override_reason == "顧客の指名"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "offer.overridden"))
    assert event.after["override_reason"] == "顧客の指名"
    assert event.actor_id == world["sales"].id


def test_suspended_partner_gets_no_offer_and_its_users_are_out(world, client, auth):
    """Suspending through the partner form stops offers and ends the partner's sessions."""
    from tests.conftest import Auth

    partner_client = client.application.test_client()
    Auth(partner_client).login("manager@alpha.example")
    assert partner_client.get("/leads").status_code == 200
    auth.login("admin@vendor.example")
    alpha = world["alpha"]
    response = client.post(
        f"/admin/partners/edit/?id={alpha.id}",
        data={
            "name": alpha.name,
            "slug": alpha.slug,
            "tier": "gold",
            "status": "suspended",
            "regions": ["chubu"],
            "product_lines": ["servers"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.status.value == "suspended"
    assert partner_client.get("/leads").status_code in (302, 401)
    lead = factories.lead(world["sales"])
    db.session.commit()
    assert alpha.id not in [f.partner.id for f in rank_partners(lead)]
    client.post(
        f"/admin/desk/{lead.ref}/offers", data={"partners": str(alpha.id), "override_reason": "x"}
    )
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_ranking_order_on_known_data(world):
    """Region and product fit put the partner serving the lead first, with its reasons."""
    lead = factories.lead(world["sales"], region="kanto", product="servers")
    db.session.commit()
    fits = rank_partners(lead)
    assert [f.partner.slug for f in fits] == ["beta", "alpha"]
    from models.catalogue import REGIONS

    assert any(str(REGIONS["kanto"]) in r for r in fits[0].reasons)
    assert not any(
        str(REGIONS["kanto"]) in r and "not" not in r.lower()
        for r in fits[1].reasons
        if "Serves" in r
    )


def test_withdraw_grant_refuse_and_board(world, client, auth):
    """Staff withdraw an offer and decide detail requests; the board waits for acceptance."""
    from models.workflow import offer_lead, request_details

    world["alpha"].policy.details_need_approval = True
    lead = factories.lead(world["sales"])
    alpha_offer = offer_lead(lead, world["alpha"], world["sales"])
    beta_offer = offer_lead(lead, world["beta"], world["sales"], override_reason="test")
    request_details(alpha_offer, world["alpha_manager"])
    db.session.commit()
    auth.login("sales@vendor.example")
    base = f"/admin/desk/{lead.ref}/offers"
    client.post(f"{base}/{alpha_offer.id}/refuse", data={"reason": ""})
    db.session.expire_all()
    assert alpha_offer.state is OfferState.DETAILS_REQUESTED
    client.post(f"{base}/{alpha_offer.id}/grant")
    db.session.expire_all()
    assert alpha_offer.state is OfferState.DETAILS_GRANTED
    client.post(f"{base}/{beta_offer.id}/comments", data={"body": "追加情報です"})
    client.post(f"{base}/{beta_offer.id}/withdraw", data={"reason": "顧客都合"})
    db.session.expire_all()
    assert beta_offer.state is OfferState.WITHDRAWN
    # The board opens once the partner accepts: before that it could not read the post.
    assert beta_offer.comments == []
    # An offer id of another lead is not reachable through this lead's URL.
    other = factories.lead(world["sales"])
    db.session.commit()
    assert (
        client.post(
            f"/admin/desk/{other.ref}/offers/{alpha_offer.id}/withdraw", data={"reason": "x"}
        ).status_code
        == 404
    )


def test_registration_approved_and_rejected(world, client, auth):
    """Approving makes a lead accepted by the partner; rejecting needs a reason."""
    from models import DealRegistration
    from models.workflow import register_deal

    fields = dict(
        company_name="登録株式会社",
        address="東京都",
        phone="03-1",
        representative="代表",
        website="https://r.example",
        contact_name="担当",
        contact_phone="03-2",
        contact_email="c@r.example",
        need="need",
        product_interest="servers",
    )
    first = register_deal(world["beta_manager"], **fields)
    second = register_deal(world["beta_manager"], **fields)
    db.session.commit()
    auth.login("sales@vendor.example")
    page = client.get(f"/admin/registrations/details/?id={first.id}").get_data(as_text=True)
    assert "Approve" in page
    client.post(f"/admin/registrations/{first.id}/approve")
    client.post(f"/admin/registrations/{second.id}/reject", data={"reason": ""})
    db.session.expire_all()
    assert first.status.value == "approved"
    assert first.lead.offers[0].state is OfferState.ACCEPTED
    assert second.status.value == "under_review"  # the same company as the first
    client.post(f"/admin/registrations/{second.id}/reject", data={"reason": "既存顧客"})
    db.session.expire_all()
    assert db.session.get(DealRegistration, second.id).decision_reason == "既存顧客"


def test_policy_editor_changes_what_the_partner_sees(world, client, auth):
    """The admin's policy form saves each gate and writes an audit event."""
    from models import PartnerPolicy

    auth.login("admin@vendor.example")
    response = client.post(
        f"/admin/policies/edit/?id={world['alpha'].id}",
        data={
            "show_notes": "y",
            "details_need_approval": "y",
            "allowed_regions": ["chubu", "kinki"],
            "max_open_leads": "3",
            "response_sla_hours": "24",
            "update_sla_days": "7",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    policy = db.session.get(PartnerPolicy, world["alpha"].id)
    assert policy.details_need_approval and not policy.show_contact
    assert policy.allowed_regions == ["chubu", "kinki"] and policy.response_sla_hours == 24
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "policy.changed"))
    assert event.after["response_sla_hours"] == 24 and event.before["response_sla_hours"] == 48
