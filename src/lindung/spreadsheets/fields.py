"""The form field of every spreadsheet upload: an ``.xlsx`` or ``.csv`` file within the upload size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext

SUFFIXES = (".xlsx", ".csv")


class SpreadsheetFileField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)})

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if Path(upload.name or "").suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(gettext("Upload an Excel workbook (.xlsx) or a CSV file."))
        limit = settings.LINDUNG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is too large; files of at most %(limit)d MB can be uploaded.")
                % {"limit": limit // (1024 * 1024)}
            )
        return upload
