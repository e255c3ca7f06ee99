"""The inbox: tabs, counts, filters, search, paging, the nav badge, size and query count."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    Activity,
    Channel,
    Comment,
    ConversationNote,
    DeclineReason,
    NoteCategory,
    NoteVisibility,
    Offer,
    OfferState,
    Stage,
    StageChange,
    workflow,
)
from models.base import utcnow
from tests import factories


@contextmanager
def count_statements():
    """Count the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _bulk(world, n: int, *, partner="alpha") -> list[Offer]:
    """``n`` leads offered to ``partner`` directly (fast), in a mix of states, with history."""
    org, sales, rep = world[partner], world["sales"], world[f"{partner}_rep"]
    now = utcnow()
    offers = []
    states = [
        OfferState.OFFERED,
        OfferState.DETAILS_GRANTED,
        OfferState.ACCEPTED,
        OfferState.DECLINED,
    ]
    for i in range(n):
        lead = factories.lead(sales, teaser=f"案件{i}")
        state = states[i % len(states)]
        offer = Offer(
            lead=lead,
            organisation=org,
            offered_by=sales,
            offered_at=now - timedelta(minutes=i),
            respond_by=now + timedelta(hours=24),
            state=state,
            comment_to_partner="comment",
        )
        if state is OfferState.DECLINED:
            offer.decline_reason = DeclineReason.NO_CAPACITY
        if state is OfferState.ACCEPTED:
            offer.accepted_at = now
            offer.assigned_rep = rep
            lead.stage = Stage.PROPOSAL
        db.session.add(offer)
        db.session.add(
            ConversationNote(
                lead=lead,
                author=sales,
                text="note",
                channel=Channel.PHONE,
                category=NoteCategory.OTHER,
                visibility=NoteVisibility.SHAREABLE,
            )
        )
        offers.append(offer)
    db.session.flush()
    for offer in offers:
        if offer.state is OfferState.ACCEPTED:
            db.session.add_all(
                [
                    Comment(offer=offer, author=sales, body="hello"),
                    Activity(
                        lead=offer.lead,
                        offer_id=offer.id,
                        author=rep,
                        occurred_at=now,
                        channel=Channel.PHONE,
                        category=NoteCategory.OTHER,
                        detail="called",
                    ),
                    StageChange(
                        lead=offer.lead,
                        offer_id=offer.id,
                        from_stage=Stage.APPOINTMENT,
                        to_stage=Stage.PROPOSAL,
                        changed_by=rep,
                    ),
                ]
            )
    db.session.commit()
    return offers


def _statements(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` sends."""
    with count_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("email", ["manager@alpha.example", "rep@alpha.example"])
def test_inbox_and_lead_page_use_as_many_queries_for_500_leads_as_for_5(
    app, client, auth, world, email
):
    # Seeding 500 leads can take minutes: keep the session's last-seen stamp (written at
    # most once an interval) out of the comparison.
    app.config["SESSION_SEEN_INTERVAL"] = timedelta(days=1)
    small = _bulk(world, 5)
    auth.login(email)
    accepted = next(o for o in small if o.state is OfferState.ACCEPTED)
    urls = [
        "/leads?tab=accepted",
        "/leads?tab=closed",
        f"/leads/{accepted.lead.ref}",
        "/leads?tab=accepted&q=案件&stage=proposal",
    ]
    if email.startswith("manager"):
        urls += ["/leads?tab=new", "/leads?tab=details"]
    # Warm up (first request loads translations etc.), then count.
    for url in urls:
        client.get(url)
    # In both measurements the lead on show has a post the user has not read yet
    # (reading it updates the user's unread counter).
    db.session.add(Comment(offer_id=accepted.id, author=world["sales"], body="first post"))
    db.session.commit()
    few = {url: _statements(client, url) for url in urls}
    _bulk(world, 500)
    # …and the lead on show grows a long history too.
    rep, sales = world["alpha_rep"], world["sales"]
    for i in range(100):
        db.session.add_all(
            [
                Comment(offer_id=accepted.id, author=sales, body=f"post {i}"),
                Activity(
                    lead_id=accepted.lead_id,
                    offer_id=accepted.id,
                    author=rep,
                    occurred_at=utcnow(),
                    channel=Channel.PHONE,
                    category=NoteCategory.OTHER,
                    detail=f"call {i}",
                ),
            ]
        )
    db.session.commit()
    many = {url: _statements(client, url) for url in urls}
    assert few == many


def test_tabs_count_and_list_the_right_offers(client, auth, world, offer_for):
    new = offer_for(teaser="NEW-ONE")
    details = offer_for(details=True, teaser="DETAILS-ONE")
    working = offer_for(accept=True, teaser="WORKING-ONE")
    declined = offer_for(teaser="DECLINED-ONE")
    workflow.decline_offer(declined, world["alpha_manager"], reason=DeclineReason.TOO_SMALL)
    db.session.commit()
    auth.login("manager@alpha.example")
    expected = {"new": new, "details": details, "accepted": working, "closed": declined}
    for tab, offer in expected.items():
        html = client.get(f"/leads?tab={tab}").get_data(as_text=True)
        assert offer.lead.teaser in html, tab
        others = [o for t, o in expected.items() if t != tab]
        assert not any(o.lead.teaser in html for o in others), tab
        counts = dict(
            re.findall(r'tab=(\w+)[^"]*"[^>]*>[^<]+<span class="count">(\d+)</span>', html)
        )
        assert counts == {"new": "1", "details": "1", "accepted": "1", "closed": "1"}


def test_new_offers_show_the_time_left(client, auth, world, offer_for):
    offer_for()
    auth.login("manager@alpha.example")
    html = client.get("/leads?tab=new").get_data(as_text=True)
    assert re.search(r"in (47|48|2) (hours|days)", html)


def test_filters_by_state_and_stage(client, auth, world, offer_for):
    proposal = offer_for(accept=True, teaser="IN-PROPOSAL")
    workflow.move_stage(proposal, world["alpha_manager"], Stage.PROPOSAL)
    offer_for(accept=True, teaser="IN-APPOINTMENT")
    db.session.commit()
    auth.login("manager@alpha.example")
    html = client.get("/leads?tab=accepted&stage=proposal").get_data(as_text=True)
    assert "IN-PROPOSAL" in html
    assert "IN-APPOINTMENT" not in html
    html = client.get("/leads?tab=accepted&state=offered").get_data(as_text=True)
    assert "Nothing matches your search." in html


def test_search_is_case_insensitive_and_treats_wildcards_literally(client, auth, world, offer_for):
    offer = offer_for(need="Needs a NEW Storage array")
    other = offer_for(need="Something else")
    auth.login("manager@alpha.example")
    html = client.get("/leads?tab=new&q=new storage").get_data(as_text=True)
    assert offer.lead.ref in html
    assert other.lead.ref not in html
    assert "Nothing matches" in client.get("/leads?tab=new&q=%25").get_data(as_text=True)


def test_the_inbox_pages_through_many_offers(client, auth, world):
    _bulk(world, 45)
    auth.login("manager@alpha.example")
    first = client.get("/leads?tab=new").get_data(as_text=True)
    assert "Page 1 of 1" not in first
    assert first.count("<tr>") - 1 <= 20


def test_a_rep_sees_only_leads_assigned_to_them(client, auth, world, offer_for):
    mine = offer_for(accept=True, rep=True, teaser="MINE")
    offer_for(accept=True, teaser="NOT-MINE")
    offer_for(teaser="OFFER-TO-MANAGER")
    auth.login("rep@alpha.example")
    html = client.get("/leads").get_data(as_text=True)
    assert "MINE" in html
    assert "NOT-MINE" not in html
    assert "OFFER-TO-MANAGER" not in html
    assert mine.lead.ref in html


def test_the_nav_counts_what_waits_on_the_user(client, auth, world, offer_for):
    offer_for()  # to answer
    offer_for(details=True)  # to answer
    offer_for(accept=True)  # to assign
    offer_for(accept=True, rep=True)  # nothing waits
    auth.login("manager@alpha.example")
    html = client.get("/registrations").get_data(as_text=True)
    assert re.search(r"Waiting on you: </span>3</span>", html)


def test_the_inbox_is_small_on_a_cold_load(client, auth, world):
    _bulk(world, 60)
    auth.login("manager@alpha.example")
    page = client.get("/leads")
    html = page.get_data()
    assets = re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js|svg))"', page.get_data(as_text=True))
    total = len(html)
    for url in set(assets):
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            total += len(asset.get_data())
    assert total < 100_000, total
    assert "http://" not in page.get_data(as_text=True).replace("http://localhost", "")
    assert "https://" not in page.get_data(as_text=True)


def test_dates_are_shown_in_the_users_time_zone(client, auth, world, offer_for):
    offer = offer_for()
    offer.respond_by = offer.respond_by.replace(hour=15, minute=30, second=0, microsecond=0)
    world["alpha_manager"].timezone = "Asia/Tokyo"
    db.session.commit()
    auth.login("manager@alpha.example")
    html = client.get("/leads?tab=new").get_data(as_text=True)
    assert "12:30" in html  # 15:30 UTC is 00:30 the next day in Tokyo, 12-hour "12:30 AM"
