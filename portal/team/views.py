"""``/team``: the manager's own organisation's users and invitations — invite, deactivate, reset.

Every invitation shows as "invited, pending" until accepted, whether or not its
address has an account elsewhere (:mod:`models.invitations`): the page answers
and looks the same either way.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leadshare.extensions import csrf, db
from models import invitations, people
from models.base import utcnow
from models.errors import RuleError
from models.invitations import Invitation
from models.users import Locale, Role, User
from portal import manager_required
from portal.forms import BUTTON_EXPIRED, ActionForm, say_why_refused, show_rule_error
from portal.team import bp
from portal.team.forms import InviteForm


def _own_user(user_id: int) -> User:
    """A user of the manager's own organisation; anyone else is 404."""
    return db.first_or_404(
        sa.select(User).where(
            User.id == user_id, User.organisation_id == current_user.organisation_id
        )
    )


def _own_invitation(invitation_id: int) -> Invitation:
    """A pending invitation of the manager's own organisation; anything else is 404."""
    return db.first_or_404(
        invitations.team_invitations(current_user.organisation_id).where(
            Invitation.id == invitation_id
        )
    )


def _page(invite_form: InviteForm | None = None, status: int = 200):
    """The team page, keeping a failed invitation's input."""
    members = db.session.scalars(
        sa.select(User)
        .where(User.organisation_id == current_user.organisation_id)
        .order_by(User.active.desc(), User.name)
    ).all()
    pending = db.session.scalars(invitations.team_invitations(current_user.organisation_id)).all()
    return (
        render_template(
            "team/index.html",
            people=members,
            invitations=pending,
            now=utcnow(),
            invite_form=invite_form or InviteForm(formdata=None),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/team")
@manager_required
def index():
    """Every user of the organisation, the pending invitations, and the invitation form."""
    return _page()


@bp.post("/team/invite")
@csrf.exempt
@manager_required
def invite():
    """Invite a colleague: a set-password link is e-mailed; the account exists once accepted.

    Exempt from the global CSRF check only so that an expired token re-renders the
    form with what was typed: the form checks the token itself.
    """
    form = InviteForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _page(form, 422)
    try:
        invitation = invitations.invite(
            current_user,
            name=form.name.data,
            email=form.email.data,
            role=Role(form.role.data),
            locale=Locale(form.locale.data),
        )
    except RuleError as err:
        db.session.rollback()
        show_rule_error(form, err)
        return _page(form, 422)
    db.session.commit()
    # The same answer whether or not the address has an account elsewhere.
    flash(_("An invitation has been sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("team.index"))


def _run(target, apply: Callable[[object], str]):
    """Run one button's rule on one row of the team page, then back to the page."""
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("team.index"))
    try:
        message = apply(target)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("team.index"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("team.index"))


@bp.post("/team/<int:user_id>/deactivate")
@csrf.exempt
@manager_required
def deactivate(user_id: int):
    """Switch a colleague off."""

    def apply(user: User) -> str:
        people.deactivate_user(current_user, user)
        return _("%(name)s has been deactivated and logged out.", name=user.name)

    return _run(_own_user(user_id), apply)


@bp.post("/team/<int:user_id>/reactivate")
@csrf.exempt
@manager_required
def reactivate(user_id: int):
    """Switch a colleague back on."""

    def apply(user: User) -> str:
        people.reactivate_user(current_user, user)
        return _("%(name)s can use LeadShare again.", name=user.name)

    return _run(_own_user(user_id), apply)


@bp.post("/team/<int:user_id>/reset")
@csrf.exempt
@manager_required
def reset(user_id: int):
    """E-mail a colleague a link to set a new password."""

    def apply(user: User) -> str:
        people.reset_password(current_user, user)
        return _("A link to set a new password has been sent to %(email)s.", email=user.email)

    return _run(_own_user(user_id), apply)


@bp.post("/team/invitations/<int:invitation_id>/resend")
@csrf.exempt
@manager_required
def resend_invitation(invitation_id: int):
    """Send the invitation again with a new link (valid for another 72 hours)."""

    def apply(invitation: Invitation) -> str:
        invitations.resend_invitation(current_user, invitation)
        return _("An invitation has been sent to %(email)s.", email=invitation.email)

    return _run(_own_invitation(invitation_id), apply)


@bp.post("/team/invitations/<int:invitation_id>/cancel")
@csrf.exempt
@manager_required
def cancel_invitation(invitation_id: int):
    """Withdraw an invitation: its link stops working."""

    def apply(invitation: Invitation) -> str:
        invitations.cancel_invitation(current_user, invitation)
        return _("The invitation to %(email)s is cancelled.", email=invitation.email)

    return _run(_own_invitation(invitation_id), apply)
