"""What the web processes count as it happens: requests, their latency, failed logins.

Labels are bounded sets, so that the figures cannot grow without end or carry anything personal: the view is
the resolved URL's name (``workers:detail``, never the path with its id), ``static`` for the static files,
``unmatched`` for an address that resolves to no view; the method is one of HTTP's own (anything else is
``other``); the status is its class (``2xx`` … ``5xx``). The latency histogram leaves the status out (the
counter has it): one series per view and method is enough to see which page is slow, and keeps a scrape small.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# No "_created" series beside each counter and histogram: they double a scrape, and multiprocess mode has none.
disable_created_metrics()
# The process's own metrics. In multiprocess mode their values are also written to the process's files in
# PROMETHEUS_MULTIPROC_DIR, which a scrape reads instead (``views``).
REGISTRY = CollectorRegistry(auto_describe=True)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. Pages take tens of milliseconds; reports, invoice letters and billing runs are written while the
# browser waits, up to nginx's five minutes.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

HTTP_REQUESTS = Counter(
    "lindung_http_requests",
    "HTTP requests answered, by view (resolved URL name), method and status class.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "lindung_http_request_duration_seconds",
    "Seconds from a request's arrival to its answer (a streamed download: to its first part), by view and method.",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
# "livesum": the processes still alive, added up; gunicorn's child_exit hook drops a dead process's file
# (``lindung.server.gunicorn_config``), or a worker killed mid-request would count as busy for ever.
HTTP_IN_PROGRESS = Gauge(
    "lindung_http_requests_in_progress",
    "HTTP requests being answered now, in all web server processes.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
LOGIN_FAILURES = Counter(
    "lindung_login_failures",
    "Failed logins (wrong password or unknown username; attempts the throttle refused are not tried, so not "
    "counted), on the login page and the admin's.",
    registry=REGISTRY,
)


def http_metrics(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: count every request and time it, from as early in the stack as the request id allows."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        HTTP_IN_PROGRESS.inc()
        try:
            response = get_response(request)
        finally:
            HTTP_IN_PROGRESS.dec()
        view, method = view_label(request), method_label(request.method)
        HTTP_LATENCY.labels(view=view, method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(view=view, method=method, status=f"{response.status_code // 100}xx").inc()
        return response

    return middleware


def view_label(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None:
        return match.view_name
    # WhiteNoise answers the static files before the URL is resolved.
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def method_label(method: str | None) -> str:
    return method if method is not None and method in METHODS else "other"


def login_failure_count(sender: Any, credentials: dict[str, Any], request: HttpRequest | None, **kwargs: Any) -> None:
    """``user_login_failed``: counted, nothing else kept (the credentials are the throttle's business)."""
    LOGIN_FAILURES.inc()
