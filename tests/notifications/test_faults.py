"""Delivery under faults, against real SMTP peers on loopback.

Each peer misbehaves one way: hangs, refuses for good (550), refuses for now
(451), or hangs up after DATA. Every test bounds its waits with short timeouts.
"""

from __future__ import annotations

import email
import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from leadshare.outbox import deliver_due
from models import OutboxMessage, OutboxStatus, queue_message
from models.base import utcnow
from tests.notifications.conftest import Mailbox, SmtpServer, free_port
from tests.notifications.faulty_smtp import RawSmtpServer


def _queue(world, count: int, person: str = "alpha_manager") -> list[OutboxMessage]:
    """Queue ``count`` small messages to one person; committed."""
    messages = [
        queue_message(db.session, "offer_withdrawn", world[person], {"lead_ref": f"r{i}"})
        for i in range(count)
    ]
    db.session.commit()
    return messages


def _all() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _in_thread(app, target, limit: float = 20.0):
    """Run ``target`` in a thread; fail if it has not returned within ``limit`` seconds."""
    result = {}

    def run():
        with app.app_context():
            result["value"] = target()
            db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), "delivery blocked"
    return result.get("value")


@pytest.fixture
def refusing(app):
    """An aiosmtpd server whose RCPT replies are set per address."""
    server = SmtpServer(free_port())
    server.mailbox = Mailbox(
        refuse={
            "gone@alpha.example": "550 5.1.1 No such user",
            "full@alpha.example": "451 4.2.2 Mailbox full, try later",
        }
    )
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()


def _person(world, email: str):
    """A partner user with this address (alpha)."""
    from models import Role
    from tests import factories

    person = factories.user(world["alpha"], Role.PARTNER_MANAGER, email)
    db.session.commit()
    return person


def test_a_hung_server_does_not_block_delivery(app, world):
    """A server that accepts and never answers: the pass ends after MAIL_TIMEOUT; retried later."""
    hung = RawSmtpServer("hang")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=hung.port, MAIL_TIMEOUT=0.3)
    _queue(world, 5)
    try:
        report = _in_thread(app, lambda: deliver_due(batch_size=3), limit=10)
    finally:
        hung.stop()
    # One connection, one timeout: the batch waits for a later pass, the next batch is
    # not even tried (so the worker's sweep is not held up batch after batch).
    assert hung.connections == 1
    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    messages = _all()
    for message in messages[:3]:
        assert message.status is OutboxStatus.PENDING
        assert "timed out" in message.last_error
        assert message.next_attempt_at > utcnow()
    assert [(m.status, m.attempts) for m in messages[3:]] == [(OutboxStatus.PENDING, 0)] * 2


def test_550_fails_at_once_and_the_batch_goes_on(app, world, refusing):
    """A permanent refusal fails that message with its reason; the others go out, one session."""
    _queue(world, 2)
    gone = _person(world, "gone@alpha.example")
    queue_message(db.session, "offer_withdrawn", gone, {"lead_ref": "rx"})
    db.session.commit()
    _queue(world, 2)

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (4, 0, 1)
    assert refusing.mailbox.connections == 1
    assert len(refusing.mailbox.to("manager@alpha.example")) == 4
    (failed,) = [m for m in _all() if m.to_email == "gone@alpha.example"]
    assert failed.status is OutboxStatus.FAILED
    assert failed.attempts == 1
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert failed.failed_at is not None


def test_451_is_retried_for_the_retry_window_then_failed(app, world, refusing):
    """A temporary refusal waits with back-off; after OUTBOX_RETRY_HOURS it fails."""
    full = _person(world, "full@alpha.example")
    queue_message(db.session, "offer_withdrawn", full, {"lead_ref": "rx"})
    db.session.commit()
    start = utcnow()

    assert deliver_due(now=start).retried == 1
    (message,) = _all()
    assert message.status is OutboxStatus.PENDING
    assert "451" in message.last_error
    assert message.next_attempt_at == start + timedelta(minutes=1)

    assert deliver_due(now=start + timedelta(hours=23)).retried == 1
    assert _all()[0].status is OutboxStatus.PENDING
    report = deliver_due(now=start + timedelta(hours=24, minutes=1))
    assert report.failed == 1
    (message,) = _all()
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == 3
    assert refusing.mailbox.received == []


def test_dropped_after_data_is_resent_with_the_same_message_id(app, world):
    """The server took the DATA and hung up: the retry carries the same Message-ID."""
    flaky = RawSmtpServer("drop_after_data")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=flaky.port, MAIL_TIMEOUT=2)
    _queue(world, 1)
    try:
        first = _in_thread(app, lambda: deliver_due(), limit=10)
    finally:
        flaky.stop()
    assert first.retried == 1
    (message,) = _all()
    assert message.status is OutboxStatus.PENDING

    good = SmtpServer(free_port())
    good.start()
    app.config["MAIL_PORT"] = good.port
    try:
        assert deliver_due(now=message.next_attempt_at).sent == 1
    finally:
        good.stop()
    (kept,) = flaky.received
    first_id = email.message_from_bytes(kept)["Message-ID"].strip()
    ((_, resent),) = good.mailbox.received
    assert resent["Message-ID"] == first_id == _all()[0].message_id


def test_a_crash_after_sending_resends_once_after_the_lease(app, world, smtp, monkeypatch):
    """The pass dies after the server accepted: no resend until the lease ends, then once."""
    import leadshare.outbox as outbox

    smtp.start()
    _queue(world, 1)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process is killed between SMTP and COMMIT

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "_record", crash)
        with pytest.raises(KeyboardInterrupt):
            deliver_due()
    db.session.rollback()
    assert len(smtp.mailbox.received) == 1

    assert deliver_due().sent == 0  # still leased by the dead pass
    (message,) = _all()
    lease_ends = message.leased_until
    report = deliver_due(now=lease_ends + timedelta(seconds=1))
    assert report.sent == 1
    assert deliver_due(now=lease_ends + timedelta(hours=1)).sent == 0
    ids = [msg["Message-ID"] for _, msg in smtp.mailbox.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert _all()[0].status is OutboxStatus.SENT


def test_a_crash_mid_group_resends_only_the_uncommitted_messages(app, world, smtp, monkeypatch):
    """Results are committed in groups: a pass killed after five sends (group of three)
    has recorded three; the other two go once more after the lease, same Message-ID."""
    import leadshare.outbox as outbox

    smtp.start()
    app.config["OUTBOX_COMMIT_EVERY"] = 3
    _queue(world, 5)
    record = outbox._record
    seen = {"n": 0}

    def crash_after_the_fifth(message, now, error):
        outcome = record(message, now, error)
        seen["n"] += 1
        if seen["n"] == 5:
            raise KeyboardInterrupt  # killed before the second group's COMMIT
        return outcome

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "_record", crash_after_the_fifth)
        with pytest.raises(KeyboardInterrupt):
            deliver_due()
    db.session.rollback()
    assert len(smtp.mailbox.received) == 5
    assert Counter(m.status for m in _all()) == {OutboxStatus.SENT: 3, OutboxStatus.PENDING: 2}
    lease_ends = max(m.leased_until for m in _all() if m.leased_until)
    assert deliver_due(now=lease_ends + timedelta(seconds=1)).sent == 2
    ids = Counter(msg["Message-ID"] for _, msg in smtp.mailbox.received)
    assert len(ids) == 5 and sorted(ids.values()) == [1, 1, 1, 2, 2]
    assert {m.status for m in _all()} == {OutboxStatus.SENT}


def test_results_are_committed_in_groups(app, world, smtp, monkeypatch):
    """Seven messages, groups of three: three COMMITs of results, not seven."""
    smtp.start()
    app.config["OUTBOX_COMMIT_EVERY"] = 3
    _queue(world, 7)
    real_commit = db.session.commit
    commits = {"n": 0}

    def counting_commit():
        commits["n"] += 1
        return real_commit()

    monkeypatch.setattr(db.session, "commit", counting_commit)
    assert deliver_due().sent == 7
    assert commits["n"] == 3 + 2  # the results; the lease, and the look for a next batch
    monkeypatch.undo()
    assert {m.status for m in _all()} == {OutboxStatus.SENT}


def test_a_database_error_after_sending_is_recorded_on_the_second_try(
    app, world, smtp, monkeypatch
):
    """COMMIT fails once after the server accepted: the result is written again; no resend."""
    smtp.start()
    _queue(world, 1)
    real_commit = db.session.commit
    calls = {"n": 0}

    def flaky_commit():
        calls["n"] += 1
        if calls["n"] == 2:  # 1: the lease, 2: the first result
            raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", flaky_commit)
    assert deliver_due().sent == 1
    monkeypatch.undo()
    assert deliver_due(now=utcnow() + timedelta(hours=2)).sent == 0
    assert len(smtp.mailbox.received) == 1
    assert _all()[0].status is OutboxStatus.SENT


def test_retry_command_puts_failed_messages_back(app, world, refusing, runner):
    """`outbox retry` and `outbox retry --id N` requeue failed messages, keeping the Message-ID."""
    gone = _person(world, "gone@alpha.example")
    for i in range(2):
        queue_message(db.session, "offer_withdrawn", gone, {"lead_ref": f"r{i}"})
    db.session.commit()
    deliver_due()
    first, second = _all()
    assert {first.status, second.status} == {OutboxStatus.FAILED}
    message_id = first.message_id

    result = runner.invoke(args=["outbox", "retry", "--id", str(first.id)])
    assert result.exit_code == 0, result.output
    assert "back in the queue: 1" in result.output
    first, second = _all()
    assert (first.status, second.status) == (OutboxStatus.PENDING, OutboxStatus.FAILED)
    assert first.message_id == message_id

    result = runner.invoke(args=["outbox", "retry"])
    assert "back in the queue: 1" in result.output
    assert {m.status for m in _all()} == {OutboxStatus.PENDING}


def test_production_without_a_mail_server_refuses(app, world, runner, tmp_path):
    """`outbox send` and `outbox work` exit 1 with the reason; nothing is marked sent."""
    app.config.update(PRODUCTION=True, MAIL_SERVER=None)
    app.instance_path = str(tmp_path)
    _queue(world, 2)
    for args in (["outbox", "send"], ["outbox", "work", "--interval", "0"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "FLASK_MAIL_SERVER" in result.output
    assert {m.status for m in _all()} == {OutboxStatus.PENDING}
    assert not (tmp_path / "mail").exists()

    app.config["OUTBOX_BACKEND"] = "file"  # files only when asked for explicitly
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "sent 2" in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_mixed_script_subject_is_valid_rfc_2047(app, world, smtp):
    """Subjects mixing Latin and Japanese decode back exactly; no encoded word glued to text."""
    from models import Locale
    from models import workflow as wf
    from tests import factories

    smtp.start()
    world["alpha_manager"].locale = Locale.EN
    teaser = "Manufacturer 製造業の基幹サーバー更改 Manufacturer"
    lead = factories.lead(world["sales"], teaser=teaser)
    wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.commit()
    deliver_due()
    ((_, msg),) = smtp.mailbox.received
    raw = msg.as_bytes().decode("ascii")
    folded = re.search(r"^Subject:(.*?)\n(?=\S)", raw, re.M | re.S).group(1)
    # No encoded-word glued to the text next to it: every "=?charset?B|Q?…?=" stands alone.
    word = r"=\?[\w-]+\?[bBqQ]\?[^?\s]*\?="
    assert re.search(rf"{word}[^\s]", folded) is None
    assert re.search(rf"[^\s]{word}", folded) is None
    assert re.findall(word, folded), folded
    from email import message_from_bytes, policy

    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "New lead offer: Manufacturer 製造業の基幹サーバー更改 Manufacturer"


def test_two_passes_on_sqlite_never_send_twice(tmp_path):
    """Two delivery passes at once on one SQLite file: one runs, the other skips; 40 sent once."""
    import asyncio

    from leadshare import create_app
    from models import Base, Role
    from tests import factories

    class Slow(Mailbox):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            await asyncio.sleep(0.01)
            return await super().handle_DATA(server, session, envelope)

    server = SmtpServer(free_port())
    server.mailbox = Slow()
    server.start()
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port
    )
    try:
        with app.app_context():
            Base.metadata.create_all(db.engine)
            person = factories.user(factories.partner("alpha"), Role.PARTNER_MANAGER)
            for i in range(40):
                queue_message(db.session, "offer_withdrawn", person, {"lead_ref": f"r{i}"})
            db.session.commit()
            db.session.remove()

        reports = []
        barrier = threading.Barrier(2)

        def run():
            with app.app_context():
                barrier.wait()
                reports.append(deliver_due(batch_size=10))
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()

    ids = Counter(msg["X-LeadShare-Message"] for _, msg in server.mailbox.received)
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert sorted(r.skipped for r in reports) == [False, True]
    assert sum(r.sent for r in reports) == 40
