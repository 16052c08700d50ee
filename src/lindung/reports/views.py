"""/laporan/: the reports, with the dashboard's filters and a download button per format; every download audited
(and so handed out only to a POST, see ``lindung.web.downloads``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.reports.builders import REPORT_NAMES, report_descriptions, report_titles
from lindung.reports.exports import report_export, report_filename
from lindung.reports.formats import FORMATS, PREVIEW
from lindung.reports.forms import ReportFilterForm
from lindung.reports.services import ReportError, report_scope
from lindung.web.downloads import download_methods, download_page


def _query(form: ReportFilterForm) -> str:
    data = form.cleaned_data
    values = {
        "programme": data["programme"].code,
        "funder": data.get("funder") or "",
        "month_from": f"{data['month_from']:%Y-%m}" if data.get("month_from") else "",
        "month_to": f"{data['month_to']:%Y-%m}" if data.get("month_to") else "",
        "region": data.get("region") or "",
    }
    return urlencode({key: value for key, value in values.items() if value})


@login_required
@require_GET
def report_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.DASHBOARD_VIEW)
    form = ReportFilterForm(request.GET or None, user=user)
    programmes = form.fields["programme"].queryset  # type: ignore[attr-defined]
    if not form.is_bound and (first := programmes.first()) is not None:
        form = ReportFilterForm({"programme": first.code}, user=user)
    query = _query(form) if form.is_bound and form.is_valid() else ""
    titles, descriptions = report_titles(), report_descriptions()
    reports = [
        {"name": name, "title": titles[name], "description": descriptions[name], "formats": FORMATS}
        for name in REPORT_NAMES
    ]
    return render(request, "reports/list.html", {"form": form, "reports": reports, "query": query})


@login_required
@download_methods
def report_download_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """The report as a file, in the page's language; a GET gets the page with the button. Filters that do not
    validate, or a programme or region outside the user's, are a 404: a button made by the page always
    validates. The filters stay in the query string of the POST (nothing personal is among them)."""
    user = signed_in_user(request)
    require(user, Action.DASHBOARD_VIEW)
    if name not in REPORT_NAMES or fmt not in (*FORMATS, PREVIEW):
        raise Http404
    form = ReportFilterForm(request.GET, user=user)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    try:
        scope = report_scope(
            actor=user,
            programme_code=data["programme"].code,
            region_code=data.get("region") or "",
            funder=data.get("funder") or "",
            month_from=data.get("month_from"),
            month_to=data.get("month_to"),
        )
    except ReportError:
        raise Http404 from None
    if request.method != "POST":
        if fmt == PREVIEW:
            return download_page(request, name=report_titles()[name], button=gettext("View"))
        return download_page(request, name=report_filename(scope, name, fmt))
    language = "en" if (get_language() or "id").startswith("en") else "id"
    file = report_export(scope=scope, name=name, fmt=fmt, language=language)
    response = HttpResponse(file.content, content_type=file.content_type)
    if fmt != PREVIEW:  # the preview is a page to read and print; the others are files to keep
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
