"""The partner's own scorecard: ``/scorecard`` (managers only)."""

from flask import Blueprint

bp = Blueprint("scorecard", __name__, template_folder="../templates")

from portal.scorecard import views  # noqa: E402,F401 - registers the routes
