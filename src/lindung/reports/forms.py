"""The filters of the reports page; the same GET parameters go on every download link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.contributions.forms import ProgrammeField
from lindung.inputs import MonthField
from lindung.programmes.models import FunderType
from lindung.regions.models import Region
from lindung.reports.services import report_programmes


class ReportFilterForm(forms.Form):
    programme = ProgrammeField(label=_("Programme"), queryset=None, to_field_name="code")
    funder = forms.ChoiceField(label=_("Funder"), required=False)
    month_from = MonthField(label=_("From (month)"), required=False)
    month_to = MonthField(label=_("Until (month)"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme = self.fields["programme"]
        assert isinstance(programme, forms.ModelChoiceField)
        programme.queryset = report_programmes(user).order_by("-coverage_start", "code")
        funder = self.fields["funder"]
        assert isinstance(funder, forms.ChoiceField)
        funder.choices = [("", _("All funders")), *FunderType.choices]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("All of my region")), *region_choices(user)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("month_from"), data.get("month_to")
        if first and last and last < first:
            self.add_error("month_to", _("The last month must not be before the first."))
        programme, funder = data.get("programme"), data.get("funder")
        if programme is not None and funder and programme.funder_type != funder:
            self.add_error("funder", _("The programme chosen is paid by another funder."))
        return data


def region_choices(user: User) -> list[tuple[str, str]]:
    """The user's region and the regions one and two levels below it, down to districts.

    A provincial officer picks a regency/city (or one of its districts); a regency officer one of
    its districts. Villages are left out: a report per village is the dashboard's drill-down.
    """
    scope = scope_of(user)
    if scope.nothing:
        return []
    regions = Region.objects.filter(level__lte=3).order_by("code")
    if scope.code is not None:
        regions = regions.filter(scope.code_q("code"))
        depth = scope.code.count(".") + 1
        regions = regions.filter(level__lte=depth + 2) if depth < 3 else regions.filter(code=scope.code)
    else:
        regions = regions.filter(level__lte=2)
    return [(r.code, f"{r.code} · {r.name}" if r.level < 3 else f"{r.code} · · {r.name}") for r in regions]
