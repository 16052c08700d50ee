"""Errors as RFC 9457 problem details (``application/problem+json``), in the caller's language.

Every refusal the API gives goes through ``problem``: a status, a title, a sentence (``detail``) and, for a
refused field or row, ``errors`` as ``[{field, message}]``. A server error says only that it happened and
its request id (the log has the rest): never a traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from lindung.errors import RefusedStep

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised by a route to answer with a problem; ``headers`` are added to the answer (``Retry-After``)."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        412: _("Changed meanwhile"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        422: _("Refused"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def problem(
    status: int,
    kind: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = {
        "type": f"urn:lindung:problem:{kind}",
        "title": _titles().get(status, _("Error")),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Pydantic's error types, said in the caller's language; any other type gets the general sentence.
def _validation_sentence(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    sentences = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "bool_parsing": _("Enter true or false."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "string_type": _("Enter text."),
        "json_invalid": _("The body is not valid JSON."),
        "model_attributes_type": _("The body must be a JSON object."),
        "dict_type": _("The body must be a JSON object."),
        "list_type": _("Enter a list."),
        "extra_forbidden": _("This field is not known."),
        "enum": _("Choose one of the allowed values."),
        "literal_error": _("Choose one of the allowed values."),
        "uuid_parsing": _("Enter a valid identifier."),
    }
    if kind == "string_too_long":
        return _("At most %(count)s characters.") % {"count": context.get("max_length", "")}
    if kind == "string_too_short":
        return _("At least %(count)s characters.") % {"count": context.get("min_length", "")}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter a number of at least %(limit)s.") % {"limit": context.get("ge", context.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter a number of at most %(limit)s.") % {"limit": context.get("le", context.get("lt", ""))}
    if kind == "string_pattern_mismatch":
        return _("The value does not have the expected form.")
    return sentences.get(kind, _("This value is not valid."))


def _field_name(location: Any) -> str:
    """``("body", "payload", "nik")`` → ``nik``; a query or path parameter keeps its name."""
    parts = [
        str(part)
        for part in (location or ())
        if part not in {"body", "query", "path", "header", "form", "file", "payload"}
    ]
    return ".".join(parts) or "body"


def too_large() -> HttpResponse:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (files go to the import's upload, which has its own bound)."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000
    return problem(
        413,
        "too-large",
        _("The request's body is larger than %(size)s MB; send less in each request.")
        % {"size": number_format(megabytes, 1)},
    )


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(RequestDataTooBig)
    def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return too_large()

    @api.exception_handler(ApiProblem)
    def _api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem(exc.status, exc.kind, exc.detail, errors=exc.errors, headers=exc.headers)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_name(error.get("loc")), "message": _validation_sentence(error)} for error in exc.errors
        ]
        return problem(422, "validation", _("The request has values that are not valid."), errors=errors[:100])

    @api.exception_handler(RefusedStep)
    def _refused(request: HttpRequest, exc: RefusedStep) -> HttpResponse:
        errors = [{"field": exc.field, "message": exc.text}] if exc.field else []
        return problem(422, "refused", exc.text, errors=errors)

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field if field != "__all__" else "body", "message": str(message)}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "body", "message": str(message)} for message in exc.messages]
        detail = errors[0]["message"] if len(errors) == 1 else _("The request has values that are not valid.")
        return problem(422, "refused", detail, errors=errors[:100])

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            401,
            "unauthenticated",
            _("Send a valid access token: Authorization: Bearer TOKEN."),
            headers={"WWW-Authenticate": 'Bearer realm="lindung"'},
        )

    @api.exception_handler(AuthorizationError)
    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(403, "forbidden", _("Your access does not allow this."))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, "not-found", _("There is nothing at this address, or it is outside your region."))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, "http", _titles().get(exc.status_code, _("Error")))

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("api.server_error", extra={"path": request.path})
        return problem(500, "server-error", _("Something went wrong on the server; the request id is in X-Request-ID."))

    @api.exception_handler(DataError)
    @api.exception_handler(ValueError)
    def _value_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # PostgreSQL cannot hold the NUL character: its driver refuses such a value before it sends the query
        # (DataError; the transaction stays usable), whichever parameter of whichever route carried it.
        if "NUL (0x00)" in str(exc):
            return problem(422, "validation", _("A value contains the NUL character (0x00), which text may not hold."))
        return _server_error(request, exc)
