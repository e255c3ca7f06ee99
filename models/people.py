"""People: what a partner manager may do to its own organisation's users.

Like the workflow rules: check, change, audit, flush; the view commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.accounts import issue_password_link, normalise_email
from models.audit import record_event
from models.base import db
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.users import PARTNER_ROLES, Locale, Role, User


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


def invite_user(actor: User, *, name: str, email: str, role: Role, locale: Locale) -> User | None:
    """Create a user of the manager's organisation and e-mail a set-password link.

    An address that already has an account in another organisation (another
    partner's, or the vendor's) gets the same answer as a new one — the manager
    must not learn that it exists — and the account is left untouched; the
    clash is recorded for the vendor's staff only. Returns ``None`` then.
    """
    _require_manager_of(actor)
    if role not in PARTNER_ROLES:
        raise NotAllowed()
    email = normalise_email(email)
    name = (name or "").strip()
    if not email or not name:
        raise MissingData(_l("Enter the name and the e-mail address."))
    limits.check_text(name, limits.NAME_MAX, field="name")
    limits.check_text(email, 254, field="email")
    taken = db.session.scalar(sa.select(User).where(User.email == email))
    if taken is not None and taken.organisation_id == actor.organisation_id:
        raise InvalidTransition(_l("This person is already in your team."), field="email")
    if taken is not None:
        # organisation_id=None: only the vendor's staff see this event.
        record_event(
            db.session,
            actor,
            "user.invitation_clash",
            taken,
            after={"email": email, "invited_by_organisation": actor.organisation_id},
            organisation_id=None,
        )
        return None
    user = User(
        email=email,
        name=name,
        role=role,
        organisation_id=actor.organisation_id,
        locale=locale,
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    _audit(actor, "user.invited", user, email=email, role=role.value)
    issue_password_link(user, "invitation", invited_by=actor)
    return user


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
