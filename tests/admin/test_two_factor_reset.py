"""An administrator resets the second factor of a user who lost their phone."""

from __future__ import annotations

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, User, accounts
from models.base import utcnow


def _with_two_factor(user: User) -> User:
    """Give ``user`` a confirmed TOTP secret through the rule."""
    import pyotp

    secret = accounts.new_totp_secret()
    accounts.enable_two_factor(user, secret=secret, code=pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    return user


def _has_two_factor(user_id: int) -> bool:
    """Whether the committed user still has a second factor."""
    db.session.expire_all()
    return db.session.get(User, user_id).has_two_factor


def test_the_admin_resets_a_second_factor_from_the_users_list(world, as_user):
    rep = _with_two_factor(world["alpha_rep"])
    client = as_user("admin@vendor.example")
    response = client.post(
        "/admin/users/action/", data={"action": "reset_two_factor", "rowid": str(rep.id)}
    )
    assert response.status_code == 302
    assert not _has_two_factor(rep.id)
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "auth.two_factor_reset")
    )


def test_sales_cannot_reset_a_second_factor(world, as_user):
    rep = _with_two_factor(world["alpha_rep"])
    client = as_user("sales@vendor.example")
    client.post("/admin/users/action/", data={"action": "reset_two_factor", "rowid": str(rep.id)})
    assert _has_two_factor(rep.id)
