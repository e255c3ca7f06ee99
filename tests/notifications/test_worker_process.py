"""The real `flask outbox work` process: a hung mail server stalls neither the sweep nor SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from leadshare import create_app
from leadshare.extensions import db
from models import Base, Offer, OfferState, Role
from models import workflow as wf
from models.base import utcnow
from tests import factories
from tests.notifications.faulty_smtp import RawSmtpServer

ROOT = Path(__file__).resolve().parents[2]


def test_worker_sweeps_and_stops_on_sigterm_while_the_server_hangs(tmp_path):
    """An offer past its deadline expires although SMTP hangs; SIGTERM ends the worker quickly."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        sales = factories.staff(Role.SALES, "sales@vendor.example")
        alpha = factories.partner("alpha", regions=["chubu"])
        factories.user(alpha, Role.PARTNER_MANAGER, "manager@alpha.example")
        long_ago = utcnow() - timedelta(days=5)
        offer = wf.offer_lead(factories.lead(sales), alpha, sales, now=long_ago)
        db.session.commit()
        offer_id = offer.id
        db.session.remove()
        db.engine.dispose()

    hung = RawSmtpServer("hang")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_SECRET_KEY": "worker-test",
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(hung.port),
        "FLASK_MAIL_TIMEOUT": "2",
        "LEADSHARE_ENV": "development",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work", "--interval", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert hung.connected.wait(90), "the worker never tried to deliver"
        engine = sa.create_engine(url)
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                state = connection.scalar(sa.select(Offer.state).where(Offer.id == offer_id))
            if state is OfferState.EXPIRED:
                break
            time.sleep(0.2)
        engine.dispose()
        assert state is OfferState.EXPIRED

        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)  # MAIL_TIMEOUT + interval, and room
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        hung.stop()
    assert worker.returncode == 0, output
    assert "outbox worker stopped" in output
    assert "will be retried" in output  # one log line per failed message
