"""/pdp/pemberitahuan/: the privacy notice given at registration, printable for the village office, and its versions.

Any signed-in user may read them: operators print the notice for the people they register; the text is what every
registered person is told, nothing personal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lindung.inputs import query_value
from lindung.privacy_notices.models import PrivacyNotice
from lindung.privacy_notices.selectors import notice_in_force, notices_all

NOTICE_LANGUAGES = ("id", "en")  # Indonesian first: the village office's


@login_required
@require_GET
def notice_view(request: HttpRequest, version: int | None = None) -> HttpResponse:
    """The notice in force today (or ``version``), in ``?bahasa=id|en`` (Indonesian unless English is asked)."""
    today = timezone.localdate()
    if version is None:
        notice = notice_in_force(on=today)
    else:
        # A version beyond the column's range is no version (and no query).
        notice = PrivacyNotice.objects.filter(version=version).first() if version <= 32_767 else None
    if notice is None:
        raise Http404
    language = query_value(request.GET, "bahasa", max_length=2)
    language = language if language in NOTICE_LANGUAGES else NOTICE_LANGUAGES[0]
    in_force = notice_in_force(on=today)
    return render(
        request,
        "pdp/notice.html",
        {
            "notice": notice,
            "language": language,
            "title": notice.title(language),
            "text": notice.text(language),
            "in_force": in_force is not None and in_force.pk == notice.pk,
            "future": notice.effective_from > today,
            "current_url": request.path,
        },
    )


@login_required
@require_GET
def notice_versions_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    in_force = notice_in_force(on=today)
    return render(
        request,
        "pdp/notice_versions.html",
        {"notices": notices_all(), "in_force": in_force, "today": today},
    )
