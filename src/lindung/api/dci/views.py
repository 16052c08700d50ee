"""Lindung's public keys (``/.well-known/jwks.json``, the DCI JWKS API): what a partner checks our signatures with."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from lindung.api.dci.signing import jwks


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response
