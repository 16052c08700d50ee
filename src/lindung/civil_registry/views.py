"""The review queue of reported deaths: authorise, validate, call the service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import signed_in_user
from lindung.accounts.scope import get_in_scope_or_404, scope_queryset
from lindung.civil_registry import services
from lindung.civil_registry.forms import ConfirmForm, DismissForm, NoticeFilterForm
from lindung.civil_registry.models import DeathNotice, NoticeStatus
from lindung.civil_registry.selectors import death_notices
from lindung.enrolments.models import Enrolment
from lindung.errors import RefusedStep
from lindung.web.pagination import CappedPaginator
from lindung.workers.models import Heir
from lindung.workers.nik import nik_mask

PAGE_SIZE = 50


def _reviewer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not services.can_review(user):
        raise PermissionDenied("death_notice.review")
    return user


@login_required
def notice_list_view(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    form = NoticeFilterForm(request.GET or {"status": NoticeStatus.PENDING})
    form.is_valid()
    status = getattr(form, "cleaned_data", {}).get("status", "")
    page = CappedPaginator(death_notices(user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"notice": notice, "nik": nik_mask(notice.nik)} for notice in page]
    return render(request, "civil_registry/list.html", {"form": form, "page": page, "rows": rows})


def _render_detail(
    request: HttpRequest,
    user: User,
    notice: DeathNotice,
    *,
    confirm: forms.Form | None = None,
    dismiss: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    enrolments = scope_queryset(
        Enrolment.objects.filter(worker_id=notice.worker_id).select_related("programme"), user
    ).order_by("-proposed_at")
    context: dict[str, Any] = {
        "notice": notice,
        "nik": nik_mask(notice.nik),
        "enrolments": enrolments,
        "heirs": Heir.objects.filter(worker_id=notice.worker_id).order_by("pk"),
        "confirm_form": confirm or ConfirmForm(),
        "dismiss_form": dismiss or DismissForm(),
        "sender": notice.message.sender.name if notice.message.sender else "Dukcapil",
    }
    return render(request, "civil_registry/detail.html", context, status=status)


def _notice(user: User, pk: int) -> DeathNotice:
    queryset = DeathNotice.objects.select_related("worker", "village", "message", "message__sender", "claim")
    return get_in_scope_or_404(queryset, user, pk=pk)


@login_required
def notice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    return _render_detail(request, user, _notice(user, pk))


@login_required
@require_POST
def notice_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    notice = _notice(user, pk)
    form = ConfirmForm(request.POST)
    try:
        notice = services.death_notice_confirm(actor=user, notice=notice)
    except RefusedStep as exc:
        form.add_error(None, exc.text)
        return _render_detail(request, user, notice, confirm=form, status=422)
    if notice.claim_id is not None:
        messages.success(request, _("The death is confirmed: the enrolments have ended and a JKM claim is opened."))
        return redirect("claims:detail", pk=notice.claim_id)
    messages.success(request, _("The death is confirmed: the enrolments have ended."))
    return redirect("civil_registry:list")


@login_required
@require_POST
def notice_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    notice = _notice(user, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.death_notice_dismiss(actor=user, notice=notice, reason=form.cleaned_data["reason"])
        except services.DeathNoticeError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.text)
        else:
            messages.success(request, _("The notice is dismissed; nothing else changed."))
            return redirect("civil_registry:list")
    return _render_detail(request, user, notice, dismiss=form, status=422)
