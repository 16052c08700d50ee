"""The forms of the requests' pages; the services are the authority, these only shape what was typed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.inputs import BirthDateField
from lindung.pdp.clock import ClockState
from lindung.pdp.models import RequestKind, RequestStatus
from lindung.pdp.person_requests import OBJECTION_CONTINUE, OBJECTION_RESTRICT
from lindung.workers.phone import phone_normalise

CLOCK_CHOICES = [
    (ClockState.OVERDUE.value, _("Overdue")),
    (ClockState.DUE_SOON.value, _("Due within 24 hours")),
    (ClockState.RUNNING.value, _("More than 24 hours left")),
]


class RequestFilterForm(forms.Form):
    """The list's filters; a value that is no choice is an error the list ignores."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *RequestStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *RequestKind.choices])
    clock = forms.ChoiceField(label=_("Time left"), required=False, choices=[("", _("All")), *CLOCK_CHOICES])


class RequestRegisterForm(forms.Form):
    """Who the person is (checked against the record) and what they ask."""

    nik = forms.CharField(
        label=_("NIK"),
        max_length=25,
        help_text=_("16 digits, from the person's KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = BirthDateField(label=_("date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(
        label=_("phone"),
        max_length=25,
        required=False,
        help_text=_("The number the person gives; it must be the one on file. Leave it empty if none is on file."),
    )
    kind = forms.ChoiceField(label=_("What the person asks"), choices=RequestKind.choices, widget=forms.RadioSelect)
    details = forms.CharField(
        label=_("In the person's words"),
        max_length=2000,
        required=False,
        help_text=_("What to correct and how, what the objection is about…"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, as the person is told"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (OBJECTION_CONTINUE, _("Processing continues: the public task outweighs the objection")),
            (OBJECTION_RESTRICT, _("Restrict the processing, as the person asks")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason, as the person is told"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AccessDownloadForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the document"),
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        required=False,
    )
