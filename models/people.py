"""People: what a partner manager may do to its own organisation's users.

Inviting someone new is :mod:`models.invitations`.

Like the workflow rules: check, change, audit, flush; the view commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models.accounts import issue_password_link
from models.audit import record_event
from models.base import db
from models.errors import InvalidTransition, NotAllowed
from models.users import Role, User


def _require_manager_of(actor: User, user: User | None = None) -> None:
    """Only a manager, and only for users of its own organisation."""
    if actor.role is not Role.PARTNER_MANAGER:
        raise NotAllowed(_l("Only your organisation's manager can do this."))
    if user is not None and user.organisation_id != actor.organisation_id:
        raise NotAllowed()


def _audit(actor: User, action: str, user: User, **after) -> None:
    """Record a team change against the organisation."""
    record_event(
        db.session, actor, action, user, after=after or None, organisation_id=actor.organisation_id
    )


def deactivate_user(actor: User, user: User) -> User:
    """Switch a user off; every session of theirs ends at once."""
    _require_manager_of(actor, user)
    if user.id == actor.id:
        raise InvalidTransition(_l("You cannot deactivate your own account."))
    if not user.active:
        raise InvalidTransition(_l("This user is already deactivated."))
    user.active = False
    user.rotate_session_token()
    db.session.flush()
    _audit(actor, "user.deactivated", user)
    return user


def reactivate_user(actor: User, user: User) -> User:
    """Switch a deactivated user back on (they log in with their password, or reset it)."""
    _require_manager_of(actor, user)
    if user.active:
        raise InvalidTransition(_l("This user is already active."))
    user.active = True
    user.rotate_session_token()
    db.session.flush()
    _audit(actor, "user.reactivated", user)
    return user


def reset_password(actor: User, user: User) -> User:
    """E-mail a fresh set-password link; older links stop working, sessions end."""
    _require_manager_of(actor, user)
    if not user.active:
        raise InvalidTransition(_l("Reactivate the user first."))
    user.rotate_session_token()
    db.session.flush()
    _audit(actor, "user.password_reset", user)
    issue_password_link(user, "password_reset", invited_by=actor)
    return user
