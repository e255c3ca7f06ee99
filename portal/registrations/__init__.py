"""Deal registration: a partner registers a deal it found itself."""

from flask import Blueprint

bp = Blueprint("deals", __name__, template_folder="../templates")

from portal.registrations import views  # noqa: E402,F401 - registers the routes
