"""``/account``: password, language, sessions and two-factor authentication;
``/password/<token>``: set a password from an e-mailed link.

Every change is one rule of :mod:`models.accounts`; the views parse, call it,
commit and render. The account page is open to staff too (their sessions and
second factor live here).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, login_required, logout_user

from leadshare.auth import start_login
from leadshare.extensions import csrf, db
from models import accounts, invitations
from models.errors import RuleError
from portal.account import bp
from portal.account.forms import (
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    NewPasswordForm,
)
from portal.forms import BUTTON_EXPIRED, ActionForm, say_why_refused, show_rule_error

#: The session key of a second-factor secret being set up (not yet confirmed).
SETUP_KEY = "totp_setup_secret"


def _timeouts() -> dict:
    """The session timeouts of the configuration, as the rules take them."""
    return {
        "idle": current_app.config["SESSION_IDLE_TIMEOUT"],
        "absolute": current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
    }


def _page(password_form=None, disable_form=None, status: int = 200):
    """The account page, with a failed form kept when given."""
    user = current_user._get_current_object()
    return (
        render_template(
            "account/index.html",
            password_form=password_form or ChangePasswordForm(formdata=None),
            disable_form=disable_form or DisableTwoFactorForm(formdata=None),
            action_form=ActionForm(formdata=None),
            sessions=accounts.active_sessions(user, **_timeouts()),
            this_session=current_user.get_id(),
            recovery_left=accounts.remaining_recovery_codes(user) if user.has_two_factor else 0,
        ),
        status,
    )


@bp.get("/account")
@login_required
def index():
    """The user's account settings."""
    return _page()


@bp.post("/account/password")
@csrf.exempt
@login_required
@fresh_login_required
def change_password():
    """Change the password; every other session ends, this one continues in a new session."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _page(form, status=422)
    user = current_user._get_current_object()
    try:
        accounts.change_password(user, current=form.current.data, new=form.password.data)
    except RuleError as err:
        db.session.rollback()
        show_rule_error(form, err)
        return _page(form, status=422)
    db.session.commit()
    login_at = session.get("login_at")
    start_login(user, None)
    if login_at is not None:
        session["login_at"] = login_at
    flash(_("Your password has been changed. Other sessions have been logged out."), "success")
    return redirect(url_for("account.index"))


@bp.post("/account/logout-everywhere")
@csrf.exempt
@login_required
def logout_everywhere():
    """End every session of the user, on every device, this one included."""
    if ActionForm().validate_on_submit():
        accounts.log_out_everywhere(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have been logged out on every device."), "info")
        return redirect(url_for("auth.login"))
    flash(str(BUTTON_EXPIRED), "error")
    return redirect(url_for("account.index"))


@bp.post("/account/sessions/<int:session_id>/revoke")
@csrf.exempt
@login_required
def revoke_session(session_id: int):
    """End one session of the user's (another device's, or this one)."""
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("account.index"))
    try:
        login = accounts.revoke_session(current_user._get_current_object(), session_id)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("account.index"))
    db.session.commit()
    if login.token == current_user.get_id():
        logout_user()
        session.clear()
        flash(_("You have been logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended."), "success")
    return redirect(url_for("account.index"))


# --------------------------------------------------------------------------- two-factor


def _qr_data_uri(uri: str) -> str:
    """The ``otpauth://`` URI as a QR code, an SVG data URI drawn by the app itself."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#1a1a1a")


@bp.route("/account/two-factor", methods=["GET", "POST"])
@csrf.exempt
@login_required
@fresh_login_required
def two_factor():
    """Set up two-factor authentication: scan the QR code, confirm with the first code."""
    user = current_user._get_current_object()
    if user.has_two_factor:
        return redirect(url_for("account.index"))
    form = EnableTwoFactorForm()
    secret = session.get(SETUP_KEY)
    if form.validate_on_submit() and secret:
        try:
            codes = accounts.enable_two_factor(user, secret=secret, code=form.code.data)
        except RuleError as err:
            db.session.commit()  # the audited failure
            show_rule_error(form, err)
        else:
            db.session.commit()
            session.pop(SETUP_KEY, None)
            flash(_("Two-factor authentication is on."), "success")
            return render_template("account/recovery_codes.html", codes=codes)
    elif form.is_submitted():
        say_why_refused(form)
    if not secret:
        secret = session[SETUP_KEY] = accounts.new_totp_secret()
    uri = accounts.totp_uri(user, secret)
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "account/two_factor.html", form=form, secret=secret, qr=_qr_data_uri(uri), uri=uri
        ),
        status,
    )


@bp.post("/account/two-factor/disable")
@csrf.exempt
@login_required
@fresh_login_required
def disable_two_factor():
    """Switch the second factor off (not allowed where it is required)."""
    form = DisableTwoFactorForm()
    user = current_user._get_current_object()
    if current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] and user.is_admin:
        flash(_("Administrators must keep two-factor authentication on."), "error")
        return redirect(url_for("account.index"))
    if not form.validate_on_submit():
        say_why_refused(form)
        return _page(disable_form=form, status=422)
    try:
        accounts.disable_two_factor(user, password=form.password.data)
    except RuleError as err:
        db.session.rollback()
        show_rule_error(form, err)
        return _page(disable_form=form, status=422)
    db.session.commit()
    flash(_("Two-factor authentication is off."), "info")
    return redirect(url_for("account.index"))


@bp.post("/account/two-factor/recovery-codes")
@csrf.exempt
@login_required
@fresh_login_required
def recovery_codes():
    """New recovery codes; the old ones stop working."""
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("account.index"))
    try:
        codes = accounts.regenerate_recovery_codes(current_user._get_current_object())
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("account.index"))
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes)


# --------------------------------------------------------------------------- password links


@bp.route("/password/<token>", methods=["GET", "POST"])
@csrf.exempt
def set_password(token: str):
    """Set a password from a reset link, or accept an invitation (single use, expiring).

    An invitation's link creates the account here, only if its address is still free.
    An expired CSRF token asks to send the form again (the form checks it itself).
    """
    user = accounts.user_for_link(token)
    invitation = invitations.invitation_for_link(token) if user is None else None
    if user is None and invitation is None:
        return render_template("account/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            if invitation is not None:
                invitations.accept_invitation(token, form.password.data)
            else:
                accounts.set_password_from_link(token, form.password.data)
        except RuleError as err:
            # Nothing changed but the audit of a refused acceptance, which is kept.
            db.session.commit()
            show_rule_error(form, err)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_("Your password is set. Please log in."), "success")
            return redirect(url_for("auth.login"))
    elif form.is_submitted():
        say_why_refused(form)
    status = 422 if form.is_submitted() else 200
    return render_template("account/set_password.html", form=form, user=user or invitation), status
