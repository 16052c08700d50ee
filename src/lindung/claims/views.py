"""Claim pages: authorise, validate, call the service, render. The rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.accounts.scope import get_in_scope_or_404
from lindung.audit.sentences import entry_sentences
from lindung.claims import services
from lindung.claims.benefits import BenefitInputError
from lindung.claims.documents import DOCUMENTS, checklist
from lindung.claims.forms import (
    ClaimFilterForm,
    ClaimRegisterForm,
    DocumentsForm,
    EmptyStepForm,
    HeirAddForm,
    PayForm,
    ProgrammeForm,
    RejectForm,
)
from lindung.claims.heirs import distribute
from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.claims.selectors import benefits_against_contributions, claim_history, claim_list, enrolment_for_claim
from lindung.contributions.budget import budget_programmes
from lindung.contributions.coverage_day import coverage_on
from lindung.enrolments.models import Enrolment
from lindung.inputs import parse_id
from lindung.web.pagination import CappedPaginator
from lindung.workers.models import Heir
from lindung.workers.nik import nik_mask

PAGE_SIZE = 50

STEP_FORMS: dict[str, type[forms.Form]] = {
    "complete": EmptyStepForm,
    "submit": EmptyStepForm,
    "pay": PayForm,
    "reject": RejectForm,
}
STEP_DONE = {
    "complete": gettext_lazy("The documents are complete."),
    "submit": gettext_lazy("The claim is submitted to BPJS."),
    "pay": gettext_lazy("The payment by BPJS is recorded."),
    "reject": gettext_lazy("The claim is rejected."),
}


@login_required
def claim_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.CLAIM_VIEW)
    form = ClaimFilterForm(request.GET or None)
    form.is_valid()  # an invalid filter is shown next to its field and ignored
    filters = getattr(form, "cleaned_data", {})
    page = CappedPaginator(claim_list(user=user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "claim": claim,
            "nik": nik_mask(claim.worker.nik),
            "flags": [services.FLAG_LABELS[f] for f in services.claim_flags(claim)],
        }
        for claim in page
    ]
    context = {"form": form, "page": page, "rows": rows, "can_register": user_can(user, Action.CLAIM_REGISTER)}
    return render(request, "claims/list.html", context)


@login_required
def claim_register_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.CLAIM_REGISTER)
    initial = {}
    # From the enrolment's page (the link's ?kepesertaan=, then the form's hidden field): a refused form still
    # names the worker.
    enrolment_id = parse_id(request.GET.get("kepesertaan", "")) or parse_id(request.POST.get("enrolment", ""))
    known: Enrolment | None = None
    if enrolment_id is not None:
        known = get_in_scope_or_404(Enrolment.objects.select_related("worker", "programme"), user, pk=enrolment_id)
        initial = {"enrolment": known.pk, "income": known.worker.declared_income}
    form = ClaimRegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enrolment = _enrolment_of(user, form)
        if enrolment is not None:
            known = enrolment
            values = {k: v for k, v in data.items() if k not in ("enrolment", "nik_or_kpj")}
            try:
                claim = services.claim_register(actor=user, enrolment=enrolment, **values)
            except (services.ClaimError, BenefitInputError) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.text)
            else:
                messages.success(request, _("The claim is recorded."))
                return redirect("claims:detail", pk=claim.pk)
    context = {
        "form": form,
        "known": known,
        "known_nik": nik_mask(known.worker.nik) if known else "",
        # Came from the enrolment's page: the worker is fixed and the NIK box is not shown. Found from the NIK
        # typed: the box keeps what was typed after a refusal, so that sending again finds the worker again.
        "enrolment_fixed": bool(form["enrolment"].value()),
    }
    return render(request, "claims/register.html", context, status=400 if form.errors else 200)


def _enrolment_of(user: User, form: ClaimRegisterForm) -> Enrolment | None:
    data = form.cleaned_data
    if data.get("enrolment"):
        return get_in_scope_or_404(Enrolment.objects.all(), user, pk=data["enrolment"])
    enrolment = enrolment_for_claim(user, data["nik_or_kpj"], data["incident_date"])
    if enrolment is None:
        form.add_error("nik_or_kpj", _("No enrolment in your region has this NIK or KPJ."))
    return enrolment


@login_required
def claim_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.CLAIM_VIEW)
    claim = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    return _render_detail(request, user, claim)


@login_required
@require_POST
def claim_step_view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    claim = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    form = STEP_FORMS[step](request.POST)
    if form.is_valid():
        try:
            services.claim_advance(actor=user, claim=claim, step=step, **form.cleaned_data)
        except services.ClaimError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, STEP_DONE[step])
            return redirect("claims:detail", pk=claim.pk)
    return _render_detail(request, user, claim, bound=("step", step, form))


@login_required
@require_POST
def claim_documents_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    form = DocumentsForm(request.POST, choices=_document_choices(claim))
    if form.is_valid():
        try:
            services.claim_documents_update(actor=user, claim=claim, received=form.cleaned_data["received"])
        except services.ClaimError as exc:
            form.add_error(None, exc.text)
        else:
            messages.success(request, _("The documents received are saved."))
            return redirect("claims:detail", pk=claim.pk)
    return _render_detail(request, user, claim, bound=("documents", "", form))


@login_required
@require_POST
def claim_heir_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    form = HeirAddForm(request.POST)
    if form.is_valid():
        try:
            services.claim_heir_add(actor=user, claim=claim, **form.cleaned_data)
        except services.ClaimError as exc:
            form.add_error(None, exc.text)
        except ValidationError as exc:
            for problem in exc.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The heir is recorded."))
            return redirect("claims:detail", pk=claim.pk)
    return _render_detail(request, user, claim, bound=("heir", "", form))


def _detail_queryset() -> Any:
    return Claim.objects.select_related("worker", "programme", "enrolment", "village")


def _document_choices(claim: Claim) -> list[tuple[str, str]]:
    return [(row["code"], str(row["label"])) for row in checklist(claim.type)]  # type: ignore[misc]


def _render_detail(
    request: HttpRequest, user: User, claim: Claim, bound: tuple[str, str, forms.Form] | None = None
) -> HttpResponse:
    steps = {step: STEP_FORMS[step]() for step in services.claim_next_steps(user=user, claim=claim)}
    documents_form = DocumentsForm(initial={"received": claim.documents}, choices=_document_choices(claim))
    heir_form = HeirAddForm()
    bound_form, bound_anchor = None, ""
    if bound is not None:
        kind, step, form = bound
        bound_form = form
        if kind == "step":
            steps[step] = form
            bound_anchor = f"step-{step}"
        elif kind == "documents":
            documents_form = form  # type: ignore[assignment]
            bound_anchor = "documents-form"
        else:
            heir_form = form  # type: ignore[assignment]
            bound_anchor = "heir-form"
    try:
        estimate = services.claim_estimate(claim)
    except BenefitInputError:
        estimate = None
    heirs = list(Heir.objects.filter(worker_id=claim.worker_id).order_by("pk"))
    can_register = user_can(user, Action.CLAIM_REGISTER)
    context = {
        "claim": claim,
        "nik": nik_mask(claim.worker.nik),
        "stored_language": settings.LANGUAGE_CODE,  # of the verdict kept with the claim (services.claim_register)
        "coverage_now": coverage_on(claim.enrolment, claim.incident_date) if claim.is_open else None,
        "estimate": estimate,
        "shares": distribute(heirs, claim.paid_amount or claim.estimate_total) if claim.is_death else [],
        "checklist": checklist(claim.type, claim.documents),
        "documents_form": documents_form if can_register and claim.status == ClaimStatus.REPORTED else None,
        "heir_form": heir_form if can_register and claim.is_death and claim.is_open else None,
        "steps": steps,
        "bound_form": bound_form,
        "bound_anchor": bound_anchor,
        "flags": [services.FLAG_LABELS[f] for f in services.claim_flags(claim)],
        "history": entry_sentences(claim_history(claim), values={"documents": _documents_label}),
        "deadline": services.report_deadline(claim) if claim.type != ClaimType.JKM else None,
    }
    return render(request, "claims/detail.html", context, status=200 if bound is None else 400)


def _documents_label(codes: Any) -> str:
    return ", ".join(str(DOCUMENTS.get(code, code)) for code in codes or [])


@login_required
def benefits_view(request: HttpRequest) -> HttpResponse:
    """Per programme: the benefits BPJS paid against the contributions the programme paid."""
    user = signed_in_user(request)
    require(user, Action.CLAIM_VIEW)
    # A provincial programme covers a regency's workers: its officers see their own rows of it.
    programmes = budget_programmes(user).order_by("-coverage_start", "code")
    form = ProgrammeForm(request.GET or None)
    programme_field = form.fields["programme"]
    assert isinstance(programme_field, forms.ModelChoiceField)
    programme_field.queryset = programmes
    programme = form.cleaned_data["programme"] if form.is_valid() else programmes.first()
    if programme is not None and not form.is_bound:
        form = ProgrammeForm(initial={"programme": programme})
        form.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
    figures = benefits_against_contributions(user, programme) if programme is not None else None
    return render(request, "claims/benefits.html", {"form": form, "programme": programme, "figures": figures})
