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
    from admin.imports import leads_cli

    app.cli.add_command(leads_cli)
    from leadshare.bench import init_bench

    init_bench(app)
    from leadshare.notify_cli import register_notification_commands

    register_notification_commands(app)
    from leadshare.api_cli import register_api_commands

    register_api_commands(app)
