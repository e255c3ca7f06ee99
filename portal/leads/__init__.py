"""Partner inbox and lead pages: ``/leads`` and ``/leads/<ref>``."""

from flask import Blueprint

bp = Blueprint(
    "leads",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/portal-static",
)

from portal.leads import files, views  # noqa: E402,F401 - registers the routes
