"""Forms of the claim pages. They only shape input: the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.claims.models import ClaimStatus, ClaimType
from lindung.enrolments.forms import DateInput
from lindung.inputs import DateField, IdField, KeyChoiceField, RupiahField
from lindung.programmes.models import Programme
from lindung.workers.models import HeirRelation


class ClaimRegisterForm(forms.Form):
    # Either the enrolment (from the enrolment's page) or a NIK/KPJ the office types in.
    enrolment = IdField(widget=forms.HiddenInput, required=False)
    nik_or_kpj = forms.CharField(
        label=_("NIK or KPJ of the worker"),
        max_length=30,
        required=False,
        help_text=_("The enrolment covering the day of the event is chosen."),
    )
    type = forms.ChoiceField(label=_("Kind of claim"), choices=[("", "—"), *ClaimType.choices])
    incident_date = DateField(label=_("Date of the event"), widget=DateInput())
    incident_time = forms.TimeField(
        label=_("Time of the event"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    incident_place = forms.CharField(label=_("Place of the event"), max_length=200)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    reporter_name = forms.CharField(label=_("Reported by"), max_length=150)
    reporter_relation = forms.CharField(label=_("Relation to the worker"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=16, required=False)
    income = RupiahField(
        label=_("Declared monthly income (Rp)"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to use the income registered for the worker."),
    )
    disability_percent = forms.DecimalField(
        label=_("Disability (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
        help_text=_("For partial disability: the percentage from the regulation's table."),
    )
    stmb_months = forms.IntegerField(
        label=_("Months unable to work"), min_value=1, max_value=120, required=False, help_text=_("For STMB.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("enrolment") and not (data.get("nik_or_kpj") or "").strip():
            self.add_error("nik_or_kpj", _("Enter the worker's NIK or KPJ."))
        return data


class DocumentsForm(forms.Form):
    received = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["received"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices


class HeirAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    relation = forms.ChoiceField(label=_("Relation"), choices=[("", "—"), *HeirRelation.choices])
    nik = forms.CharField(label=_("NIK"), max_length=25, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=25, required=False)
    share = forms.IntegerField(label=_("Share (%)"), min_value=1, max_value=100, required=False)


class EmptyStepForm(forms.Form):
    """Steps without input (documents complete, submitted to BPJS)."""


class PayForm(forms.Form):
    paid_amount = RupiahField(label=_("Amount paid by BPJS (Rp)"))
    paid_on = DateField(label=_("Paid on"), widget=DateInput())


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *ClaimStatus.choices], required=False)
    type = forms.ChoiceField(label=_("Kind of claim"), choices=[("", _("All")), *ClaimType.choices], required=False)
    programme = KeyChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("-coverage_start", "code"),
        required=False,
        empty_label=_("All"),
    )
    attention = forms.BooleanField(label=_("Needs attention only"), required=False)


class ProgrammeForm(forms.Form):
    programme = KeyChoiceField(
        label=_("Programme"), queryset=Programme.objects.order_by("-coverage_start", "code"), empty_label=None
    )
