"""The user's own account: password, language, sessions; and set-password links."""

from flask import Blueprint

bp = Blueprint("account", __name__, template_folder="../templates")

from portal.account import views  # noqa: E402,F401 - registers the routes
