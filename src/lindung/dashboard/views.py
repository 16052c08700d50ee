"""The dashboard page: authorise, read the filters, gather the figures, draw them. The figures live in ``selectors``
(the entry point) and ``figures`` (one module per family)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.contributions.never_billed import with_bill_links
from lindung.dashboard.charts import child_level_label, dashboard_charts
from lindung.dashboard.filters import dashboard_filters_from, dashboard_programmes
from lindung.dashboard.selectors import dashboard_figures
from lindung.dashboard.tasks import dashboard_refresh_task
from lindung.programmes.models import FunderType


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.DASHBOARD_VIEW)
    filters = dashboard_filters_from(user, request.GET)
    figures = dashboard_figures(user, filters)
    query = filters.as_query()

    def drill(code: str) -> str:
        return "?" + urlencode({**query, "region": code})

    context = {
        "figures": figures,
        "charts": dashboard_charts(figures, link=drill),
        "child_level": child_level_label(figures.child_level),
        "coverage_rows": [(row, drill(row.code)) for row in figures.coverage],
        "trail_links": [(ref, drill(ref.code)) for ref in figures.trail],
        "programmes": dashboard_programmes(user).order_by("-coverage_start", "code"),
        "funders": FunderType.choices,
        "never_billed": figures.never_billed,
        "never_billed_rows": with_bill_links(user, figures.never_billed),
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
@require_POST
def dashboard_refresh_view(request: HttpRequest) -> HttpResponse:
    """Ask the background worker to recompute the figures (minutes at a million workers): nothing waits for it."""
    user = signed_in_user(request)
    require(user, Action.DASHBOARD_VIEW)
    dashboard_refresh_task.enqueue(actor_id=user.pk)
    messages.success(
        request, _("The figures are being recomputed in the background. Reload the page in a few minutes.")
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/dasbor/"):
        back = "/dasbor/"
    return redirect(back)
