from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lindung.enrolments.forms import ProgrammeChoiceField
from lindung.imports.reading import max_bytes
from lindung.programmes.models import Programme

SUFFIXES = (".xlsx", ".csv")


class UploadForm(forms.Form):
    programme = ProgrammeChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=_("Choose a programme")
    )
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme_field = self.fields["programme"]
        assert isinstance(programme_field, forms.ModelChoiceField)
        programme_field.queryset = programmes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise ValidationError(gettext("Upload an Excel workbook (.xlsx) or a CSV file."))
        if upload.size > max_bytes():
            raise ValidationError(
                gettext("The file is too large; files of at most %(limit)d MB can be uploaded.")
                % {"limit": max_bytes() // (1024 * 1024)}
            )
        return upload
