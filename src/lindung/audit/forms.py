from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.audit.selectors import AuditFilter
from lindung.audit.sentences import kind_choices
from lindung.inputs import DateField


class AuditFilterForm(forms.Form):
    """The filters of the audit page (GET). A field that fails keeps its error and does not filter."""

    # A kind of entry or a whole family of them (its codes' start), each named in words.
    action = forms.ChoiceField(label=_("What happened"), required=False)
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = kind_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def audit_filter(self) -> AuditFilter:
        """The valid filters (call after ``is_valid``)."""
        data = getattr(self, "cleaned_data", {})
        return AuditFilter(
            action=data.get("action") or "",
            username=data.get("username") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
