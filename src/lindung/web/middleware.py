"""Response headers Django has no setting for; the request id every log line of a request carries, and the log's
JSON lines."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

# The id of the request being answered; "-" outside a request (the task worker, commands).
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
# An id a proxy sent (nginx's $request_id) is kept when it looks like one; anything else is replaced.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def permissions_policy(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """``Permissions-Policy``: the browser features no page uses are refused (``LINDUNG_PERMISSIONS_POLICY``)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.LINDUNG_PERMISSIONS_POLICY)
        return response

    return middleware


def request_id(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Give the request an id (``X-Request-ID`` from the proxy, else a new one), for the logs and the answer's
    ``X-Request-ID`` header: a user who reports a problem can quote it, and it finds the request's lines."""

    def middleware(request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        # Not reset on the way out: Django logs a 4xx or 5xx answer after the middleware has returned, and that
        # line belongs to this request too. The next request of the thread sets its own.
        current_request_id.set(sent if _ACCEPTED_ID.fullmatch(sent) else uuid.uuid4().hex)
        response = get_response(request)
        response.headers["X-Request-ID"] = current_request_id.get()
        return response

    return middleware


class JsonLines(JsonFormatter):
    """One JSON object per log line: time, level, logger, request id, message (and the traceback, the extra
    fields a caller gave). Django's own lines carry the request object as an extra field, whose text holds the
    query string (a search by NIK): it is left out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (the logging configuration's formats name it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
