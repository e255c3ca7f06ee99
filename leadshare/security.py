"""Sessions, the user loader and security headers."""

from __future__ import annotations

import secrets

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from leadshare.extensions import db, login_manager
from models import accounts
from models.base import utcnow
from models.users import User


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of the live login session ``token`` names (models/accounts.py).

    A session logged out, revoked, superseded ("log out everywhere", a new
    password) or past a timeout loads nobody; neither does an inactive user.
    """
    from flask import current_app

    login = accounts.live_session(
        token,
        idle=current_app.config["SESSION_IDLE_TIMEOUT"],
        absolute=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
        seen_every=current_app.config["SESSION_SEEN_INTERVAL"],
    )
    if login is None:
        return None
    if db.session.dirty:
        db.session.commit()  # last_seen_at, written at most once a minute
    user = login.user
    user.login_token = token
    return user


def csp_nonce() -> str:
    """A per-request nonce for the few inline scripts (Flask-Admin's)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _enforce_timeouts():
    """Log out sessions past the idle or absolute timeout."""
    if not current_user.is_authenticated:
        return None
    from flask import current_app

    now = utcnow().timestamp()
    started = session.get("login_at", now)
    seen = session.get("seen_at", now)
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - started > absolute or now - seen > idle:
        logout_user()
        session.clear()
        flash(_l("Your session has expired. Please log in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["seen_at"] = now
    return _require_second_factor()


#: Where an administrator without a second factor may still go (to set it up, or leave).
_SETUP_ENDPOINTS = frozenset(
    {"account.two_factor", "auth.logout", "auth.set_language", "static", "leads.static"}
)


def _require_second_factor():
    """Where required, send an administrator without a second factor to set one up."""
    from flask import current_app

    if (
        current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"]
        and current_user.is_admin
        and not current_user.has_two_factor
        and request.endpoint not in _SETUP_ENDPOINTS
    ):
        flash(_l("Administrators must set up two-factor authentication first."), "info")
        return redirect(url_for("account.two_factor"))
    return None


def _security_headers(response):
    """CSP with no third-party origin, no framing, no sniffing, a strict referrer."""
    from flask import current_app

    nonce = g.get("csp_nonce")
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src {script_src}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["PRODUCTION"]:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if current_user and getattr(current_user, "is_authenticated", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Configure Flask-Login and install the request hooks."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Please log in again to confirm it is you.")
    login_manager.refresh_view = "auth.login"
    # Flask-Login's "strong" protection trusts X-Forwarded-For; session tokens do the job.
    login_manager.session_protection = None
    app.before_request(_enforce_timeouts)
    app.after_request(_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
