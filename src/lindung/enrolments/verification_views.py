"""The verification queue: the proposals with what a verifier decides on, one decision for many, and the next
waiting proposal from a proposal's page. Authorise, validate, call the service (``bulk_verification``), render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.accounts.scope import get_in_scope_or_404
from lindung.enrolments.bulk_verification import (
    BulkOutcome,
    Selection,
    enrolment_reject_bulk,
    enrolment_verify_bulk,
)
from lindung.enrolments.models import Enrolment
from lindung.enrolments.queue import next_waiting, queue_rows, verification_queue
from lindung.enrolments.services import EnrolmentError
from lindung.enrolments.verification_forms import BulkStepForm, QueueFilterForm
from lindung.numbers import grouped
from lindung.web.pagination import CappedPaginator

PAGE_SIZE = 50


@login_required
@require_GET
def verification_queue_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_VERIFY)
    return _render_queue(request, user, QueueFilterForm(request.GET or None, user=user), BulkStepForm())


@login_required
@require_POST
def verification_bulk_view(request: HttpRequest) -> HttpResponse:
    """One decision for the ticked proposals, or for all that match the queue's filter (posted with it)."""
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_VERIFY)
    filters = QueueFilterForm(request.POST, user=user)
    form = BulkStepForm(request.POST)
    # A filter the user may not use (another's regency) is refused whole: "all that match" must not widen.
    if not filters.is_valid():
        form.add_error(None, _("The filter could not be used; show the list again and choose anew."))
    elif form.is_valid():
        data = form.cleaned_data
        queue = filters.queue_filter()
        selection = Selection.matching(queue) if data["which"] == BulkStepForm.ALL else Selection.of_ids(data["ids"])
        try:
            if data["step"] == "verify":
                outcome = enrolment_verify_bulk(actor=user, selection=selection)
            else:
                outcome = enrolment_reject_bulk(actor=user, selection=selection, reason=data["reason"])
        except EnrolmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            _tell(request, data["step"], outcome)
            address = reverse("enrolments:queue")
            query = urlencode(queue.as_query())
            response = HttpResponseRedirect(f"{address}?{query}" if query else address)
            response.status_code = 303
            return response
    return _render_queue(request, user, filters, form, status=400)


@login_required
@require_GET
def next_waiting_view(request: HttpRequest, pk: int) -> HttpResponse:
    """From a proposal's page to the next proposal waiting in the queue (the queue itself when none is left)."""
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_VERIFY)
    current = get_in_scope_or_404(Enrolment.objects.all(), user, pk=pk)
    found = next_waiting(user=user, after=current)
    if found is None:
        return redirect("enrolments:queue")
    return redirect("enrolments:detail", pk=found.pk)


def _tell(request: HttpRequest, step: str, outcome: BulkOutcome) -> None:
    n = grouped(outcome.done)
    if step == "verify":
        done = ngettext("%(n)s proposal verified.", "%(n)s proposals verified.", outcome.done) % {"n": n}
    else:
        done = ngettext("%(n)s proposal rejected.", "%(n)s proposals rejected.", outcome.done) % {"n": n}
    messages.success(request, done)
    for sentence in outcome.sentences:
        messages.warning(request, sentence)
    if outcome.not_waiting:
        messages.info(
            request,
            ngettext(
                "%(n)s of the chosen proposals was decided by someone else meanwhile and was left as it is.",
                "%(n)s of the chosen proposals were decided by someone else meanwhile and were left as they are.",
                outcome.not_waiting,
            )
            % {"n": grouped(outcome.not_waiting)},
        )


def _render_queue(
    request: HttpRequest, user: User, filters: QueueFilterForm, form: BulkStepForm, *, status: int = 200
) -> HttpResponse:
    if filters.is_bound:
        filters.is_valid()
    queue = verification_queue(user=user, filters=filters.queue_filter())
    queue = queue.select_related("worker", "worker__occupation", "village", "programme")
    page = CappedPaginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    facts = queue_rows(user=user, enrolments=list(page))
    context = {
        "filters": filters,
        "form": form,
        "page": page,
        "rows": facts.rows,
        "quotas": facts.quotas,
        "filter_values": filters.queue_filter().as_query(),
    }
    return render(request, "enrolments/queue.html", context, status=status)
