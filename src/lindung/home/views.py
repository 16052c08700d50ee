from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lindung.accounts.models import User
from lindung.contributions.headline import FIGURES, TERMS
from lindung.home.queues import waiting_for
from lindung.home.selectors import programme_coverage_summaries


def home(request: HttpRequest) -> HttpResponse:
    """For a signed-in user, what waits for them (``queues``), as counts linking to the lists; the programmes'
    figures are on their dashboard, which reads summary tables. For a visitor, each programme and how many
    workers it covers today against its target (aggregate figures only, counted live)."""
    if isinstance(request.user, User) and request.user.is_active:
        return render(request, "home/home.html", {"waiting": waiting_for(request.user), "programmes": None})
    return render(request, "home/home.html", {"programmes": programme_coverage_summaries(timezone.localdate())})


def glossary(request: HttpRequest) -> HttpResponse:
    """What each headline figure means (``lindung.contributions.headline``): public, it holds no personal data."""
    return render(request, "home/glossary.html", {"figures": FIGURES, "terms": TERMS})
