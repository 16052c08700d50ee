"""Downloading an invoice as XLSX (its lines) or PDF (the summary letter): finance users of the region only, by
POST (each download is audited; see ``lindung.web.downloads``)."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.contributions.documents import (
    CONTENT_TYPES,
    FORMATS,
    invoice_export_record,
    invoice_filename,
    invoice_letter_pdf,
    write_invoice_xlsx,
)
from lindung.contributions.selectors import invoices_in_scope
from lindung.web.downloads import download_methods, download_page


@login_required
@download_methods
def invoice_download_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse | FileResponse:
    """The invoice as a file to a POST; a GET gets the page with the button. ``?lang=en`` gives the letter in
    English (Indonesian otherwise); ``?place=`` the town written above the signature (the programme's region
    otherwise)."""
    user = request.user
    assert isinstance(user, User)  # login_required let only a signed-in user through
    require(user, Action.FINANCE_MANAGE)
    if fmt not in FORMATS:
        raise Http404
    invoice = invoices_in_scope(user).select_related("programme__region").filter(pk=pk).first()
    if invoice is None:
        raise Http404
    filename = invoice_filename(invoice, fmt)
    if request.method != "POST":
        return download_page(request, name=filename)
    invoice_export_record(actor=user, invoice=invoice, fmt=fmt)
    if fmt == "pdf":
        language = "en" if request.GET.get("lang") == "en" else "id"
        place = request.GET.get("place", "").strip()[:80]
        pdf = invoice_letter_pdf(invoice, place=place, language=language)
        response = HttpResponse(pdf, content_type=CONTENT_TYPES["pdf"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # A temporary file, not memory: a large invoice's workbook is streamed from disk and then removed.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    write_invoice_xlsx(invoice, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])
