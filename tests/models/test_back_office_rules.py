"""Rules behind the back office: archiving, editing, personal-data views, partners, users."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, OfferState, OutboxMessage, Role, User
from models import workflow as wf
from models.accounts import normalise_email
from models.administration import InvalidField, save_partner, save_policy, save_user
from models.errors import InvalidTransition, NotAllowed
from models.lead_records import (
    archive_lead,
    archive_note,
    edit_lead,
    record_personal_data_view,
    unarchive_lead,
)
from models.leads import Channel, NoteCategory, NoteVisibility
from models.limits import OutOfRange
from models.organisations import PartnerStatus, PartnerTier
from tests import factories


def events(action: str) -> list[AuditEvent]:
    """Audit events of one action."""
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def mails(kind: str) -> list[OutboxMessage]:
    """Queued messages of one kind."""
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


@pytest.fixture
def request_context(app):
    """Set-password links are built with ``url_for``, as in a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def offered(world):
    """A qualified lead offered to alpha."""
    lead = factories.lead(world["sales"])
    return wf.offer_lead(lead, world["alpha"], world["sales"])


# --------------------------------------------------------------------------- archive


def test_archiving_withdraws_open_offers_and_tells_the_partner(world, offered):
    withdrawn = archive_lead(world["sales"], offered.lead)
    assert withdrawn == [offered]
    assert offered.state is OfferState.WITHDRAWN
    assert {m.to_email for m in mails("offer_withdrawn")} >= {"manager@alpha.example"}
    assert events("lead.archived")[0].after["withdrawn_offers"] == [offered.id]


def test_an_archived_lead_cannot_be_offered_until_unarchived(world, offered):
    lead = offered.lead
    archive_lead(world["sales"], lead)
    with pytest.raises(InvalidTransition):
        wf.offer_lead(lead, world["beta"], world["sales"], override_reason="any")
    unarchive_lead(world["sales"], lead)
    assert events("lead.unarchived")
    again = wf.offer_lead(lead, world["alpha"], world["sales"])
    assert again.state is OfferState.OFFERED


def test_archive_rules_are_for_staff_and_refuse_repeats(world, offered):
    with pytest.raises(NotAllowed):
        archive_lead(world["alpha_manager"], offered.lead)
    archive_lead(world["sales"], offered.lead)
    with pytest.raises(InvalidTransition):
        archive_lead(world["sales"], offered.lead)
    note = wf.add_note(
        offered.lead,
        world["sales"],
        text="話した内容",
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        visibility=NoteVisibility.SHAREABLE,
    )
    archive_note(world["sales"], note)
    assert note.archived and events("note.archived")
    with pytest.raises(InvalidTransition):
        archive_note(world["sales"], note)


def test_staff_post_on_the_board_only_once_the_partner_accepted(world, offered):
    with pytest.raises(InvalidTransition):
        wf.post_comment(offered, world["sales"], body="hello")
    wf.accept_offer(offered, world["alpha_manager"])
    wf.post_comment(offered, world["sales"], body="hello")
    assert mails("comment_new")


# --------------------------------------------------------------------------- edits


def test_editing_a_lead_checks_limits_and_audits_the_change(world, offered):
    lead = offered.lead
    with pytest.raises(OutOfRange) as refused:
        edit_lead(world["sales"], lead, estimated_value=-1)
    assert refused.value.field == "estimated_value"
    with pytest.raises(OutOfRange) as refused:
        edit_lead(world["sales"], lead, teaser="x" * 100_000)
    assert refused.value.field == "teaser"
    edit_lead(world["sales"], lead, teaser="新しい概要", estimated_value=6_543_210)
    event = events("lead.edited")[-1]
    assert event.after == {"teaser": "新しい概要", "estimated_value": 6_543_210}


def test_one_personal_data_event_name_for_both_doors(world, offered):
    record_personal_data_view(world["sales"], offered.lead.prospect, "admin.lead")
    record_personal_data_view(world["alpha_manager"], offered.lead.prospect, "portal.lead")
    viewed = events("prospect.personal_data_viewed")
    assert [e.after["via"] for e in viewed] == ["admin.lead", "portal.lead"]
    assert viewed[1].organisation_id == world["alpha"].id


# --------------------------------------------------------------------------- partners


def test_a_new_partner_discloses_nothing_until_an_admin_opens_it(world):
    org = save_partner(
        world["admin"],
        None,
        name="Zeta 株式会社",
        slug="zeta",
        tier=PartnerTier.SILVER,
        status=PartnerStatus.ACTIVE,
        regions=["kanto"],
        product_lines=["servers"],
    )
    policy = org.policy
    assert not (
        policy.show_contact
        or policy.show_notes
        or policy.show_installed_products
        or policy.show_value
    )
    assert policy.details_need_approval
    assert policy.allowed_regions == ["kanto"]
    assert policy.allowed_product_lines == ["servers"]
    with pytest.raises(NotAllowed):
        save_partner(world["sales"], None, name="X", slug="xx")
    with pytest.raises(InvalidField) as refused:
        save_partner(world["admin"], None, name="Other", slug="ZETA")
    assert refused.value.field == "slug"


def test_policy_numbers_are_refused_with_the_field_named(world):
    policy = world["alpha"].policy
    with pytest.raises(InvalidField) as refused:
        save_policy(world["admin"], policy, max_open_leads=-3)
    assert refused.value.field == "max_open_leads"
    save_policy(world["admin"], policy, show_contact=False, max_open_leads=4)
    event = events("policy.changed")[-1]
    assert event.after == {"show_contact": False, "max_open_leads": 4}


def test_suspending_through_save_partner_withdraws_offers(world, offered):
    save_partner(world["admin"], world["alpha"], status=PartnerStatus.SUSPENDED)
    assert world["alpha"].status is PartnerStatus.SUSPENDED
    assert offered.state is OfferState.WITHDRAWN


# --------------------------------------------------------------------------- users


def test_email_addresses_are_normalised_and_unique_whatever_the_case(world, request_context):
    assert normalise_email(" Ｍanager@Zeta.Example ") == "manager@zeta.example"
    user = save_user(
        world["admin"],
        None,
        name="Zeta",
        email="Manager@Alpha2.example",
        role=Role.PARTNER_MANAGER,
        organisation=world["alpha"],
    )
    assert user.email == "manager@alpha2.example"
    with pytest.raises(InvalidField) as refused:
        save_user(
            world["admin"],
            None,
            name="Twin",
            email="MANAGER@alpha2.EXAMPLE",
            role=Role.PARTNER_REP,
            organisation=world["alpha"],
        )
    assert refused.value.field == "email"
    with pytest.raises(InvalidField):
        save_user(world["admin"], user, email="not-an-email")


def test_the_database_refuses_an_address_that_is_not_lower_case(world):
    db.session.add(
        User(
            email="Upper@Vendor.example",
            name="x",
            role=Role.SALES,
            organisation_id=world["sales"].organisation_id,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_user_created_without_a_password_is_invited(world, request_context):
    user = save_user(
        world["admin"],
        None,
        name="新人",
        email="new@vendor.example",
        role=Role.SALES,
        organisation=world["sales"].organisation,
    )
    invitation = mails("invitation")
    assert [m.to_email for m in invitation] == [user.email]
    assert invitation[0].payload  # the link itself is built when the message is rendered


def test_the_last_active_admin_stays_and_nobody_demotes_themself(world):
    admin = world["admin"]
    with pytest.raises(InvalidTransition):
        save_user(admin, admin, role=Role.SALES)
    with pytest.raises(InvalidTransition):
        save_user(admin, admin, active=False)
    second = factories.staff(Role.ADMIN, "second@vendor.example")
    # Another admin may demote the first while a second active one remains...
    save_user(second, admin, role=Role.SALES)
    assert admin.role is Role.SALES
    # ...but the last active one cannot be deactivated, even by someone else (here an
    # administrator deactivated in the meantime, whose request was already under way).
    other = factories.staff(Role.ADMIN, "third@vendor.example")
    save_user(second, other, active=False)
    with pytest.raises(InvalidTransition):
        save_user(other, second, active=False)


def test_a_role_change_ends_the_users_sessions(world):
    rep = world["alpha_rep"]
    before = rep.session_token
    save_user(world["admin"], rep, role=Role.PARTNER_MANAGER)
    assert rep.session_token != before
    with pytest.raises(InvalidField) as refused:
        save_user(world["admin"], rep, role=Role.SALES)
    assert refused.value.field == "role"
