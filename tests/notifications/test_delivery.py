"""Outbox delivery through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from leadshare.extensions import db
from leadshare.mail import render_message
from leadshare.outbox import deliver_due
from models import Locale, OutboxMessage, OutboxStatus, queue_message
from models import workflow as wf
from tests import factories
from tests.notifications.conftest import html_part, subject, text_part


def _messages(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _offer(world, partner="alpha"):
    """Staff offer a new lead to ``partner``; committed."""
    lead = factories.lead(world["sales"], region="chubu")
    offer = wf.offer_lead(lead, world[partner], world["sales"])
    db.session.commit()
    return offer


def test_offer_teaser_reaches_the_managers_in_their_language(world, smtp):
    """The partner's manager gets the teaser, in Japanese when that is their language."""
    smtp.start()
    world["alpha_manager"].locale = Locale.JA
    db.session.commit()
    offer = _offer(world)

    report = deliver_due()

    assert report.sent == 1
    (msg,) = smtp.mailbox.to("manager@alpha.example")
    assert smtp.mailbox.to("rep@alpha.example") == []  # not assigned: reps get nothing
    assert smtp.mailbox.to("manager@beta.example") == []
    assert "新しいリードのご案内" in subject(msg)
    body = text_part(msg)
    assert "製造業の基幹サーバー更改" in body
    assert f"http://127.0.0.1:5000/leads/{offer.lead.ref}" in body
    assert f"/leads/{offer.lead.ref}" in html_part(msg)
    assert _messages("offer_new")[0].status is OutboxStatus.SENT


def test_teaser_mail_has_no_company_or_personal_data(world, smtp):
    """Neither the company, its address, phone, representative nor the contact is in the mail."""
    smtp.start()
    offer = _offer(world)
    prospect = offer.lead.prospect
    deliver_due()
    (msg,) = smtp.mailbox.to("manager@alpha.example")
    everything = subject(msg) + text_part(msg) + html_part(msg)
    for secret in (
        prospect.company_name,
        prospect.address,
        prospect.phone,
        prospect.representative,
        prospect.website,
        prospect.contact_name,
        prospect.contact_phone,
        prospect.contact_email,
    ):
        assert secret not in everything
    assert "Servers" in text_part(msg)  # the product line, in English for this manager


def test_owner_hears_of_acceptance_in_english(world, smtp):
    """The lead's owner is told in English that alpha accepted, with a link to the lead's page."""
    smtp.start()
    offer = _offer(world)
    wf.accept_offer(offer, world["alpha_manager"])
    db.session.commit()
    deliver_due()
    (msg,) = smtp.mailbox.to("sales@vendor.example")
    assert subject(msg) == f"Alpha 株式会社 accepted lead {offer.lead.ref}"
    assert f"http://127.0.0.1:5000/admin/desk/{offer.lead.ref}" in text_part(msg)


def test_server_down_then_retried_nothing_lost_nothing_twice(world, smtp):
    """With the server down the message waits with its error; later it goes out once."""
    offer = _offer(world)  # server not started: connection refused
    first = deliver_due()
    assert (first.sent, first.retried) == (0, 1)
    (message,) = _messages("offer_new")
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error
    retry_at = message.next_attempt_at

    smtp.start()
    assert deliver_due().sent == 0  # not due yet: back-off
    assert smtp.mailbox.received == []

    report = deliver_due(now=retry_at + timedelta(seconds=1))
    assert report.sent == 1
    assert deliver_due(now=retry_at + timedelta(hours=1)).sent == 0
    assert len(smtp.mailbox.to("manager@alpha.example")) == 1
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert offer.lead.ref in text_part(smtp.mailbox.received[0][1])


def test_without_mail_server_messages_are_written_as_eml(world, app, tmp_path):
    """No MAIL_SERVER: each message becomes an .eml file under instance/mail and is sent."""
    app.config["MAIL_SERVER"] = None
    app.instance_path = str(tmp_path)
    _offer(world)
    assert deliver_due().sent == 1
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert b"manager@alpha.example" in eml.read_bytes()
    assert _messages()[0].status is OutboxStatus.SENT


def test_every_kind_renders_in_both_languages(world):
    """Each kind has a template with a subject and a body in English and Japanese."""
    from leadshare.mail import KINDS

    payload = {
        "lead_ref": "abc123",
        "teaser": "製造業の基幹サーバー更改",
        "product_interest": "servers",
        "region": "chubu",
        "timing": "3m",
        "partner_name": "Alpha",
        "respond_by": "2025-06-03T09:00:00+00:00",
        "reason": "no_capacity",
        "from_stage": "appointment",
        "to_stage": "proposal",
        "author": "Sales",
        "days": 14,
        "expected_close_on": "2025-05-31",
        "registration_ref": "reg1",
        "status": "approved",
        "url": "http://127.0.0.1:5000/reset/token",
        "invited_by": "Admin",
        "organisation": "Alpha",
        "expires_hours": 48,
        "day": "2025-06-02",
        "yesterday": "2025-06-01",
        "changed": [{"kind": "offer_new", "lead_ref": "abc123", "teaser": "t"}],
        "waiting": [{"kind": "stale", "lead_ref": "abc123", "teaser": "t"}],
        "staff": False,
    }
    for locale in (Locale.EN, Locale.JA):
        world["alpha_manager"].locale = locale
        for kind in KINDS:
            message = queue_message(db.session, kind, world["alpha_manager"], payload)
            db.session.flush()
            rendered = render_message(message)
            assert rendered.subject, kind
            assert (
                "abc123" in rendered.text
                or "reg1" in rendered.text
                or kind
                in (
                    "invitation",
                    "password_reset",
                    "registration_submitted",
                    "registration_decided",
                )
            ), kind
            assert "{{" not in rendered.html and "%(" not in rendered.text, kind
            if locale is Locale.JA:
                assert "様" in rendered.text, kind
