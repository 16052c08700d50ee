"""The breach register's forms (``pdp.breach_views``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.pdp.models import DataKind

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

_MOMENT = {"type": "datetime-local"}
_MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _moment(label: StrOrPromise, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, widget=forms.DateTimeInput(attrs=_MOMENT, format=_MOMENT_FORMAT)
    )


class BreachForm(forms.Form):
    what = forms.CharField(label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    how = forms.CharField(
        label=_("How it happened"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    found_at = _moment(_("Found at (the clock starts here)"))
    occurred_from = _moment(_("Happened from"), required=False)
    occurred_to = _moment(_("Happened until"), required=False)
    systems = forms.CharField(label=_("Systems concerned"), max_length=2000)
    data_kinds = forms.MultipleChoiceField(
        label=_("Kinds of data"), choices=DataKind.choices, widget=forms.CheckboxSelectMultiple
    )
    remedy = forms.CharField(
        label=_("What has been done and what the people can do"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact = forms.CharField(
        label=_("Whom the people can contact"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindForm(forms.Form):
    region = forms.CharField(label=_("Region code"), required=False, max_length=13)
    window_from = _moment(_("Window from"), required=False)
    window_to = _moment(_("Window until"), required=False)
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    export = forms.IntegerField(label=_("Export (audit entry number)"), required=False, min_value=1)


class PersonLetterForm(forms.Form):
    nik = forms.CharField(label=_("NIK"), max_length=32)


class VillageForm(forms.Form):
    village = forms.CharField(max_length=13)
    part = forms.IntegerField(required=False, min_value=1, max_value=100_000)


class NotifiedForm(forms.Form):
    at = _moment(_("Sent to the authority at"))
    reference = forms.CharField(label=_("The authority's reference"), required=False, max_length=200)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Why it is closed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
