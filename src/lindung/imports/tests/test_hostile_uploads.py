"""Every hostile file of the corpus through every door a spreadsheet comes in by: the upload page and its
background job, BPJS's answer page, ``lindung import``, its dry run and ``lindung bpjs import-result``. Each
gets a clear refusal (in a sentence, nothing written) or a clean result (rows rejected one by one); never a
crash, a traceback or a 5xx.

The row limit is lowered here to 20,000 so that the files of a million junk lines are refused in a second
each; at the default limit they are measured by ``test_a_50_mb_junk_file_is_refused_within_a_minute_and_512_mb``
and by the reading layer's child-process test.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils.html import escape

from lindung.enrolments.models import Enrolment
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.programmes.models import Programme
from lindung.spreadsheets.tests.conftest import HostileFile
from lindung.spreadsheets.tests.hostile import CORPUS, Hostile
from lindung.testing import Cast, client_for
from lindung.workers.models import Heir, Worker

pytestmark = pytest.mark.django_db
CORPUS_IDS = [hostile.name for hostile in CORPUS]


@pytest.fixture(autouse=True)
def _uploads(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.LINDUNG_IMPORT_MAX_ROWS = 20_000


def _registry() -> tuple[int, int, int, int]:
    return (Worker.objects.count(), Heir.objects.count(), Enrolment.objects.count(), ImportBatch.objects.count())


def _refused_as_expected(hostile: Hostile, message: str) -> bool:
    return bool(hostile.refusal) and any(words in message for words in hostile.refusal)


def _refused_for_another_reason(message: str) -> bool:
    """A file the corpus reads cleanly may still be refused whole by the door's own rules (e.g. no data row)."""
    return "no data rows" in message or "no column for" in message


@pytest.mark.parametrize("hostile", CORPUS, ids=CORPUS_IDS)
def test_the_upload_page_and_its_job_refuse_a_hostile_file_or_read_it_cleanly(
    hostile: Hostile,
    hostile_file: HostileFile,
    cast: Cast,
    programme: Programme,
    django_capture_on_commit_callbacks: Any,
):
    path = hostile_file(hostile.name)
    client = client_for(cast["operator_sambas"])
    before = _registry()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/impor/", {"programme": programme.pk, "file": SimpleUploadedFile(path.name, path.read_bytes())}
        )

    if response.status_code == 200:  # refused next to the file field, nothing queued
        errors = response.context["form"].errors["file"]
        assert _refused_as_expected(hostile, " ".join(errors)), errors
        assert _registry() == before
        return
    assert response.status_code == 302, response.status_code
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    if hostile.refusal:
        assert batch.status == ImportStatus.FAILED and _refused_as_expected(hostile, batch.message), batch.message
        assert escape(batch.message) in page.content.decode()
        assert _registry()[:3] == before[:3]
    else:
        assert batch.status == ImportStatus.COMPLETED, batch.message
        assert batch.rows == batch.rejected + batch.imported + batch.skipped
    assert not batch.source  # the upload's file went with its job


@pytest.mark.parametrize("hostile", CORPUS, ids=CORPUS_IDS)
def test_bpjs_answer_page_refuses_a_hostile_file_or_reads_it_cleanly(
    hostile: Hostile, hostile_file: HostileFile, cast: Cast
):
    path = hostile_file(hostile.name)
    before = _registry()

    response = client_for(cast["petugas_bpjs"]).post(
        "/kepesertaan/bpjs/hasil/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )

    assert response.status_code in (200, 400), response.status_code
    form = response.context["form"]
    if response.status_code == 400:
        message = " ".join(form.errors["file"])
        assert _refused_as_expected(hostile, message) or _refused_for_another_reason(message), message
    else:
        assert not hostile.refusal
        result = response.context["result"]
        assert result.rows and result.activated == result.rejected == 0
    assert _registry() == before


def _command(*args: str) -> tuple[str | None, str]:
    """(the refusal's sentence or None, what was printed)."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return str(exc), out.getvalue()
    return None, out.getvalue()


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
@pytest.mark.parametrize("hostile", CORPUS, ids=CORPUS_IDS)
def test_lindung_import_refuses_a_hostile_file_or_reads_it_cleanly(
    hostile: Hostile, hostile_file: HostileFile, cast: Cast, programme: Programme, dry_run: bool
):
    before = _registry()
    args = ["import", str(hostile_file(hostile.name)), "--programme", programme.code, "--as", "operator_sambas"]

    refusal, out = _command(*args, "--json", "--lang", "en", *(["--dry-run"] if dry_run else []))

    if hostile.refusal:
        assert refusal is not None and _refused_as_expected(hostile, refusal), refusal or out
        assert _registry() == before
    else:
        assert refusal is None or _refused_for_another_reason(refusal), refusal
        if refusal is None:
            summary = json.loads(out)
            assert summary["rows"] == summary["rejected"] + summary["imported"] + summary["skipped"]
        if dry_run:
            assert _registry() == before


@pytest.mark.parametrize("hostile", CORPUS, ids=CORPUS_IDS)
def test_lindung_bpjs_import_result_refuses_a_hostile_file_or_reads_it_cleanly(
    hostile: Hostile, hostile_file: HostileFile, cast: Cast
):
    before = _registry()

    refusal, out = _command(
        "bpjs", "import-result", str(hostile_file(hostile.name)), "--as", "petugas_bpjs", "--json", "--lang", "en"
    )

    if refusal is not None:
        assert _refused_as_expected(hostile, refusal) or _refused_for_another_reason(refusal), refusal
    else:
        assert not hostile.refusal
        assert json.loads(out)["activated"] == 0
    assert _registry() == before
