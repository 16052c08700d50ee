"""The API (``/api/v1/``): one ``NinjaAPI`` whose routers each call the apps' selectors and services, as the
web's views do. Its OpenAPI 3.1 document is generated from these routes (``/api/v1/openapi.json``), committed
at ``docs/api/openapi.json`` and checked for drift by ``lindung.api.tests.test_openapi``."""

from __future__ import annotations

from ninja import NinjaAPI

from lindung.api.auth import BearerToken
from lindung.api.oauth import router as oauth_router
from lindung.api.problems import install_problem_handlers
from lindung.api.routers.enrolments import router as enrolments_router
from lindung.api.routers.regions import router as regions_router
from lindung.api.routers.workers import router as workers_router

API_DESCRIPTION = """Lindung's API for the systems around a regional programme of BPJS Ketenagakerjaan cover for
vulnerable workers: the population registry (Dukcapil), BPJS, data portals, village systems.

- Authenticate with OAuth2 client credentials (`POST /api/v1/oauth/token`) or a personal token made on your
  profile page; send `Authorization: Bearer TOKEN`. Every request keeps the caller's region: a record outside
  it is 404.
- Lists are paged by cursor (`next_cursor`); dates are ISO 8601; money is integer rupiah.
- Every POST takes an `Idempotency-Key`; a record's answer carries an `ETag`, and a change sent with
  `If-Match` is refused with 412 when the record changed meanwhile.
- Errors are RFC 9457 problem details in Indonesian or English (`Accept-Language`).
"""


def _build() -> NinjaAPI:
    api = NinjaAPI(
        title="Lindung API",
        version="1",
        description=API_DESCRIPTION,
        auth=BearerToken(),
        urls_namespace="api",
        docs_url=None,  # the readable page is Lindung's own (lindung.api.views.reference): no third-party script
        openapi_url="/openapi.json",
    )
    install_problem_handlers(api)
    api.add_router("/oauth", oauth_router)
    api.add_router("/regions", regions_router)
    api.add_router("/workers", workers_router)
    api.add_router("/enrolments", enrolments_router)
    return api


api = _build()
