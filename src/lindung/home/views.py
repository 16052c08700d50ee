from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lindung.home.selectors import programme_coverage_summaries


def home(request: HttpRequest) -> HttpResponse:
    """Each programme and how many workers it covers against its target (aggregate figures only)."""
    return render(request, "home/home.html", {"programmes": programme_coverage_summaries()})
