"""LeadShare's ``flask`` commands."""

from __future__ import annotations

import click
from flask import Flask


@click.command("demo")
def demo_command() -> None:
    """Load the demo data (idempotent: a second run changes nothing)."""
    from leadshare.demo import load_demo

    created = load_demo()
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo("Demo logins (password: demo-password):")
    for email in DEMO_LOGINS:
        click.echo(f"  {email}")


@click.group("counters")
def counters_cli() -> None:
    """The counters kept with every change (inbox tabs, waiting items, capacity)."""


@counters_cli.command("check")
@click.option("--fix", is_flag=True, help="Replace drifted values by the recount.")
def counters_check_command(fix: bool) -> None:
    """Recount every counter from the data; report (and with --fix repair) any drift."""
    from leadshare.extensions import db
    from models import counters

    drift = counters.check(db.session, fix=fix)
    for (kind, owner_id, name), (stored, recounted) in sorted(drift.items())[:50]:
        click.echo(f"{kind} {owner_id} {name}: stored {stored}, recounted {recounted}")
    if fix:
        db.session.commit()
        click.echo(f"{len(drift)} counters repaired.")
        return
    click.echo(f"{len(drift)} counters differ from a recount.")
    if drift:
        raise SystemExit(1)


@click.group("reports")
def reports_cli() -> None:
    """The report snapshots behind the back office's home and dashboard."""


@reports_cli.command("refresh")
def reports_refresh_command() -> None:
    """Recompute the dashboard snapshot (run by cron or the worker every few minutes)."""
    from admin.reports import refresh_reports
    from leadshare.extensions import db

    snapshot = refresh_reports()
    db.session.commit()
    click.echo(f"Reports refreshed in {snapshot.seconds:.2f} s.")


DEMO_LOGINS = (
    "admin@vendor.example",
    "sales@vendor.example",
    "manager@alpha.example",
    "rep@alpha.example",
    "manager@beta.example",
    "rep@beta.example",
    "manager@gamma.example",
    "rep@gamma.example",
)


def register_cli(app: Flask) -> None:
    """Attach every command group to ``app.cli``."""
    app.cli.add_command(demo_command)
    app.cli.add_command(counters_cli)
    app.cli.add_command(reports_cli)
    from admin.imports import leads_cli

    app.cli.add_command(leads_cli)
    try:  # the benchmark's commands and views, when its package is installed
        from bench.app import init_bench
    except ImportError:
        pass
    else:
        init_bench(app)
    from leadshare.notify_cli import register_notification_commands

    register_notification_commands(app)
    from leadshare.api_cli import register_api_commands

    register_api_commands(app)
