"""The partner API: ``/api/v1``, a third door into the same rules as the portal and back office.

Callers authenticate with ``Authorization: Bearer <token>`` only; the session
cookie is never read here (so no cross-site request can act through a browser
that is logged in to the portal), which is why CSRF protection does not apply.
Every call is rate-limited per token and audited with its token.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, current_app, g, request
from flask_login import AnonymousUserMixin

from leadshare.extensions import csrf, limiter

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def rate_limit_key() -> str:
    """Per token (a digest of the presented credential), else per address."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "api-token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "api-addr:" + (request.remote_addr or "")


@bp.url_value_preprocessor
def _ignore_session_login(endpoint, values) -> None:
    """Runs before any ``before_request``: the API never acts for a cookie's user."""
    g._login_user = AnonymousUserMixin()


# Once per process (the limiter and the blueprint are both module-level).
csrf.exempt(bp)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)


def register_api(app: Flask) -> None:
    """Mount ``/api/v1``: no CSRF (no cookie auth), a rate limit per token."""
    from api import views  # noqa: F401 - registers the routes on bp

    app.register_blueprint(bp)
