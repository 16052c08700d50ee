"""The privacy notice at collection (UU 27/2022; issue 19, item 2): the versions loaded from the repository's files,
the one in force on a day, and the version every registration path records on the worker (the form, the import,
the API), refusing a registration that says none or names one not in force."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lindung.api.tests.test_workers import _api_client, _registration
from lindung.imports.services import import_run
from lindung.imports.spreadsheets import template_write
from lindung.imports.tests.conftest import HEADERS, person, write_csv, write_xlsx
from lindung.privacy_notices import services
from lindung.privacy_notices.models import PrivacyNotice
from lindung.privacy_notices.selectors import notice_given, notice_in_force, notices_given_by_version
from lindung.privacy_notices.services import NoticeChanged, notice_files, notices_load
from lindung.programmes.models import Programme
from lindung.testing import Cast, client_for, make_nik
from lindung.workers.models import Worker
from lindung.workers.services import worker_register
from lindung.workers.tests.conftest import form_post, registration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOTICE_COLUMN = "Versi Pemberitahuan Privasi"


def _version(number: int, effective_from: dt.date) -> PrivacyNotice:
    return PrivacyNotice.objects.create(
        version=number,
        effective_from=effective_from,
        title_id=f"Pemberitahuan versi {number}",
        title_en=f"Notice version {number}",
        text_id="## Siapa\nDinas Tenaga Kerja.",
        text_en="## Who\nThe labour office.",
        source="UU 27/2022",
    )


# --- the versions and the one in force ---------------------------------------------------------------------------


def test_the_first_notice_is_loaded_from_the_repository_in_both_languages():
    notice = PrivacyNotice.objects.get(version=1)
    assert notice.effective_from == dt.date(2024, 10, 17)  # UU 27/2022 in force in full
    for text in (notice.text_id, notice.text_en):
        assert "BPJS" in text and "Dukcapil" in text and "3 × 24" in text
    assert "pejabat pelindungan data pribadi" in notice.text_id and "Dinas Tenaga Kerja" in notice.text_id
    assert "data protection officer" in notice.text_en and "not based on consent" in notice.text_en
    assert notices_load().created == 0  # idempotent: the migration loaded it


def test_a_loaded_version_whose_file_changed_is_refused(monkeypatch: pytest.MonkeyPatch):
    changed = [{**notice_files()[0], "text_en": "A quietly different text."}]
    monkeypatch.setattr(services, "notice_files", lambda: changed)
    with pytest.raises(NoticeChanged, match="v1 differs"):
        notices_load()
    assert "quietly" not in PrivacyNotice.objects.get(version=1).text_en


def test_the_version_in_force_is_the_latest_whose_date_has_come():
    first = PrivacyNotice.objects.get(version=1)
    second = _version(2, dt.date(2027, 1, 1))
    assert notice_in_force(on=dt.date(2024, 10, 16)) is None
    assert notice_in_force(on=dt.date(2024, 10, 17)) == first
    assert notice_in_force(on=dt.date(2026, 12, 31)) == first
    assert notice_in_force(on=dt.date(2027, 1, 1)) == second
    # A registration may record the version in force or an earlier one, never one not yet in force.
    assert notices_given_by_version(on=dt.date(2026, 12, 31)) == {1: first.pk}
    assert notices_given_by_version(on=dt.date(2027, 1, 1)) == {1: first.pk, 2: second.pk}
    assert notice_given(version=2, on=dt.date(2026, 12, 31)) is None
    assert notice_given(version=1, on=dt.date(2027, 1, 2)) == first
    assert notice_given(version="1", on=dt.date(2027, 1, 2)) is None  # a version is a number


# --- the registration form ---------------------------------------------------------------------------------------


def test_the_form_offers_the_version_in_force_and_records_it(cast: Cast):
    today = timezone.localdate()
    _version(2, today)  # in force from today
    client = client_for(cast["operator_sambas"])
    page = client.get("/pekerja/daftar/").content.decode()
    assert 'name="privacy_notice" value="2"' in page
    assert "version 2" in page and "/pdp/pemberitahuan/" in page

    data = registration(privacy_notice=2)
    answer = client.post("/pekerja/daftar/", form_post(data))
    assert answer.status_code == 302
    worker = Worker.objects.get(nik=data["nik"])
    assert worker.privacy_notice is not None and worker.privacy_notice.version == 2


def test_the_form_refuses_a_registration_whose_notice_box_is_not_ticked(cast: Cast):
    data = registration()
    post = form_post(data)
    del post["privacy_notice"]
    answer = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", post)
    assert answer.status_code == 200
    assert "Tick the box once the person was given the privacy notice." in answer.content.decode()
    assert not Worker.objects.filter(nik=data["nik"]).exists()


def test_the_service_refuses_a_version_not_yet_in_force_next_to_its_field(cast: Cast):
    _version(2, dt.date(2027, 1, 1))
    data = registration(privacy_notice=2)
    with pytest.raises(ValidationError) as refused:
        worker_register(actor=cast["operator_sambas"], data=data, heirs=[], today=dt.date(2026, 12, 31))
    assert "version 1 is in force since" in refused.value.message_dict["privacy_notice"][0]
    # With other errors, the notice's is among them.
    with pytest.raises(ValidationError) as both:
        worker_register(actor=cast["operator_sambas"], data={**data, "name": ""}, heirs=[], today=dt.date(2026, 12, 31))
    assert {"name", "privacy_notice"} <= set(both.value.message_dict)
    assert not Worker.objects.filter(nik=data["nik"]).exists()


# --- the spreadsheet import --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_imported_rows_record_the_version_their_row_gives(cast: Cast, programme: Programme, tmp_path: Path, kind: str):
    niks = [make_nik() for _ in range(5)]
    rows = [
        person(niks[0]),
        person(niks[1], **{NOTICE_COLUMN: "v1"}),
        person(niks[2], **{NOTICE_COLUMN: ""}),
        person(niks[3], **{NOTICE_COLUMN: "2"}),  # no such version yet
        person(niks[4], **{NOTICE_COLUMN: 1} if kind == "xlsx" else {NOTICE_COLUMN: "Versi 1"}),
    ]
    path = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"usulan.{kind}", rows)
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    recorded = dict(Worker.objects.filter(nik__in=niks).values_list("nik", "privacy_notice__version"))
    assert recorded == {niks[0]: 1, niks[1]: 1, niks[4]: 1}
    errors = {(error.row, error.column) for error in result.errors}
    assert errors == {(4, NOTICE_COLUMN), (5, NOTICE_COLUMN)}
    assert all("version 1 is in force since" in error.message for error in result.errors)


def test_the_import_records_the_notices_without_a_query_per_row(cast: Cast, programme: Programme, tmp_path: Path):
    def queries(count: int, name: str) -> int:
        path = write_csv(tmp_path / name, [person(make_nik()) for _ in range(count)])
        with CaptureQueriesContext(connection) as captured:
            result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
        assert result.imported == count
        return len(captured)

    assert queries(2, "small.csv") == queries(40, "larger.csv")
    assert Worker.objects.filter(privacy_notice__version=1).count() == 42


def test_a_file_without_the_notice_column_is_refused_whole(cast: Cast, programme: Programme, tmp_path: Path):
    headers = [header for header in HEADERS if header != NOTICE_COLUMN]
    path = write_csv(tmp_path / "old.csv", [person(make_nik())], headers=headers)
    with pytest.raises(Exception, match=f"no column for: {NOTICE_COLUMN}"):
        import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert not Worker.objects.exists()


def test_the_template_says_which_version_to_give(tmp_path: Path):
    out = tmp_path / "template.xlsx"
    template_write(out)
    book = CalamineWorkbook.from_path(str(out))
    assert NOTICE_COLUMN in [str(cell) for cell in book.get_sheet_by_index(0).to_python()[0]]
    explanation = {str(row[0]): str(row[1]) for row in book.get_sheet_by_index(1).to_python() if len(row) > 1}
    assert "give version 1, in force since 17 Oct 2024, and write 1" in explanation[NOTICE_COLUMN]


# --- the API -----------------------------------------------------------------------------------------------------


def _post(api: Any, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/workers", data=json.dumps(body), content_type="application/json")


def test_the_api_records_the_version_the_caller_gave_and_shows_it():
    api = _api_client()
    answer = _post(api, _registration())
    assert answer.status_code == 201, answer.content
    assert answer.json()["privacy_notice_version"] == 1
    worker = Worker.objects.get(pk=answer.json()["id"])
    assert worker.privacy_notice is not None and worker.privacy_notice.version == 1


def test_the_api_refuses_a_registration_without_a_notice_or_with_one_not_in_force():
    api = _api_client()
    body = _registration()
    del body["privacy_notice_version"]
    missing = _post(api, body)
    assert missing.status_code == 422
    assert any("privacy_notice_version" in error["field"] for error in missing.json()["errors"])

    _version(2, timezone.localdate() + dt.timedelta(days=30))
    future = _post(api, _registration(privacy_notice_version=2))
    assert future.status_code == 422
    assert any("version 1 is in force since" in error["message"] for error in future.json()["errors"])
    assert not Worker.objects.exists()
