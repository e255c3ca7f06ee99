"""LeadShare application shell: the factory and its ``register_*`` helpers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from leadshare import sqlite as _sqlite  # noqa: F401 - registers the connect hook
from leadshare.config import CONFIGS, Config
from leadshare.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | str | None = None, **overrides: Any) -> Flask:
    """Build a LeadShare app; ``config`` picks a configuration, ``overrides`` win over it."""
    app = Flask(__name__, instance_relative_config=True)
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("LEADSHARE_ENV", "development")]
    app.config.from_object(config)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    _finish_config(app)
    register_proxy(app)

    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_admin(app)
    register_commands(app)
    register_errorhandlers(app)
    return app


def _finish_config(app: Flask) -> None:
    """Fill in the database URL and, outside production, a per-instance secret key."""
    from leadshare.config import database_url

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    uri = database_url(app.config.get("DATABASE_URL")) or app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "leadshare.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(uri)
    if not app.config.get("SECRET_KEY"):
        if app.config["PRODUCTION"]:
            raise RuntimeError("Set FLASK_SECRET_KEY (or SECRET_KEY) in production.")
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
        # One in-memory database shared by every connection of this app.
        from sqlalchemy.pool import StaticPool

        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }


def register_proxy(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, take the client's address and scheme from them.

    werkzeug's ProxyFix trusts only the last ``TRUSTED_PROXIES`` entries of
    X-Forwarded-For / X-Forwarded-Proto, so a client cannot forge its address;
    the login throttle then keys on the real client instead of the proxy.
    """
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    """Bind every extension to the app."""
    from leadshare import assets, i18n

    assets.init_app(app)  # first: its compression then runs after every other hook
    db.init_app(app)
    migrate.init_app(app, db, directory=str(migrations_directory(app)), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)


def migrations_directory(app: Flask) -> Path:
    """The Alembic migrations: inside the installed package, else the repository's ``migrations/``.

    ``pip install .`` copies them into ``leadshare/migrations`` (setup.py); a
    checkout or an editable install uses the folder beside the package.
    """
    packaged = Path(app.root_path) / "migrations"
    if (packaged / "env.py").is_file():
        return packaged
    return Path(app.root_path).parent / "migrations"


def register_security(app: Flask) -> None:
    """Login manager, session timeouts and security headers."""
    from leadshare import security

    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the shell's, the portal's and the API's blueprints."""
    from api import register_api
    from leadshare.auth import bp as auth_bp
    from leadshare.health import bp as health_bp
    from portal import register_portal

    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    register_portal(app)
    register_api(app)


def register_admin(app: Flask) -> None:
    """Mount the staff back office (a fresh Flask-Admin per app)."""
    from admin import init_admin

    init_admin(app)


def register_commands(app: Flask) -> None:
    """Add LeadShare's CLI commands."""
    from leadshare.cli import register_cli

    register_cli(app)


def register_errorhandlers(app: Flask) -> None:
    """Friendly error pages in the user's language."""
    from leadshare.errors import init_app

    init_app(app)
