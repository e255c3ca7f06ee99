"""Suspending a partner: the rule withdraws its open offers and ends its users' sessions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, EndCause, OfferState, OutboxMessage, PartnerStatus, Role
from models import workflow as wf
from models.errors import InvalidTransition, NotAllowed
from tests import factories as f


def messages(kind: str) -> list[tuple[str, str]]:
    """(recipient, lead ref) of the queued messages of one kind."""
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))
    return sorted((m.to_email, m.payload["lead_ref"]) for m in rows)


@pytest.fixture
def alpha_offers(world):
    """alpha holds an offered, a details-granted and an accepted offer; beta one offer."""
    other_owner = f.staff(Role.SALES, "sales2@vendor.example")
    offered = wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    granted = wf.offer_lead(f.lead(other_owner), world["alpha"], other_owner)
    wf.request_details(granted, world["alpha_manager"])
    accepted = wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    wf.accept_offer(accepted, world["alpha_manager"], rep=world["alpha_rep"])
    beta_lead = f.lead(world["sales"], region="kanto")
    beta_offer = wf.offer_lead(beta_lead, world["beta"], world["sales"])
    db.session.flush()
    return {
        "offered": offered,
        "granted": granted,
        "accepted": accepted,
        "beta": beta_offer,
        "other_owner": other_owner,
    }


def test_suspension_withdraws_open_offers_and_tells_managers_and_owners(world, alpha_offers):
    offered, granted = alpha_offers["offered"], alpha_offers["granted"]
    tokens = {u.id: u.session_token for u in world["alpha"].users}
    beta_token = world["beta_manager"].session_token

    withdrawn = wf.suspend_partner(world["alpha"], world["admin"])

    assert world["alpha"].status is PartnerStatus.SUSPENDED
    assert not world["alpha"].receives_offers
    assert [o.id for o in withdrawn] == [offered.id, granted.id]
    for offer in (offered, granted):
        assert offer.state is OfferState.WITHDRAWN
        assert offer.end_cause is EndCause.PARTNER_SUSPENDED and offer.withdraw_reason is None
    # Accepted work and other partners' offers are untouched.
    assert alpha_offers["accepted"].state is OfferState.ACCEPTED
    assert alpha_offers["beta"].state is OfferState.OFFERED
    # Every alpha user must log in again (and cannot while suspended); beta keeps its session.
    assert all(u.session_token != tokens[u.id] for u in world["alpha"].users)
    assert world["beta_manager"].session_token == beta_token
    # The partner's manager hears of each withdrawal, each lead's owner of the suspension.
    assert messages("offer_withdrawn") == sorted(
        [("manager@alpha.example", offered.lead.ref), ("manager@alpha.example", granted.lead.ref)]
    )
    assert messages("partner_suspended") == sorted(
        [("sales@vendor.example", offered.lead.ref), ("sales2@vendor.example", granted.lead.ref)]
    )
    # Audited: the suspension itself and each withdrawal, by the administrator.
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "partner.suspended"))
    assert event.actor_id == world["admin"].id
    assert event.before == {"status": "active"}
    assert event.after["withdrawn_offers"] == [offered.id, granted.id]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "offer.withdrawn")
        )
        == 2
    )


def test_the_withdrawn_lead_can_be_offered_to_another_partner(world, alpha_offers):
    lead = alpha_offers["offered"].lead
    wf.suspend_partner(world["alpha"], world["admin"])
    world["beta"].policy.allowed_regions = []
    offer = wf.offer_lead(lead, world["beta"], world["sales"], override_reason="region")
    assert offer.state is OfferState.OFFERED


def test_only_an_administrator_suspends_and_only_once(world, alpha_offers):
    with pytest.raises(NotAllowed):
        wf.suspend_partner(world["alpha"], world["sales"])
    with pytest.raises(NotAllowed):
        wf.suspend_partner(world["alpha"], world["alpha_manager"])
    assert world["alpha"].status is PartnerStatus.ACTIVE
    assert alpha_offers["offered"].state is OfferState.OFFERED
    wf.suspend_partner(world["alpha"], world["admin"])
    with pytest.raises(InvalidTransition):
        wf.suspend_partner(world["alpha"], world["admin"])


def test_the_vendor_cannot_be_suspended(world):
    with pytest.raises(InvalidTransition):
        wf.suspend_partner(world["admin"].organisation, world["admin"])
