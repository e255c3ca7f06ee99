"""Which database the tests use: SQLite in memory, or PostgreSQL from TEST_DATABASE_URL.

Under pytest-xdist each worker gets its own PostgreSQL database
(``<name>_gw0``, ``<name>_gw1`` …), created on first use, so workers never
empty each other's tables.
"""

from __future__ import annotations

import os
from functools import cache

import sqlalchemy as sa

from leadshare.config import database_url


@cache
def database_url_for_tests() -> str | None:
    """The PostgreSQL URL of this test process, or ``None`` for SQLite."""
    url = database_url(os.environ.get("TEST_DATABASE_URL"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
