"""The workflow rules, exercised without any UI."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError

from leadshare.extensions import db
from models import (
    AuditEvent,
    Channel,
    DeclineReason,
    EndCause,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Offer,
    OfferState,
    OutboxMessage,
    PartnerStatus,
    Role,
    Stage,
    utcnow,
)
from models import workflow as wf
from models.errors import (
    InvalidTransition,
    MissingData,
    NoLongerAvailable,
    NotAllowed,
    PolicyViolation,
    StaleRecord,
)
from tests import factories as f


def actions() -> list[str]:
    """Every audit action recorded so far, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def outbox(kind: str) -> list[OutboxMessage]:
    """Queued messages of one kind."""
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


@pytest.fixture
def offered(world):
    """A qualified lead offered to alpha."""
    lead = f.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"], comment="ご検討ください")
    return offer


# --------------------------------------------------------------------------- qualify


def test_qualify_needs_every_box(world):
    lead = f.lead(world["sales"], qualified=False)
    wf.qualify_lead(lead, world["sales"], budget=True, authority=True, need=True, timing=False)
    assert lead.stage is Stage.NEW
    wf.qualify_lead(lead, world["sales"], budget=True, authority=True, need=True, timing=True)
    assert lead.stage is Stage.QUALIFIED and lead.qualified_at is not None
    assert actions().count("lead.qualified") == 2


def test_partners_cannot_qualify(world):
    lead = f.lead(world["sales"], qualified=False)
    with pytest.raises(NotAllowed):
        wf.qualify_lead(
            lead, world["alpha_manager"], budget=True, authority=True, need=True, timing=True
        )


def test_qualify_refuses_a_stale_form(world):
    lead = f.lead(world["sales"], qualified=False)
    with pytest.raises(StaleRecord):
        wf.qualify_lead(
            lead,
            world["sales"],
            budget=True,
            authority=True,
            need=True,
            timing=True,
            expected_version=lead.version + 1,
        )
    assert lead.stage is Stage.NEW


# --------------------------------------------------------------------------- offer


def test_offer_sets_deadline_audits_and_mails_the_managers(world, offered):
    policy_hours = world["alpha"].policy.response_sla_hours
    assert offered.state is OfferState.OFFERED
    assert offered.respond_by - offered.offered_at == timedelta(hours=policy_hours)
    assert "offer.made" in actions()
    mails = outbox("offer_new")
    assert [m.to_email for m in mails] == ["manager@alpha.example"]
    assert mails[0].payload["lead_ref"] == offered.lead.ref
    assert "company_name" not in mails[0].payload


def test_offer_refused_for_an_unqualified_lead(world):
    lead = f.lead(world["sales"], qualified=False)
    with pytest.raises(InvalidTransition):
        wf.offer_lead(lead, world["alpha"], world["sales"])


@pytest.mark.parametrize("status", [PartnerStatus.ONBOARDING, PartnerStatus.SUSPENDED])
def test_offer_refused_for_an_inactive_partner(world, status):
    world["alpha"].status = status
    with pytest.raises(InvalidTransition):
        wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])


def test_offer_refused_outside_the_policy_regions(world):
    world["alpha"].policy.allowed_regions = ["kinki"]
    with pytest.raises(PolicyViolation, match="地域"):
        wf.offer_lead(f.lead(world["sales"], region="chubu"), world["alpha"], world["sales"])


def test_offer_refused_outside_the_policy_product_lines(world):
    world["alpha"].policy.allowed_product_lines = ["storage"]
    with pytest.raises(PolicyViolation, match="製品分野"):
        wf.offer_lead(f.lead(world["sales"], product="servers"), world["alpha"], world["sales"])


def test_offer_refused_at_capacity(world):
    world["alpha"].policy.max_open_leads = 1
    wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    with pytest.raises(PolicyViolation, match="上限"):
        wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])


def test_override_with_a_reason_is_allowed_and_audited(world):
    world["alpha"].policy.allowed_regions = ["kinki"]
    offer = wf.offer_lead(
        f.lead(world["sales"]), world["alpha"], world["sales"], override_reason="顧客の指名"
    )
    assert offer.override_reason == "顧客の指名"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "offer.overridden"))
    assert event.after["override_reason"] == "顧客の指名"
    assert event.after["policy_problems"]


def test_a_partner_gets_one_open_offer_per_lead(world, offered):
    with pytest.raises(InvalidTransition):
        wf.offer_lead(offered.lead, world["alpha"], world["sales"])


def test_partners_cannot_offer(world):
    with pytest.raises(NotAllowed):
        wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["alpha_manager"])


# --------------------------------------------------------------------------- details


def test_details_granted_at_once_without_approval(world, offered):
    wf.request_details(offered, world["alpha_manager"])
    assert offered.state is OfferState.DETAILS_GRANTED
    assert offered.details_granted_by_id is None
    assert outbox("details_granted")


def test_details_wait_for_staff_when_the_policy_says_so(world, offered):
    world["alpha"].policy.details_need_approval = True
    wf.request_details(offered, world["alpha_manager"])
    assert offered.state is OfferState.DETAILS_REQUESTED
    assert [m.to_email for m in outbox("details_requested")] == ["sales@vendor.example"]
    wf.grant_details(offered, world["sales"])
    assert offered.state is OfferState.DETAILS_GRANTED
    assert offered.details_granted_by_id == world["sales"].id


def test_staff_can_refuse_details_with_a_reason(world, offered):
    world["alpha"].policy.details_need_approval = True
    wf.request_details(offered, world["alpha_manager"])
    with pytest.raises(MissingData):
        wf.refuse_details(offered, world["sales"], reason=" ")
    wf.refuse_details(offered, world["sales"], reason="情報開示の範囲外")
    assert offered.state is OfferState.OFFERED


def test_reps_and_other_partners_cannot_request_details(world, offered):
    for actor in (world["alpha_rep"], world["beta_manager"]):
        with pytest.raises(NotAllowed):
            wf.request_details(offered, actor)


# --------------------------------------------------------------------------- accept / decline


def test_accept_withdraws_the_other_open_offers(world, offered):
    lead = offered.lead
    world["beta"].regions = ["chubu"]
    other = wf.offer_lead(lead, world["beta"], world["sales"])
    wf.accept_offer(offered, world["alpha_manager"], rep=world["alpha_rep"], comment="担当します")
    assert offered.state is OfferState.ACCEPTED
    assert offered.assigned_rep == world["alpha_rep"]
    assert lead.stage is Stage.APPOINTMENT
    assert other.state is OfferState.WITHDRAWN
    assert other.end_cause is EndCause.ACCEPTED_BY_ANOTHER_PARTNER and not other.withdraw_reason
    assert outbox("offer_withdrawn")[0].to_email == "manager@beta.example"
    assert outbox("offer_accepted")[0].to_email == "sales@vendor.example"
    assert outbox("lead_assigned")[0].to_email == "rep@alpha.example"
    assert [c.body for c in offered.comments] == ["担当します"]


def test_second_accept_is_refused_as_no_longer_available(world, offered):
    lead = offered.lead
    other = wf.offer_lead(lead, world["beta"], world["sales"], override_reason="test")
    wf.accept_offer(offered, world["alpha_manager"])
    with pytest.raises(NoLongerAvailable):
        wf.accept_offer(other, world["beta_manager"])


def test_the_database_allows_only_one_accepted_offer_per_lead(world, offered):
    other = wf.offer_lead(offered.lead, world["beta"], world["sales"], override_reason="test")
    db.session.commit()
    now = utcnow()

    def force_accept(offer):
        db.session.execute(
            sa.update(Offer)
            .where(Offer.id == offer.id)
            .values(state=OfferState.ACCEPTED, accepted_at=now)
            .execution_options(synchronize_session=False)
        )

    force_accept(offered)
    with pytest.raises(IntegrityError):
        force_accept(other)
    db.session.rollback()


def test_accepting_an_expired_offer_is_refused(world, offered):
    later = offered.respond_by + timedelta(minutes=1)
    with pytest.raises(InvalidTransition, match="回答期限"):
        wf.accept_offer(offered, world["alpha_manager"], now=later)
    assert offered.state is OfferState.OFFERED


def test_accepting_a_withdrawn_offer_is_refused(world, offered):
    wf.withdraw_offer(offered, world["sales"], reason="顧客都合")
    with pytest.raises(InvalidTransition):
        wf.accept_offer(offered, world["alpha_manager"])


def test_accept_refuses_a_stale_form(world, offered):
    with pytest.raises(StaleRecord):
        wf.accept_offer(offered, world["alpha_manager"], expected_version=offered.version - 1)


def test_accept_refuses_a_rep_of_another_partner(world, offered):
    with pytest.raises(NotAllowed):
        wf.accept_offer(offered, world["alpha_manager"], rep=world["beta_rep"])


def test_decline_needs_a_reason(world, offered):
    with pytest.raises(MissingData):
        wf.decline_offer(offered, world["alpha_manager"], reason=None)
    with pytest.raises(MissingData):
        wf.decline_offer(offered, world["alpha_manager"], reason=DeclineReason.OTHER, note=" ")
    wf.decline_offer(offered, world["alpha_manager"], reason=DeclineReason.NO_CAPACITY)
    assert offered.state is OfferState.DECLINED
    assert outbox("offer_declined")[0].payload["reason"] == "no_capacity"


def test_expire_only_after_the_deadline(world, offered):
    with pytest.raises(InvalidTransition):
        wf.expire_offer(offered)
    wf.expire_offer(offered, now=offered.respond_by + timedelta(seconds=1))
    assert offered.state is OfferState.EXPIRED
    assert offered.end_cause is EndCause.RESPONSE_SLA
    assert offered.lead.stage is Stage.QUALIFIED  # back among the leads to offer
    assert outbox("offer_expired")


def test_withdraw_needs_staff_and_a_reason(world, offered):
    with pytest.raises(NotAllowed):
        wf.withdraw_offer(offered, world["alpha_manager"], reason="x")
    with pytest.raises(MissingData):
        wf.withdraw_offer(offered, world["sales"], reason="")
    wf.withdraw_offer(offered, world["sales"], reason="重複")
    assert offered.state is OfferState.WITHDRAWN
    assert (offered.end_cause, offered.withdraw_reason) == (EndCause.WITHDRAWN_BY_STAFF, "重複")


# --------------------------------------------------------------------------- working the lead


@pytest.fixture
def accepted(world, offered):
    """The offer, accepted by alpha and assigned to its rep."""
    wf.accept_offer(offered, world["alpha_manager"], rep=world["alpha_rep"])
    return offered


def test_pipeline_moves_and_history(world, accepted):
    rep = world["alpha_rep"]
    wf.move_stage(accepted, rep, Stage.NEEDS_HEARING)
    wf.move_stage(accepted, rep, Stage.PROPOSAL, note="見積提出")
    lead = accepted.lead
    assert lead.stage is Stage.PROPOSAL
    assert [(c.from_stage, c.to_stage) for c in lead.stage_changes] == [
        (Stage.QUALIFIED, Stage.APPOINTMENT),
        (Stage.APPOINTMENT, Stage.NEEDS_HEARING),
        (Stage.NEEDS_HEARING, Stage.PROPOSAL),
    ]
    assert outbox("stage_changed")


def test_won_and_lost_go_through_their_own_rules(world, accepted):
    for stage in (Stage.WON, Stage.LOST, Stage.PAID, Stage.QUALIFIED):
        with pytest.raises(InvalidTransition):
            wf.move_stage(accepted, world["alpha_rep"], stage)


def test_close_won_needs_the_order_data(world, accepted):
    with pytest.raises(MissingData):
        wf.close_won(
            accepted,
            world["alpha_rep"],
            order_date=date(2026, 11, 1),
            product="LS Server",
            amount=None,
            delivery_date=date(2026, 12, 1),
        )
    assert accepted.lead.stage is Stage.APPOINTMENT
    wf.close_won(
        accepted,
        world["alpha_rep"],
        order_date=date(2026, 11, 1),
        product="LS Server 7200",
        amount=4_800_000,
        delivery_date=date(2026, 12, 1),
    )
    lead = accepted.lead
    assert lead.stage is Stage.WON and lead.order_amount == 4_800_000
    wf.move_stage(accepted, world["alpha_rep"], Stage.DELIVERED)
    wf.move_stage(accepted, world["alpha_rep"], Stage.PAID)
    assert lead.stage is Stage.PAID


def test_close_lost_needs_a_reason(world, accepted):
    with pytest.raises(MissingData):
        wf.close_lost(accepted, world["alpha_rep"], reason=None)
    with pytest.raises(MissingData):
        wf.close_lost(accepted, world["alpha_rep"], reason=LostReason.OTHER)
    wf.close_lost(accepted, world["alpha_rep"], reason=LostReason.COMPETITOR, note="他社に決定")
    assert accepted.lead.stage is Stage.LOST
    with pytest.raises(InvalidTransition):
        wf.move_stage(accepted, world["alpha_rep"], Stage.PROPOSAL)


def test_only_the_assigned_rep_or_manager_works_the_lead(world, accepted):
    other_rep = f.user(world["alpha"], Role.PARTNER_REP)
    for actor in (other_rep, world["beta_manager"], world["beta_rep"]):
        with pytest.raises(NotAllowed):
            wf.move_stage(accepted, actor, Stage.NEEDS_HEARING)
    wf.move_stage(accepted, world["alpha_manager"], Stage.NEEDS_HEARING)


def test_log_activity_clears_the_stale_flag(world, accepted):
    accepted.lead.stale_since = utcnow()
    activity = wf.log_activity(
        accepted,
        world["alpha_rep"],
        occurred_at=utcnow() - timedelta(hours=1),
        channel=Channel.PHONE,
        category=NoteCategory.PRODUCT_INQUIRY,
        detail="訪問日程を調整",
    )
    assert activity.id and accepted.lead.stale_since is None
    with pytest.raises(MissingData):
        wf.log_activity(
            accepted,
            world["alpha_rep"],
            occurred_at=utcnow() + timedelta(days=1),
            channel=Channel.PHONE,
            category=NoteCategory.OTHER,
            detail="future",
        )


def _work_to(offer, worker, stage: Stage) -> None:
    """Take an accepted lead to ``stage`` through the rules (won and lost with their data)."""
    if stage in (Stage.WON, Stage.DELIVERED, Stage.PAID):
        wf.close_won(
            offer,
            worker,
            order_date=date(2025, 2, 1),
            product="サーバー",
            amount=1_000_000,
            delivery_date=date(2025, 3, 1),
        )
        for later in (Stage.DELIVERED, Stage.PAID):
            if offer.lead.stage is not stage:
                wf.move_stage(offer, worker, later)
    elif stage is Stage.LOST:
        wf.close_lost(offer, worker, reason=LostReason.PRICE)
    elif stage is not offer.lead.stage:
        wf.move_stage(offer, worker, stage)


@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        (Stage.PROPOSAL, True),
        (Stage.WON, True),
        (Stage.DELIVERED, True),
        (Stage.PAID, False),
        (Stage.LOST, False),
    ],
)
def test_activities_are_logged_until_the_lead_is_paid_or_lost(world, accepted, stage, allowed):
    """The rule, not a template, refuses activities on a paid or lost lead."""
    _work_to(accepted, world["alpha_rep"], stage)

    def log():
        return wf.log_activity(
            accepted,
            world["alpha_rep"],
            occurred_at=utcnow() - timedelta(hours=1),
            channel=Channel.VISIT,
            category=NoteCategory.ORDER,
            detail="納品後の訪問",
        )

    if allowed:
        assert log().id
    else:
        with pytest.raises(InvalidTransition):
            log()
        assert accepted.lead.activities == []


def test_board_posts_notify_the_other_side(world, accepted):
    wf.post_comment(accepted, world["alpha_rep"], body="訪問しました")
    assert outbox("comment_new")[-1].to_email == "sales@vendor.example"
    wf.post_comment(accepted, world["sales"], body="ありがとうございます")
    recipients = {m.to_email for m in outbox("comment_new")}
    assert {"manager@alpha.example", "rep@alpha.example"} <= recipients
    with pytest.raises(MissingData):
        wf.post_comment(accepted, world["alpha_rep"], body="   ")


def test_reading_the_board_moves_the_users_read_marker(world, accepted):
    """A read with a new post creates the marker and a later one moves it; with nothing
    new to the reader, nothing is written."""
    rep = world["alpha_rep"]
    assert wf.mark_board_read(rep, accepted) is None  # an empty board: nothing to mark
    wf.post_comment(accepted, world["alpha_manager"], body="見積の件です")
    wf.post_comment(accepted, rep, body="承知しました")
    first = wf.mark_board_read(rep, accepted, now=utcnow() + timedelta(seconds=1))
    assert first is not None
    when = first.last_read_at
    assert wf.mark_board_read(rep, accepted, now=when + timedelta(hours=1)).last_read_at == when
    with time_machine.travel(when + timedelta(minutes=5), tick=False):
        wf.post_comment(accepted, world["sales"], body="ご確認ください")
    later = wf.mark_board_read(rep, accepted, now=when + timedelta(minutes=10))
    assert later is first and later.last_read_at == when + timedelta(minutes=10)
    marker = wf.mark_board_read(world["alpha_manager"], accepted)
    assert marker is not None and marker is not first


def test_board_is_closed_before_acceptance_and_to_other_partners(world, offered):
    with pytest.raises(InvalidTransition):
        wf.post_comment(offered, world["alpha_manager"], body="hello")
    # Staff too: the partner could not read it (nor the e-mail's link) before accepting.
    with pytest.raises(InvalidTransition):
        wf.post_comment(offered, world["sales"], body="hello")
    assert not outbox("comment_new")
    with pytest.raises(NotAllowed):
        wf.post_comment(offered, world["beta_manager"], body="hello")


def test_assign_rep_stays_inside_the_organisation(world, accepted):
    with pytest.raises(NotAllowed):
        wf.assign_rep(accepted, world["alpha_manager"], world["beta_rep"])
    with pytest.raises(NotAllowed):
        wf.assign_rep(accepted, world["alpha_rep"], world["alpha_rep"])
    wf.assign_rep(accepted, world["alpha_manager"], None)
    assert accepted.assigned_rep is None


def test_notes_are_staff_only(world):
    lead = f.lead(world["sales"])
    note = wf.add_note(
        lead,
        world["sales"],
        text="「来期に更改予定です」",
        channel=Channel.PHONE,
        category=NoteCategory.PRODUCT_INQUIRY,
        visibility=NoteVisibility.SHAREABLE,
    )
    assert note.id
    with pytest.raises(NotAllowed):
        wf.add_note(
            lead,
            world["alpha_manager"],
            text="x",
            channel=Channel.PHONE,
            category=NoteCategory.OTHER,
            visibility=NoteVisibility.SHAREABLE,
        )


# --------------------------------------------------------------------------- registrations


def test_approved_registration_becomes_an_accepted_lead(world):
    registration = wf.register_deal(
        world["alpha_rep"],
        company_name="株式会社サンプル",
        address="愛知県名古屋市中区1-1",
        phone="052-000-1111",
        representative="代表 一郎",
        website="https://sample.example.jp",
        contact_name="担当 次郎",
        contact_phone="052-000-2222",
        contact_email="jiro@sample.example.jp",
        need="ファイルサーバー更改",
        product_interest="storage",
    )
    lead = wf.approve_registration(registration, world["sales"])
    offer = lead.offers[0]
    assert offer.state is OfferState.ACCEPTED and offer.organisation == world["alpha"]
    assert offer.assigned_rep == world["alpha_rep"]
    assert lead.stage is Stage.APPOINTMENT
    assert outbox("registration_decided")[0].payload["status"] == "approved"


def test_registration_rejection_needs_a_reason(world):
    registration = wf.register_deal(
        world["alpha_manager"],
        company_name="株式会社サンプル",
        address="x",
        phone="1",
        representative="x",
        website="x",
        contact_name="x",
        contact_phone="1",
        contact_email="x@example.jp",
        need="x",
        product_interest="servers",
    )
    with pytest.raises(MissingData):
        wf.reject_registration(registration, world["sales"], reason="")
    wf.reject_registration(registration, world["sales"], reason="既存案件と重複")
    with pytest.raises(InvalidTransition):
        wf.approve_registration(registration, world["sales"])


def test_registration_requires_the_seed_fields(world):
    with pytest.raises(MissingData):
        wf.register_deal(world["alpha_manager"], company_name="株式会社サンプル")
