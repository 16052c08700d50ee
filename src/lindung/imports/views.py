"""Upload pages: the form, an upload's outcome, its error file and the template. The work is in ``services``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext

from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.imports.forms import UploadForm
from lindung.imports.jobs import import_enqueue
from lindung.imports.selectors import import_batches, programmes_open_to
from lindung.imports.services import import_errors_export
from lindung.imports.spreadsheets import template_write
from lindung.spreadsheets.limits import ImportFileError
from lindung.web.downloads import download_methods, download_page
from lindung.web.uploads import upload_on_disk

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_upload_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_PROPOSE)
    form = UploadForm(request.POST or None, request.FILES or None, programmes=programmes_open_to(user=user))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_on_disk(upload, prefix="lindung-import-", stem="upload") as path:
            try:
                batch = import_enqueue(
                    actor=user,
                    programme=form.cleaned_data["programme"],
                    path=path,
                    file_name=upload.name,
                    language=translation.get_language() or "id",
                )
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("imports:detail", pk=batch.pk)
    recent = import_batches(user=user).defer("errors", "error_counts")[:20]
    return render(request, "imports/upload.html", {"form": form, "recent": recent})


ERROR_ROWS_PER_PAGE = 50


@login_required
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(signed_in_user(request), Action.WORKER_VIEW)
    batch = get_object_or_404(import_batches(user=signed_in_user(request)), pk=pk)
    # The kept errors (the first rejected rows, at most LINDUNG_IMPORT_MAX_ERRORS) a page of rows at a time.
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in batch.errors:
        by_row.setdefault(error["row"], []).append(error)
    page = Paginator(list(by_row.values()), ERROR_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "page": page,
        "listed": len(by_row),
        "not_listed": batch.rejected - len(by_row),
        # The counts help once the list is long or incomplete (its sentence then points at them); for a few
        # rows, all listed, the list says it all.
        "show_counts": bool(batch.error_counts)
        and (batch.rejected > ERROR_ROWS_PER_PAGE or batch.rejected > len(by_row)),
    }
    return render(request, "imports/detail.html", context)


@login_required
@download_methods
def import_errors_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as a workbook, to a POST (the file holds whole NIKs: an audited export); a GET gets the
    page with the button."""
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_PROPOSE)  # as import_errors_export does: the GET page promises nothing else
    batch = get_object_or_404(import_batches(user=user).exclude(error_file="", source=""), pk=pk)
    filename = f"{gettext('errors')}-{Path(batch.file_name).stem or 'impor'}.xlsx"
    if request.method != "POST":
        return download_page(request, name=filename)
    response = HttpResponse(content_type=XLSX)
    import_errors_export(actor=user, batch=batch, out=response)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_template_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    template_write(response)
    response["Content-Disposition"] = 'attachment; filename="templat-usulan-lindung.xlsx"'
    return response
