"""Partner inbox and lead pages: ``/leads`` and ``/leads/<ref>``."""

from flask import Blueprint

bp = Blueprint("leads", __name__, template_folder="../templates")

from portal.leads import views  # noqa: E402,F401 - registers the routes
