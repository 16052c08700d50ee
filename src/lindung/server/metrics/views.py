"""``GET /metrics``: the figures in Prometheus's text format, to the allowed addresses and the token's bearer.

Who may read them:

1. a request with ``Authorization: Bearer <LINDUNG_METRICS_TOKEN>`` (compared in constant time; an empty
   setting accepts no token);
2. a request from an address in ``LINDUNG_METRICS_ALLOW``, the address being the one the login throttle
   counts by (``accounts.services.client_address``: the first X-Forwarded-For hop when
   ``LINDUNG_TRUST_X_FORWARDED_FOR`` says a proxy in front sets it). A request that came through a proxy
   while that setting is off is not let in by its address: the address seen is the proxy's (127.0.0.1 for
   nginx on the same machine), which would open the figures to the whole Internet.

Anyone else gets Django's 404, whatever the method, the same answer as for an address that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from prometheus_client import generate_latest
from prometheus_client.core import Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from lindung.accounts.services import client_address
from lindung.server.metrics import instruments
from lindung.server.metrics.database import DatabaseCollector
from lindung.server.metrics.files import multiprocess_folder

# Headers a proxy adds; with one of them and LINDUNG_TRUST_X_FORWARDED_FOR off, REMOTE_ADDR is the proxy's.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_access_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(generate_latest(Scrape()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    add_never_cache_headers(response)
    return response


class Scrape:
    """What one scrape reads: the web processes' figures (from their shared folder in multiprocess mode, else
    this process's own) and the database's, read now."""

    def __init__(self) -> None:
        folder = multiprocess_folder()
        self._sources: list[Collector] = [
            instruments.REGISTRY if folder is None else MultiProcessCollector(None, path=folder),
            DatabaseCollector(),
        ]

    def collect(self) -> Iterator[Metric]:
        for source in self._sources:
            yield from source.collect()


def metrics_access_allowed(request: HttpRequest) -> bool:
    return _bearer_allowed(request) or _address_allowed(request)


def _bearer_allowed(request: HttpRequest) -> bool:
    token: str = settings.LINDUNG_METRICS_TOKEN
    if not token:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _address_allowed(request: HttpRequest) -> bool:
    if not settings.LINDUNG_TRUST_X_FORWARDED_FOR and any(header in request.META for header in PROXY_HEADERS):
        return False
    ip = client_address(request)
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.LINDUNG_METRICS_ALLOW)
