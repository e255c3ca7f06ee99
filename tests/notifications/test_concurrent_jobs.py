"""The sweep and the digest run one at a time per database; a second run skips and says so."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from leadshare.jobs import run_digest, run_sweep
from leadshare.locks import run_alone
from models import AuditEvent, OutboxMessage
from models import workflow as wf
from models.base import utcnow
from tests import factories


def _holding(app, name: str):
    """Hold the job lock ``name`` from another thread until the returned event is set."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        with app.app_context():
            with run_alone(name) as got:
                assert got
                taken.set()
                release.wait(20)
            db.session.remove()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(10)
    return release, thread


@pytest.mark.parametrize(
    ("lock", "args", "said"),
    [
        ("sla-sweep", ["sla", "sweep"], "skipped: another SLA sweep is running"),
        ("digest", ["digest", "send"], "skipped: another digest run is in progress"),
    ],
)
def test_a_second_run_skips_and_says_so(app, world, runner, lock, args, said):
    """While one run holds the lock, the command exits 0, says it skipped and changes nothing."""
    lead = factories.lead(world["sales"])
    wf.offer_lead(lead, world["alpha"], world["sales"], now=utcnow() - timedelta(days=5))
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    release, thread = _holding(app, lock)
    try:
        result = runner.invoke(args=args)
    finally:
        release.set()
        thread.join(10)
    assert result.exit_code == 0, result.output
    assert said in result.output
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == before

    result = runner.invoke(args=args)  # the lock is free again: this one runs
    assert "skipped" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) > before


@pytest.mark.postgres
def test_three_sweeps_and_two_digests_at_once_on_postgresql(app, world):
    """At reminder time three sweeps start together: no error, one reminder, one audit event."""
    lead = factories.lead(world["sales"])
    start = utcnow() - timedelta(hours=40)  # past 75 % of 48 h, before the deadline
    offer = wf.offer_lead(lead, world["alpha"], world["sales"], now=start)
    db.session.commit()

    errors: list[BaseException] = []
    results: list[object] = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait()
                results.append(job())
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    for job, count in ((run_sweep, 3), (run_digest, 2)):
        barrier = threading.Barrier(count)
        threads = [threading.Thread(target=run, args=(job,)) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert errors == []
    db.session.expire_all()
    reminded = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "offer.reminded")
    ).all()
    assert len(reminded) == 1 and reminded[0].entity_id == str(offer.id)
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds.count("offer_reminder") == 1
    digests = db.session.scalars(
        sa.select(OutboxMessage.to_email).where(OutboxMessage.kind == "digest")
    ).all()
    assert len(digests) == len(set(digests)) > 0
