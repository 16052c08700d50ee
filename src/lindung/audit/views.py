from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lindung.accounts.permissions import Action, require
from lindung.audit.forms import AuditFilterForm
from lindung.audit.selectors import audit_entries_search
from lindung.audit.sentences import entry_sentences
from lindung.web.pagination import CappedPaginator

PAGE_SIZE = 50


@require_GET  # the log is read here, never written or changed
@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    """``/audit/``: the log of the viewer's region, filtered, newest first, 50 a page. Read-only."""
    require(request.user, Action.AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    entries = audit_entries_search(request.user, form.audit_filter())
    page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = entry_sentences(page.object_list)
    return render(request, "audit/entry_list.html", {"form": form, "page": page, "rows": rows})
