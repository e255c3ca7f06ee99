"""One access rule for the whole back office: vendor staff only (SECURITY.md, Flask-Admin)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from leadshare.auth import safe_next


class StaffAccessMixin:
    """Anonymous users go to the login page with a safe ``next``; partner users get 403.

    ``admin_only`` views further refuse ``sales``. Put this on the index view *and*
    on every model view.
    """

    admin_only = False

    def is_accessible(self) -> bool:
        """Vendor staff; administrators only for ``admin_only`` views."""
        if not current_user.is_authenticated or not current_user.is_staff:
            return False
        return current_user.is_admin or not self.admin_only

    def inaccessible_callback(self, name, **kwargs):
        """Redirect the anonymous to login; refuse everybody else."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))
        abort(403)
