"""The daily digest: what changed yesterday and what waits today, once per user and day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from leadshare.extensions import db
from leadshare.mail import render_message
from models import Locale, OutboxMessage
from models import workflow as wf
from models.digest import queue_digests
from tests import factories

# 09:00 in Tokyo on 2 June; "yesterday" is 1 June (Tokyo).
NOW = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
YESTERDAY = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def _digest(email: str) -> OutboxMessage | None:
    return db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "digest", OutboxMessage.to_email == email
        )
    )


def test_digest_per_user_in_their_language_once_a_day(world):
    """Manager sees yesterday's offer and what to answer; owner sees the acceptance; once."""
    world["alpha_manager"].locale = Locale.JA
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"], now=YESTERDAY)
    other = factories.lead(world["sales"], teaser="物流倉庫のストレージ増設")
    wf.offer_lead(other, world["beta"], world["sales"], now=YESTERDAY)
    wf.accept_offer(offer, world["alpha_manager"], now=YESTERDAY + timedelta(hours=2))
    db.session.commit()

    assert queue_digests(now=NOW) >= 2
    db.session.commit()
    manager = _digest("manager@alpha.example")
    rendered = render_message(manager)
    assert "デイリーレポート" in rendered.subject
    assert "新しいオファー" in rendered.text
    assert lead.ref in rendered.text
    assert other.ref not in rendered.text  # beta's offer is not alpha's business
    owner = render_message(_digest("sales@vendor.example"))
    assert "Accepted by Alpha" in owner.text

    assert queue_digests(now=NOW + timedelta(hours=3)) == 0
    count = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest")
    )
    assert count >= 2
    assert _digest("manager@beta.example") is not None
    assert _digest("rep@beta.example") is None  # nothing for them: no empty digest


def test_digest_command(runner, world):
    """The command queues and commits."""
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    assert "digests queued" in result.output
