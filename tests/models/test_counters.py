"""Counters kept with the change equal a recount after every rule (models/counters.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    BoardRead,
    Channel,
    Comment,
    CounterValue,
    DeclineReason,
    LostReason,
    NoteCategory,
    Offer,
    OfferState,
    Role,
    Stage,
    counters,
    utcnow,
)
from models import workflow as wf
from models.sla import sweep
from portal.leads import queries
from tests import factories as f


def assert_counters_match_recount() -> None:
    """Every stored counter equals a recount from the data."""
    db.session.flush()
    assert counters.check(db.session) == {}


def badge(user) -> int:
    """The navigation's "waiting on you" figure of ``user``."""
    return counters.waiting_total(db.session, user)


def tabs(user) -> dict[str, int]:
    """The user's inbox tab sizes as the inbox shows them."""
    return queries.tab_counts(user)


def counted_tabs(user) -> dict[str, int]:
    """The tab sizes counted the slow way, over the inbox's own query."""
    tab = queries.tab_of_offer().label("tab")
    rows = db.session.execute(
        queries._inbox_base(user).with_only_columns(tab, sa.func.count(Offer.id)).group_by(tab)
    ).all()
    return {name: dict(rows).get(name, 0) for name in queries.TABS}


def test_every_rule_keeps_counters_equal_to_a_recount(world):
    sales, manager, rep = world["sales"], world["alpha_manager"], world["alpha_rep"]
    alpha, beta = world["alpha"], world["beta"]
    assert badge(manager) == 0

    # Offer, request and grant details, accept with a rep.
    alpha.policy.details_need_approval = True
    lead = f.lead(sales)
    offer = wf.offer_lead(lead, alpha, sales)
    assert_counters_match_recount()
    assert tabs(manager)["new"] == 1
    assert badge(manager) == 1  # an offer to answer
    assert wf.open_lead_count(alpha.id) == 1
    wf.request_details(offer, manager)
    assert_counters_match_recount()
    assert badge(manager) == 0  # waiting on the vendor now
    wf.grant_details(offer, sales)
    assert_counters_match_recount()
    assert badge(manager) == 1
    wf.accept_offer(offer, manager, rep=rep)
    assert_counters_match_recount()
    assert tabs(manager) == {"new": 0, "details": 0, "accepted": 1, "closed": 0}
    assert tabs(rep)["accepted"] == 1
    assert badge(manager) == 0

    # The board: a vendor post is unread for the manager and the rep until they read it.
    wf.post_comment(offer, sales, body="ご確認ください")
    assert_counters_match_recount()
    assert badge(manager) == 1 and badge(rep) == 1
    db.session.add(BoardRead(user_id=manager.id, offer_id=offer.id, last_read_at=utcnow()))
    assert_counters_match_recount()
    assert badge(manager) == 0 and badge(rep) == 1
    wf.post_comment(offer, rep, body="訪問しました")
    assert_counters_match_recount()
    assert badge(manager) == 1 and badge(rep) == 1
    post = db.session.scalars(sa.select(Comment).where(Comment.author_id == rep.id)).one()
    post.hidden_at = utcnow()  # staff hide a post
    assert_counters_match_recount()
    assert badge(manager) == 0

    # Pipeline: activity, stage moves, assignment, stale flag from the sweep, close.
    wf.log_activity(
        offer,
        rep,
        occurred_at=utcnow(),
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        detail="電話",
    )
    wf.move_stage(offer, rep, Stage.PROPOSAL)
    assert_counters_match_recount()
    wf.assign_rep(offer, manager, None)
    assert_counters_match_recount()
    assert badge(manager) == 1  # a lead to assign
    assert tabs(rep)["accepted"] == 0
    wf.assign_rep(offer, manager, rep)
    offer.accepted_at = utcnow() - timedelta(days=60)
    lead.last_activity_at = utcnow() - timedelta(days=60)
    db.session.flush()
    sweep()  # flags the lead stale with a bulk UPDATE
    assert lead.stale_since is not None
    assert_counters_match_recount()
    assert badge(rep) >= 1
    wf.close_won(
        offer,
        rep,
        order_date=date.today(),
        product="サーバー",
        amount=1_000_000,
        delivery_date=date.today() + timedelta(days=30),
    )
    assert_counters_match_recount()
    assert tabs(manager)["closed"] == 1 and tabs(rep)["closed"] == 1
    assert wf.open_lead_count(alpha.id) == 0

    # Decline, then offer the same lead to the same partner again: one inbox row.
    second = f.lead(sales)
    first_offer = wf.offer_lead(second, alpha, sales)
    wf.decline_offer(first_offer, manager, reason=DeclineReason.NO_CAPACITY)
    assert_counters_match_recount()
    assert tabs(manager)["closed"] == 2
    again = wf.offer_lead(second, alpha, sales)
    assert_counters_match_recount()
    assert tabs(manager)["closed"] == 1 and tabs(manager)["new"] == 1

    # Expiry, withdrawal, loss, suspension.
    wf.expire_offer(again, now=again.respond_by + timedelta(minutes=1))
    assert_counters_match_recount()
    third = f.lead(sales)
    withdrawn = wf.offer_lead(third, beta, sales)
    wf.withdraw_offer(withdrawn, sales, reason="顧客都合")
    assert_counters_match_recount()
    fourth = f.lead(sales)
    lost = wf.offer_lead(fourth, alpha, sales)
    wf.accept_offer(lost, manager, rep=rep)
    wf.close_lost(lost, rep, reason=LostReason.PRICE)
    assert_counters_match_recount()
    fifth = f.lead(sales)
    open_to_beta = wf.offer_lead(fifth, beta, sales)
    wf.suspend_partner(beta, world["admin"])
    assert open_to_beta.state is OfferState.WITHDRAWN
    assert_counters_match_recount()

    # Deal registration: approved, it becomes a lead already accepted by the partner.
    registration = wf.register_deal(
        manager,
        company_name="株式会社登録",
        address="名古屋市",
        phone="052-000-0000",
        representative="代表 太郎",
        website="https://example.jp",
        contact_name="担当 花子",
        contact_phone="090-0000-0000",
        contact_email="hanako@example.jp",
        need="サーバー更改",
        product_interest="servers",
    )
    wf.approve_registration(registration, sales)
    assert_counters_match_recount()

    # Archiving a lead takes it out of every tab; people changing role or joining.
    sixth = f.lead(sales)
    wf.offer_lead(sixth, alpha, sales)
    sixth.archived = True
    assert_counters_match_recount()
    rep.role = Role.PARTNER_MANAGER
    assert_counters_match_recount()
    f.user(alpha, Role.PARTNER_MANAGER, "second-manager@alpha.example")
    assert_counters_match_recount()
    db.session.commit()

    # The counters say what the slow counting query says.
    for user in (manager, world["beta_manager"]):
        assert tabs(user) == counted_tabs(user)


def test_check_reports_and_fix_repairs_drift(world):
    offer = wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    db.session.execute(
        sa.update(CounterValue)
        .where(CounterValue.owner_id == offer.organisation_id, CounterValue.name == "tab_new")
        .values(value=7)
    )
    drift = counters.check(db.session)
    assert drift == {("org", offer.organisation_id, "tab_new"): (7, 1)}
    counters.check(db.session, fix=True)
    assert counters.check(db.session) == {}
    assert tabs(world["alpha_manager"])["new"] == 1


def test_counters_command_reports_drift_and_fixes_it(world, runner):
    wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    db.session.execute(sa.delete(CounterValue))
    db.session.commit()
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 1
    assert "tab_new: stored 0, recounted 1" in result.output
    result = runner.invoke(args=["counters", "check", "--fix"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["counters", "check"]).exit_code == 0


@pytest.mark.parametrize("role", [Role.PARTNER_MANAGER, Role.PARTNER_REP])
def test_digest_lists_what_the_badge_counts(world, role):
    """One definition of "waiting on you": the digest's items and the badge agree."""
    sales, manager, rep = world["sales"], world["alpha_manager"], world["alpha_rep"]
    user = manager if role is Role.PARTNER_MANAGER else rep
    wf.offer_lead(f.lead(sales), world["alpha"], sales)
    accepted = wf.offer_lead(f.lead(sales), world["alpha"], sales)
    wf.accept_offer(accepted, manager, rep=rep)
    accepted.lead.stale_since = utcnow()
    unassigned = wf.offer_lead(f.lead(sales), world["alpha"], sales)
    wf.accept_offer(unassigned, manager)
    wf.post_comment(accepted, sales, body="進捗はいかがですか")
    db.session.commit()
    items = counters.waiting_items(db.session, user)
    assert len(items) == badge(user)
    kinds = sorted(kind for kind, _offer in items)
    if role is Role.PARTNER_MANAGER:
        assert kinds == ["assign", "respond", "stale", "unread"]
    else:
        assert kinds == ["stale", "unread"]


def test_offers_changed_with_bulk_update_keep_counters(world):
    offer = wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    db.session.execute(
        sa.update(Offer)
        .where(Offer.id == offer.id)
        .values(state=OfferState.WITHDRAWN, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert counters.check(db.session) == {}
    assert badge(world["alpha_manager"]) == 0
