"""Fixtures of the benchmark's structure tests: generated worlds of two sizes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bench.seed import SCALES, seed
from leadshare.extensions import db

#: Fixed anchor so generated worlds are identical on every run.
ANCHOR = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

#: A few leads, and forty times as many; both with the same partners and users.
FEW = replace(
    SCALES["small"],
    name="few",
    partners=3,
    partner_users=9,
    sales_users=2,
    leads=40,
    notes=120,
    offers=60,
    comments=30,
    audit_events=100,
    installed_products=20,
)
MANY = replace(
    FEW,
    name="many",
    leads=1600,
    notes=4800,
    offers=2400,
    comments=1200,
    audit_events=4000,
    installed_products=800,
)


def load(scale) -> dict:
    """Generate ``scale`` into the test database (SQLite or PostgreSQL)."""
    # The generator truncates every table on its own connection: end the session's
    # transaction first, or PostgreSQL waits for its locks forever.
    db.session.remove()
    SCALES[scale.name] = scale
    try:
        return seed(db.engine, scale.name, 1, ANCHOR, progress=False, log=lambda _m: None)
    finally:
        SCALES.pop(scale.name, None)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect every SQL statement the app sends while the block runs."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


BIG_TABLES = ("leads", "offers", "conversation_notes", "comments", "audit_events", "prospects")
_COUNT = re.compile(r"count\(", re.IGNORECASE)


def full_counts(seen: list[str]) -> list[str]:
    """Statements that count rows of a big table with no WHERE at all."""
    found = []
    for statement in seen:
        flat = " ".join(statement.split()).lower()
        if not _COUNT.search(flat) or " where " in flat:
            continue
        if any(re.search(rf"\bfrom {t}\b", flat) for t in BIG_TABLES):
            found.append(flat)
    return found


@pytest.fixture
def bench_app(app):
    """The test app with the benchmark's comparison endpoints mounted."""
    from bench.app import register_bench_endpoints

    app.config["BENCH_ENDPOINTS"] = True
    register_bench_endpoints(app)
    return app
