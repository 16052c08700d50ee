"""/pdp/catatan-pemrosesan/: the records of processing activities (UU 27/2022), as a page and as an A4 PDF.

Both are generated on each request from the application's configuration (``pdp.processing_records``). The register
holds no person's data, so the PDF is a plain GET, neither audited nor behind a POST button."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.pdp.processing_records import processing_register


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The document is self-contained: never let a rendered value make WeasyPrint open a file or a URL.
    raise ValueError("no external resources in the records of processing")


def processing_records_pdf(*, language: str) -> bytes:
    """The register as of today, an A4 PDF in ``language``."""
    import weasyprint  # heavy (pango): load it only when a PDF is asked for

    with translation.override(language):
        html = render_to_string(
            "pdp/processing_records_pdf.html", {"register": processing_register(on=timezone.localdate())}
        )
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


@login_required
@require_GET
def processing_records_view(request: HttpRequest) -> HttpResponse:
    require(signed_in_user(request), Action.PDP_MANAGE)
    register = processing_register(on=timezone.localdate())
    return render(request, "pdp/processing_records.html", {"register": register})


@login_required
@require_GET
def processing_records_pdf_view(request: HttpRequest) -> HttpResponse:
    require(signed_in_user(request), Action.PDP_MANAGE)
    language = translation.get_language() or "id"
    response = HttpResponse(processing_records_pdf(language=language), content_type="application/pdf")
    name = f"catatan-pemrosesan-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
