"""A partner manager's own organisation: its users and their invitations."""

from flask import Blueprint

bp = Blueprint("team", __name__, template_folder="../templates")

from portal.team import views  # noqa: E402,F401 - registers the routes
