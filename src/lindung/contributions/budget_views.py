"""The budget page: every programme the user may read, with a what-if that writes nothing.

Reading only, so no service is involved: the figures come from ``lindung.contributions.budget``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, user_can
from lindung.contributions.budget import (
    MAX_PERIOD_MONTHS,
    WhatIf,
    budget_programmes,
    funder_totals,
    period_months,
    programme_budget,
)
from lindung.contributions.forms import ProgrammeField
from lindung.inputs import MonthField, RupiahField, WorkersField
from lindung.months import month_start
from lindung.programmes.models import Programme


class WhatIfForm(forms.Form):
    """GET parameters of the what-if; an empty field keeps the programme's own value."""

    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    ceiling = RupiahField(
        label=_("Budget ceiling (Rp)"),
        required=False,
        error_messages={"min_value": _("The ceiling cannot be negative.")},
    )
    end_month = MonthField(label=_("Coverage until (month)"), required=False)
    workers = WorkersField(
        label=_("Workers from now on"),
        required=False,
        error_messages={
            "invalid": _("Write the number of workers as a whole number."),
            "min_value": _("The number of workers cannot be negative."),
        },
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_month = month_start(today)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        # An ended programme has a final account and nothing to try: it is not offered.
        field.queryset = programmes.filter(coverage_end__gte=self.current_month)
        field.error_messages["invalid_choice"] = _(
            "Choose one of your programmes whose period has not ended: an ended programme has only its final account."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme, end = data.get("programme"), data.get("end_month")
        if programme is not None and end is not None:
            if end < programme.coverage_start.replace(day=1):
                self.add_error("end_month", _("The period cannot end before the coverage starts."))
            elif end < self.current_month:
                # The what-if projects from this month on: a period already over has nothing to try.
                self.add_error("end_month", _("The period cannot end before this month."))
            elif len(period_months(programme.coverage_start, end)) >= MAX_PERIOD_MONTHS:
                self.add_error(
                    "end_month",
                    _("A what-if period can last at most %(months)d months.") % {"months": MAX_PERIOD_MONTHS - 1},
                )
        return data


@login_required
def budget_overview_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required let only a signed-in user through
    if not (user_can(user, Action.FINANCE_MANAGE) or user_can(user, Action.DASHBOARD_VIEW)):
        raise PermissionDenied(Action.DASHBOARD_VIEW.value)
    today = timezone.localdate()
    programmes = budget_programmes(user).select_related("region").order_by("-coverage_start", "code")
    budgets = [programme_budget(p, today=today) for p in programmes]
    form = WhatIfForm(request.GET if "programme" in request.GET else None, programmes=programmes, today=today)
    what_if = None
    if form.is_bound and form.is_valid():
        chosen: Programme = form.cleaned_data["programme"]
        changes = WhatIf(
            ceiling=form.cleaned_data["ceiling"],
            end_month=form.cleaned_data["end_month"],
            workers=form.cleaned_data["workers"],
        )
        current = next(b for b in budgets if b.programme.pk == chosen.pk)
        what_if = {"current": current, "changed": programme_budget(chosen, changes, today=today), "changes": changes}
    context = {
        "budgets": budgets,
        "totals": funder_totals(budgets) if len(budgets) > 1 else [],
        "form": form,
        "what_if": what_if,
    }
    return render(request, "contributions/budget.html", context, status=400 if form.errors else 200)
