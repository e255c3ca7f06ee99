"""The partner portal: blueprints partner users work in."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, redirect, url_for
from flask_login import current_user, login_required


def partner_required(view):
    """Partner users only; staff are sent to the back office, anonymous users to login."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_staff:
            return redirect(url_for("admin.index"))
        if not current_user.is_partner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def manager_required(view):
    """Partner managers only."""

    @wraps(view)
    @partner_required
    def wrapped(*args, **kwargs):
        if not current_user.is_partner_manager:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def register_portal(app: Flask) -> None:
    """Register every portal blueprint."""
    from portal.leads import bp as leads_bp

    app.register_blueprint(leads_bp)
