"""``/cek-status/``: the public coverage check. No login; the NIK travels only in a POST body.

Every POST is answered no sooner than ``check_minimum_seconds()`` after it arrived (the page is rendered,
then the view sleeps the rest), whatever the outcome: refused, badly filled, covered or not found.
"""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lindung.accounts.services import client_address
from lindung.public.forms import CoverageCheckForm
from lindung.public.services import check_attempt_record, check_minimum_seconds, public_coverage_check

TEMPLATE = "public/check.html"
logger = logging.getLogger(__name__)


@never_cache
@require_http_methods(["GET", "POST"])
def coverage_check_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        if request.GET:
            # A NIK in a URL ends up in logs, histories and the page's own links: drop the query, answer nothing.
            return redirect("public:check")
        return render(request, TEMPLATE, {"form": CoverageCheckForm()})
    started = time.monotonic()
    response = _answer(request)
    elapsed, minimum = time.monotonic() - started, check_minimum_seconds()
    if minimum and elapsed > minimum:
        # The padding no longer hides the work: the operator must raise the setting. Nothing typed is logged.
        logger.warning(
            "public coverage check took %d ms, more than LINDUNG_PUBLIC_CHECK_MS=%d: answer times may tell "
            "registered NIKs from unknown ones; raise LINDUNG_PUBLIC_CHECK_MS",
            elapsed * 1000,
            minimum * 1000,
        )
    time.sleep(max(0.0, minimum - elapsed))
    return response


def _answer(request: HttpRequest) -> HttpResponse:
    block = check_attempt_record(address=client_address(request))
    if block is not None:
        return render(request, TEMPLATE, {"form": CoverageCheckForm(), "refusal": block}, status=429)
    form = CoverageCheckForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    answer = public_coverage_check(**form.cleaned_data, today=timezone.localdate())
    return render(request, TEMPLATE, {"form": CoverageCheckForm(), "checked": True, "answer": answer})
