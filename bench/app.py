"""Benchmark hooks: the ``flask bench`` commands and, under ``BENCH_ENDPOINTS``, two views.

This package ships with the ``bench`` extra's tooling; the application registers
it only when it is importable (:func:`leadshare.cli.register_cli`), and mounts
the views only when ``BENCH_ENDPOINTS`` is true.

``/bench/reference`` is the bare reference endpoint: one primary-key lookup, JSON,
no login, no template. ``/admin/bench-stock-leads/`` is a stock Flask-Admin
``ModelView`` on the leads table (behind the staff access rule), so the back
office's own lead list can be compared with what Flask-Admin does out of the box.
Neither exists unless ``BENCH_ENDPOINTS`` is true (``FLASK_BENCH_ENDPOINTS=true``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, jsonify, request
from flask.cli import AppGroup

from leadshare.extensions import csrf, db

bp = Blueprint("bench", __name__, url_prefix="/bench")
bench_cli = AppGroup("bench", help="Generate benchmark data and run the benchmark.")


@bp.get("/reference")
def reference():
    """One indexed query, no template: the yardstick every page is compared with."""
    lead_id = request.args.get("id", default=1, type=int)
    row = db.session.execute(
        sa.text("SELECT id, ref, stage FROM leads WHERE id = :id"), {"id": lead_id}
    ).first()
    if row is None:
        abort(404)
    return jsonify(id=row.id, ref=row.ref, stage=row.stage)


def register_bench_endpoints(app: Flask) -> None:
    """Mount the reference endpoint and the stock ModelView (benchmark runs only)."""
    from flask_admin.contrib.sqla import ModelView

    from admin.security import StaffAccessMixin
    from models.leads import Lead

    class StockLeadView(StaffAccessMixin, ModelView):
        """Flask-Admin's ModelView with its defaults, as the comparison for the lead list."""

        def is_visible(self) -> bool:
            """Kept out of the back office's menu."""
            return False

    csrf.exempt(bp)
    app.register_blueprint(bp)
    admins = app.extensions.get("admin") or []
    if admins:
        admins[0].add_view(
            StockLeadView(Lead, db, endpoint="bench_stock_leads", url="bench-stock-leads")
        )


def init_bench(app: Flask) -> None:
    """Add the ``bench`` command group; the endpoints only when ``BENCH_ENDPOINTS`` is set."""
    app.cli.add_command(bench_cli)
    if app.config.get("BENCH_ENDPOINTS"):
        register_bench_endpoints(app)


def _ensure_schema() -> None:
    """Migrate an empty database to head before loading (``flask db upgrade``)."""
    from flask_migrate import upgrade

    if not sa.inspect(db.engine).has_table("leads"):
        upgrade()


def seeded_scale() -> str | None:
    """The scale the database holds, read from the generated admin and the lead count."""
    from bench.seed import SCALES, STAFF_ADMIN

    inspector = sa.inspect(db.engine)
    if not inspector.has_table("users"):
        return None
    admin = db.session.execute(
        sa.text("SELECT 1 FROM users WHERE email = :e"), {"e": STAFF_ADMIN}
    ).first()
    if admin is None:
        return None
    leads = db.session.scalar(sa.text("SELECT count(*) FROM leads"))
    for name, scale in SCALES.items():
        # The benchmark itself adds a few leads (imports, accepts); allow for them.
        if scale.leads <= leads <= scale.leads * 1.1:
            return name
    return None


@bench_cli.command("seed")
@click.option("--scale", type=click.Choice(["small", "full"]), default="small", show_default=True)
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option("--now", help="Anchor time (ISO 8601, UTC); default: now.")
@click.option("--if-needed", is_flag=True, help="Do nothing when this scale is already loaded.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def seed_command(
    scale: str, seed_value: int, now: str | None, if_needed: bool, quiet: bool
) -> None:
    """Empty the database and load generated data of one scale (deterministic per seed)."""
    from bench.seed import seed

    _ensure_schema()
    if if_needed and seeded_scale() == scale:
        click.echo(f"{scale} data already loaded; nothing to do.")
        return
    db.session.remove()
    anchor = datetime.fromisoformat(now).replace(tzinfo=UTC) if now else None
    started = time.perf_counter()
    report = seed(db.engine, scale, seed_value, anchor, progress=not quiet, log=click.echo)
    # COPY bypasses the session: the report snapshot is built after (the counters by seed()).
    from admin.reports import refresh_reports

    t0 = time.perf_counter()
    refresh_reports()
    db.session.commit()
    report["reports_seconds"] = round(time.perf_counter() - t0, 1)
    click.echo(json.dumps(report, indent=2))
    click.echo(f"Seeded {scale} scale in {time.perf_counter() - started:.1f} s.")


@bench_cli.command(
    "timeit", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def timeit_command(command: tuple[str, ...]) -> None:
    """Run another ``flask`` command in this process and print its output and duration.

    The app is already built, so the measured time is the command's own work,
    not Python's start-up.
    """
    runner = current_app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=list(command))
    seconds = time.perf_counter() - started
    click.echo(result.output.rstrip())
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        click.echo(f"error: {type(result.exception).__name__}: {result.exception}")
    click.echo(
        json.dumps(
            {"command": list(command), "seconds": round(seconds, 3), "exit_code": result.exit_code}
        )
    )
