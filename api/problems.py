"""Errors as RFC 9457 ``application/problem+json``, in the caller's language.

The rule errors map exactly as the forms treat them: a lead outside the gates
is 404 (the same body as a lead that does not exist), a role that may not act
is 403, a record changed since it was read is 412 (with ``If-Match``) or 409,
a state that does not allow the change is 409, and missing or invalid input is
422 with the field.
"""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from models.errors import (
    InvalidTransition,
    MissingData,
    NoLongerAvailable,
    NotAllowed,
    PolicyViolation,
    RuleError,
    StaleRecord,
)
from models.limits import OutOfRange

PROBLEM_TYPE = "https://leadshare.example/problems/"
MEDIA_TYPE = "application/problem+json"

#: Titles of the problems this API answers, by status.
TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict with the record's state"),
    412: _l("The record has changed"),
    413: _l("Request too large"),
    415: _l("Send a JSON body"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}

#: A stable, documented ``type`` per kind of problem.
SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "stale-record",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
    500: "server-error",
}


def problem(
    status: int,
    detail: Any = None,
    *,
    slug: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response; ``detail`` may be a lazy (translated) string."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (slug or SLUGS.get(status, "error")),
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "instance": request.path,
    }
    if detail is not None:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Content-Language"] = _locale_code()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _locale_code() -> str:
    """The language the problem is written in."""
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else "ja"


def not_found() -> Response:
    """The one answer for a lead that does not exist and one outside the caller's gates."""
    return problem(404, _l("There is no such record, or it is not shared with you."))


def from_rule_error(err: RuleError, *, if_match: bool = False) -> Response:
    """Map a refused rule to its status, with the rule's own message as the detail."""
    if isinstance(err, StaleRecord):
        return problem(412 if if_match else 409, err, slug="stale-record")
    if isinstance(err, NotAllowed):
        return problem(403, err)
    if isinstance(err, MissingData | OutOfRange) or err.field:
        errors = [{"field": err.field, "message": str(err)}] if err.field else None
        return problem(422, err, errors=errors)
    if isinstance(err, NoLongerAvailable):
        return problem(409, err, slug="no-longer-available")
    if isinstance(err, PolicyViolation):
        return problem(409, err, slug="policy-violation")
    if isinstance(err, InvalidTransition):
        return problem(409, err)
    return problem(409, err)


def from_http_error(error: HTTPException) -> Response:
    """Any HTTP error raised under ``/api/`` (routing, limits, size) as a problem."""
    status = error.code or 500
    if status == 404:
        return not_found()
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        response = error.get_response()
        for name in ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
            if name in response.headers:
                headers[name] = response.headers[name]
    return problem(status, headers=headers)
