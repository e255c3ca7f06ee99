"""People who log in: vendor staff and partner users."""

from __future__ import annotations

import contextlib
import enum
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, business_zone, enum_column, utcnow
from models.organisations import Organisation, PartnerStatus

_hasher = PasswordHasher()


class Role(enum.Enum):
    """The roles."""

    ADMIN = "admin"
    SALES = "sales"
    #: Vendor staff for the business-card intake queue and prospect entry only.
    ASSISTANT = "assistant"
    PARTNER_MANAGER = "partner_manager"
    PARTNER_REP = "partner_rep"


STAFF_ROLES = frozenset({Role.ADMIN, Role.SALES})
PARTNER_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTNER_REP})
#: Everybody who works at the vendor: staff plus assistants.
VENDOR_ROLES = STAFF_ROLES | {Role.ASSISTANT}


class Locale(enum.Enum):
    """Languages the product speaks: the one list of them (each has a message catalogue)."""

    JA = "ja"
    EN = "en"


#: Each language named in itself, as the language switchers and pickers show it.
LANGUAGE_NAMES: dict[Locale, str] = {Locale.JA: "日本語", Locale.EN: "English"}
#: The language codes, for matching a request's Accept-Language or a submitted choice.
LANGUAGES: tuple[str, ...] = tuple(locale.value for locale in Locale)


def new_session_token() -> str:
    """A random token identifying one generation of a user's sessions."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    """A person with a login; belongs to exactly one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[Locale] = mapped_column(enum_column(Locale, "user_locale"), default=Locale.JA)
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Flask-Login's user id: rotating it logs out every copy of the session cookie.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    password_changed_at: Mapped[datetime | None]
    # Second factor (models/accounts.py): the TOTP secret once confirmed, and the last
    # time step used, so a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(
        back_populates="users", foreign_keys=[organisation_id], lazy="joined"
    )

    # Addresses are stored normalised (``models.administration.normalise_email``), so the
    # unique constraint on ``email`` is case-insensitive.
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    # Flask-Login ----------------------------------------------------------
    #: The token of the login session this object was loaded for (set by the shell).
    login_token = None

    def get_id(self) -> str | None:
        """The login session's random token, not the primary key, so it can be revoked."""
        return self.login_token

    @property
    def has_two_factor(self) -> bool:
        """The user confirmed a TOTP app."""
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:
        """Deactivated users and users of suspended partners cannot use the product."""
        if not self.active:
            return False
        return self.organisation.status is not PartnerStatus.SUSPENDED

    @property
    def zone(self) -> ZoneInfo:
        """The user's own time zone, else the business time zone."""
        return ZoneInfo(self.timezone) if self.timezone else business_zone()

    # Roles ------------------------------------------------------------------
    @property
    def is_staff(self) -> bool:
        """Vendor staff: admin or sales."""
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        """The vendor's administrators."""
        return self.role is Role.ADMIN

    @property
    def is_assistant(self) -> bool:
        """A vendor assistant: the card intake queue and prospect entry, nothing else."""
        return self.role is Role.ASSISTANT

    @property
    def is_vendor_user(self) -> bool:
        """Anyone working at the vendor (staff or assistant)."""
        return self.role in VENDOR_ROLES

    @property
    def is_partner(self) -> bool:
        """A user of a partner organisation."""
        return self.role in PARTNER_ROLES

    @property
    def is_partner_manager(self) -> bool:
        """A partner's manager: sees every offer to its organisation."""
        return self.role is Role.PARTNER_MANAGER

    # Passwords ----------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash the password with Argon2id and revoke every existing session."""
        self.password_hash = _hasher.hash(password)
        self.password_changed_at = utcnow()
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        """Verify a password; upgrade the hash when the parameters changed."""
        if not self.password_hash:
            # An invited account without a password costs the same time as a wrong one.
            verify_dummy_password(password)
            return False
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return True

    def rotate_session_token(self) -> None:
        """Invalidate every session of this user (log out everywhere)."""
        self.session_token = new_session_token()


def verify_dummy_password(password: str) -> None:
    """Spend the time of a real verification so unknown e-mails are not revealed by timing."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("not-a-real-password")
