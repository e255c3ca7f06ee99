"""Friendly error pages in both languages."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from leadshare.extensions import db


def _is_api() -> bool:
    """Whether the request is for the partner API (answered as problem+json)."""
    return request.path == "/api" or request.path.startswith("/api/")


def _render(error: HTTPException):
    """Render the error page for an HTTP error (JSON for JSON clients, problems for the API)."""
    if _is_api():
        from api.problems import from_http_error

        return from_http_error(error)
    if request.accept_mimetypes.best == "application/json":
        return {"error": error.name, "status": error.code}, error.code
    template = f"errors/{error.code}.html" if error.code in (403, 404, 413, 429, 500) else None
    return render_template(template or "errors/generic.html", error=error), error.code


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _render)

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        if _is_api():
            from api.problems import problem

            return problem(500)
        return render_template("errors/500.html", error=error), 500
