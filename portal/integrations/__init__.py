"""A partner manager's integrations: API tokens for its CRM, and webhook endpoints."""

from flask import Blueprint

bp = Blueprint("integrations", __name__, template_folder="../templates")

from portal.integrations import views  # noqa: E402,F401 - registers the routes
