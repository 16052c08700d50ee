"""The page of a form refused for its security token (``CSRF_FAILURE_VIEW``): in the user's language, in the
site's frame, saying what most likely happened (the page was open too long, or the session ended) and the way
back. Django's own page is in English, with technical reasons meant for developers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # ``reason`` is for developers (no Referer, a token mismatch): not shown, and not logged here, since Django's
    # CSRF middleware logs it itself (django.security.csrf).
    return render(request, "403_csrf.html", status=403)
