"""Migrations reach head on an empty database and match the models exactly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from leadshare import create_app
from models import Base
from tests.database import database_url_for_tests


@pytest.fixture
def empty_database(tmp_path):
    """An empty database: a new SQLite file, or a fresh schema on PostgreSQL."""
    pg_url = database_url_for_tests()
    if not pg_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA migration_check"))
    yield pg_url + "?options=-csearch_path%3Dmigration_check"
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
    engine.dispose()


def test_upgrade_reaches_head_and_matches_the_models(empty_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade()
        from leadshare.extensions import db

        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], "models and migrations disagree: run `make migration`"
        tables = sa.inspect(db.engine).get_table_names()
        assert {"leads", "offers", "audit_events", "outbox_messages"} <= set(tables)
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_run_on_a_database_with_data(empty_database):
    """A deployed database has rows that point at each other: every revision since the first
    goes down and up again over the demo data (SQLite rebuilds tables to alter them)."""
    from leadshare.demo import load_demo
    from leadshare.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        offers = db.session.scalar(sa.text("SELECT count(*) FROM offers"))
        comments = db.session.scalar(sa.text("SELECT count(*) FROM comments"))
        db.session.remove()
        downgrade(revision="460102bf180d")
        upgrade()
        assert db.session.scalar(sa.text("SELECT count(*) FROM offers")) == offers
        assert db.session.scalar(sa.text("SELECT count(*) FROM comments")) == comments
        missing = db.session.scalar(sa.text("SELECT count(*) FROM offers WHERE updated_at IS NULL"))
        assert missing == 0
        db.session.remove()
        db.engine.dispose()
