"""/pdp/: the data protection officer's pages (UU 27/2022). The retention report: what each run anonymised, by
kind and count in the reader's region, never the people. The lift of a restriction of processing (a POST from the
worker's page)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from lindung.accounts.permissions import Action, require, signed_in_user
from lindung.accounts.scope import get_in_scope_or_404
from lindung.errors import RefusedStep
from lindung.pdp.models import RetentionKind
from lindung.pdp.restriction import processing_restriction_lift
from lindung.pdp.selectors import retention_report
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue
from lindung.workers.models import Worker

# The retention rules, each with what it keeps (``rules/data/rules.csv`` holds the periods and their sources).
RETENTION_RULES = {
    Rule.RETENTION_NEVER_ENROLLED: _("A worker never proposed, from registration"),
    Rule.RETENTION_REJECTED_PROPOSAL: _("A worker whose proposals were all rejected, from the last rejection"),
    Rule.RETENTION_ENDED_ENROLMENT: _("A worker whose enrolments ended, from the end of the last cover"),
    Rule.RETENTION_INVOICE: _("A billed worker, from the programme's last invoice (finance records)"),
    Rule.RETENTION_CLAIM: _("A worker with a claim, from the claim's decision (finance records)"),
}


@login_required
@require_GET
def retention_report_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    runs = retention_report(user)  # requires Action.PDP_MANAGE
    rules = [
        {"label": label, "row": row}
        for key, label in RETENTION_RULES.items()
        for row in RuleValue.objects.filter(key=key).order_by("-effective_from")
    ]
    return render(
        request,
        "pdp/retention.html",
        {"runs": runs, "kinds": RetentionKind.choices, "rules": rules},
    )


class RestrictionLiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the restriction ends"), max_length=1000)


@login_required
@require_POST
def restriction_lift_view(request: HttpRequest, worker_id: int) -> HttpResponse:
    """Lift a restriction of processing, from the worker's page (its form and banner); back to that page."""
    user = signed_in_user(request)
    require(user, Action.PDP_MANAGE)
    worker = get_in_scope_or_404(Worker.objects.all(), user, pk=worker_id)
    form = RestrictionLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Say why the restriction ends."))
        return redirect("workers:detail", pk=worker.pk)
    try:
        processing_restriction_lift(actor=user, worker=worker, reason=form.cleaned_data["reason"])
    except RefusedStep as refused:
        messages.error(request, refused.text)
    else:
        messages.success(request, gettext("The restriction is lifted: the record may be processed again."))
    return redirect("workers:detail", pk=worker.pk)
