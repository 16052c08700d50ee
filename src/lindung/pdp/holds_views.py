"""/pdp/penahanan/: the legal holds (UU 27/2022 retention): the open ones, setting one on a worker found by NIK in
a POST (never a NIK in an address), lifting one with its reason. Authorise, validate, call the service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.errors import RefusedStep
from lindung.pdp.holds import LegalHoldLiftForm, LegalHoldSetForm, open_legal_hold, open_legal_holds, worker_by_nik
from lindung.pdp.services import legal_hold_lift, legal_hold_set
from lindung.web.pagination import CappedPaginator
from lindung.workers.nik import nik_mask

PAGE_SIZE = 50


def _officer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    require(user, Action.PDP_MANAGE)
    return user


def _render(
    request: HttpRequest, user: User, *, set_form: LegalHoldSetForm | None = None, status: int = 200
) -> HttpResponse:
    page = CappedPaginator(open_legal_holds(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"hold": hold, "nik": nik_mask(hold.worker.nik)} for hold in page]
    context = {"page": page, "rows": rows, "set_form": set_form or LegalHoldSetForm(), "lift_form": LegalHoldLiftForm()}
    return render(request, "pdp/holds.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def legal_holds_view(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    if request.method != "POST":
        return _render(request, user)
    form = LegalHoldSetForm(request.POST)
    if form.is_valid():
        worker = worker_by_nik(user, form.cleaned_data["nik"])
        if worker is None:
            form.add_error("nik", _("No worker with this NIK in your region."))
        else:
            try:
                legal_hold_set(actor=user, worker=worker, reason=form.cleaned_data["reason"])
            except RefusedStep as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.text)
            except PermissionDenied:  # the region changed between the lookup and the service: as unknown
                form.add_error("nik", _("No worker with this NIK in your region."))
            else:
                messages.success(request, _("The records of worker %(nik)s are held.") % {"nik": nik_mask(worker.nik)})
                return redirect("pdp:holds")
    return _render(request, user, set_form=form, status=422)


@login_required
@require_POST
def legal_hold_lift_view(request: HttpRequest, legal_hold_id: int) -> HttpResponse:
    user = _officer(request)
    hold = open_legal_hold(user, legal_hold_id)
    if hold is None:
        raise Http404
    form = LegalHoldLiftForm(request.POST)
    if form.is_valid():
        try:
            legal_hold_lift(actor=user, hold=hold, reason=form.cleaned_data["reason"])
        except RefusedStep as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, _("The hold on worker %(nik)s is lifted.") % {"nik": nik_mask(hold.worker.nik)})
    else:
        messages.error(request, _("Say why the hold ends."))
    return redirect("pdp:holds")
