"""Logging in and out: ``/login`` and ``/logout``.

Both URLs and the form's fields are fixed points that must not change.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    after_this_request,
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
from flask_wtf.csrf import validate_csrf
from wtforms import EmailField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from leadshare.extensions import csrf, db, limiter
from models import accounts
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
    return url_for("admin.index") if user.is_vendor_user else url_for("leads.inbox")


def _normalised_email() -> str:
    """The submitted e-mail, normalised as addresses are stored (NFKC, lower case)."""
    return accounts.normalise_email(request.form.get("email"))


def _failure_key() -> str:
    """Count failures per e-mail *and* address, so nobody can lock a partner out from afar."""
    return f"login:{_normalised_email()}:{request.remote_addr}"


def _second_factor_key() -> str:
    """Count second-factor attempts per pending login (and address)."""
    return f"2fa:{session.get('pending_user_id')}:{request.remote_addr}"


def _reset_key() -> str:
    """Count reset requests per e-mail address typed."""
    return f"reset:{_normalised_email()}"


def start_login(user: User, next_url: str | None):
    """Open a server-side session for ``user`` in a fresh cookie and go on."""
    session.clear()
    login = accounts.start_session(
        user,
        user_agent=request.headers.get("User-Agent"),
        ip_address=request.remote_addr,
    )
    db.session.commit()
    user.login_token = login.token
    login_user(user)
    session["login_at"] = session["seen_at"] = utcnow().timestamp()
    return redirect(next_url or landing_url(user))


#: A form sent with an expired CSRF token: nothing happened, the address typed is kept.
SEND_AGAIN = _l("This page was open too long. Check your entry and send it again.")


def _expired(form: FlaskForm) -> bool:
    """Whether ``form`` was refused for its CSRF token (the page was open too long).

    The views below are exempt from the global check so that this answers with the
    form again instead of a bare 400; the form checks its token itself.
    """
    return bool(form.meta.csrf and form.csrf_token.errors)


def _token_ok() -> bool:
    """A bare button's CSRF token is valid (or CSRF protection is off)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_failure_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def login():
    """Show the login form; on success start a fresh session (or ask for the second factor)."""
    next_url = safe_next(request.values.get("next"))
    # A session that is not fresh is asked to confirm the password (refresh_view).
    if current_user.is_authenticated and login_fresh():
        return redirect(next_url or landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            verify_dummy_password(form.password.data)
        elif user.check_password(form.password.data) and user.is_active:
            if user.has_two_factor:
                db.session.commit()  # a rehashed password
                session.clear()
                session["pending_user_id"] = user.id
                session["pending_at"] = utcnow().timestamp()
                session["pending_next"] = next_url
                return redirect(url_for("auth.second_factor"))
            return start_login(user, next_url)
        if user is not None:
            record_event(db.session, None, "auth.login_failed", user, organisation_id=_org_of(user))
            db.session.commit()
        current_app.logger.info("failed login for %s from %s", email, request.remote_addr)
        flash(_("The e-mail or password is wrong, or the account is not active."), "error")
    elif form.is_submitted() and _expired(form):
        flash(str(SEND_AGAIN), "error")
        return render_template("auth/login.html", form=form, next=next_url), 422
    return render_template("auth/login.html", form=form, next=next_url)


class SecondFactorForm(FlaskForm):
    """The code of the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
    )


#: How long the password step stays valid while the second factor is asked for.
PENDING_LIFETIME = 300


@bp.route("/login/two-factor", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("5 per minute;20 per hour", key_func=_second_factor_key, methods=["POST"])
def second_factor():
    """The second step of a login with two-factor authentication."""
    user_id = session.get("pending_user_id")
    pending_at = session.get("pending_at", 0)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or utcnow().timestamp() - pending_at > PENDING_LIFETIME:
        session.clear()
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if user.is_active and accounts.verify_second_factor(user, form.code.data):
            return start_login(user, safe_next(session.get("pending_next")))
        db.session.commit()  # the audited failure
        form.code.errors = [_("This code is not right.")]
    elif form.is_submitted() and _expired(form):
        flash(str(SEND_AGAIN), "error")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/second_factor.html", form=form), status


def _org_of(user: User) -> int | None:
    """The partner organisation of a user, for audit filtering (None for staff)."""
    return None if user.is_vendor_user else user.organisation_id


@bp.post("/logout")
@csrf.exempt
@login_required
def logout():
    """End this session for good (its row is revoked); the user's other sessions go on."""
    if not _token_ok():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(landing_url(current_user))
    accounts.end_session(current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


class ForgotPasswordForm(FlaskForm):
    """The e-mail address of the account."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


def _after_the_answer(rule, *args) -> None:
    """Run ``rule(*args)`` and commit once this request's response has been sent.

    The answer then takes as long whatever the rule finds (an account or none),
    so its timing tells nothing either. The rule runs in its own application
    context; a failure is logged and rolled back.
    """
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                rule(*args)
                db.session.commit()
            except Exception:  # noqa: BLE001 - after the answer: log, never raise
                db.session.rollback()
                app.logger.exception("%s failed after the answer", rule.__name__)

    @after_this_request
    def _schedule(response):
        response.call_on_close(run)
        return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_reset_key, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never says whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        _after_the_answer(accounts.request_password_reset, form.email.data)
        flash(
            _(
                "If this address has an active account, a link to set a new password is on "
                "its way. It is valid for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    if form.is_submitted() and _expired(form):
        flash(str(SEND_AGAIN), "error")
        return render_template("auth/forgot_password.html", form=form), 422
    return render_template("auth/forgot_password.html", form=form)


@bp.post("/language")
@csrf.exempt
def set_language():
    """Switch the interface language; saved on the user when logged in."""
    from models.users import LANGUAGES, Locale

    if not _token_ok():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))
    code = request.form.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = Locale(code)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))
