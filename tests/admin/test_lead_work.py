"""Working an accepted lead from its staff page: history, stage, activities, won and lost."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Activity, AuditEvent, Channel, Lead, LostReason, NoteCategory, Stage, StageChange
from models import workflow as wf
from tests import factories


@pytest.fixture
def worked(world):
    """A lead accepted by alpha and assigned to its rep, who has logged one call."""
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"], rep=world["alpha_rep"])
    wf.log_activity(
        offer,
        world["alpha_rep"],
        occurred_at=datetime(2025, 1, 9, 1, 0, tzinfo=UTC),
        channel=Channel.PHONE,
        category=NoteCategory.PRODUCT_INQUIRY,
        detail="先方の情報システム課長と電話で打ち合わせ",
    )
    db.session.commit()
    return lead


def reload(lead: Lead) -> Lead:
    """The lead as committed."""
    db.session.expire_all()
    return db.session.get(Lead, lead.id)


def page(client, lead: Lead) -> str:
    """The lead's staff page."""
    response = client.get(f"/admin/desk/{lead.ref}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_shows_stage_history_and_activities(world, worked, client, auth):
    auth.login("sales@vendor.example")
    html = page(client, worked)
    history = html[html.index('id="stage-history"') : html.index('id="activities"')]
    assert "Qualified" in history and "Appointment" in history
    assert world["alpha_manager"].name in history
    assert "先方の情報システム課長と電話で打ち合わせ" in html
    assert world["alpha_rep"].name in html[html.index('id="activities"') :]
    for form_id in ("stage-form", "activity-form", "won-form", "lost-form"):
        assert f'id="{form_id}"' in html
    assert f'name="stage-version" type="hidden" value="{worked.version}"' in html


def test_staff_move_the_stage(world, worked, client, auth):
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/stage",
        data={
            "stage-to_stage": "proposal",
            "stage-note": "見積提出",
            "stage-version": worked.version,
        },
        follow_redirects=True,
    )
    assert "Stage changed." in response.get_data(as_text=True)
    lead = reload(worked)
    assert lead.stage is Stage.PROPOSAL
    change = db.session.scalar(sa.select(StageChange).order_by(StageChange.id.desc()))
    assert (change.from_stage, change.to_stage) == (Stage.APPOINTMENT, Stage.PROPOSAL)
    assert change.changed_by_id == world["sales"].id and change.note == "見積提出"
    assert "見積提出" in page(client, lead)


def test_a_stale_form_is_refused_with_a_reload_hint(world, worked, client, auth):
    auth.login("sales@vendor.example")
    loaded_version = worked.version
    # The partner moves the lead after the staff page was loaded.
    wf.move_stage(reload(worked).offers[0], world["alpha_rep"], Stage.NEEDS_HEARING)
    db.session.commit()
    for url, data in (
        ("stage", {"stage-to_stage": "proposal"}),
        ("activities", {"activity-occurred_at": "2025-01-10T10:30", "activity-detail": "x"}),
        (
            "won",
            {
                "won-order_date": "2025-02-01",
                "won-product": "X200",
                "won-amount": "100",
                "won-delivery_date": "2025-03-01",
            },
        ),
        ("lost", {"lost-reason": "price"}),
    ):
        prefix = url.rstrip("s").replace("activitie", "activity")
        data[f"{prefix}-version"] = loaded_version
        response = client.post(f"/admin/desk/{worked.ref}/{url}", data=data, follow_redirects=True)
        assert "Reload the page" in response.get_data(as_text=True), url
    lead = reload(worked)
    assert lead.stage is Stage.NEEDS_HEARING
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1


def test_a_form_without_its_version_is_refused(world, worked, client, auth):
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/stage",
        data={"stage-to_stage": "proposal"},
        follow_redirects=True,
    )
    assert "Reload the page" in response.get_data(as_text=True)
    assert reload(worked).stage is Stage.APPOINTMENT


def test_staff_log_an_activity_in_their_time_zone(world, worked, client, auth):
    auth.login("sales@vendor.example")
    client.post(
        f"/admin/desk/{worked.ref}/activities",
        data={
            "activity-occurred_at": "2025-01-10T10:30",
            "activity-channel": "visit",
            "activity-category": "order",
            "activity-detail": "訪問して発注書を受領",
            "activity-version": worked.version,
        },
    )
    activity = db.session.scalar(sa.select(Activity).where(Activity.author_id == world["sales"].id))
    assert activity.detail == "訪問して発注書を受領"
    assert activity.channel.value == "visit" and activity.category.value == "order"
    # 10:30 in Tokyo is 01:30 UTC.
    assert activity.occurred_at == datetime(2025, 1, 10, 1, 30, tzinfo=UTC)
    assert "訪問して発注書を受領" in page(client, worked)
    assert (
        db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "lead.activity_logged")
            .order_by(AuditEvent.id.desc())
        ).actor_id
        == world["sales"].id
    )


def test_an_empty_activity_is_refused(world, worked, client, auth):
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/activities",
        data={"activity-occurred_at": "2025-01-10T10:30", "activity-version": worked.version},
        follow_redirects=True,
    )
    assert "What happened" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1


def test_staff_close_as_won_then_deliver(world, worked, client, auth):
    auth.login("sales@vendor.example")
    won = {
        "won-order_date": "2025-02-01",
        "won-product": "サーバー X200 ×10",
        "won-amount": "7500000",
        "won-delivery_date": "2025-03-15",
        "won-version": worked.version,
    }
    # Delivery before the order: the rule refuses, nothing changes.
    response = client.post(
        f"/admin/desk/{worked.ref}/won",
        data={**won, "won-delivery_date": "2025-01-15"},
        follow_redirects=True,
    )
    assert "delivery date cannot be before" in response.get_data(as_text=True)
    assert reload(worked).stage is Stage.APPOINTMENT

    response = client.post(f"/admin/desk/{worked.ref}/won", data=won, follow_redirects=True)
    assert "closed as won" in response.get_data(as_text=True)
    lead = reload(worked)
    assert lead.stage is Stage.WON
    assert (lead.order_date, lead.order_product, lead.order_amount, lead.delivery_date) == (
        date(2025, 2, 1),
        "サーバー X200 ×10",
        7_500_000,
        date(2025, 3, 15),
    )
    html = page(client, lead)
    assert "サーバー X200 ×10" in html
    assert 'id="won-form"' not in html and 'id="lost-form"' not in html
    client.post(
        f"/admin/desk/{lead.ref}/stage",
        data={"stage-to_stage": "delivered", "stage-version": lead.version},
    )
    assert reload(lead).stage is Stage.DELIVERED


def test_staff_close_as_lost_needs_a_note_for_other(world, worked, client, auth):
    auth.login("sales@vendor.example")
    response = client.post(
        f"/admin/desk/{worked.ref}/lost",
        data={"lost-reason": "other", "lost-version": worked.version},
        follow_redirects=True,
    )
    assert "Explain why the lead was lost." in response.get_data(as_text=True)
    assert reload(worked).stage is Stage.APPOINTMENT
    client.post(
        f"/admin/desk/{worked.ref}/lost",
        data={"lost-reason": "other", "lost-note": "計画が白紙に", "lost-version": worked.version},
    )
    lead = reload(worked)
    assert lead.stage is Stage.LOST and lead.lost_reason is LostReason.OTHER
    assert lead.outcome_note == "計画が白紙に"
    html = page(client, lead)
    assert "計画が白紙に" in html and 'id="stage-form"' not in html


def test_a_lead_not_accepted_cannot_be_worked(world, client, auth):
    lead = factories.lead(world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    assert 'id="stage-form"' not in page(client, lead)
    response = client.post(
        f"/admin/desk/{lead.ref}/stage",
        data={"stage-to_stage": "proposal", "stage-version": lead.version},
        follow_redirects=True,
    )
    assert "No partner has accepted this lead yet." in response.get_data(as_text=True)
    assert reload(lead).stage is Stage.QUALIFIED


@pytest.mark.parametrize("email", ["manager@alpha.example", "rep@alpha.example"])
def test_partner_users_cannot_use_the_staff_forms(world, worked, client, auth, email):
    auth.login(email)
    response = client.post(
        f"/admin/desk/{worked.ref}/lost",
        data={"lost-reason": "price", "lost-version": worked.version},
    )
    assert response.status_code == 403
    assert reload(worked).stage is Stage.APPOINTMENT


@pytest.mark.csrf
def test_the_forms_carry_their_csrf_token(world, worked, client, auth):
    import re

    auth.login("sales@vendor.example")
    html = page(client, worked)
    token = re.search(r'name="stage-csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "stage-to_stage": "proposal",
        "stage-note": "見積を提出",
        "stage-version": worked.version,
    }
    refused = client.post(f"/admin/desk/{worked.ref}/stage", data=data)
    # Refused without a token: the form again, its text kept, asking to send it again.
    assert refused.status_code == 422
    assert "send it again" in refused.get_data(as_text=True)
    assert "見積を提出" in refused.get_data(as_text=True)
    assert reload(worked).stage is Stage.APPOINTMENT
    response = client.post(
        f"/admin/desk/{worked.ref}/stage", data={**data, "stage-csrf_token": token}
    )
    assert response.status_code == 302
    assert reload(worked).stage is Stage.PROPOSAL


@pytest.mark.parametrize("stage", [Stage.PAID, Stage.LOST])
def test_no_activity_form_once_paid_or_lost_and_a_post_is_refused(
    world, worked, client, auth, stage
):
    """The page offers the form only where the rule allows it; a forged post changes nothing."""
    from tests.models.test_workflow import _work_to

    _work_to(worked.accepted_offer, world["alpha_rep"], stage)
    db.session.commit()
    auth.login("sales@vendor.example")
    assert 'id="activity-form"' not in page(client, worked)
    response = client.post(
        f"/admin/desk/{worked.ref}/activities",
        data={
            "activity-occurred_at": "2025-01-10T10:30",
            "activity-channel": "visit",
            "activity-category": "order",
            "activity-detail": "forged",
            "activity-version": worked.version,
        },
        follow_redirects=True,
    )
    assert "Activities can no longer be logged on this lead." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1
