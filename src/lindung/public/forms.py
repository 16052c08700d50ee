from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.inputs import BirthDateField

_SEPARATORS = re.compile(r"[\s.\-]")


class BlankTextInput(forms.TextInput):
    """A text box that never shows what was typed: the answer page must not carry the NIK back."""

    def format_value(self, value: Any) -> str | None:
        return None


class BlankDateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        return None


class CoverageCheckForm(forms.Form):
    """NIK and birth date. The messages never quote the value typed."""

    nik = forms.CharField(
        label=_("NIK (16 digits)"),
        max_length=40,
        widget=BlankTextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 .\\-]*", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the NIK from the identity card (KTP).")},
    )
    birth_date = BirthDateField(
        label=_("Date of birth"),
        # The date picker sends YYYY-MM-DD; without one, people type the day first.
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=BlankDateInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Enter the date of birth."),
            "invalid": _("Enter a real date of birth, for example 17-05-1980."),
            "range": _("Enter a real date of birth, for example 17-05-1980."),
        },
    )

    def clean_nik(self) -> str:
        nik = _SEPARATORS.sub("", self.cleaned_data["nik"])
        if not re.fullmatch(r"[0-9]{16}", nik):
            raise forms.ValidationError(_("A NIK has exactly 16 digits."), code="nik_format")
        return nik
