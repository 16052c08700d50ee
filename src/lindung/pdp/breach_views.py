"""/pdp/insiden/: the breach register's pages. Every write is a POST to its own address; the letters and the
authority's report are audited downloads, handed out to a POST only (decision 0004)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.accounts.scope import scope_of
from lindung.audit.selectors import audit_entries_visible
from lindung.errors import RefusedStep
from lindung.pdp.breach import (
    Criteria,
    breach_authority_notified,
    breach_clock,
    breach_close,
    breach_counts_by_village,
    breach_get,
    breach_people_find,
    breach_record,
    breaches_visible,
    data_kind_labels,
)
from lindung.pdp.breach_forms import BreachForm, CloseForm, FindForm, NotifiedForm, PersonLetterForm, VillageForm
from lindung.pdp.letters import (
    breach_letters_request,
    breach_person_letter,
    breach_report_pdf,
    breach_village_letters,
    breach_villages_with_letters,
    village_parts,
)
from lindung.pdp.models import Breach, BreachStatus, LettersStatus
from lindung.web.downloads import download_methods, download_page


@login_required
@require_GET
def breach_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    breaches = list(breaches_visible(user)[:200])  # requires Action.PDP_MANAGE
    now = timezone.now()
    rows = [{"breach": breach, "clock": breach_clock(breach, now=now)} for breach in breaches]
    return render(
        request, "pdp/breach_list.html", {"rows": rows, "can_record": bool(user.region_id) or user.is_superuser}
    )


@login_required
@require_http_methods(["GET", "POST"])
def breach_create_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.PDP_MANAGE)
    form = BreachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            breach = breach_record(actor=user, **form.cleaned_data)
        except ValidationError as refusal:
            _errors_onto(form, refusal)
        else:
            messages.success(request, gettext("The incident is recorded: its clock runs from the moment found."))
            return redirect("pdp:breach", breach_id=breach.pk)
    return render(request, "pdp/breach_form.html", {"form": form}, status=422 if form.errors else 200)


def _errors_onto(form: Any, refusal: ValidationError) -> None:
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in refusal.messages:
            form.add_error(None, error)


@login_required
@require_GET
def breach_detail_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    return _detail(request, user, breach)


def _detail(request: HttpRequest, user: User, breach: Breach, status: int = 200, **forms: Any) -> HttpResponse:
    acts = scope_of(user).covers(breach.region_code)
    counts = breach_counts_by_village(user, breach) if breach.status != BreachStatus.RECORDED else []
    context = {
        "breach": breach,
        "clock": breach_clock(breach),
        "kinds": data_kind_labels(breach),
        "acts": acts,
        "counts": [(row, range(1, village_parts(row.count) + 1)) for row in counts],
        "visible_total": sum(row.count for row in counts),
        "villages_with_letters": set(breach_villages_with_letters(user, breach)),
        "find_form": forms.get("find_form") or FindForm(initial=_criteria_initial(breach)),
        "person_form": forms.get("person_form") or PersonLetterForm(),
        "notified_form": forms.get("notified_form") or NotifiedForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "can_find": acts and breach.status in (BreachStatus.RECORDED, BreachStatus.PEOPLE_FOUND),
        "can_ask_letters": acts and breach.status == BreachStatus.PEOPLE_FOUND and breach.affected_count > 0,
        "letters_busy": breach.letters_status in (LettersStatus.QUEUED, LettersStatus.RUNNING),
        "letters_done": breach.letters_status == LettersStatus.DONE,
        "can_notify": acts and breach.status == BreachStatus.LETTERS_PRODUCED,
        "can_close": acts and breach.status != BreachStatus.CLOSED,
    }
    return render(request, "pdp/breach_detail.html", context, status=status)


def _criteria_initial(breach: Breach) -> dict[str, Any]:
    return {
        "region": breach.affected_region,
        "window_from": breach.affected_from,
        "window_to": breach.affected_to,
        "username": breach.affected_username,
        "export": breach.affected_export_id,
    }


@login_required
@require_POST
def breach_find_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    form = FindForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        export = None
        if data["export"]:
            # Within the officer's region, as the audit log's page shows entries: another region's is "no entry".
            export = audit_entries_visible(user).filter(pk=data["export"]).first()
            if export is None:
                form.add_error("export", gettext("There is no audit entry with this number."))
        if not form.errors:
            criteria = Criteria(
                region=data["region"].strip(),
                window_from=data["window_from"],
                window_to=data["window_to"],
                username=data["username"].strip(),
                export=export,
            )
            try:
                breach = breach_people_find(actor=user, breach=breach, criteria=criteria)
            except RefusedStep as refusal:
                form.add_error(refusal.field if refusal.field in form.fields else None, refusal.text)
            else:
                messages.success(request, gettext("The people affected are found."))
                return redirect("pdp:breach", breach_id=breach.pk)
    return _detail(request, user, breach, status=422, find_form=form)


@login_required
@require_POST
def breach_letters_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    try:
        breach_letters_request(actor=user, breach=breach)
    except RefusedStep as refusal:
        messages.error(request, refusal.text)
    else:
        messages.success(request, gettext("The letters are being written; this page shows when they are ready."))
    return redirect("pdp:breach", breach_id=breach.pk)


@login_required
@download_methods
def breach_village_download_view(request: HttpRequest, breach_id: int) -> HttpResponse | FileResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    form = VillageForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return redirect("pdp:breach", breach_id=breach.pk)
    village, part = form.cleaned_data["village"], form.cleaned_data["part"] or 1
    filename = f"insiden-{breach.pk}-surat-{village}-{part:03d}.pdf"
    if request.method != "POST":
        return download_page(request, name=filename)
    name, _count = breach_village_letters(actor=user, breach=breach, village=village, part=part)
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@login_required
@require_POST
def breach_person_download_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    form = PersonLetterForm(request.POST)
    if form.is_valid():
        try:
            worker, pdf = breach_person_letter(actor=user, breach=breach, nik=form.cleaned_data["nik"])
        except RefusedStep as refusal:
            form.add_error("nik", refusal.text)
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="insiden-{breach.pk}-surat-{worker.pk}.pdf"'
            return response
    return _detail(request, user, breach, status=422, person_form=form)


@login_required
@download_methods
def breach_report_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    filename = f"insiden-{breach.pk}-laporan.pdf"
    if request.method != "POST":
        return download_page(request, name=filename)
    try:
        pdf = breach_report_pdf(actor=user, breach=breach)
    except RefusedStep as refusal:
        messages.error(request, refusal.text)
        return redirect("pdp:breach", breach_id=breach.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def breach_notified_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    form = NotifiedForm(request.POST)
    if form.is_valid():
        try:
            breach_authority_notified(actor=user, breach=breach, **form.cleaned_data)
        except RefusedStep as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.text)
        else:
            messages.success(request, gettext("The notice to the authority is recorded."))
            return redirect("pdp:breach", breach_id=breach.pk)
    return _detail(request, user, breach, status=422, notified_form=form)


@login_required
@require_POST
def breach_close_view(request: HttpRequest, breach_id: int) -> HttpResponse:
    user = signed_in_user(request)
    breach = breach_get(user, breach_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            breach_close(actor=user, breach=breach, note=form.cleaned_data["note"])
        except RefusedStep as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.text)
        else:
            messages.success(request, gettext("The incident is closed."))
            return redirect("pdp:breach", breach_id=breach.pk)
    return _detail(request, user, breach, status=422, close_form=form)
