"""Two outbox workers at once on PostgreSQL: every message delivered exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest

from leadshare.extensions import db
from leadshare.outbox import deliver_due
from models import OutboxMessage, OutboxStatus, queue_message
from tests.notifications.conftest import Mailbox


class SlowMailbox(Mailbox):
    """A mailbox that takes a moment per message, so the workers overlap."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message after a short pause."""
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.postgres
def test_two_workers_deliver_each_message_exactly_once(app, world, smtp):
    """40 messages, two workers in parallel: 40 deliveries, none twice, both did work."""
    smtp.mailbox = SlowMailbox()
    smtp.start()
    for i in range(40):
        queue_message(db.session, "offer_withdrawn", world["alpha_manager"], {"lead_ref": f"r{i}"})
    db.session.commit()

    reports = {}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        with app.app_context():
            barrier.wait()
            reports[name] = deliver_due(worker=name, batch_size=5)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = Counter(msg["X-LeadShare-Message"] for _, msg in smtp.mailbox.received)
    assert len(ids) == 40
    assert set(ids.values()) == {1}
    assert sum(r.sent for r in reports.values()) == 40
    assert all(r.sent > 0 for r in reports.values())
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboxMessage.status)).all()
    assert set(statuses) == {OutboxStatus.SENT}
