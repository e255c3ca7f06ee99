"""One decorator per endpoint: authentication, read-only tokens, body parsing, rule errors.

Each :func:`operation` also records what it accepts and answers, from which
:mod:`api.openapi` writes the OpenAPI document: the description cannot drift
from the code that serves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from api import bp
from api.problems import from_rule_error, problem
from leadshare.extensions import db
from models.api_tokens import find_usable_token, record_api_call
from models.errors import RuleError


@dataclass
class Operation:
    """What one endpoint does, for the OpenAPI document."""

    method: str
    rule: str
    name: str
    summary: str
    description: str
    tag: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    query: tuple[dict[str, Any], ...] = ()
    auth: bool = True
    write: bool = False
    etag: bool = False
    response_media: str = "application/json"
    extra: dict[str, Any] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as ``{field, message}`` (the message stays in English: it is technical)."""
    errors = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error.get("loc", ())) or "body"
        errors.append({"field": location, "message": error.get("msg", "invalid")})
    return errors


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body as ``model``; raises :class:`BodyProblem` with 415 or 422."""
    if request.mimetype != "application/json":
        raise BodyProblem(problem(415, _l("Send the body as application/json.")))
    try:
        return model.model_validate_json(request.get_data(cache=True) or b"")
    except ValidationError as exc:
        raise BodyProblem(
            problem(422, _l("Some fields are missing or invalid."), errors=_field_errors(exc))
        ) from exc


class BodyProblem(Exception):
    """A request body that cannot be used; carries the problem response."""

    def __init__(self, response) -> None:
        super().__init__("invalid body")
        self.response = response


def _authenticate():
    """The token of ``Authorization: Bearer …``, or the 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    token = find_usable_token(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        db.session.rollback()
        return None, problem(
            401,
            _l("Send a valid API token as: Authorization: Bearer <token>."),
            headers={"WWW-Authenticate": 'Bearer realm="LeadShare API"'},
        )
    g.api_token = token
    g.api_user = token.user
    return token, None


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str = "leads",
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    query: tuple[dict[str, Any], ...] = (),
    auth: bool = True,
    write: bool = False,
    etag: bool = False,
    response_media: str = "application/json",
) -> Callable:
    """Register ``view`` under ``rule`` with the API's checks, and describe it."""

    def decorator(view: Callable) -> Callable:
        OPERATIONS.append(
            Operation(
                method=method,
                rule=rule,
                name=view.__name__,
                summary=summary,
                description=(view.__doc__ or "").strip(),
                tag=tag,
                body=body,
                response=response,
                status=status,
                errors=errors,
                query=query,
                auth=auth,
                write=write,
                etag=etag,
                response_media=response_media,
            )
        )

        @wraps(view)
        def endpoint(**kwargs):
            if auth:
                token, failure = _authenticate()
                if failure is not None:
                    return failure
                if write and token.read_only:
                    return problem(403, _l("This token is read-only."), slug="read-only-token")
            try:
                if body is not None:
                    kwargs["body"] = parse_body(body)
                return view(**kwargs)
            except BodyProblem as exc:
                db.session.rollback()
                return exc.response
            except RuleError as err:
                db.session.rollback()
                return from_rule_error(err, if_match="If-Match" in request.headers)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=endpoint, methods=[method])
        return endpoint

    return decorator


@bp.after_request
def _audit_call(response):
    """Audit every authenticated call under its token, whatever the outcome."""
    # Answers depend on the token and the language, and may hold personal data.
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.update(("Authorization", "Accept-Language"))
    token = g.pop("api_token", None)
    if token is None:
        return response
    try:
        db.session.rollback()  # anything the view did not commit is not part of the call
        record_api_call(
            token, method=request.method, path=request.path, status=response.status_code
        )
        db.session.commit()
    except Exception:  # the answer stands even if the audit write fails; it is logged
        db.session.rollback()
        current_app.logger.exception("could not audit API call %s %s", request.method, request.path)
    return response
