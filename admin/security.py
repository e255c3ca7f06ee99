"""One access rule for the whole back office: vendor staff only, on the index and every view."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_fresh

from leadshare.auth import safe_next
from leadshare.extensions import login_manager


def login_again_unless_fresh():
    """``fresh_login_required`` for one request: a redirect to log in again, or ``None``.

    Exports and changes to users' roles, passwords and active flags need a login
    made in this session, not one restored from a remember-me cookie.
    """
    if login_fresh():
        return None
    flash(login_manager.needs_refresh_message, login_manager.needs_refresh_message_category)
    target = safe_next(request.full_path.rstrip("?"))
    return redirect(url_for(login_manager.refresh_view, next=target))


class StaffAccessMixin:
    """Anonymous users go to the login page with a safe ``next``; partner users get 403.

    ``admin_only`` views further refuse ``sales``; assistants reach only views that
    say ``open_to_assistants`` (the card intake queue). Put this on the index view
    *and* on every model view.
    """

    admin_only = False
    open_to_assistants = False

    def is_accessible(self) -> bool:
        """Vendor staff; administrators only for ``admin_only`` views; assistants where open."""
        if not current_user.is_authenticated:
            return False
        if current_user.is_assistant:
            return self.open_to_assistants and not self.admin_only
        if not current_user.is_staff:
            return False
        return current_user.is_admin or not self.admin_only

    def inaccessible_callback(self, name, **kwargs):
        """Redirect the anonymous to login; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))
        abort(403)
