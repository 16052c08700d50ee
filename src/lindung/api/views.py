"""The API's readable page (``/api/v1/docs``): its OpenAPI document drawn as HTML on the server, in the
site's frame, with no third-party script. Public: it describes the API, it holds no data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views import defaults

from lindung.api.app import api
from lindung.api.problems import problem

_METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations grouped by their first tag, in the document's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {"name": p.get("name"), "where": p.get("in"), "required": p.get("required", False)}
                        for p in operation.get("parameters", [])
                    ],
                    "responses": sorted(str(status) for status in operation.get("responses", {})),
                    "secured": bool(operation.get("security")),
                    "anchor": operation.get("operationId", ""),
                }
            )
    return [{"tag": tag, "operations": operations} for tag, operations in groups.items()]


def reference(request: HttpRequest) -> HttpResponse:
    document = api.get_openapi_schema(path_prefix="/api/v1")
    return render(
        request,
        "api/reference.html",
        {"info": document.get("info", {}), "groups": _operations(document)},
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 (no route matched: ``/api/v1/imports/abc``) as a problem under ``/api/``, the site's page
    elsewhere: a client of the API always gets JSON, never an HTML page."""
    if request.path.startswith("/api/"):
        return problem(404, "not-found", gettext("There is nothing at this address, or it is outside your region."))
    return defaults.page_not_found(request, exception)
