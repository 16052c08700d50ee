from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.civil_registry.models import NoticeStatus


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *NoticeStatus.choices])


class ConfirmForm(forms.Form):
    pass


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the report wrong?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
