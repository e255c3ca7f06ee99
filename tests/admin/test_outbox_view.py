"""Operators see failed mail: counted on the staff home, filtered in the outbox, retried."""

from __future__ import annotations

import re

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, OutboxMessage, OutboxStatus, queue_message


def _queue_failed(world, count: int) -> list[OutboxMessage]:
    """``count`` failed messages and one pending one; committed."""
    failed = []
    for i in range(count + 1):
        message = queue_message(
            db.session, "offer_withdrawn", world["alpha_manager"], {"lead_ref": f"r{i}"}
        )
        failed.append(message)
    db.session.flush()
    for message in failed[:count]:
        message.status = OutboxStatus.FAILED
        message.last_error = "550 5.1.1 No such user"
        message.message_id = f"<m{message.id}@leadshare.example>"
    db.session.commit()
    return failed[:count]


def test_staff_home_counts_failed_mail_and_links_to_them(world, as_user):
    """The administrator's home shows how many messages failed, linking to exactly those."""
    _queue_failed(world, 2)
    client = as_user("admin@vendor.example")
    html = client.get("/admin/").get_data(as_text=True)
    match = re.search(r'data-figure="failed_mail">\s*(.*?)<a href="([^"]+)"', html, re.S)
    assert match and "2" in match.group(1)
    listing = client.get(match.group(2).replace("&amp;", "&")).get_data(as_text=True)
    assert listing.count('name="rowid"') == 2
    assert listing.count("550 5.1.1 No such user") == 2


def test_staff_home_without_failures_says_nothing(world, as_user):
    """No failed message, no alarm."""
    client = as_user("admin@vendor.example")
    assert 'data-figure="failed_mail"' not in client.get("/admin/").get_data(as_text=True)


def test_outbox_filters_work_and_a_bad_value_is_ignored(world, as_user):
    """Status and kind filters narrow the list; a made-up status does not break the page."""
    _queue_failed(world, 1)
    client = as_user("admin@vendor.example")
    assert (
        client.get("/admin/outbox/?flt0_status_is=failed")
        .get_data(as_text=True)
        .count('name="rowid"')
        == 1
    )
    assert (
        client.get("/admin/outbox/?flt0_status_is=pending")
        .get_data(as_text=True)
        .count('name="rowid"')
        == 1
    )
    response = client.get("/admin/outbox/?flt0_status_is=nonsense")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('name="rowid"') == 2
    assert client.get("/admin/outbox/?flt1_kind_is=offer_withdrawn").status_code == 200


def test_retry_action_puts_failed_messages_back(world, as_user):
    """The "Send again" action requeues the selected failed messages, audited, same Message-ID."""
    first, second = _queue_failed(world, 2)
    client = as_user("admin@vendor.example")
    response = client.post(
        "/admin/outbox/action/",
        data={"action": "retry", "rowid": [str(first.id)]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first.id).status is OutboxStatus.PENDING
    assert db.session.get(OutboxMessage, first.id).message_id == f"<m{first.id}@leadshare.example>"
    assert db.session.get(OutboxMessage, second.id).status is OutboxStatus.FAILED
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "outbox.retried")
    ).all()
    assert [e.entity_id for e in events] == [str(first.id)]


def test_sales_cannot_retry(world, as_user):
    """The outbox is the administrators'; sales cannot reach the action."""
    (failed,) = _queue_failed(world, 1)
    client = as_user("sales@vendor.example")
    response = client.post("/admin/outbox/action/", data={"action": "retry", "rowid": [failed.id]})
    assert response.status_code in (302, 403, 404)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status is OutboxStatus.FAILED
