"""Forms of the verification queue: its filters (in the address: no name or NIK is typed here) and the bulk
step. They only shape input: the rules live in ``bulk_verification``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.enrolments.queue import QueueFilter
from lindung.enrolments.selectors import regencies_in_scope
from lindung.inputs import KeyChoiceField, parse_id
from lindung.programmes.models import Programme

# The most rows one page may tick: the queue shows 50 a page; "all that match" carries no ids at all.
MAX_TICKED = 500


class QueueFilterForm(forms.Form):
    programme = KeyChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("-coverage_start", "code"),
        required=False,
        empty_label=_("All"),
    )
    regency = forms.ChoiceField(label=_("Regency/city"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regency_field = self.fields["regency"]
        assert isinstance(regency_field, forms.ChoiceField)
        self.regency_names = {r.code: r.name for r in regencies_in_scope(user)}
        regency_field.choices = [("", _("All")), *self.regency_names.items()]

    def queue_filter(self) -> QueueFilter:
        """The valid filters (an invalid one is shown next to its field and left out)."""
        data = getattr(self, "cleaned_data", {})
        programme = data.get("programme")
        return QueueFilter(programme=programme.pk if programme else None, regency=data.get("regency") or "")


class IdsField(forms.Field):
    """Ids of rows ticked on a page (check boxes of one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The ticked rows could not be read; reload the page and tick them again."),
        "too_many": _("Tick at most %(max)s rows, or choose all that match the filter."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > MAX_TICKED:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"max": MAX_TICKED})
        ids = [parse_id(str(v)) for v in values]
        if any(pk is None for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return [pk for pk in ids if pk is not None]


class BulkStepForm(forms.Form):
    """One decision for many proposals: verify, or reject for one reason; the ticked rows or all that match."""

    SELECTED = "selected"
    ALL = "all"

    step = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject"))])
    which = forms.ChoiceField(
        label=_("Which proposals"),
        choices=[(SELECTED, _("The ticked rows")), (ALL, _("All that match this filter"))],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    ids = IdsField(required=False)
    reason = forms.CharField(
        label=_("Reason for rejection (one for all)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("which") == self.SELECTED and not data.get("ids") and "ids" not in self.errors:
            raise ValidationError(_("Tick the proposals to decide on, or choose all that match this filter."))
        if data.get("step") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the enrolments are rejected."))
        return data
