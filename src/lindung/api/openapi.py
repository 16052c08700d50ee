"""The conventions in the OpenAPI document: every operation lists the problems (RFC 9457) it may answer with,
and every POST its ``Idempotency-Key``, so that a client (and schemathesis) knows every answer it may get.

The routes declare only their successful answers; what the door, the middleware and the problem handlers
answer (401, 403, 404, 409, 412, 422, 429 ...) is the same for all of them and is added here, once.
"""

from __future__ import annotations

from typing import Any

from lindung.api.problems import PROBLEM_CONTENT_TYPE

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "properties": {
            "field": {"title": "Field", "type": "string"},
            "message": {"title": "Message", "type": "string"},
        },
        "required": ["field", "message"],
    },
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details, in the caller's language (Accept-Language: id or en).",
        "type": "object",
        "properties": {
            "type": {"title": "Type", "type": "string"},
            "title": {"title": "Title", "type": "string"},
            "status": {"title": "Status", "type": "integer"},
            "detail": {"title": "Detail", "type": "string"},
            "errors": {
                "title": "Errors",
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldError"},
                "default": [],
            },
        },
        "required": ["type", "title", "status", "detail"],
    },
}

_DESCRIPTIONS = {
    "400": "Bad request: a cursor this API did not give, or an Idempotency-Key that is not 1 to 200 printable "
    "characters",
    "401": "No valid access token",
    "403": "The token's scopes or the caller's role do not allow this",
    "404": "Not found, or outside the caller's region",
    "409": "A request with this Idempotency-Key is still running",
    "412": "If-Match names another state of the record: it changed since it was read",
    "413": "The body (or the file) is too large",
    "415": "The file's type is not accepted",
    "422": "Refused: a value that is not valid, a step the rules refuse, or an Idempotency-Key used for another "
    "request",
    "429": "The caller's limit of requests per minute is reached",
}

_HEADERS: dict[str, dict[str, Any]] = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="lindung"'}},
    "409": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
}

IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any 1 to 200 printable characters, new for each request: the same key again gets the first "
    "answer back and writes nothing twice; with another request it is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}

_CHANGES = ("post", "put", "patch", "delete")


def _problem_statuses(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    secured = bool(operation.get("security"))
    statuses = ["400", "422"]
    if secured:
        statuses += ["401", "403", "404", "429"]
    if method == "post" and secured:
        statuses.append("409")
    if method in _CHANGES and secured and "{" in path:
        statuses.append("412")  # a change of one record takes If-Match
    content = operation.get("requestBody", {}).get("content", {})
    if content:
        statuses.append("413")  # a body over the upload bound, whatever its type
    if "multipart/form-data" in content:
        statuses.append("415")
    return sorted(statuses)


def document_conventions(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (ninja's document) with the problems and the Idempotency-Key added to every operation."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in PROBLEM_SCHEMAS.items():
        schemas.setdefault(name, definition)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", *_CHANGES):
                continue
            responses = operation.setdefault("responses", {})
            for status, declared in responses.items():
                # A route that names a problem answer (``response={422: Problem}``) gets it documented by ninja as
                # application/json; every refusal is sent as application/problem+json (``api.problems``).
                content = declared.get("content", {})
                named = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if int(status) >= 400 and named.endswith("/Problem"):  # not the token endpoint's OAuth errors
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            for status in _problem_statuses(method, path, operation):
                key = str(status)
                if key in responses or int(key) in responses:  # ninja's own keys are numbers
                    continue
                answer: dict[str, Any] = {
                    "description": _DESCRIPTIONS[key],
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}},
                }
                if key in _HEADERS:
                    answer["headers"] = _HEADERS[key]
                responses[key] = answer
            if method == "post" and operation.get("security"):
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_KEY_PARAMETER)
    return schema
