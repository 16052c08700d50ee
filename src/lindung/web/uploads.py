"""Uploaded files, written to disk for the readers that want a path."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


@contextmanager
def upload_on_disk(upload: UploadedFile, *, prefix: str, stem: str) -> Iterator[Path]:
    """``upload`` written to ``stem`` plus the upload's own suffix, in lower case, in a temporary folder
    named after ``prefix`` inside ``LINDUNG_TMP_DIR``; the folder is removed when the block ends (and by the
    worker, should the process be killed first)."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=settings.LINDUNG_TMP_DIR) as folder:
        path = Path(folder) / (stem + Path(upload.name or "").suffix.lower())
        with path.open("wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        yield path
