"""API tokens: how a partner's CRM (or the vendor's marketing automation) calls ``/api/v1``.

A token acts as the user it was issued for, through the same gates as that
user's browser session, and never beyond the user's organisation. Only a
SHA-256 digest of the token is stored: the token itself is shown once, when it
is created. Tokens are long random strings (256 bits), so a fast digest is the
right tool here; a slow password hash would only make every API call slower.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import record_event
from models.base import Base, db, utcnow
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.leads import new_reference
from models.users import Role

if TYPE_CHECKING:
    from models.users import User

#: Every token starts with this, so secret scanners and people recognise one.
TOKEN_PREFIX = "lsk_"  # noqa: S105 - a prefix, not a secret
#: How many characters of a token are kept in clear to tell tokens apart in lists.
SHOWN_CHARS = 12


def token_digest(raw: str) -> str:
    """The stored form of a token: its SHA-256 digest in hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(Base):
    """One API token of one user; revocable, optionally read-only and expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    shown_prefix: Mapped[str] = mapped_column(sa.String(SHOWN_CHARS))
    read_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_usable(self, now: datetime | None = None) -> bool:
        """Not revoked, not expired, and its user may still use the product."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.user.is_active


def _may_manage(actor: User | None, owner: User) -> bool:
    """Operators (``actor`` None), administrators, and a partner's manager for its own users."""
    if actor is None or actor.is_admin:
        return True
    return (
        actor.role is Role.PARTNER_MANAGER
        and actor.is_active
        and owner.organisation_id == actor.organisation_id
    )


def create_api_token(
    actor: User | None,
    owner: User,
    *,
    name: str,
    read_only: bool = False,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token acting as ``owner``; returns the row and the token, shown only this once.

    ``actor`` is the administrator or partner manager issuing it, or ``None`` for
    an operator at the command line.
    """
    if not _may_manage(actor, owner):
        raise NotAllowed()
    if not owner.is_active:
        raise InvalidTransition(_l("Tokens can only be issued to an active user."), field="user")
    name = (name or "").strip()
    if not name:
        raise MissingData(_l("Give the token a name."), field="name")
    now = now or utcnow()
    if expires_at is not None and expires_at <= now:
        raise MissingData(_l("The expiry date must be in the future."), field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=owner,
        organisation_id=owner.organisation_id,
        name=name[:120],
        digest=token_digest(raw),
        shown_prefix=raw[:SHOWN_CHARS],
        read_only=read_only,
        created_at=now,
        created_by_id=actor.id if actor else None,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record_event(
        db.session,
        actor,
        "api_token.created",
        token,
        after={
            "user": owner.email,
            "name": token.name,
            "read_only": read_only,
            "expires_at": expires_at,
        },
        organisation_id=None if owner.is_staff else owner.organisation_id,
    )
    return token, raw


def revoke_api_token(token: ApiToken, actor: User | None, *, now: datetime | None = None) -> None:
    """Revoke a token at once; its next call answers 401."""
    if not _may_manage(actor, token.user):
        raise NotAllowed()
    if token.revoked_at is not None:
        raise InvalidTransition(_l("This token is already revoked."))
    token.revoked_at = now or utcnow()
    db.session.flush()
    record_event(
        db.session,
        actor,
        "api_token.revoked",
        token,
        after={"user": token.user.email, "name": token.name},
        organisation_id=None if token.user.is_staff else token.organisation_id,
    )


def manageable_tokens(actor: User) -> sa.Select[tuple[ApiToken]]:
    """The tokens ``actor`` may list and revoke: an admin all, a manager its organisation's."""
    query = sa.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    if actor.is_admin:
        return query
    if actor.role is Role.PARTNER_MANAGER:
        return query.where(ApiToken.organisation_id == actor.organisation_id)
    return query.where(sa.false())


def find_usable_token(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token whose digest matches ``raw``, or ``None`` (unknown, revoked, expired)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.digest == token_digest(raw)))
    if token is None or not token.is_usable(now):
        return None
    return token


def record_api_call(
    token: ApiToken, *, method: str, path: str, status: int, now: datetime | None = None
) -> None:
    """Audit one API call under its token and remember when the token was last used."""
    token.last_used_at = now or utcnow()
    record_event(
        db.session,
        token.user,
        "api.call",
        token,
        after={"method": method, "path": path[:200], "status": status},
        organisation_id=None if token.user.is_staff else token.organisation_id,
    )
    db.session.flush()
