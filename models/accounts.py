"""Accounts: login sessions kept on the server, password links, and the second factor.

Rules, like the workflow's: check, change rows, audit, flush — never commit.

- A :class:`LoginSession` row is one login on one device. Flask-Login's user id
  is the row's random ``token``; logging out revokes that row only, so a copied
  cookie is dead afterwards. Each row also remembers the user's session
  generation (``User.session_token``): rotating it (password change, reset,
  deactivation, suspension, "log out everywhere") ends every session at once.
- A :class:`PasswordLink` is a single-use, expiring link to set a password. The
  link carries only a random token (stored hashed); nothing in it is a session
  secret or readable.
- The second factor is TOTP (pyotp) with hashed, single-use recovery codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import record_event
from models.base import Base, db, utcnow
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.outbox import queue_message
from models.users import User

#: How long an invitation link and a reset link stay valid.
INVITATION_LIFETIME = timedelta(hours=72)
RESET_LIFETIME = timedelta(hours=1)
#: At most this many reset links per account per hour (on top of the per-address limit).
RESETS_PER_HOUR = 3
#: ``last_seen_at`` is written at most this often (not on every request).
SEEN_GRANULARITY = timedelta(minutes=1)
MIN_PASSWORD = 12
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "LeadShare"


def _digest(secret: str) -> str:
    """SHA-256 of a high-entropy random secret (a token or a recovery code), for storage."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _org_of(user: User) -> int | None:
    """The partner organisation of a user, for audit filtering (None for staff)."""
    return None if user.is_staff else user.organisation_id


def _audit(actor: User | None, action: str, user: User, **after) -> None:
    """An account event, filed under the user's organisation."""
    record_event(
        db.session, actor, action, user, after=after or None, organisation_id=_org_of(user)
    )


# --------------------------------------------------------------------------- entities


class LoginSession(Base):
    """One login of one user on one device, until logged out, revoked or timed out."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The user's session generation when the login started.
    generation: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_live(self, *, idle: timedelta, absolute: timedelta, now: datetime) -> bool:
        """Not revoked, not superseded by a new generation, within both timeouts."""
        return (
            self.revoked_at is None
            and self.generation == self.user.session_token
            and now - self.created_at <= absolute
            and now - self.last_seen_at <= idle
        )


class PasswordLink(Base):
    """A single-use, expiring link to set a password (invitation or reset)."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None]


# --------------------------------------------------------------------------- sessions


def start_session(
    user: User, *, user_agent: str | None, ip_address: str | None, now: datetime | None = None
) -> LoginSession:
    """Open a login session for ``user`` on this device and audit the login."""
    now = now or utcnow()
    login = LoginSession(
        token=secrets.token_urlsafe(32),
        user=user,
        generation=user.session_token,
        created_at=now,
        last_seen_at=now,
        user_agent=(user_agent or "")[:300] or None,
        ip_address=(ip_address or "")[:45] or None,
    )
    db.session.add(login)
    user.last_login_at = now
    db.session.flush()
    _audit(user, "auth.login", user, session=login.id)
    return login


def live_session(
    token: str,
    *,
    idle: timedelta,
    absolute: timedelta,
    seen_every: timedelta = SEEN_GRANULARITY,
    now: datetime | None = None,
) -> LoginSession | None:
    """The live session ``token`` names, its user active; ``last_seen_at`` kept roughly current."""
    now = now or utcnow()
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token == token))
    if login is None or not login.user.is_active:
        return None
    if not login.is_live(idle=idle, absolute=absolute, now=now):
        return None
    if now - login.last_seen_at >= seen_every:
        login.last_seen_at = now
        db.session.flush()
    return login


def end_session(token: str | None, *, now: datetime | None = None) -> None:
    """Log out: the session ``token`` names is revoked for good; the user's others go on."""
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token == token))
    if login is not None and login.revoked_at is None:
        login.revoked_at = now or utcnow()
        db.session.flush()
        _audit(login.user, "auth.logout", login.user, session=login.id)


def active_sessions(
    user: User, *, idle: timedelta, absolute: timedelta, now: datetime | None = None
) -> list[LoginSession]:
    """The user's live sessions, most recently seen first (for the account page)."""
    now = now or utcnow()
    rows = db.session.scalars(
        sa.select(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.revoked_at.is_(None),
            LoginSession.generation == user.session_token,
            LoginSession.created_at >= now - absolute,
            LoginSession.last_seen_at >= now - idle,
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return list(rows)


def revoke_session(actor: User, session_id: int, *, now: datetime | None = None) -> LoginSession:
    """The user ends one of their own sessions (another device, or this one)."""
    login = db.session.get(LoginSession, session_id)
    if login is None or login.user_id != actor.id:
        raise NotAllowed()
    if login.revoked_at is not None:
        raise InvalidTransition(_l("This session has already ended."))
    login.revoked_at = now or utcnow()
    db.session.flush()
    _audit(actor, "auth.session_revoked", actor, session=login.id)
    return login


def _revoke_all(user: User, now: datetime) -> None:
    """End every session of ``user``: a new generation, and every row marked revoked."""
    user.rotate_session_token()
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def log_out_everywhere(user: User, *, now: datetime | None = None) -> None:
    """End every session of the user, on every device, the current one included."""
    _revoke_all(user, now or utcnow())
    db.session.flush()
    _audit(user, "auth.logout_everywhere", user)


# --------------------------------------------------------------------------- passwords


def check_new_password(password: str | None) -> str:
    """A new password of a sensible length."""
    if not password or len(password) < MIN_PASSWORD:
        raise MissingData(_l("Use at least %(n)s characters.", n=MIN_PASSWORD), field="password")
    if len(password) > 200:
        raise MissingData(_l("Use at most 200 characters."), field="password")
    return password


def change_password(user: User, *, current: str, new: str, now: datetime | None = None) -> None:
    """Change the password knowing the current one; every session ends (the door opens one)."""
    if not user.check_password(current or ""):
        raise MissingData(_l("The current password is wrong."), field="current")
    check_new_password(new)
    now = now or utcnow()
    user.set_password(new)
    _revoke_all(user, now)
    db.session.flush()
    _audit(user, "auth.password_changed", user)


@dataclass(frozen=True)
class IssuedLink:
    """A password link just issued: the raw token exists only here and in the e-mail."""

    link: PasswordLink
    token: str


def issue_password_link(
    user: User, kind: str, *, invited_by: User | None = None, now: datetime | None = None
) -> IssuedLink:
    """Queue an ``invitation`` or ``password_reset`` e-mail with a fresh single-use link.

    Older unused links of the user stop working.
    """
    now = now or utcnow()
    lifetime = INVITATION_LIFETIME if kind == "invitation" else RESET_LIFETIME
    db.session.execute(
        sa.update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        token_hash=_digest(token), user=user, kind=kind, created_at=now, expires_at=now + lifetime
    )
    db.session.add(link)
    db.session.flush()
    payload = {
        "password_token": token,
        "expires_hours": max(1, int(lifetime.total_seconds() // 3600)),
        "organisation": user.organisation.name,
    }
    if invited_by is not None:
        payload["invited_by"] = invited_by.name
    queue_message(db.session, kind, user, payload)
    return IssuedLink(link, token)


def user_for_link(token: str, *, now: datetime | None = None) -> User | None:
    """The active user an unused, unexpired link names, else ``None``."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(
        sa.select(PasswordLink).where(PasswordLink.token_hash == _digest(token))
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    if not link.user.active:
        return None
    return link.user


def set_password_from_link(token: str, password: str, *, now: datetime | None = None) -> User:
    """Set the password from an e-mailed link: the link is spent and every session ends."""
    now = now or utcnow()
    user = user_for_link(token, now=now)
    if user is None:
        raise InvalidTransition(_l("This link is no longer valid."))
    check_new_password(password)
    db.session.execute(
        sa.update(PasswordLink).where(PasswordLink.token_hash == _digest(token)).values(used_at=now)
    )
    user.set_password(password)
    _revoke_all(user, now)
    db.session.flush()
    _audit(user, "auth.password_set", user)
    return user


def normalise_email(email: str | None) -> str:
    """An e-mail address as accounts are stored and looked up by: NFKC (full-width
    letters become ASCII), trimmed, lower case."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def request_password_reset(email: str, *, now: datetime | None = None) -> None:
    """Send a reset link if ``email`` is an active account, within the hourly limit.

    The caller answers the same whatever happens here, so nobody learns whether
    an address has an account.
    """
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    recent = db.session.scalar(
        sa.select(sa.func.count(PasswordLink.id)).where(
            PasswordLink.user_id == user.id,
            PasswordLink.kind == "password_reset",
            PasswordLink.created_at > now - timedelta(hours=1),
        )
    )
    if recent >= RESETS_PER_HOUR:
        _audit(None, "auth.password_reset_throttled", user)
        return
    issue_password_link(user, "password_reset", now=now)
    _audit(None, "auth.password_reset_requested", user)


# --------------------------------------------------------------------------- second factor


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (kept in the set-up form until confirmed)."""
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _totp_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step ``code`` is valid for (now, or one step either side), else ``None``."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones (shown once)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(code)))
    return codes


def enable_two_factor(
    user: User, *, secret: str, code: str, now: datetime | None = None
) -> list[str]:
    """Switch the second factor on once the user proves their app shows the right code.

    Returns the recovery codes, shown to the user once.
    """
    now = now or utcnow()
    if user.totp_enabled_at is not None:
        raise InvalidTransition(_l("Two-factor authentication is already on."))
    if not secret or len(secret) < 16:
        raise MissingData(_l("Start the set-up again."), field="code")
    step = _totp_counter(secret, code, now)
    if step is None:
        _audit(user, "auth.two_factor_failed", user, during="set-up")
        raise MissingData(
            _l("This code is not right. Check the time on your phone and try again."),
            field="code",
        )
    user.totp_secret = secret
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    _audit(user, "auth.two_factor_enabled", user)
    return codes


def verify_second_factor(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Check a TOTP code (each used once) or an unused recovery code; audit failures."""
    now = now or utcnow()
    if user.totp_secret is None:
        return False
    step = _totp_counter(user.totp_secret, code, now)
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        db.session.flush()
        return True
    cleaned = (code or "").strip().lower()
    if step is None and 0 < len(cleaned) <= 20:
        recovery = db.session.scalar(
            sa.select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(cleaned),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = now
            db.session.flush()
            _audit(user, "auth.recovery_code_used", user)
            return True
    _audit(None, "auth.two_factor_failed", user)
    return False


def remaining_recovery_codes(user: User) -> int:
    """How many unused recovery codes the user has left."""
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes (the old ones stop working)."""
    if user.totp_enabled_at is None:
        raise InvalidTransition(_l("Turn on two-factor authentication first."))
    codes = _new_recovery_codes(user)
    db.session.flush()
    _audit(user, "auth.recovery_codes_renewed", user)
    return codes


def _clear_second_factor(user: User) -> None:
    """Forget the secret and the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable_two_factor(user: User, *, password: str) -> None:
    """The user switches their second factor off, confirming with their password."""
    if user.totp_enabled_at is None:
        raise InvalidTransition(_l("Two-factor authentication is not on."))
    if not user.check_password(password or ""):
        raise MissingData(_l("The password is wrong."), field="password")
    _clear_second_factor(user)
    db.session.flush()
    _audit(user, "auth.two_factor_disabled", user)


def reset_second_factor(actor: User, user: User, *, now: datetime | None = None) -> None:
    """An administrator resets a user's second factor (lost phone); their sessions end."""
    if not actor.is_admin:
        raise NotAllowed()
    if user.totp_enabled_at is None:
        raise InvalidTransition(_l("This user has no second factor to reset."))
    _clear_second_factor(user)
    _revoke_all(user, now or utcnow())
    db.session.flush()
    _audit(actor, "auth.two_factor_reset", user)
