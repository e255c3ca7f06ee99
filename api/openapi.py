"""The OpenAPI 3.1 document of ``/api/v1``, written from the registered operations.

Schemas come from the pydantic models of :mod:`api.schemas` (JSON Schema 2020-12,
which OpenAPI 3.1 uses as is).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from api.routing import OPERATIONS, Operation
from api.schemas import ProblemOut

REF = "#/components/schemas/{model}"
PREFIX = "/api/v1"

ERROR_TEXT = {
    401: "No valid token (missing, unknown, revoked or expired).",
    403: "The token's user may not do this, or the token is read-only.",
    404: "No such lead, or it is outside the caller's gates (the same answer).",
    405: "Method not allowed on this path.",
    409: "The record's state does not allow this (e.g. already accepted by another partner).",
    412: "If-Match did not match the record's current version: read it again.",
    415: "The body must be application/json.",
    422: "Missing or invalid input; `errors` names the fields.",
    429: "Too many calls with this token; wait for Retry-After seconds.",
}

QUERY = {
    "cursor": {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The `next_cursor` of the previous page.",
        "schema": {"type": "string", "maxLength": 500},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Items per page (1–100, default 50).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
    "updated_since": {
        "name": "updated_since",
        "in": "query",
        "required": False,
        "description": "Only leads changed at or after this time (ISO 8601 with a time zone).",
        "schema": {"type": "string", "format": "date-time"},
    },
}


def _path(rule: str) -> str:
    """``/api/v1/leads/<ref>`` → ``/api/v1/leads/{ref}``."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


class _Schemas:
    """Collects component schemas from pydantic models."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        """A ``$ref`` to ``model``, adding it (and what it refers to) to the components."""
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        self.components.setdefault(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}


def _problem(status: int, schemas: _Schemas) -> dict[str, Any]:
    """A documented problem response."""
    response: dict[str, Any] = {
        "description": ERROR_TEXT.get(status, "Error"),
        "content": {
            "application/problem+json": {"schema": schemas.ref(ProblemOut, "serialization")}
        },
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return response


def _operation(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    """The OpenAPI operation object of one endpoint."""
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
    }
    parameters = []
    for name in re.findall(r"<(?:[a-z_]+:)?([a-z_]+)>", op.rule):
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"},
            }
        )
    parameters.extend(QUERY[name] for name in op.query)
    if op.etag and op.write:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "The ETag you read; a changed record answers 412 instead.",
                "schema": {"type": "string", "maxLength": 100},
            }
        )
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(op.body, "validation")}},
        }
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response is not None:
        success["content"] = {
            op.response_media: {"schema": schemas.ref(op.response, "serialization")}
        }
    elif op.response_media != "application/json":
        success["content"] = {op.response_media: {"schema": {"type": "string"}}}
    if op.etag:
        success["headers"] = {"ETag": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    statuses = set(op.errors)
    if op.auth:
        statuses |= {401, 429}
        if op.write:
            statuses |= {403, 409, 422}
    if op.body is not None:
        statuses |= {415, 422}
    if op.query:
        statuses |= {422}
    if "<" in op.rule:
        statuses |= {404}
    if op.etag and op.write:
        statuses |= {409, 412}
    for status in sorted(statuses):
        responses[str(status)] = _problem(status, schemas)
    doc["responses"] = responses
    if not op.auth:
        doc["security"] = []
    return doc


def openapi_document(server_url: str = "/") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    schemas = _Schemas()
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(PREFIX + op.rule), {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LeadShare partner API",
            "version": "1.0.0",
            "description": (
                "Leads offered to your organisation, exactly as the portal shows them "
                "(teaser, details, full), and the same actions. Authenticate with "
                "`Authorization: Bearer <token>`. Errors are RFC 9457 problem documents "
                "in the language of `Accept-Language` (ja or en). See docs/api.md."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "tags": [
            {"name": "leads", "description": "Offers and leads, through the gates."},
            {"name": "registrations", "description": "Deals a partner found itself."},
            {"name": "staff", "description": "The vendor's own systems (staff tokens)."},
            {"name": "meta", "description": "The token and this description."},
        ],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (lsk_…) from the portal or an administrator.",
                }
            },
        },
    }
