"""Set-password links: signed, expiring, and single-use.

The token embeds the user's current session token; setting a password rotates
it, so a used (or superseded) link no longer matches and is refused.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from leadshare.extensions import db
from models.outbox import queue_message
from models.users import User

SALT = "leadshare.set-password"
LINK_LIFETIME = timedelta(hours=72)


def _serializer() -> URLSafeTimedSerializer:
    """A serializer keyed on the app's secret key."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    """A signed token naming the user and their current session generation."""
    return _serializer().dumps({"uid": user.id, "gen": user.session_token})


def user_for_token(token: str) -> User | None:
    """The active user a still-valid, unused token names, else ``None``."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.scalar(sa.select(User).where(User.id == data.get("uid")))
    if user is None or not user.active or user.session_token != data.get("gen"):
        return None
    return user


def set_password_url(user: User) -> str:
    """The absolute set-password link for ``user`` (base URL from the configuration)."""
    path = url_for("account.set_password", token=make_token(user))
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def send_password_link(user: User, kind: str, invited_by: User | None = None) -> None:
    """Queue an ``invitation`` or ``password_reset`` e-mail carrying a fresh link."""
    payload = {
        "url": set_password_url(user),
        "expires_hours": int(LINK_LIFETIME.total_seconds() // 3600),
        "organisation": user.organisation.name,
    }
    if invited_by is not None:
        payload["invited_by"] = invited_by.name
    queue_message(db.session, kind, user, payload)
