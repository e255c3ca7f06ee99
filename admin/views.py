"""Model views of the back office."""

from flask_admin import Admin


def register_views(admin: Admin) -> None:
    """Add every model view to ``admin``."""
