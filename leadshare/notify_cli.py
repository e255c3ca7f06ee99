"""Commands that deliver the outbox and run the SLA sweep and the daily digest.

``outbox send``           one delivery pass (cron-safe)
``outbox work``           a worker: delivery every few seconds, SLA sweep every minute
``outbox retry [--id N]`` put failed messages back in the queue
``sla sweep``             reminders, expiry, re-offers, stale/overdue flags
``digest send``           queue today's digest for every user (once per user and day)

The sweep and the digest run one at a time per database: a second run skips and
says so. In production without a mail server, ``outbox send`` and ``outbox work``
exit with status 1 instead of writing mail to files.
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


def _backend_or_exit() -> str:
    """The mail backend, or exit 1 with the reason (production without a mail server)."""
    from leadshare.outbox import MailNotConfigured, mail_backend

    try:
        return mail_backend(current_app.config)
    except MailNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages in this pass.")
def outbox_send(limit: int) -> None:
    """Send every due message once (temporary failures are retried by a later pass)."""
    from leadshare.outbox import deliver_due

    _backend_or_exit()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    report = deliver_due(limit=limit, worker="outbox send")
    if report.skipped:
        click.echo("skipped: another delivery pass is running")
        return
    click.echo(f"sent {report.sent}, retry later {report.retried}, failed {report.failed}")


@outbox_cli.command("work")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--sweep-every", default=60.0, show_default=True, help="Seconds between sweeps.")
def outbox_work(interval: float, sweep_every: float) -> None:
    """Deliver continuously and run the SLA sweep periodically, until SIGTERM/SIGINT."""
    from leadshare.outbox import Worker

    backend = _backend_or_exit()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = Worker(interval=interval, sweep_every=sweep_every)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    target = (
        "files under instance/mail/" if backend == "file" else current_app.config["MAIL_SERVER"]
    )
    click.echo(f"outbox worker running, delivering to {target} (Ctrl-C to stop)")
    worker.run()
    click.echo("outbox worker stopped")


@outbox_cli.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="Only this message (repeatable).")
def outbox_retry(ids: tuple[int, ...]) -> None:
    """Put failed messages back in the queue with a fresh retry window."""
    from models.outbox import retry_failed

    requeued = retry_failed(db.session, ids=list(ids) or None)
    db.session.commit()
    click.echo(f"back in the queue: {len(requeued)}")
    if ids and len(requeued) < len(set(ids)):
        missing = sorted(set(ids) - set(requeued))
        click.echo(f"not failed or unknown: {', '.join(map(str, missing))}")


@sla_cli.command("sweep")
def sla_sweep() -> None:
    """Remind, expire (and re-offer when LEADSHARE_AUTO_REOFFER is on), flag stale and overdue."""
    from leadshare.jobs import run_sweep

    report = run_sweep()
    if report is None:
        click.echo("skipped: another SLA sweep is running")
        return
    click.echo(
        f"reminded {len(report.reminded)}, expired {len(report.expired)}, "
        f"re-offered {len(report.reoffered)}, stale {len(report.stale)}, "
        f"overdue {len(report.overdue)}, overdue cleared {len(report.overdue_cleared)}, "
        f"staff reminded {len(report.staff_reminded)}, "
        f"registrations reminded {len(report.registrations.reminded)}, "
        f"returned {len(report.registrations.returned)}"
    )


@digest_cli.command("send")
def digest_send() -> None:
    """Queue today's digest for every active user (the outbox worker delivers it)."""
    from leadshare.jobs import run_digest

    queued = run_digest()
    if queued is None:
        click.echo("skipped: another digest run is in progress")
        return
    click.echo(f"digests queued: {queued}")


def register_notification_commands(app) -> None:
    """Attach the outbox, sla and digest command groups."""
    app.cli.add_command(outbox_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(digest_cli)
