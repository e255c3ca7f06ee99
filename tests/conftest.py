"""Fixtures: a fresh app and database per test, clients, and logging in as any role.

SQLite in memory by default; set ``TEST_DATABASE_URL`` to run on PostgreSQL.
"""

from __future__ import annotations

import os
import re

import pytest

from leadshare import create_app
from leadshare.extensions import db
from models import Base
from tests import factories
from tests.database import database_url_for_tests

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
_schema_ready = False


def pytest_configure(config):
    """Say which database the run uses."""
    config.addinivalue_line("markers", "csrf: run the test with CSRF protection on")
    config.addinivalue_line("markers", "ratelimit: run the test with rate limits on")


def pytest_report_header(config):
    """Print the database under test at the top of the run."""
    return f"database: {'PostgreSQL (TEST_DATABASE_URL)' if POSTGRES else 'SQLite in memory'}"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when no PostgreSQL is configured, saying why."""
    if POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _reset_postgres() -> None:
    """Create the schema once per run, then empty every table between tests."""
    global _schema_ready
    if not _schema_ready:
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        _schema_ready = True
        return
    # DELETE is much faster than TRUNCATE on a handful of small tables.
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _end_request_like_production(exc):
    """Requests share the test's app context; drop what a real request would not keep.

    Uncommitted changes of the view are rolled back and Flask-Login's cached user
    is forgotten, so every request sees only what was committed.
    """
    from flask import g
    from flask_babel import refresh

    g.pop("_login_user", None)
    g.pop("csrf_token", None)  # Flask-WTF caches the token on g, which the test's context shares
    g.pop("csrf_valid", None)  # ...and remembers a request's valid token there too
    refresh()
    db.session.rollback()


@pytest.fixture
def app(request, tmp_path):
    """A LeadShare app on an empty database (CSRF on for tests marked ``csrf``)."""
    csrf = request.node.get_closest_marker("csrf") is not None
    ratelimit = request.node.get_closest_marker("ratelimit") is not None
    overrides = {"SQLALCHEMY_DATABASE_URI": database_url_for_tests()} if POSTGRES else {}
    # Uploaded files of one test live in its own temporary directory.
    overrides["FILES_DIR"] = str(tmp_path / "files")
    app = create_app("testing", WTF_CSRF_ENABLED=csrf, RATELIMIT_ENABLED=ratelimit, **overrides)
    app.teardown_request(_end_request_like_production)
    with app.app_context():
        if POSTGRES:
            _reset_postgres()
        else:
            Base.metadata.create_all(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token a page at ``url`` hands to this client's session."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


class Auth:
    """Log test clients in and out through the real forms (they work with CSRF on)."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD, **params):
        """Post the login form."""
        token = csrf_token(self._client)
        return self._client.post(
            "/login",
            query_string=params,
            data={"email": email, "password": password, "csrf_token": token},
        )

    def logout(self):
        """Post the logout form."""
        return self._client.post("/logout", data={"csrf_token": csrf_token(self._client)})


@pytest.fixture
def auth(client):
    """Log ``client`` in as a given e-mail."""
    return Auth(client)


@pytest.fixture
def world(app):
    """Two partners with a manager and a rep each, and both staff roles."""
    from models import Role

    alpha = factories.partner("alpha", regions=["chubu", "kinki"])
    beta = factories.partner("beta", regions=["kanto"])
    people = {
        "admin": factories.staff(Role.ADMIN, "admin@vendor.example"),
        "sales": factories.staff(Role.SALES, "sales@vendor.example"),
        "alpha_manager": factories.user(alpha, Role.PARTNER_MANAGER, "manager@alpha.example"),
        "alpha_rep": factories.user(alpha, Role.PARTNER_REP, "rep@alpha.example"),
        "beta_manager": factories.user(beta, Role.PARTNER_MANAGER, "manager@beta.example"),
        "beta_rep": factories.user(beta, Role.PARTNER_REP, "rep@beta.example"),
    }
    db.session.commit()
    return {"alpha": alpha, "beta": beta, **people}
