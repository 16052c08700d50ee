"""Forms of the enrolment pages. They only shape input: the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.enrolments.models import EndReason, Status
from lindung.enrolments.selectors import DEFAULT_SORT, NOT_ENROLLED, WorkerListFilters, regencies_in_scope
from lindung.inputs import DateField, KeyChoiceField
from lindung.programmes.models import Programme
from lindung.workers.forms import WorkerFilterForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EnrolmentFilterForm(forms.Form):
    q = forms.CharField(label=_("NIK or name"), required=False, max_length=150)
    programme = KeyChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("-coverage_start", "code"),
        required=False,
        empty_label=_("All"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Status.choices], required=False)
    regency = forms.ChoiceField(label=_("Regency/city"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        initial=DEFAULT_SORT,
        choices=[
            ("-proposed", _("Newest proposal first")),
            ("proposed", _("Oldest proposal first")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("status", _("Status")),
            ("programme", _("Programme")),
        ],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regency_field = self.fields["regency"]
        assert isinstance(regency_field, forms.ChoiceField)
        self.regency_names = {r.code: r.name for r in regencies_in_scope(user)}
        regency_field.choices = [("", _("All")), *self.regency_names.items()]


class ProgrammeChoiceField(KeyChoiceField):
    """Shows who pays and for which months, which is what an operator weighs when choosing."""

    def label_from_instance(self, obj: Any) -> str:
        start, end = (date_format(day, "YEAR_MONTH_FORMAT") for day in (obj.coverage_start, obj.coverage_end))
        months = f"{start} – {end}"
        return f"{obj.code} · {obj.name} · {obj.get_funder_type_display()} · {months}"


def programme_choices(form: forms.Form, programmes: QuerySet[Programme]) -> None:
    """Offer ``programmes`` in ``form``'s ``programme`` field; the only one, when there is one, starts chosen."""
    programme_field = form.fields["programme"]
    assert isinstance(programme_field, forms.ModelChoiceField)
    programme_field.queryset = programmes
    if not form.is_bound:
        only = list(programmes[:2])
        if len(only) == 1:
            programme_field.initial = only[0]


class ProposeForm(forms.Form):
    programme = ProgrammeChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=_("Choose a programme")
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme_choices(self, programmes)


class VerifyForm(forms.Form):
    pass


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ActivateForm(forms.Form):
    # The format (11 digits) is checked by the service, so the message is the same from every entry point.
    kpj = forms.CharField(
        label=_("KPJ membership number"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    coverage_start = DateField(label=_("Coverage from"), widget=DateInput())


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)
    coverage_end = DateField(label=_("Coverage until"), widget=DateInput())


class SendForm(forms.Form):
    programme = KeyChoiceField(queryset=Programme.objects.all(), widget=forms.HiddenInput)


class WorkerListForm(WorkerFilterForm):
    """The worker list's search and filters: the registry's, and the workers' enrolments (status, programme)."""

    status = forms.ChoiceField(label=_("enrolment status"), required=False)
    programme = forms.TypedChoiceField(label=_("programme"), required=False, coerce=int, empty_value=None)
    field_order = ("q", "regency", "category", "status", "programme", "sort")

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        everyone = ("", _("All"))
        self.fields["status"].choices = [everyone, (NOT_ENROLLED, _("Not enrolled")), *Status.choices]  # type: ignore[attr-defined]
        self.fields["programme"].choices = [everyone] + [  # type: ignore[attr-defined]
            (p.pk, p.code) for p in Programme.objects.only("pk", "code")
        ]

    def search(self) -> tuple[str, WorkerListFilters, str]:
        q, filters, sort = super().search()
        assert isinstance(filters, WorkerListFilters)
        return q, filters, sort

    def filters(self, data: dict[str, Any]) -> WorkerListFilters:
        registry = super().filters(data)
        return WorkerListFilters(
            regency=registry.regency,
            category=registry.category,
            status=data.get("status") or "",
            programme=data.get("programme") or None,
        )
