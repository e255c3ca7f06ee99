"""The partner portal: blueprints partner users work in."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Flask, abort, redirect, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models.base import utcnow


def partner_required(view):
    """Partner users only; staff are sent to the back office, anonymous users to login."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_vendor_user:
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


def time_left(deadline: datetime | None) -> str:
    """'in 5 hours' / 'expired' for a response deadline, in the user's language."""
    if deadline is None:
        return ""
    remaining = deadline - utcnow()
    if remaining.total_seconds() <= 0:
        return _("Response time is over")
    return format_timedelta(remaining, threshold=1.1, add_direction=True)


def _nav_context() -> dict:
    """Template helpers for the portal navigation (computed only when the nav renders)."""
    from portal.leads.queries import waiting_count

    def nav_waiting() -> int:
        if not (current_user.is_authenticated and current_user.is_partner):
            return 0
        return waiting_count(current_user)

    def has_endpoint(name: str) -> bool:
        from flask import current_app

        return name in current_app.view_functions

    return {"nav_waiting": nav_waiting, "has_endpoint": has_endpoint, "time_left": time_left}


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device(user_agent: str | None) -> str:
    """A short name for the device of a session ('Chrome · Windows'), from its User-Agent."""
    if not user_agent:
        return _("Unknown device")
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser is None and system is None:
        return user_agent[:60]
    return " · ".join(part for part in (browser, system) if part)


def register_portal(app: Flask) -> None:
    """Register every portal blueprint."""
    from portal.account import bp as account_bp
    from portal.integrations import bp as integrations_bp
    from portal.leads import bp as leads_bp
    from portal.registrations import bp as registrations_bp
    from portal.scorecard import bp as scorecard_bp
    from portal.team import bp as team_bp

    app.register_blueprint(leads_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(scorecard_bp)
    app.register_blueprint(integrations_bp)
    app.context_processor(_nav_context)
    app.add_template_filter(device, "device")
