"""The worker list and its CSV export: the registry's workers, searched, and filtered by their enrolments too.

The pages sit among the registry's (``/pekerja/``, ``workers:list`` and ``workers:export``: ``lindung/urls.py``
puts them there), but they filter by enrolment status and programme, which the registry below this app knows
nothing of. Every row comes through the user's region scope (``worker_list``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.enrolments.forms import WorkerListForm
from lindung.enrolments.selectors import worker_list_by_enrolment
from lindung.spreadsheets.writing import csv_writer
from lindung.web.downloads import download_methods, download_page
from lindung.web.pagination import CappedPaginator
from lindung.web.searches import SEARCH_KEY, search_data, search_in_address, search_redirect
from lindung.workers.nik import nik_mask
from lindung.workers.restriction import exported_identity
from lindung.workers.services import worker_export_record

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def worker_list_view(request: HttpRequest) -> HttpResponse:
    """The list; its search box posts, and the text typed (a NIK, a name) stays out of the address."""
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    if search_in_address(request):
        return search_redirect(request)
    data, forgotten = search_data(request)
    if forgotten:
        messages.info(request, gettext("This search is no longer kept; search again."))
    form = WorkerListForm(data, user=user)
    q, filters, sort = form.search()
    workers = worker_list_by_enrolment(user=user, q=q, filters=filters, sort=sort).select_related(
        "village", "occupation"
    )
    paginator = CappedPaginator(workers, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()  # for the export button: the search's key, never its text
    query.pop("page", None)
    if forgotten:
        query.pop(SEARCH_KEY, None)
    return render(
        request,
        "enrolments/worker_list.html",
        {
            "form": form,
            "page": page,
            # Regency names from the filter's choices: no join per row.
            "regency_names": dict(form.fields["regency"].choices),  # type: ignore[attr-defined]
            "query": query.urlencode(),
            "can_register": user_can(user, Action.WORKER_REGISTER),
            "can_export": user_can(user, Action.WORKER_EXPORT),
        },
    )


# CSV export


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _export_rows(workers: Any, regency_names: dict[str, str]) -> Iterator[list[object]]:
    yield [
        gettext("NIK (masked)"),
        gettext("Name"),
        gettext("Sex"),
        gettext("Village code"),
        gettext("Village"),
        gettext("Regency/city"),
        gettext("Occupation category"),
        gettext("Declared monthly income (Rp)"),
        gettext("Registered on"),
    ]
    rows = workers.values_list(
        "nik",
        "name",
        "sex",
        "village_id",
        "village__name",
        "regency_code",
        "occupation__name",
        "declared_income",
        "created_at",
        "restricted_since",
    )
    for nik, name, sex, village, village_name, regency, occupation, income, created, restricted_since in rows.iterator(
        chunk_size=2_000
    ):
        # A restricted person's row stays (the file counts as the list does), without name or NIK.
        nik_shown, name_shown = exported_identity(
            nik_masked=nik_mask(nik), name=name, restricted=restricted_since is not None
        )
        yield [
            nik_shown,
            name_shown,
            sex,
            village,
            village_name,
            regency_names.get(regency, regency),
            occupation,
            income,
            timezone.localtime(created).date(),
        ]


@login_required
@download_methods
def worker_export_view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The list as CSV, filters as on the list, to a POST (an audited export); a GET gets the page with the
    button."""
    user = signed_in_user(request)
    require(user, Action.WORKER_EXPORT)
    filename = f"pekerja-{timezone.localtime():%Y%m%d-%H%M}.csv"
    if request.method != "POST":
        # An old address with the search in it is moved to a key first, so that the button does not post it.
        return search_redirect(request) if search_in_address(request) else download_page(request, name=filename)
    data, forgotten = search_data(request)
    if forgotten:  # the session was renewed since the list was shown: no export of a search it cannot redo
        messages.info(request, gettext("This search is no longer kept; search again."))
        return redirect(f"{reverse('workers:list')}?{data.urlencode()}")
    form = WorkerListForm(data, user=user)
    q, filters, sort = form.search()
    workers = worker_list_by_enrolment(user=user, q=q, filters=filters, sort=sort)
    # A searched NIK is personal data too: the log keeps it masked.
    logged_q = nik_mask(q) if q.replace(" ", "").isdigit() else q
    worker_export_record(
        actor=user, filters={"q": logged_q, **filters.as_dict(), "sort": sort}, row_count=workers.count()
    )
    writer = csv_writer(_Echo())  # every text neutralised: a name typed as a formula stays text
    regency_names = dict(form.fields["regency"].choices)  # type: ignore[attr-defined]
    lines = (writer.writerow(row) for row in _export_rows(workers, regency_names))
    # The byte-order mark makes Excel, which most offices open CSV files with, read UTF-8 correctly.
    response = StreamingHttpResponse(chain(["\ufeff"], lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
