"""Deal registration rules: conflicts, approval, the lifecycle and the protected period."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    AuditEvent,
    ConsentMethod,
    ConversationNote,
    DealRegistration,
    EndCause,
    ExtensionState,
    LostReason,
    NoteVisibility,
    OfferState,
    OutboxMessage,
    PartnerStatus,
    RegistrationStatus,
    RegistrationStepKind,
    Role,
    Stage,
    utcnow,
)
from models import workflow as wf
from models.conflicts import ConflictKind, MatchReason, registration_conflicts
from models.errors import InvalidTransition, MissingData, NotAllowed, PolicyViolation
from models.prospects import normalise_company_name
from models.sla import sweep
from tests import factories as f

DEAL = {
    "company_name": "株式会社武蔵野ホームセンター",
    "address": "東京都武蔵野市中町1-1",
    "phone": "0422-11-2222",
    "representative": "武蔵 太郎",
    "website": "https://musashino-hc.example.jp",
    "industry": "retail",
    "region": "kanto",
    "contact_name": "野田 花子",
    "contact_title": "店舗システム課長",
    "contact_phone": "0422-11-3333",
    "contact_email": "noda@musashino-hc.example.jp",
    "consent_method": None,
    "need": "全店舗のPOSサーバー更改",
    "product_interest": "servers",
    "expected_value": 8_000_000,
}


def deal(**changes):
    """The registration form's values with ``changes``."""
    return DEAL | changes


def messages(kind: str) -> list[OutboxMessage]:
    """Queued messages of one kind."""
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def kinds(registration: DealRegistration) -> list[RegistrationStepKind]:
    """The registration's history, oldest first."""
    return [step.kind for step in registration.steps]


# --------------------------------------------------------------------------- the company key


@pytest.mark.parametrize(
    "written",
    [
        "株式会社武蔵野ホームセンター",
        "㈱武蔵野ホームセンター",
        "(株)武蔵野ホームセンター",
        "（株）武蔵野ホームセンター",
        "武蔵野ﾎｰﾑｾﾝﾀｰ株式会社",
        "武蔵野　ホーム センター",
        "株式會社 武藏野ホームセンター",
    ],
)
def test_company_names_written_differently_are_one_company(written):
    assert normalise_company_name(written) == normalise_company_name(DEAL["company_name"])


def test_variant_kanji_in_names_fold_to_the_modern_form():
    assert normalise_company_name("髙島屋") == normalise_company_name("高島屋")
    assert normalise_company_name("國際電氣") == normalise_company_name("国際電気")
    assert normalise_company_name("武蔵野") != normalise_company_name("武蔵境")


# --------------------------------------------------------------------------- conflicts


def test_a_deal_nobody_knows_is_submitted_without_conflict(world):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    assert r.status is RegistrationStatus.SUBMITTED
    assert registration_conflicts(r) == []
    assert kinds(r) == [RegistrationStepKind.SUBMITTED]


def test_a_company_accepted_by_another_partner_is_an_open_lead_conflict(world):
    prospect = f.prospect(company_name="武蔵野ホームセンター株式会社", region="kanto")
    lead = f.lead(world["sales"], prospect=prospect, region="kanto")
    offer = wf.offer_lead(lead, world["beta"], world["sales"])
    wf.accept_offer(offer, world["beta_manager"])
    r = wf.register_deal(world["alpha_rep"], **deal(company_name="㈱武蔵野ﾎｰﾑｾﾝﾀｰ"))
    assert r.status is RegistrationStatus.UNDER_REVIEW
    (conflict,) = registration_conflicts(r)
    assert conflict.kind is ConflictKind.OPEN_LEAD
    assert conflict.lead == lead
    assert conflict.partner == world["beta"]
    assert conflict.reasons == (MatchReason.COMPANY,)


def test_a_known_customer_without_open_lead_is_a_prospect_conflict(world):
    f.prospect(company_name="別名の会社", phone="(0422) 11-2222")
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    (conflict,) = registration_conflicts(r)
    assert conflict.kind is ConflictKind.PROSPECT
    assert conflict.reasons == (MatchReason.PHONE,)


def test_the_same_contact_e_mail_is_a_conflict(world):
    f.prospect(company_name="別名の会社", contact_email="NODA@musashino-hc.example.jp")
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    assert [c.reasons for c in registration_conflicts(r)] == [(MatchReason.EMAIL,)]


def test_another_partners_pending_registration_is_a_conflict(world):
    first = wf.register_deal(world["beta_rep"], **DEAL)
    second = wf.register_deal(
        world["alpha_rep"], **deal(company_name="株式會社武藏野ホームセンター")
    )
    assert second.status is RegistrationStatus.UNDER_REVIEW
    (conflict,) = registration_conflicts(second)
    assert conflict.kind is ConflictKind.REGISTRATION
    assert conflict.registration == first
    assert conflict.partner == world["beta"]
    assert set(conflict.reasons) == {MatchReason.COMPANY, MatchReason.PHONE, MatchReason.EMAIL}


def test_the_same_partner_registering_twice_is_a_conflict(world):
    first = wf.register_deal(world["alpha_rep"], **DEAL)
    second = wf.register_deal(world["alpha_manager"], **DEAL)
    assert [c.registration for c in registration_conflicts(second)] == [first]
    assert second.status is RegistrationStatus.UNDER_REVIEW


def test_an_approved_registration_conflicts_once_with_its_lead(world):
    first = wf.register_deal(world["beta_rep"], **DEAL)
    lead = wf.approve_registration(first, world["sales"])
    second = wf.register_deal(world["alpha_rep"], **DEAL)
    (conflict,) = registration_conflicts(second)
    assert conflict.kind is ConflictKind.REGISTRATION
    assert conflict.lead == lead


def test_rejected_and_withdrawn_registrations_and_closed_leads_do_not_block(world):
    rejected = wf.register_deal(world["beta_rep"], **DEAL)
    wf.reject_registration(rejected, world["sales"], reason="対象外")
    withdrawn = wf.register_deal(world["beta_manager"], **DEAL)
    wf.withdraw_registration(withdrawn, world["beta_manager"])
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    assert r.status is RegistrationStatus.SUBMITTED
    assert registration_conflicts(r) == []


# --------------------------------------------------------------------------- approval


def test_approval_creates_a_lead_accepted_by_the_partner_and_protected_90_days(world):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    lead = wf.approve_registration(r, world["sales"])
    (offer,) = lead.offers
    assert offer.state is OfferState.ACCEPTED
    assert offer.organisation_id == world["alpha"].id
    assert offer.assigned_rep_id == world["alpha_rep"].id
    assert r.status is RegistrationStatus.APPROVED
    assert r.protected_until - r.decided_at == timedelta(days=90)
    recipients = {m.to_email for m in messages("registration_decided")}
    assert recipients == {"rep@alpha.example", "manager@alpha.example"}


def test_the_protected_period_follows_the_partner_policy(world):
    world["alpha"].policy.registration_days = 30
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    wf.approve_registration(r, world["sales"])
    assert r.protected_until - r.decided_at == timedelta(days=30)


def test_consent_is_recorded_exactly_as_declared(world):
    declared = wf.register_deal(world["alpha_rep"], **deal(consent_method=ConsentMethod.EMAIL))
    lead = wf.approve_registration(declared, world["sales"])
    assert lead.prospect.consent_to_share is True
    assert lead.prospect.consent_method is ConsentMethod.EMAIL
    assert lead.prospect.consent_recorded_at == declared.submitted_at
    undeclared = wf.register_deal(world["alpha_rep"], **deal(company_name="別の会社"))
    lead = wf.approve_registration(undeclared, world["sales"])
    assert lead.prospect.consent_to_share is False
    assert lead.prospect.consent_method is None


@pytest.mark.parametrize("status", [PartnerStatus.SUSPENDED, PartnerStatus.ONBOARDING])
def test_only_an_active_partner_can_be_approved(world, status):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    world["alpha"].status = status
    with pytest.raises(InvalidTransition):
        wf.approve_registration(r, world["admin"])
    assert r.status is RegistrationStatus.SUBMITTED


def test_capacity_is_respected_unless_an_administrator_overrides_with_a_reason(world):
    world["alpha"].policy.max_open_leads = 0
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    with pytest.raises(PolicyViolation):
        wf.approve_registration(r, world["admin"])
    with pytest.raises(NotAllowed):
        wf.approve_registration(r, world["sales"], override_reason="大口案件")
    lead = wf.approve_registration(r, world["admin"], override_reason="大口案件")
    assert lead.offers[0].override_reason == "大口案件"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "registration.approved")
    )
    assert event.after["capacity_override"] == "大口案件"
    assert event.actor_id == world["admin"].id


def test_partners_cannot_decide_and_staff_decide_once(world):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    with pytest.raises(NotAllowed):
        wf.approve_registration(r, world["alpha_manager"])
    with pytest.raises(MissingData):
        wf.reject_registration(r, world["sales"], reason=" ")
    wf.reject_registration(r, world["sales"], reason="情報不足")
    with pytest.raises(InvalidTransition):
        wf.approve_registration(r, world["sales"])


# --------------------------------------------------------------------------- lifecycle


def test_review_then_reject_then_correct_and_resubmit(world):
    r = wf.register_deal(world["alpha_rep"], **deal(website="-"))
    wf.start_review(r, world["sales"])
    assert r.status is RegistrationStatus.UNDER_REVIEW
    wf.reject_registration(r, world["sales"], reason="ウェブサイトを入力してください")
    with pytest.raises(NotAllowed):
        wf.resubmit_registration(r, world["beta_manager"], **DEAL)
    wf.resubmit_registration(r, world["alpha_rep"], **DEAL)
    assert r.status is RegistrationStatus.SUBMITTED
    assert r.website == DEAL["website"]
    assert r.decision_reason is None
    assert kinds(r) == [
        RegistrationStepKind.SUBMITTED,
        RegistrationStepKind.REVIEW_STARTED,
        RegistrationStepKind.REJECTED,
        RegistrationStepKind.RESUBMITTED,
    ]
    assert r.steps[2].note == "ウェブサイトを入力してください"


def test_a_registration_waiting_for_a_decision_can_be_withdrawn(world):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    with pytest.raises(NotAllowed):
        wf.withdraw_registration(r, world["beta_manager"])
    wf.withdraw_registration(r, world["alpha_manager"])
    assert r.status is RegistrationStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        wf.approve_registration(r, world["sales"])


def test_attaching_to_an_existing_lead_keeps_the_partners_words_and_names_nobody(world):
    prospect = f.prospect(company_name="武蔵野ホームセンター", region="kanto")
    lead = f.lead(world["sales"], prospect=prospect, region="kanto")
    offer = wf.offer_lead(lead, world["beta"], world["sales"])
    wf.accept_offer(offer, world["beta_manager"])
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    wf.attach_registration(r, lead, world["sales"], note="既存の案件として進行中です")
    assert r.status is RegistrationStatus.ATTACHED
    assert r.lead == lead
    note = db.session.scalar(sa.select(ConversationNote).where(ConversationNote.lead == lead))
    assert DEAL["need"] in note.text
    assert note.visibility is NoteVisibility.INTERNAL
    (message,) = [m for m in messages("registration_decided") if m.to_email == "rep@alpha.example"]
    assert "beta" not in str(message.payload).lower()


def test_a_registration_is_not_attached_to_a_closed_lead(world):
    lead = f.lead(world["sales"])
    lead.stage, lead.lost_reason = Stage.LOST, LostReason.PRICE
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    with pytest.raises(InvalidTransition):
        wf.attach_registration(r, lead, world["sales"])


# --------------------------------------------------------------------------- protected period


@pytest.fixture
def approved(world):
    """An alpha registration approved 80 days ago (90-day period: 10 days left)."""
    r = wf.register_deal(world["alpha_rep"], **DEAL, now=utcnow() - timedelta(days=81))
    wf.approve_registration(r, world["sales"], now=utcnow() - timedelta(days=80))
    db.session.commit()
    return r


def test_the_partner_is_reminded_once_before_the_end(world, approved):
    report = sweep()
    assert report.registrations.reminded == [approved.ref]
    sweep()
    reminders = messages("registration_expiring")
    assert {m.to_email for m in reminders} == {"rep@alpha.example", "manager@alpha.example"}
    assert kinds(approved)[-1] is RegistrationStepKind.EXPIRY_REMINDED


def test_no_reminder_long_before_the_end(world):
    r = wf.register_deal(world["alpha_rep"], **DEAL)
    wf.approve_registration(r, world["sales"])
    assert sweep().registrations.reminded == []


def test_at_the_end_a_deal_without_progress_goes_back_to_the_vendor(world, approved):
    lead = approved.lead
    report = sweep(now=approved.protected_until + timedelta(minutes=1))
    assert report.registrations.returned == [approved.ref]
    assert approved.status is RegistrationStatus.EXPIRED
    assert lead.stage is Stage.QUALIFIED
    (offer,) = lead.offers
    assert offer.state is OfferState.WITHDRAWN
    assert offer.end_cause is EndCause.REGISTRATION_EXPIRED
    assert {m.to_email for m in messages("registration_expired")} == {
        "rep@alpha.example",
        "manager@alpha.example",
    }
    assert [m.to_email for m in messages("registration_returned")] == ["sales@vendor.example"]
    # The lead can be offered again, to another partner.
    wf.offer_lead(lead, world["beta"], world["sales"], override_reason="再配布")
    again = sweep(now=approved.protected_until + timedelta(minutes=2))
    assert again.registrations.returned == []


def test_at_the_end_a_deal_with_a_proposal_stays_with_the_partner(world, approved):
    lead = approved.lead
    wf.move_stage(lead.offers[0], world["alpha_rep"], Stage.PROPOSAL)
    report = sweep(now=approved.protected_until + timedelta(minutes=1))
    assert report.registrations.ended == [approved.ref]
    assert approved.status is RegistrationStatus.APPROVED
    assert lead.offers[0].state is OfferState.ACCEPTED


def test_one_extension_request_granted_moves_the_end(world, approved):
    end = approved.protected_until
    wf.request_extension(approved, world["alpha_rep"], reason="先方の決裁が来月です")
    with pytest.raises(InvalidTransition):
        wf.request_extension(approved, world["alpha_rep"], reason="もう一度")
    # Staff have not decided yet: the period does not end under the partner's feet.
    assert sweep(now=end + timedelta(minutes=1)).registrations.returned == []
    wf.decide_extension(approved, world["sales"], grant=True, days=30)
    assert approved.extension is ExtensionState.GRANTED
    assert approved.protected_until == end + timedelta(days=30)
    assert approved.status is RegistrationStatus.APPROVED
    assert messages("registration_extension_decided")


def test_a_refused_extension_needs_a_reason_and_the_period_ends_as_planned(world, approved):
    end = approved.protected_until
    wf.request_extension(approved, world["alpha_manager"], reason="延長希望")
    assert [m.to_email for m in messages("registration_extension_requested")]
    with pytest.raises(MissingData):
        wf.decide_extension(approved, world["sales"], grant=False)
    wf.decide_extension(approved, world["sales"], grant=False, reason="進捗がありません")
    assert approved.protected_until == end
    assert sweep(now=end + timedelta(minutes=1)).registrations.returned == [approved.ref]


def test_only_the_registering_partner_asks_for_an_extension(world, approved):
    with pytest.raises(NotAllowed):
        wf.request_extension(approved, world["beta_manager"], reason="x")
    other_rep = f.user(world["alpha"], Role.PARTNER_REP)
    with pytest.raises(NotAllowed):
        wf.request_extension(approved, other_rep, reason="x")


# --------------------------------------------------------------------------- scorecards


def test_scorecards_count_registrations_submitted_approved_and_won(client, auth, world):
    from datetime import date

    from models.scorecards import scorecards

    rejected = wf.register_deal(world["alpha_rep"], **deal(company_name="却下の会社"))
    wf.reject_registration(rejected, world["sales"], reason="対象外")
    working = wf.register_deal(world["alpha_rep"], **deal(company_name="進行中の会社"))
    wf.approve_registration(working, world["sales"])
    won = wf.register_deal(world["alpha_rep"], **deal(company_name="受注の会社"))
    lead = wf.approve_registration(won, world["sales"])
    wf.close_won(
        lead.offers[0],
        world["alpha_rep"],
        order_date=date(2026, 11, 1),
        product="Power S1022",
        amount=7_500_000,
        delivery_date=date(2026, 12, 1),
    )
    db.session.commit()
    card = scorecards([world["alpha"].id, world["beta"].id])[world["alpha"].id]
    assert (card.registrations_submitted, card.registrations_approved) == (3, 2)
    assert card.registrations_won == 1
    assert scorecards([world["beta"].id])[world["beta"].id].registrations_submitted == 0
    auth.login("manager@alpha.example")
    page = client.get("/scorecard").get_data(as_text=True)
    assert "Registrations submitted</th><td>3</td>" in page
    auth.logout()
    auth.login("sales@vendor.example")
    report = client.get("/admin/reports/").get_data(as_text=True)
    row = report.split('data-partner="alpha"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split('class="text-right">')[1:]]
    assert cells[-3:] == ["3", "2", "1"]


def test_reachable_registrations_is_the_tenant_gate(world):
    from models.gates import reachable_registrations

    by_rep = wf.register_deal(world["alpha_rep"], **deal(company_name="担当者の案件"))
    by_manager = wf.register_deal(world["alpha_manager"], **deal(company_name="上長の案件"))
    theirs = wf.register_deal(world["beta_rep"], **deal(company_name="他社の案件"))

    def reached(user):
        return set(db.session.scalars(reachable_registrations(user)))

    assert reached(world["alpha_manager"]) == {by_rep, by_manager}
    assert reached(world["alpha_rep"]) == {by_rep}
    assert reached(world["beta_manager"]) == {theirs}
    assert reached(world["sales"]) == {by_rep, by_manager, theirs}
