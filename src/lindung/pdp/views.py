"""/pdp/: the data protection officer's pages (UU 27/2022). The retention report: what each run anonymised, by
kind and count in the reader's region, never the people."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lindung.accounts.permissions import signed_in_user
from lindung.pdp.models import RetentionKind
from lindung.pdp.selectors import retention_report
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue

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
