"""The three visibility gates: tenant, disclosure level, policy and consent."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadshare.extensions import db
from models import (
    Channel,
    ConversationNote,
    DeclineReason,
    InstalledProduct,
    Lead,
    NoteCategory,
    NoteVisibility,
    Offer,
    OfferState,
    Role,
    utcnow,
)
from models import workflow as wf
from models.gates import (
    DisclosureLevel,
    current_offer_query,
    disclosure_for,
    lead_view,
    reachable_leads,
)
from models.offers import HOLDING_STATES
from tests import factories as f

PARTNER_FIELDS_BY_LEVEL = {
    "company_name": DisclosureLevel.DETAILS,
    "company_address": DisclosureLevel.DETAILS,
    "contact_name": DisclosureLevel.FULL,
    "contact_email": DisclosureLevel.FULL,
    "stage": DisclosureLevel.FULL,
}


def offer_in_state(world, state: OfferState, *, partner="alpha", consent=True) -> Offer:
    """A lead with shareable and internal notes and an installed product, in ``state``."""
    lead = f.lead(world["sales"], consent=consent)
    db.session.add_all(
        [
            ConversationNote(
                lead=lead,
                author=world["sales"],
                channel=Channel.PHONE,
                category=NoteCategory.PRODUCT_INQUIRY,
                visibility=NoteVisibility.SHAREABLE,
                text="shareable: 「来期に更改したい」",
            ),
            ConversationNote(
                lead=lead,
                author=world["sales"],
                channel=Channel.PHONE,
                category=NoteCategory.OTHER,
                visibility=NoteVisibility.INTERNAL,
                text="internal: 値引き余地あり",
            ),
            InstalledProduct(prospect=lead.prospect, product_name="LS Server 5100"),
        ]
    )
    org = world[partner]
    offer = wf.offer_lead(lead, org, world["sales"], override_reason="test")
    manager = world[f"{partner}_manager"]
    if state in (OfferState.DETAILS_REQUESTED, OfferState.DETAILS_GRANTED):
        org.policy.details_need_approval = state is OfferState.DETAILS_REQUESTED
        wf.request_details(offer, manager)
    elif state is OfferState.ACCEPTED:
        wf.accept_offer(offer, manager, rep=world[f"{partner}_rep"])
    elif state is OfferState.DECLINED:
        wf.decline_offer(offer, manager, reason=DeclineReason.NO_CAPACITY)
    elif state is OfferState.EXPIRED:
        wf.expire_offer(offer, now=offer.respond_by)
    elif state is OfferState.WITHDRAWN:
        wf.withdraw_offer(offer, world["sales"], reason="test")
    db.session.flush()
    return offer


EXPECTED_LEVEL = {
    OfferState.OFFERED: DisclosureLevel.TEASER,
    OfferState.DETAILS_REQUESTED: DisclosureLevel.TEASER,
    OfferState.DETAILS_GRANTED: DisclosureLevel.DETAILS,
    OfferState.ACCEPTED: DisclosureLevel.FULL,
    OfferState.DECLINED: DisclosureLevel.TEASER,
    OfferState.EXPIRED: DisclosureLevel.TEASER,
    OfferState.WITHDRAWN: DisclosureLevel.TEASER,
}


def _policy_settings():
    keys = ("show_notes", "show_installed_products", "show_contact", "show_value")
    for values in itertools.product([False, True], repeat=4):
        yield dict(zip(keys, values, strict=True))


@pytest.mark.parametrize("state", list(OfferState))
def test_matrix_of_states_and_policies_for_the_manager(world, state):
    offer = offer_in_state(world, state)
    manager = world["alpha_manager"]
    for policy in _policy_settings():
        for key, value in policy.items():
            setattr(offer.organisation.policy, key, value)
        view = lead_view(manager, offer)
        level = EXPECTED_LEVEL[state]
        assert view.disclosure.level is level
        assert view.teaser == offer.lead.teaser  # the teaser line is always there
        details = level >= DisclosureLevel.DETAILS
        full = level is DisclosureLevel.FULL
        assert (view.company_name is not None) is details
        texts = [note.text for note in view.notes]
        assert bool(texts) is (details and policy["show_notes"])
        assert not any(text.startswith("internal") for text in texts)
        assert bool(view.installed_products) is (details and policy["show_installed_products"])
        assert (view.estimated_value is not None) is (details and policy["show_value"])
        assert (view.contact_email is not None) is (full and policy["show_contact"])
        assert view.disclosure.board is full
        assert (view.stage is not None) is full
        # Codes travel as enum members; templates render them by their label.
        assert view.timing is offer.lead.timing
        assert view.stage is (offer.lead.stage if full else None)


def test_contact_is_withheld_without_consent(world):
    offer = offer_in_state(world, OfferState.ACCEPTED, consent=False)
    view = lead_view(world["alpha_manager"], offer)
    assert view.contact_name is None and view.contact_phone is None
    assert view.disclosure.contact_withheld_for_consent is True
    assert view.company_name is not None


def test_staff_see_everything_including_internal_notes(world):
    offer = offer_in_state(world, OfferState.OFFERED)
    view = lead_view(world["sales"], offer)
    assert view.contact_email and view.company_name
    assert any(note.text.startswith("internal") for note in view.notes)


def test_disclosure_refuses_an_offer_of_another_partner(world):
    offer = offer_in_state(world, OfferState.ACCEPTED)
    with pytest.raises(PermissionError):
        disclosure_for(world["beta_manager"], offer)


@pytest.mark.parametrize("state", list(OfferState))
def test_tenant_gate_by_role(world, state):
    offer = offer_in_state(world, state)
    ref = offer.lead.ref

    def reach(user):
        return db.session.scalar(current_offer_query(user, ref))

    assert reach(world["alpha_manager"]) == offer
    assert reach(world["beta_manager"]) is None
    assert reach(world["beta_rep"]) is None
    # A rep reaches only accepted offers assigned to them.
    assert (reach(world["alpha_rep"]) == offer) is (state is OfferState.ACCEPTED)
    other_rep = f.user(world["alpha"], Role.PARTNER_REP)
    assert reach(other_rep) is None
    for staff in (world["sales"], world["admin"]):
        assert reach(staff) == offer


def test_reachable_leads_follow_the_offers(world):
    mine = offer_in_state(world, OfferState.OFFERED)
    theirs = offer_in_state(world, OfferState.OFFERED, partner="beta")
    alpha_leads = set(db.session.scalars(reachable_leads(world["alpha_manager"])))
    assert mine.lead in alpha_leads and theirs.lead not in alpha_leads
    assert set(db.session.scalars(reachable_leads(world["admin"]))) >= {mine.lead, theirs.lead}


def test_an_archived_lead_is_out_of_reach(world):
    offer = offer_in_state(world, OfferState.OFFERED)
    offer.lead.archived = True
    assert db.session.scalar(current_offer_query(world["alpha_manager"], offer.lead.ref)) is None


# --------------------------------------------------------------------------- property-based

_policy = st.fixed_dictionaries(
    {
        "show_notes": st.booleans(),
        "show_installed_products": st.booleans(),
        "show_contact": st.booleans(),
        "show_value": st.booleans(),
    }
)
_offer_plan = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # which lead
        st.integers(min_value=0, max_value=2),  # which partner
        st.sampled_from(list(OfferState)),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(policies=st.lists(_policy, min_size=3, max_size=3), plan=_offer_plan, consent=st.booleans())
def test_no_partner_user_ever_reaches_beyond_its_gates(app, policies, plan, consent):
    """Random partners, policies and offers: nobody reaches a lead offered only to others,
    and no field appears beyond the offer's level, the policy and the consent."""
    # Every example builds its own partners and users, so examples cannot see each other.
    sales = f.staff()
    partners = [f.partner(**policy) for policy in policies]
    users = {
        org.id: (f.user(org, Role.PARTNER_MANAGER), f.user(org, Role.PARTNER_REP))
        for org in partners
    }
    leads = [f.lead(sales, consent=consent) for _ in range(4)]
    now = utcnow()
    offered_to: dict[int, set[int]] = {}
    accepted_leads: set[int] = set()
    live: set[tuple[int, int]] = set()
    for lead_no, partner_no, state in plan:
        lead, org = leads[lead_no], partners[partner_no]
        if state is OfferState.ACCEPTED and lead.id in accepted_leads:
            state = OfferState.DECLINED
        if state in HOLDING_STATES:
            if (lead.id, org.id) in live:
                continue  # the database allows one live offer per lead and partner
            live.add((lead.id, org.id))
        manager, rep = users[org.id]
        offer = Offer(
            lead=lead,
            organisation=org,
            state=state,
            offered_by=sales,
            offered_at=now,
            respond_by=now,
            accepted_at=now if state is OfferState.ACCEPTED else None,
            assigned_rep=rep if state is OfferState.ACCEPTED else None,
            decline_reason=DeclineReason.OTHER if state is OfferState.DECLINED else None,
        )
        db.session.add(offer)
        db.session.flush()
        if state is OfferState.ACCEPTED:
            accepted_leads.add(lead.id)
        offered_to.setdefault(lead.id, set()).add(org.id)

    for org in partners:
        for user in users[org.id]:
            reachable = set(db.session.scalars(reachable_leads(user)))
            for lead in reachable:
                assert org.id in offered_to.get(lead.id, set())
            for lead in leads:
                offer = db.session.scalar(current_offer_query(user, lead.ref))
                if org.id not in offered_to.get(lead.id, set()):
                    assert offer is None
                    continue
                if offer is None:
                    assert user.role is Role.PARTNER_REP
                    continue
                assert offer.organisation_id == org.id
                view = lead_view(user, offer)
                level = view.disclosure.level
                policy = org.policy
                if level < DisclosureLevel.DETAILS:
                    assert view.company_name is None and not view.notes
                    assert view.estimated_value is None and not view.installed_products
                if not policy.show_notes:
                    assert not view.notes
                if not policy.show_value:
                    assert view.estimated_value is None
                if not policy.show_installed_products:
                    assert not view.installed_products
                if level is not DisclosureLevel.FULL or not policy.show_contact or not consent:
                    assert view.contact_name is None and view.contact_email is None
                if user.role is Role.PARTNER_REP:
                    assert offer.assigned_rep_id == user.id
                assert all(n.visibility is NoteVisibility.SHAREABLE for n in view.notes)


def test_lead_ids_are_not_sequential_in_urls(world):
    refs = [f.lead(world["sales"]).ref for _ in range(3)]
    assert all(len(ref) >= 16 and not ref.isdigit() for ref in refs)
    assert len(set(refs)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 3


def test_a_closed_lead_shows_its_outcome_as_enum_members(world):
    """The outcome carries the stage and the lost reason as members, for the label machinery."""
    from models import LostReason, Stage

    offer = offer_in_state(world, OfferState.ACCEPTED)
    wf.close_lost(offer, world["alpha_manager"], reason=LostReason.COMPETITOR)
    view = lead_view(world["alpha_manager"], offer)
    assert view.stage is Stage.LOST
    assert view.outcome["stage"] is Stage.LOST
    assert view.outcome["lost_reason"] is LostReason.COMPETITOR
