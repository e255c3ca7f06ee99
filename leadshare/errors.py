"""Friendly error pages in both languages."""

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError
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


def _same_site_referrer() -> str | None:
    """The page the request came from, when it is one of ours."""
    back = request.referrer
    if not back:
        return None
    parts = urlsplit(back)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return back


def _token_refused(error: CSRFError):
    """A form refused by the global CSRF check (its token expired or is missing).

    Forms with text to keep check their own token and show themselves again; what
    reaches this is a button (a bulk action, a log-out): nothing was done, the
    page it came from says to press it again.
    """
    from leadshare.forms import BUTTON_EXPIRED

    if _is_api() or request.accept_mimetypes.best == "application/json":
        return _render(error)
    back = _same_site_referrer()
    if back is not None:
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(back, 303)
    return render_template("errors/generic.html", error=error, message=BUTTON_EXPIRED), 400


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _render)
    app.register_error_handler(CSRFError, _token_refused)

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        if _is_api():
            from api.problems import problem

            return problem(500)
        return render_template("errors/500.html", error=error), 500
