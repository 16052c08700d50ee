"""Contribution pages: authorise, validate, call the service, render. The rules live in ``billing`` and ``payments``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.contributions.billing import invoice_build, invoice_issue, invoice_seen
from lindung.contributions.budget import budget_programmes
from lindung.contributions.finance import ContributionError
from lindung.contributions.forms import BuildForm, ConfirmForm, PaymentForm, ReverseForm
from lindung.contributions.models import Invoice, Payment
from lindung.contributions.never_billed import never_billed_context
from lindung.contributions.payments import payment_record, payment_reverse
from lindung.contributions.selectors import (
    invoice_by_component,
    invoice_by_regency,
    invoice_paid_amount,
    invoices_in_scope,
    programme_credit,
    programmes_in_scope,
)
from lindung.inputs import parse_id, parse_month, query_value


@login_required
def invoice_list_view(request: HttpRequest) -> HttpResponse:
    """The programmes' invoices and the build form, prefilled from ``?programme=<id>&month=YYYY-MM`` (the links of
    the months due and never billed)."""
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    initial = {
        "programme": parse_id(query_value(request.GET, "programme")),
        "month": parse_month(query_value(request.GET, "month")),
    }
    form = BuildForm(programmes=programmes_in_scope(user), initial={k: v for k, v in initial.items() if v})
    return _render_list(request, user, form)


@login_required
@require_POST
def invoice_build_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    form = BuildForm(request.POST, programmes=programmes_in_scope(user))
    if form.is_valid():
        try:
            invoice = invoice_build(actor=user, **form.cleaned_data)
        except ContributionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, _("The draft invoice is built."))
            return redirect("contributions:detail", pk=invoice.pk)
    return _render_list(request, user, form, status=400)


@login_required
def invoice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    invoice = _invoice_or_404(user, pk)
    allocations = invoice.allocations.select_related("payment").order_by("payment__paid_on", "pk")
    context = {
        "invoice": invoice,
        "regencies": invoice_by_regency(invoice),
        "components": invoice_by_component(invoice),
        "paid": invoice_paid_amount(invoice),
        "allocations": allocations,
    }
    return render(request, "contributions/detail.html", context)


@login_required
@require_POST
def invoice_rebuild_view(request: HttpRequest, pk: int) -> HttpResponse:
    def rebuild(user: User, invoice: Invoice) -> None:
        invoice_build(actor=user, programme=invoice.programme, month=invoice.month)

    return _invoice_step(request, pk, rebuild, _("The draft invoice is built."))


@login_required
@require_POST
def invoice_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Two POSTs: the first (the detail page's button) shows what issuing will freeze and writes nothing; the
    second (the confirmation page's, with ``confirm`` and the figures it showed) issues."""
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    invoice = _invoice_or_404(user, pk)
    form = ConfirmForm(request.POST)
    if not invoice.is_draft:
        messages.error(request, _("This invoice is already issued."))
        return redirect("contributions:detail", pk=invoice.pk)
    if form.confirmed():
        try:
            invoice_issue(actor=user, invoice=invoice, seen=form.cleaned_data["seen"])
        except ContributionError as exc:
            if exc.field != "seen":
                messages.error(request, exc.text)
                return redirect("contributions:detail", pk=invoice.pk)
            invoice.refresh_from_db()  # the new figures, shown for a new confirmation
            form.add_error(None, exc.text)
        else:
            messages.success(request, _("The invoice is issued; it will not change any more."))
            return redirect("contributions:detail", pk=invoice.pk)
    context = {
        "invoice": invoice,
        "seen": invoice_seen(invoice),
        "regencies": invoice_by_regency(invoice),
        "components": invoice_by_component(invoice),
        "credit": min(max(programme_credit(invoice.programme), 0), max(invoice.total, 0)),
        "form": form,
    }
    return render(request, "contributions/issue_confirm.html", context, status=409 if form.errors else 200)


def _invoice_step(request: HttpRequest, pk: int, step: Callable[[User, Invoice], None], done: str) -> HttpResponse:
    """Take ``step`` on invoice ``pk`` as the finance user asking, then back to the invoice's page with
    ``done`` or the service's refusal as the message."""
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    invoice = _invoice_or_404(user, pk)
    try:
        step(user, invoice)
    except ContributionError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, done)
    return redirect("contributions:detail", pk=invoice.pk)


@login_required
def payment_record_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    programmes = programmes_in_scope(user)
    form = PaymentForm(request.POST or None, programmes=programmes, initial={"programme": request.GET.get("programme")})
    if request.method == "POST" and form.is_valid():
        try:
            payment_record(actor=user, **form.cleaned_data)
        except ContributionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect("contributions:list")
    payments = Payment.objects.filter(programme__in=programmes).select_related("programme").order_by("-paid_on", "-pk")
    context = {"form": form, "payments": payments[:50], "reverse_form": ReverseForm()}
    return render(request, "contributions/payments.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def payment_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Two POSTs: the first (the payments list's button, with the reason) shows what the reversal takes back and
    writes nothing; the second (the confirmation page's, with ``confirm``) reverses."""
    user = signed_in_user(request)
    require(user, Action.FINANCE_MANAGE)
    payment = Payment.objects.filter(programme__in=programmes_in_scope(user), pk=pk).select_related("programme").first()
    if payment is None:
        raise Http404
    if payment.is_reversed:
        messages.error(request, _("This payment is already reversed."))
        return redirect("contributions:payments")
    form = ReverseForm(request.POST)
    if form.confirmed():
        try:
            payment_reverse(actor=user, payment=payment, reason=form.cleaned_data["reason"])
        except ContributionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, _("The payment is reversed."))
            return redirect("contributions:payments")
    allocations = list(payment.allocations.select_related("invoice").order_by("invoice__month", "pk"))
    allocated = sum(allocation.amount for allocation in allocations)
    context = {
        "payment": payment,
        "allocations": allocations,
        "credit": payment.amount - allocated,
        "form": form,
    }
    return render(request, "contributions/reverse_confirm.html", context, status=400 if form.errors else 200)


def _invoice_or_404(user: User, pk: int) -> Invoice:
    invoice = invoices_in_scope(user).filter(pk=pk).first()
    if invoice is None:
        raise Http404
    return invoice


def _render_list(request: HttpRequest, user: User, form: BuildForm, status: int = 200) -> HttpResponse:
    paid = Coalesce(Sum("allocations__amount", filter=Q(allocations__payment__reversed_at__isnull=True)), 0)
    invoices = Invoice.objects.annotate(paid=paid).order_by("month")
    programmes = programmes_in_scope(user).prefetch_related(Prefetch("invoices", queryset=invoices))
    rows: list[dict[str, Any]] = [
        {"programme": p, "invoices": list(p.invoices.all()), "credit": programme_credit(p)} for p in programmes
    ]
    context = {"rows": rows, "form": form, **never_billed_context(user, programmes_in_scope(user))}
    return render(request, "contributions/list.html", context, status=status)


AT_RISK_PAGE_SIZE = 50


@login_required
def at_risk_view(request: HttpRequest) -> HttpResponse:
    """Workers whose contributions are in arrears, per programme and regency/city, within the user's region."""
    from lindung.accounts.permissions import user_can
    from lindung.contributions.coverage import at_risk_statuses, at_risk_summary
    from lindung.regions.models import Region
    from lindung.web.pagination import CappedPaginator
    from lindung.workers.nik import nik_mask

    user = signed_in_user(request)
    if not (user_can(user, Action.FINANCE_MANAGE) or user_can(user, Action.DASHBOARD_VIEW)):
        require(user, Action.DASHBOARD_VIEW)  # raises PermissionDenied
    statuses = at_risk_statuses(user)
    summary = at_risk_summary(statuses)
    listing = statuses.select_related("enrolment__worker", "programme").order_by(
        "-months_in_arrears", "regency_code", "enrolment_id"
    )
    page = CappedPaginator(listing, AT_RISK_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    codes = {row["regency_code"] for row in summary} | {s.regency_code for s in rows}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for row in summary:
        row["regency_name"] = names.get(row["regency_code"], row["regency_code"])
    workers = [
        {
            "status": s,
            "nik": nik_mask(s.enrolment.worker.nik),
            "name": s.enrolment.worker.name,
            "regency_name": names.get(s.regency_code, s.regency_code),
        }
        for s in rows
    ]
    context = {
        "summary": summary,
        "page": page,
        "workers": workers,
        # The programmes whose figures the user reads (their region's, and those of the regions containing it),
        # counted on the rows of the user's region.
        **never_billed_context(user, budget_programmes(user)),
    }
    return render(request, "contributions/at_risk.html", context)
