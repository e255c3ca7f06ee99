"""``/account``: change password, log out everywhere (language posts to ``/language``);
``/password/<token>``: set a password from an e-mailed link."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, login_user, logout_user

from leadshare.extensions import db
from leadshare.tokens import user_for_token
from models.audit import record_event
from portal import partner_required
from portal.account import bp
from portal.account.forms import ChangePasswordForm, NewPasswordForm
from portal.forms import ActionForm


def _page(password_form=None, status: int = 200):
    """The account page, with a failed password form kept when given."""
    return (
        render_template(
            "account/index.html",
            password_form=password_form or ChangePasswordForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


def _org_id() -> int | None:
    """The partner organisation for audit filtering."""
    return None if current_user.is_staff else current_user.organisation_id


@bp.get("/account")
@partner_required
def index():
    """The user's account settings."""
    return _page()


@bp.post("/account/password")
@partner_required
@fresh_login_required
def change_password():
    """Change the password; every other session ends, this one continues."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    user = current_user._get_current_object()
    if not user.check_password(form.current.data):
        form.current.errors.append(_("The current password is wrong."))
        return _page(form, 422)
    user.set_password(form.password.data)  # rotates the session token
    record_event(db.session, user, "auth.password_changed", user, organisation_id=_org_id())
    db.session.commit()
    login_at = session.get("login_at")
    login_user(user, fresh=True)  # re-bind this session to the new token
    if login_at is not None:
        session["login_at"] = login_at
    flash(_("Your password has been changed. Other sessions have been logged out."), "success")
    return redirect(url_for("account.index"))


@bp.post("/account/logout-everywhere")
@partner_required
def logout_everywhere():
    """End every session of the user, on every device, this one included."""
    if ActionForm().validate_on_submit():
        user = current_user._get_current_object()
        user.rotate_session_token()
        record_event(db.session, user, "auth.logout_everywhere", user, organisation_id=_org_id())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have been logged out on every device."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("account.index"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password from an invitation or reset link (single use, expiring)."""
    user = user_for_token(token)
    if user is None:
        return render_template("account/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)  # rotating the token spends the link
        record_event(
            db.session,
            user,
            "auth.password_set",
            user,
            organisation_id=None if user.is_staff else user.organisation_id,
        )
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your password is set. Please log in."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("account/set_password.html", form=form, user=user), status
