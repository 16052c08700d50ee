from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lindung.contributions.headline import FIGURES, TERMS
from lindung.home.selectors import programme_coverage_summaries


def home(request: HttpRequest) -> HttpResponse:
    """Each programme and how many workers it covers today against its target (aggregate figures only)."""
    return render(request, "home/home.html", {"programmes": programme_coverage_summaries(timezone.localdate())})


def glossary(request: HttpRequest) -> HttpResponse:
    """What each headline figure means (``lindung.contributions.headline``): public, it holds no personal data."""
    return render(request, "home/glossary.html", {"figures": FIGURES, "terms": TERMS})
