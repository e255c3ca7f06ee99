"""Suspending a partner from the back office goes through ``workflow.suspend_partner``."""

from __future__ import annotations

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, EndCause, OfferState, OutboxMessage, PartnerStatus
from models import workflow as wf
from tests import factories
from tests.conftest import Auth


def partner_form(org, **changes) -> dict:
    """The partner edit form as the page would post it."""
    data = {
        "name": org.name,
        "slug": org.slug,
        "tier": org.tier.value,
        "status": org.status.value,
        "regions": list(org.regions),
        "product_lines": list(org.product_lines),
    }
    data.update(changes)
    return data


def kinds(kind: str) -> list[str]:
    """Recipients of the queued messages of one kind."""
    return sorted(
        db.session.scalars(sa.select(OutboxMessage.to_email).where(OutboxMessage.kind == kind))
    )


def test_suspending_in_the_partner_form_withdraws_open_offers(world, client, auth):
    alpha = world["alpha"]
    offer = wf.offer_lead(factories.lead(world["sales"]), alpha, world["sales"])
    db.session.commit()
    partner_client = client.application.test_client()
    Auth(partner_client).login("manager@alpha.example")
    assert partner_client.get(f"/leads/{offer.lead.ref}").status_code == 200

    auth.login("admin@vendor.example")
    response = client.post(
        f"/admin/partners/edit/?id={alpha.id}", data=partner_form(alpha, status="suspended")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.status is PartnerStatus.SUSPENDED
    assert offer.state is OfferState.WITHDRAWN and offer.end_cause is EndCause.PARTNER_SUSPENDED
    assert kinds("offer_withdrawn") == ["manager@alpha.example"]
    assert kinds("partner_suspended") == ["sales@vendor.example"]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"partner.suspended", "partner.edited", "offer.withdrawn"} <= actions
    # The partner's session is over, and logging in again is refused.
    assert partner_client.get("/leads").status_code == 302
    assert Auth(partner_client).login("manager@alpha.example").status_code != 302
    # The lead page shows the withdrawal and its cause in the reader's language.
    page = client.get(f"/admin/desk/{offer.lead.ref}").get_data(as_text=True)
    assert "Withdrawn" in page and "Partner suspended" in page
    assert "partner_suspended" not in page
    client.post("/language", data={"locale": "ja", "next": "/admin/"})
    page = client.get(f"/admin/desk/{offer.lead.ref}").get_data(as_text=True)
    assert "パートナー停止" in page
    details = client.get(f"/admin/offers/details/?id={offer.id}").get_data(as_text=True)
    assert "パートナー停止" in details


def test_saving_a_suspended_partner_again_changes_nothing(world, client, auth):
    alpha = world["alpha"]
    wf.suspend_partner(alpha, world["admin"])
    db.session.commit()
    token = world["alpha_manager"].session_token
    auth.login("admin@vendor.example")
    response = client.post(
        f"/admin/partners/edit/?id={alpha.id}",
        data=partner_form(alpha, name="Alpha renamed", status="suspended"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.name == "Alpha renamed"
    assert world["alpha_manager"].session_token == token
    suspensions = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "partner.suspended"
    )
    assert db.session.scalar(suspensions) == 1


def test_suspend_action_from_the_partner_list(world, client, auth):
    alpha, beta = world["alpha"], world["beta"]
    offer = wf.offer_lead(factories.lead(world["sales"]), alpha, world["sales"])
    db.session.commit()
    auth.login("admin@vendor.example")
    response = client.post(
        "/admin/partners/action/", data={"action": "suspend", "rowid": [str(alpha.id)]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.status is PartnerStatus.SUSPENDED
    assert beta.status is PartnerStatus.ACTIVE
    assert offer.state is OfferState.WITHDRAWN


def test_sales_cannot_suspend(world, client, auth):
    alpha = world["alpha"]
    offer = wf.offer_lead(factories.lead(world["sales"]), alpha, world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    assert (
        client.post(
            "/admin/partners/action/", data={"action": "suspend", "rowid": [str(alpha.id)]}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/admin/partners/edit/?id={alpha.id}", data=partner_form(alpha, status="suspended")
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert alpha.status is PartnerStatus.ACTIVE and offer.state is OfferState.OFFERED
