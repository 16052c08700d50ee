"""Forms of the contribution pages. They only shape input: the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lindung.inputs import DateField, KeyChoiceField, MonthField, RupiahField
from lindung.programmes.models import Programme


class ProgrammeField(KeyChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class BuildForm(forms.Form):
    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    month = MonthField(label=_("Month"))

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programmes


class PaymentForm(forms.Form):
    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    paid_on = DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = RupiahField(
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


class ConfirmForm(forms.Form):
    """The second look before a money step: the step's first POST shows what will happen, and the confirmation
    page's button sends it again with ``confirm``; ``seen`` carries the figures that page showed, when the step
    checks that they still hold (``billing.invoice_seen``)."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    seen = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def confirmed(self) -> bool:
        return self.is_valid() and bool(self.cleaned_data["confirm"])


class ReverseForm(ConfirmForm):
    reason = forms.CharField(label=_("Reason for reversal"), max_length=500)
