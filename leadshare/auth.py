"""Logging in and out: ``/login`` and ``/logout`` (DESIGN's fixed points)."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_fresh, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from leadshare.extensions import db, limiter
from models.audit import record_event
from models.base import utcnow
from models.users import User, verify_dummy_password

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a relative path on this site, else ``None``."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def landing_url(user: User) -> str:
    """Partners land on their inbox, staff on the back office."""
    return url_for("admin.index") if user.is_staff else url_for("leads.inbox")


def _normalised_email() -> str:
    """The submitted e-mail, trimmed and lower-cased."""
    return (request.form.get("email") or "").strip().lower()


def _failure_key() -> str:
    """Count failures per e-mail *and* address, so nobody can lock a partner out from afar."""
    return f"login:{_normalised_email()}:{request.remote_addr}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_failure_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def login():
    """Show the login form; on success start a fresh session and go to the user's landing page."""
    next_url = safe_next(request.values.get("next"))
    # A session that is not fresh is asked to confirm the password (refresh_view).
    if current_user.is_authenticated and login_fresh():
        return redirect(next_url or landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            verify_dummy_password(form.password.data)
        elif user.check_password(form.password.data) and user.is_active:
            session.clear()
            login_user(user)
            session["login_at"] = session["seen_at"] = utcnow().timestamp()
            user.last_login_at = utcnow()
            record_event(db.session, user, "auth.login", user, organisation_id=_org_of(user))
            db.session.commit()
            return redirect(next_url or landing_url(user))
        if user is not None:
            record_event(db.session, None, "auth.login_failed", user, organisation_id=_org_of(user))
            db.session.commit()
        current_app.logger.info("failed login for %s from %s", email, request.remote_addr)
        flash(_("The e-mail or password is wrong, or the account is not active."), "error")
    return render_template("auth/login.html", form=form, next=next_url)


def _org_of(user: User) -> int | None:
    """The partner organisation of a user, for audit filtering (None for staff)."""
    return None if user.is_staff else user.organisation_id


@bp.post("/logout")
@login_required
def logout():
    """End this session (the form carries a CSRF token)."""
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """Switch the interface language; saved on the user when logged in."""
    from models.users import LANGUAGES, Locale

    code = request.form.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = Locale(code)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))
