"""The staff review of deal registrations: conflicts side by side and every decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    AuditEvent,
    DealRegistration,
    ExtensionState,
    Locale,
    OfferState,
    RegistrationStatus,
    utcnow,
)
from models import workflow as wf
from tests import factories as f
from tests.models.test_registrations import DEAL


def reload(registration: DealRegistration) -> DealRegistration:
    """The registration as committed."""
    db.session.expire_all()
    return db.session.get(DealRegistration, registration.id)


@pytest.fixture
def clash(world):
    """Alpha registers a company beta already works as an accepted lead."""
    prospect = f.prospect(company_name="武蔵野ホームセンター株式会社", region="kanto")
    lead = f.lead(world["sales"], prospect=prospect, region="kanto")
    offer = wf.offer_lead(lead, world["beta"], world["sales"], override_reason="テスト")
    wf.accept_offer(offer, world["beta_manager"])
    registration = wf.register_deal(
        world["alpha_rep"], **DEAL | {"company_name": "㈱武蔵野ﾎｰﾑｾﾝﾀｰ"}
    )
    db.session.commit()
    return registration, lead


def details(client, registration) -> str:
    """The details page's HTML."""
    response = client.get(f"/admin/registrations/details/?id={registration.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_staff_see_every_conflict_side_by_side(as_user, clash):
    registration, lead = clash
    html = details(as_user("sales@vendor.example"), registration)
    assert "1 possible conflict" in html
    assert "Open lead" in html and "same company name" in html
    assert "㈱武蔵野ﾎｰﾑｾﾝﾀｰ" in html and "武蔵野ホームセンター株式会社" in html
    assert "Beta 株式会社" in html
    assert lead.ref in html
    assert "Under review" in html  # a label, not the code
    assert "under_review" not in html.replace('id="registration-status"', "")


def test_the_list_shows_labels_and_conflict_counts(as_user, clash):
    html = as_user("sales@vendor.example").get("/admin/registrations/").get_data(as_text=True)
    assert "Under review" in html
    assert "Servers" in html or "サーバー" in html


def test_dates_are_shown_in_the_users_zone(as_user, world):
    at = utcnow().replace(hour=23, minute=30, second=0, microsecond=0)
    registration = wf.register_deal(world["alpha_rep"], **DEAL, now=at)
    world["sales"].locale = Locale.EN
    world["sales"].timezone = "Asia/Tokyo"
    db.session.commit()
    html = details(as_user("sales@vendor.example"), registration)
    assert "8:30" in html  # 23:30 UTC is 08:30 in Tokyo
    assert "23:30" not in html


def test_staff_approve_and_are_taken_to_the_lead(as_user, world):
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    client = as_user("sales@vendor.example")
    response = client.post(f"/admin/registrations/{registration.id}/approve")
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.status is RegistrationStatus.APPROVED
    assert f"/admin/desk/{registration.lead.ref}" in response.headers["Location"]


def test_reject_needs_a_reason(as_user, world):
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    client = as_user("sales@vendor.example")
    assert client.post(f"/admin/registrations/{registration.id}/reject").status_code == 422
    assert reload(registration).status is RegistrationStatus.SUBMITTED
    client.post(f"/admin/registrations/{registration.id}/reject", data={"reason": "重複"})
    assert reload(registration).status is RegistrationStatus.REJECTED


def test_attach_to_the_conflicting_lead(as_user, clash):
    registration, lead = clash
    client = as_user("sales@vendor.example")
    response = client.post(
        f"/admin/registrations/{registration.id}/attach",
        data={"lead_ref": lead.ref, "note": "既存案件に統合しました"},
    )
    assert response.status_code == 302
    registration = reload(registration)
    assert registration.status is RegistrationStatus.ATTACHED
    assert registration.lead_id == lead.id


def test_attach_refuses_a_lead_that_is_not_among_the_conflicts(as_user, world, clash):
    registration, _ = clash
    other = f.lead(world["sales"])
    db.session.commit()
    client = as_user("sales@vendor.example")
    response = client.post(
        f"/admin/registrations/{registration.id}/attach", data={"lead_ref": other.ref}
    )
    assert response.status_code == 422
    assert reload(registration).status is RegistrationStatus.UNDER_REVIEW


def test_a_suspended_partner_is_not_approved(as_user, world):
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    world["alpha"].status = world["alpha"].status.__class__("suspended")
    db.session.commit()
    client = as_user("admin@vendor.example")
    response = client.post(f"/admin/registrations/{registration.id}/approve")
    assert response.status_code == 422
    assert "Only an active partner" in response.get_data(as_text=True)
    assert reload(registration).status is RegistrationStatus.SUBMITTED


def test_an_administrator_overrides_capacity_with_a_reason(as_user, world):
    world["alpha"].policy.max_open_leads = 0
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    client = as_user("admin@vendor.example")
    html = details(client, registration)
    assert "The partner is at capacity." in html
    refused = client.post(f"/admin/registrations/{registration.id}/approve")
    assert refused.status_code == 422
    client.post(
        f"/admin/registrations/{registration.id}/approve",
        data={"override_reason": "戦略顧客のため"},
    )
    registration = reload(registration)
    assert registration.status is RegistrationStatus.APPROVED
    assert registration.override_reason == "戦略顧客のため"
    assert (
        db.session.scalar(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "registration.approved")
        )
        == world["admin"].id
    )


def test_staff_grant_an_extension(as_user, world):
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    wf.approve_registration(registration, world["sales"])
    wf.request_extension(registration, world["alpha_rep"], reason="決裁待ち")
    end = registration.protected_until
    db.session.commit()
    client = as_user("sales@vendor.example")
    assert "決裁待ち" in details(client, registration)
    client.post(
        f"/admin/registrations/{registration.id}/extension",
        data={"decision": "grant", "days": "20"},
    )
    registration = reload(registration)
    assert registration.extension is ExtensionState.GRANTED
    assert registration.protected_until == end + timedelta(days=20)
    assert registration.lead.offers[0].state is OfferState.ACCEPTED


@pytest.mark.parametrize("email", ["manager@alpha.example", "rep@beta.example", None])
def test_partners_and_anonymous_users_cannot_decide(as_user, world, email):
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    client = as_user(email)
    response = client.post(f"/admin/registrations/{registration.id}/approve")
    assert response.status_code in (302, 403)
    assert reload(registration).status is RegistrationStatus.SUBMITTED


def test_an_unknown_registration_is_refused(as_user, world):
    client = as_user("sales@vendor.example")
    assert client.get("/admin/registrations/details/?id=9999").status_code == 302
    assert client.post("/admin/registrations/9999/approve").status_code == 404
