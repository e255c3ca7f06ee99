"""Commands for the partner API and webhooks.

``flask --app wsgi api-token create EMAIL [--read-only]``  print a new API token for that user
``flask --app wsgi webhooks send``                          one webhook delivery pass
"""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from leadshare.extensions import db

api_token_cli = AppGroup("api-token", help="API tokens for partners' and the vendor's systems.")
webhooks_cli = AppGroup("webhooks", help="Deliver webhooks to partners' endpoints.")


@api_token_cli.command("create")
@click.argument("email")
@click.option("--read-only", is_flag=True, help="The token can read but change nothing.")
@click.option("--name", default="command line", show_default=True, help="A label for lists.")
@click.option("--days", type=click.IntRange(min=1), help="Expire after this many days.")
def create_token(email: str, read_only: bool, name: str, days: int | None) -> None:
    """Print a new API token acting as the user EMAIL (shown only this once)."""
    from models.api_tokens import create_api_token
    from models.base import utcnow
    from models.errors import RuleError
    from models.users import User

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with the e-mail {email}")
    expires_at = utcnow() + timedelta(days=days) if days else None
    try:
        _token, raw = create_api_token(
            None, user, name=name, read_only=read_only, expires_at=expires_at
        )
    except RuleError as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from err
    db.session.commit()
    click.echo(raw)


@webhooks_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most deliveries in this pass.")
def send_webhooks(limit: int) -> None:
    """Post every due webhook delivery once (failures are retried by a later pass)."""
    from leadshare.webhooks import deliver_due_webhooks

    click.echo(str(deliver_due_webhooks(limit=limit)))


def register_api_commands(app) -> None:
    """Attach the api-token and webhooks command groups."""
    app.cli.add_command(api_token_cli)
    app.cli.add_command(webhooks_cli)
