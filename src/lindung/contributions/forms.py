"""Forms of the contribution pages. They only shape input: the rules live in ``services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lindung.programmes.models import Programme


class ProgrammeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class BuildForm(forms.Form):
    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes

    def clean_month(self) -> dt.date:
        value = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Write the month as YYYY-MM, for example 2026-03.")) from None


class PaymentForm(forms.Form):
    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.IntegerField(
        label=_("Amount (Rp)"),
        min_value=1,
        error_messages={"min_value": _("A payment is a positive amount of rupiah.")},
    )
    reference = forms.CharField(label=_("Reference (SP2D / virtual account)"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reversal"), max_length=500)
