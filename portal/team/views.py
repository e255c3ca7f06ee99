"""``/team``: the manager's own organisation's users — invite, deactivate, reset."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leadshare.extensions import db
from models import people
from models.accounts import normalise_email
from models.errors import RuleError
from models.users import Locale, Role, User
from portal import manager_required
from portal.forms import ActionForm
from portal.team import bp
from portal.team.forms import InviteForm


def _own_user(user_id: int) -> User:
    """A user of the manager's own organisation; anyone else is 404."""
    return db.first_or_404(
        sa.select(User).where(
            User.id == user_id, User.organisation_id == current_user.organisation_id
        )
    )


def _page(invite_form: InviteForm | None = None, status: int = 200):
    """The team page, keeping a failed invitation's input."""
    people = db.session.scalars(
        sa.select(User)
        .where(User.organisation_id == current_user.organisation_id)
        .order_by(User.active.desc(), User.name)
    ).all()
    return (
        render_template(
            "team/index.html",
            people=people,
            invite_form=invite_form or InviteForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/team")
@manager_required
def index():
    """Every user of the organisation, and the invitation form."""
    return _page()


@bp.post("/team/invite")
@manager_required
def invite():
    """Invite a colleague: the account is created and a set-password link e-mailed."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        people.invite_user(
            current_user,
            name=form.name.data,
            email=form.email.data,
            role=Role(form.role.data),
            locale=Locale(form.locale.data),
        )
    except RuleError as err:
        db.session.rollback()
        field = getattr(form, err.field, None) if err.field else None
        if field is not None:
            field.errors = [*field.errors, str(err)]
        else:
            flash(str(err), "error")
        return _page(form, 422)
    db.session.commit()
    # The same answer whether or not the address has an account elsewhere.
    email = normalise_email(form.email.data)
    flash(_("An invitation has been sent to %(email)s.", email=email), "success")
    return redirect(url_for("team.index"))


def _user_action(user_id: int, apply: Callable[[User], str]):
    """Run one action on one of the organisation's users."""
    user = _own_user(user_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("team.index"))
    try:
        message = apply(user)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("team.index"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("team.index"))


@bp.post("/team/<int:user_id>/deactivate")
@manager_required
def deactivate(user_id: int):
    """Switch a colleague off."""

    def apply(user: User) -> str:
        people.deactivate_user(current_user, user)
        return _("%(name)s has been deactivated and logged out.", name=user.name)

    return _user_action(user_id, apply)


@bp.post("/team/<int:user_id>/reactivate")
@manager_required
def reactivate(user_id: int):
    """Switch a colleague back on."""

    def apply(user: User) -> str:
        people.reactivate_user(current_user, user)
        return _("%(name)s can use LeadShare again.", name=user.name)

    return _user_action(user_id, apply)


@bp.post("/team/<int:user_id>/reset")
@manager_required
def reset(user_id: int):
    """E-mail a colleague a link to set a new password."""

    def apply(user: User) -> str:
        people.reset_password(current_user, user)
        return _("A link to set a new password has been sent to %(email)s.", email=user.email)

    return _user_action(user_id, apply)
