"""Invitations: a partner manager asks a colleague to join; the account exists once accepted.

An invitation is a row of its own, not a user. The manager's team list shows it
as "invited, pending" whatever the address is, so inviting an address that
already has an account — another partner's user, or the vendor's staff —
answers and looks exactly like inviting a new one: the manager learns nothing.
Such an existing account is never touched, linked or e-mailed; the clash is
recorded for the vendor's staff only (audit events without an organisation).

The invitee gets a single-use, expiring set-password link through the outbox
(the same ``/password/<token>`` page as a reset; only the token's hash is kept).
Accepting creates the user — only when the address is still free then.

Rules, like the workflow's: check, change rows, audit, flush — never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import limits
from models.accounts import INVITATION_LIFETIME, check_new_password, normalise_email
from models.audit import record_event
from models.base import Base, db, enum_column, utcnow
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.organisations import Organisation, PartnerStatus
from models.outbox import OutboxMessage
from models.users import PARTNER_ROLES, Locale, Role, User

#: Inviting the same address again within this window is the same invitation (a double
#: submit); later, it sends a fresh link.
DUPLICATE_WINDOW = timedelta(seconds=60)


def _digest(token: str) -> str:
    """SHA-256 of the random link token, for storage."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(Base):
    """An invitation to join a partner organisation, pending until accepted or cancelled."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    locale: Mapped[Locale] = mapped_column(enum_column(Locale, "invitation_locale"))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Hash of the current link's token; a resend replaces it (the old link stops working).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: The account created when the invitation was accepted.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="invitation_email_lower"),)

    @property
    def is_pending(self) -> bool:
        """Neither accepted nor cancelled (it may have expired)."""
        return self.accepted_at is None and self.cancelled_at is None

    def has_expired(self, now: datetime | None = None) -> bool:
        """The link can no longer be used."""
        return self.expires_at <= (now or utcnow())


def _require_manager(actor: User, invitation: Invitation | None = None) -> None:
    """Only a partner manager, and only for its own organisation's invitations."""
    if actor.role is not Role.PARTNER_MANAGER:
        raise NotAllowed(_l("Only your organisation's manager can do this."))
    if invitation is not None and invitation.organisation_id != actor.organisation_id:
        raise NotAllowed()


def _account_with(email: str) -> User | None:
    """The account that already has ``email``, anywhere."""
    return db.session.scalar(sa.select(User).where(User.email == email))


def _send(invitation: Invitation, actor: User, now: datetime) -> None:
    """A fresh link, valid for 72 hours, e-mailed — unless the address has an account.

    For an address that has one, nothing is sent and the clash is recorded for staff;
    the invitation row changes exactly the same way, so the manager sees no difference.
    """
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    db.session.flush()
    existing = _account_with(invitation.email)
    if existing is not None:
        # organisation_id=None: only the vendor's staff see this event.
        record_event(
            db.session,
            actor,
            "user.invitation_clash",
            existing,
            after={
                "email": invitation.email,
                "invited_by_organisation": invitation.organisation_id,
                "invitation": invitation.id,
            },
            organisation_id=None,
        )
        return
    db.session.add(
        OutboxMessage(
            kind="invitation",
            recipient_id=None,
            to_email=invitation.email,
            locale=invitation.locale.value,
            payload={
                "password_token": token,
                "expires_hours": int(INVITATION_LIFETIME.total_seconds() // 3600),
                "organisation": invitation.organisation.name,
                "invited_by": actor.name,
                "name": invitation.name,
            },
        )
    )


def _audit(actor: User | None, action: str, invitation: Invitation, **after) -> None:
    """An invitation event, filed under the inviting organisation."""
    record_event(
        db.session,
        actor,
        action,
        invitation,
        after=after or None,
        organisation_id=invitation.organisation_id,
    )


def pending_invitation(organisation_id: int, email: str) -> Invitation | None:
    """The organisation's pending invitation to ``email``, if any."""
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.organisation_id == organisation_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
        )
    )


def invite(
    actor: User,
    *,
    name: str,
    email: str,
    role: Role,
    locale: Locale,
    now: datetime | None = None,
) -> Invitation:
    """Invite a colleague to the manager's organisation; the answer never depends on the address.

    Only an address already in the manager's own team is refused (the manager sees
    those people anyway). Inviting an address with a pending invitation sends it
    again with the details given now; the same within a minute is a double submit.
    """
    _require_manager(actor)
    if role not in PARTNER_ROLES:
        raise NotAllowed()
    now = now or utcnow()
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise MissingData(_l("Enter the name."), field="name")
    if not email:
        raise MissingData(_l("Enter a valid e-mail address."), field="email")
    limits.check_text(name, limits.NAME_MAX, field="name")
    limits.check_text(email, 254, field="email")
    existing = _account_with(email)
    if existing is not None and existing.organisation_id == actor.organisation_id:
        raise InvalidTransition(_l("This person is already in your team."), field="email")
    invitation = pending_invitation(actor.organisation_id, email)
    if invitation is not None and now - invitation.sent_at < DUPLICATE_WINDOW:
        return invitation
    if invitation is None:
        invitation = Invitation(
            organisation_id=actor.organisation_id,
            email=email,
            created_at=now,
            token_hash="",
            expires_at=now,
        )
        db.session.add(invitation)
    invitation.name, invitation.role, invitation.locale = name, role, locale
    invitation.invited_by_id = actor.id
    _send(invitation, actor, now)
    _audit(actor, "user.invited", invitation, email=email, role=role.value)
    return invitation


def resend_invitation(
    actor: User, invitation: Invitation, *, now: datetime | None = None
) -> Invitation:
    """A new link (the old one stops working), valid for another 72 hours."""
    _require_manager(actor, invitation)
    if not invitation.is_pending:
        raise InvalidTransition(_l("This invitation is no longer pending."))
    now = now or utcnow()
    _send(invitation, actor, now)
    _audit(actor, "user.invitation_resent", invitation)
    return invitation


def cancel_invitation(
    actor: User, invitation: Invitation, *, now: datetime | None = None
) -> Invitation:
    """Withdraw an invitation; its link stops working."""
    _require_manager(actor, invitation)
    if not invitation.is_pending:
        raise InvalidTransition(_l("This invitation is no longer pending."))
    invitation.cancelled_at = now or utcnow()
    db.session.flush()
    _audit(actor, "user.invitation_cancelled", invitation)
    return invitation


def invitation_for_link(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The pending, unexpired invitation a link names, of a partner that is not suspended."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _digest(token))
    )
    if invitation is None or not invitation.is_pending or invitation.has_expired(now):
        return None
    if invitation.organisation.status is PartnerStatus.SUSPENDED:
        return None
    return invitation


def accept_invitation(token: str, password: str, *, now: datetime | None = None) -> User:
    """Create the invited user with the password chosen — only if the address is still free."""
    now = now or utcnow()
    invitation = invitation_for_link(token, now=now)
    if invitation is None:
        raise InvalidTransition(_l("This link is no longer valid."))
    check_new_password(password)
    existing = _account_with(invitation.email)
    if existing is not None:
        # Taken since the invitation was sent: the account is left as it is.
        record_event(
            db.session,
            None,
            "user.invitation_clash",
            existing,
            after={"email": invitation.email, "invitation": invitation.id, "at": "acceptance"},
            organisation_id=None,
        )
        raise InvalidTransition(
            _l(
                "This address already has a LeadShare account. Log in with it, or ask the "
                "vendor for help."
            )
        )
    user = User(
        email=invitation.email,
        name=invitation.name,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        locale=invitation.locale,
        active=True,
        created_at=now,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    invitation.accepted_at = now
    invitation.user_id = user.id
    db.session.flush()
    _audit(user, "user.invitation_accepted", invitation, user=user.id)
    record_event(
        db.session,
        user,
        "auth.password_set",
        user,
        organisation_id=invitation.organisation_id,
    )
    return user


def team_invitations(organisation_id: int) -> sa.Select:
    """The organisation's invitations still pending (expired ones included), newest first."""
    return (
        sa.select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
        )
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
    )
