"""Dashboard numbers against hand-built data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from leadshare.extensions import db
from models import OfferState, Stage
from models.workflow import accept_offer, decline_offer, offer_lead, request_details
from tests import factories


def cell(html, attr, value):
    """The number in the table cell marked ``attr="value"``."""
    match = re.search(rf'{attr}="{value}">([^<]*)<', html)
    return match.group(1).strip()


def test_dashboard_numbers(world, client, auth):
    """Funnel, offers by state, SLA compliance, scorecards and yesterday match the data."""
    from models import DeclineReason

    sales = world["sales"]
    new = factories.lead(sales, qualified=False)
    q1, q2, q3 = (factories.lead(sales) for _ in range(3))
    accepted = offer_lead(q1, world["alpha"], sales)
    accept_offer(accepted, world["alpha_manager"])
    declined = offer_lead(q2, world["alpha"], sales)
    decline_offer(declined, world["alpha_manager"], reason=DeclineReason.NO_CAPACITY)
    late = offer_lead(q3, world["beta"], sales, override_reason="x")
    late.respond_by = datetime.now(UTC) - timedelta(hours=1)  # open past its deadline
    asked = offer_lead(q3, world["alpha"], sales)
    request_details(asked, world["alpha_manager"])
    yesterday = datetime.now(UTC) - timedelta(days=1)
    new.created_at = yesterday
    db.session.commit()

    auth.login("sales@vendor.example")
    html = client.get("/admin/reports/").get_data(as_text=True)
    assert cell(html, "data-stage", Stage.NEW.value) == "1"
    assert cell(html, "data-stage", Stage.QUALIFIED.value) == "2"
    assert cell(html, "data-stage", Stage.APPOINTMENT.value) == "1"
    assert cell(html, "data-state", OfferState.ACCEPTED.value) == "1"
    assert cell(html, "data-state", OfferState.DECLINED.value) == "1"
    assert cell(html, "data-state", OfferState.OFFERED.value) == "1"
    assert cell(html, "data-state", OfferState.DETAILS_GRANTED.value) == "1"
    # accepted, declined and the details request on time; one open past its deadline.
    assert cell(html, "data-figure", "sla_rate") == "75%"
    alpha_row = re.search(r'data-partner="alpha">(.*?)</tr>', html, re.S).group(1)
    numbers = re.findall(r'<td class="text-right">([^<]*)</td>', alpha_row)
    assert numbers[:4] == ["3", "1", "50%", "0.0"]
    assert "chart.umd.min.js" in html and 'class="staff-chart"' in html
    # The chart library is served locally.
    with client.get("/admin-static/vendor/chartjs/chart.umd.min.js") as response:
        assert response.status_code == 200


def test_yesterday_counts_in_the_users_time_zone(world, client, auth):
    """A lead created yesterday (Tokyo time) counts in the morning report."""
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    today = datetime.now(tokyo).date()
    noon_yesterday = datetime(today.year, today.month, today.day, 12, tzinfo=tokyo) - timedelta(
        days=1
    )
    lead = factories.lead(world["sales"], qualified=False)
    lead.created_at = noon_yesterday.astimezone(UTC)
    factories.lead(world["sales"], qualified=False)  # today: not counted
    world["sales"].timezone = "Asia/Tokyo"
    db.session.commit()
    auth.login("sales@vendor.example")
    html = client.get("/admin/").get_data(as_text=True)
    assert cell(html, "data-figure", "leads_created") == "1"
    assert cell(html, "data-figure", "to_qualify") == "2"


def test_response_sla_counts_late_answers_expiries_and_skips_withdrawals(world):
    """Late answers and expiries count as missed; withdrawn and not-yet-due offers not at all."""
    from admin.reports import response_sla
    from models.workflow import expire_offer, withdraw_offer

    sales = world["sales"]
    on_time = offer_lead(factories.lead(sales), world["alpha"], sales)
    request_details(on_time, world["alpha_manager"])
    expired = offer_lead(factories.lead(sales), world["alpha"], sales)
    expire_offer(expired, now=expired.respond_by + timedelta(minutes=1))
    withdrawn = offer_lead(factories.lead(sales), world["alpha"], sales)
    withdraw_offer(withdrawn, sales, reason="重複")
    offer_lead(factories.lead(sales), world["alpha"], sales)  # open, not yet due
    late_request = offer_lead(factories.lead(sales), world["beta"], sales, override_reason="x")
    late_request.respond_by = datetime.now(UTC) - timedelta(hours=5)
    db.session.flush()
    late_request.details_requested_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    sla = response_sla()
    assert (sla.on_time, sla.late) == (1, 2)
    assert sla.rate == 1 / 3


def test_dashboard_and_home_read_the_snapshot_until_the_next_refresh(world, client, auth, runner):
    """After ``flask reports refresh`` the pages show the snapshot and its time, not live counts."""
    sales = world["sales"]
    factories.lead(sales, qualified=False)
    db.session.commit()
    result = runner.invoke(args=["reports", "refresh"])
    assert result.exit_code == 0 and "Reports refreshed" in result.output
    factories.lead(sales, qualified=False)  # after the snapshot
    db.session.commit()

    auth.login("sales@vendor.example")
    html = client.get("/admin/reports/").get_data(as_text=True)
    assert cell(html, "data-stage", Stage.NEW.value) == "1"
    assert 'data-figure="as_of"' in html
    home = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-figure="stage-new">\s*1\s*<', home)
    assert 'data-figure="as_of"' in home

    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    html = client.get("/admin/reports/").get_data(as_text=True)
    assert cell(html, "data-stage", Stage.NEW.value) == "2"


def test_work_queue_figures_come_from_the_snapshot_their_lists_are_live(
    world, client, auth, runner
):
    """The home's queue counts are the snapshot's (cheap at any size); the list it opens is live."""
    sales = world["sales"]
    factories.lead(sales, qualified=False)
    db.session.commit()
    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    factories.lead(sales, qualified=False)  # after the snapshot
    db.session.commit()

    auth.login("sales@vendor.example")
    home = client.get("/admin/").get_data(as_text=True)
    link = re.search(r'<a[^>]*href="([^"]*queue_is=to_qualify[^"]*)"[^>]*>(.*?)</a>', home, re.S)
    assert link is not None, home
    assert re.search(r">\s*1\s*<", link.group(2))
    listing = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listing.count('name="rowid"') == 2  # the list itself is live: both leads

    assert runner.invoke(args=["reports", "refresh"]).exit_code == 0
    home = client.get("/admin/").get_data(as_text=True)
    link = re.search(r'<a[^>]*href="[^"]*queue_is=to_qualify[^"]*"[^>]*>(.*?)</a>', home, re.S)
    assert re.search(r">\s*2\s*<", link.group(1))


def test_the_worker_refreshes_an_old_snapshot_and_leaves_a_fresh_one(app, world):
    """The outbox worker recomputes the snapshot once it is older than REPORTS_REFRESH_SECONDS."""
    from admin.reports import SNAPSHOT
    from leadshare.outbox import Worker
    from models.snapshots import load_snapshot

    Worker(sweep_every=3600).run(once=True)
    first = load_snapshot(db.session, SNAPSHOT)
    assert first is not None
    computed = first.computed_at
    Worker(sweep_every=3600).run(once=True)
    db.session.expire_all()
    assert load_snapshot(db.session, SNAPSHOT).computed_at == computed  # fresh: left alone

    first.computed_at = computed - timedelta(seconds=app.config["REPORTS_REFRESH_SECONDS"] + 1)
    db.session.commit()
    Worker(sweep_every=3600).run(once=True)
    db.session.expire_all()
    assert load_snapshot(db.session, SNAPSHOT).computed_at > computed - timedelta(seconds=1)
