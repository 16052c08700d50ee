from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lindung.enrolments.forms import ProgrammeChoiceField, programme_choices
from lindung.programmes.models import Programme
from lindung.spreadsheets.fields import SpreadsheetFileField


class UploadForm(forms.Form):
    programme = ProgrammeChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=_("Choose a programme")
    )
    file = SpreadsheetFileField(label=_("Spreadsheet (.xlsx or .csv)"))

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme_choices(self, programmes)
