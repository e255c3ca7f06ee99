"""Commands that deliver the outbox and run the SLA sweep and the daily digest.

``flask --app wsgi outbox send``   one delivery pass (cron-safe)
``flask --app wsgi outbox work``   a worker loop: delivery every few seconds, SLA sweep every minute
``flask --app wsgi sla sweep``     reminders, expiry, re-offers, stale/overdue flags (idempotent)
``flask --app wsgi digest send``   queue today's digest for every user (once per user and day)
"""

from __future__ import annotations

import logging
import signal

import click
from flask import current_app
from flask.cli import AppGroup

from leadshare.extensions import db

outbox_cli = AppGroup("outbox", help="Deliver queued e-mails.")
sla_cli = AppGroup("sla", help="Response, update and outcome SLAs.")
digest_cli = AppGroup("digest", help="The daily digest.")


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages in this pass.")
def outbox_send(limit: int) -> None:
    """Send every due message once (failures are retried by a later pass)."""
    from leadshare.outbox import deliver_due

    report = deliver_due(limit=limit)
    click.echo(f"sent {report.sent}, retry later {report.retried}, failed {report.failed}")


@outbox_cli.command("work")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--sweep-every", default=60.0, show_default=True, help="Seconds between sweeps.")
def outbox_work(interval: float, sweep_every: float) -> None:
    """Deliver continuously and run the SLA sweep periodically, until SIGTERM/SIGINT."""
    from leadshare.outbox import work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = {"now": False}

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("outbox worker running (Ctrl-C to stop)")
    work(interval=interval, sweep_every=sweep_every, stop=lambda: stopping["now"])
    click.echo("outbox worker stopped")


@sla_cli.command("sweep")
def sla_sweep() -> None:
    """Remind, expire (and re-offer when LEADSHARE_AUTO_REOFFER is on), flag stale and overdue."""
    from models.sla import sweep

    report = sweep(auto_reoffer=bool(current_app.config.get("LEADSHARE_AUTO_REOFFER")))
    db.session.commit()
    click.echo(
        f"reminded {len(report.reminded)}, expired {len(report.expired)}, "
        f"re-offered {len(report.reoffered)}, stale {len(report.stale)}, "
        f"overdue {len(report.overdue)}"
    )


@digest_cli.command("send")
def digest_send() -> None:
    """Queue today's digest for every active user (the outbox worker delivers it)."""
    from models.digest import queue_digests

    queued = queue_digests()
    db.session.commit()
    click.echo(f"digests queued: {queued}")


def register_notification_commands(app) -> None:
    """Attach the outbox, sla and digest command groups."""
    app.cli.add_command(outbox_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(digest_cli)
