"""The ``lindung import`` command, the upload record, all-or-nothing writes, the error file and the template."""

from __future__ import annotations

import json
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment
from lindung.imports import staging
from lindung.imports.models import ImportBatch
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import HEADERS, person, write_csv, write_xlsx
from lindung.programmes.models import Programme
from lindung.spreadsheets.limits import ImportFileError
from lindung.testing import make_nik
from lindung.workers.models import Heir, Worker
from lindung.workers.nik import nik_mask

pytestmark = pytest.mark.django_db

Cast = dict[str, User]


def _run(*args: Any) -> str:
    out = StringIO()
    call_command("import", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def _file(tmp_path: Path, good: int = 2, bad: int = 1, kind: str = "csv") -> Path:
    rows = [person(make_nik()) for _ in range(good)]
    rows += [person(make_nik(), **{"Kategori": "ASTRONOT"}) for _ in range(bad)]
    return (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"usulan.{kind}", rows)


def _counts() -> tuple[int, int, int, int]:
    return (
        Worker.objects.count(),
        Enrolment.objects.count(),
        ImportBatch.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_command_prints_one_json_summary_where_rows_add_up(cast: Cast, programme: Programme, tmp_path: Path):
    out = _run(_file(tmp_path), "--programme", programme.code, "--as", "operator_sambas", "--json", "--lang", "en")

    summary = json.loads(out)
    assert set(summary) == {"rows", "imported", "skipped", "rejected", "errors"}
    assert (summary["rows"], summary["imported"], summary["skipped"], summary["rejected"]) == (3, 2, 0, 1)
    assert summary["errors"] == [
        {
            "row": 4,
            "column": "Kategori",
            "message": "Unknown category ASTRONOT: use a category code or name, or an occupation, listed in the "
            "template's explanation sheet.",
        }
    ]


def test_uploading_the_same_file_again_imports_nothing_new(cast: Cast, programme: Programme, tmp_path: Path):
    path = _file(tmp_path, good=3, bad=0, kind="xlsx")
    args = (path, "--programme", programme.code, "--as", "operator_sambas", "--json")
    first = json.loads(_run(*args))
    workers, enrolments = Worker.objects.count(), Enrolment.objects.count()

    again = json.loads(_run(*args))

    assert (first["imported"], again["imported"], again["skipped"], again["rows"]) == (3, 0, 3, 3)
    assert (Worker.objects.count(), Enrolment.objects.count()) == (workers, enrolments)
    assert ImportBatch.objects.count() == 2  # every upload is kept, the second with its skips


def test_a_dry_run_writes_nothing_and_counts_what_would_be_imported(cast: Cast, programme: Programme, tmp_path: Path):
    before = _counts()
    out = _run(_file(tmp_path), "--programme", programme.code, "--as", "operator_sambas", "--json", "--dry-run")
    assert json.loads(out)["imported"] == 2
    assert _counts() == before


def test_an_upload_is_recorded_and_audited_with_its_counts(cast: Cast, programme: Programme, tmp_path: Path):
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=_file(tmp_path), file_name="a.csv")

    batch = ImportBatch.objects.get()
    assert result.batch == batch
    assert (batch.uploaded_by, batch.programme, batch.file_name, batch.region_code) == (
        cast["operator_sambas"],
        programme,
        "a.csv",
        "61.01",
    )
    assert (batch.rows, batch.imported, batch.skipped, batch.rejected) == (3, 2, 0, 1)
    assert batch.errors[0]["row"] == 4
    entry = AuditEntry.objects.get(action="import.completed")
    assert entry.object_id == str(batch.pk) and entry.changes["imported"] == [None, 2]
    # Each new worker and enrolment has its own history entry, as when registered by hand: the NIK masked
    # as everywhere else, the enrolment's worker and programme.
    registered = {int(e.object_id): e.changes for e in AuditEntry.objects.filter(action="worker.registered")}
    workers = {w.pk: w for w in Worker.objects.filter(pk__in=registered)}
    assert len(workers) == 2
    for pk, changes in registered.items():
        assert changes == {"nik": [None, nik_mask(workers[pk].nik)], "village": [None, workers[pk].village_id]}
    proposed = AuditEntry.objects.filter(action="enrolment.proposed", note__contains="impor #")
    assert sorted(e.changes["worker"][1] for e in proposed) == sorted(workers)
    assert {e.changes["programme"][1] for e in proposed} == {programme.code}


def test_a_failure_in_the_middle_of_the_writes_leaves_nothing(
    cast: Cast, programme: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = _file(tmp_path, good=5, bad=0)
    before = _counts()
    real = staging._execute
    calls: list[str] = []
    written: list[tuple[int, int, int, int]] = []

    def crash_after_the_last_write(cursor: Any, sql: str, params: Any) -> None:
        real(cursor, sql, params)
        calls.append(sql)
        if "enrolment.proposed" in sql:  # the last write: workers, heirs, enrolments and entries are in
            written.append(_counts())
            raise RuntimeError("killed")

    monkeypatch.setattr(staging, "_execute", crash_after_the_last_write)
    with pytest.raises(RuntimeError):
        import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert calls and "enrolment.proposed" in calls[-1]
    # Inside the transaction, everything was written: 5 workers and enrolments, the upload and its entry (written
    # first), 2 entries each.
    assert written == [(before[0] + 5, before[1] + 5, before[2] + 1, before[3] + 1 + 10)]
    assert _counts() == before
    monkeypatch.setattr(staging, "_execute", real)
    assert import_run(actor=cast["operator_sambas"], programme=programme, path=path).imported == 5


def test_the_error_file_holds_the_rejected_rows_with_nik_as_text_and_can_be_fixed_and_uploaded(
    cast: Cast, programme: Programme, tmp_path: Path
):
    good, bad_category, bad_date = make_nik(), make_nik(), make_nik()
    rows = [
        person(good, **{"Ahli Waris": "Rina", "Hubungan Ahli Waris": "anak"}),
        person(bad_category, **{"Kategori": "ASTRONOT"}),
        person(bad_date, **{"Tanggal Lahir": "17/13/1980", "Ahli Waris": "Rudi", "Hubungan Ahli Waris": "anak"}),
    ]
    path = write_xlsx(tmp_path / "usulan.xlsx", rows)
    errors = tmp_path / "kesalahan.xlsx"
    _run(path, "--programme", programme.code, "--as", "operator_sambas", "--errors", errors)

    sheet = python_calamine.CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert sheet[0] == [*HEADERS, "Kesalahan"]  # the command speaks Indonesian by default
    assert [row[0] for row in sheet[1:]] == [bad_category, bad_date]  # text, all 16 digits
    assert str(sheet[1][-1]).startswith("Kategori: Kategori ASTRONOT tidak dikenal")
    assert str(sheet[2][-1]).startswith("Tanggal Lahir: 17/13/1980 bukan tanggal yang valid")

    # The operator fixes the two cells in the error file and uploads it as it is, error column and all.
    fixed = [dict(zip([*HEADERS, "Kesalahan"], row, strict=True)) for row in sheet[1:]]
    fixed[0]["Kategori"] = "PETANI"
    fixed[1]["Tanggal Lahir"] = "17/05/1980"
    out = _run(
        write_xlsx(tmp_path / "diperbaiki.xlsx", fixed),
        "--programme",
        programme.code,
        "--as",
        "operator_sambas",
        "--json",
    )
    assert json.loads(out)["imported"] == 2
    assert Worker.objects.filter(nik__in=[good, bad_category, bad_date]).count() == 3
    assert Heir.objects.filter(worker__nik=bad_date, name="Rudi", relation="anak").exists()


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"\0" * (5 * 1024 * 1024))
    return path


MALFORMED = {
    "picture": (
        lambda p: (p.with_suffix(".csv").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0IHDR"), p.with_suffix(".csv"))[1],
        "not a spreadsheet",
    ),
    "corrupt xlsx": (lambda p: (p.write_bytes(b"PK\x03\x04" + b"garbage" * 50), p)[1], "damaged"),
    "encrypted xlsx": (
        lambda p: (p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), p)[1],
        "password-protected",
    ),
    "zip bomb": (_zip_bomb, "unpacks to more than"),
    "no data rows": (lambda p: write_csv(p.with_suffix(".csv"), []), "no data rows"),
    "empty": (lambda p: (p.with_suffix(".csv").write_bytes(b""), p.with_suffix(".csv"))[1], "empty"),
    "legacy encoding": (
        lambda p: write_csv(
            p.with_suffix(".csv"), [person(make_nik(), **{"Nama Lengkap": "Sémua"})], encoding="cp1252"
        ),
        "not in UTF-8",
    ),
    "missing column": (
        lambda p: write_csv(p.with_suffix(".csv"), [{"NIK": make_nik()}], headers=["NIK"]),
        "no column for: Nama Lengkap",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_is_refused_with_a_clear_message_and_writes_nothing(
    cast: Cast, programme: Programme, tmp_path: Path, settings: Any, case: str
):
    settings.LINDUNG_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    build, expected = MALFORMED[case]
    path = build(tmp_path / "usulan.xlsx")
    before = _counts()
    with pytest.raises(ImportFileError) as excinfo:
        import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert expected in excinfo.value.message
    assert _counts() == before


def test_a_file_over_the_size_limit_is_refused(cast: Cast, programme: Programme, tmp_path: Path, settings: Any):
    settings.LINDUNG_IMPORT_MAX_BYTES = 100
    with pytest.raises(CommandError, match=r"files of at most 0\.0 MB"):
        _run(_file(tmp_path), "--programme", programme.code, "--as", "operator_sambas", "--lang", "en")
    assert not Worker.objects.exists()


def test_a_programme_closed_for_proposals_takes_no_upload(cast: Cast, programme: Programme, tmp_path: Path):
    programme.open_for_proposals = False
    programme.save()
    with pytest.raises(ImportFileError, match="not open for proposals"):
        import_run(actor=cast["operator_sambas"], programme=programme, path=_file(tmp_path))


@pytest.mark.parametrize("role", ["verifikator", "petugas_bpjs", "pimpinan"])
def test_roles_that_cannot_register_and_propose_cannot_import(
    cast: Cast, programme: Programme, tmp_path: Path, role: str
):
    with pytest.raises(PermissionDenied):
        import_run(actor=cast[role], programme=programme, path=_file(tmp_path))
    with pytest.raises(CommandError, match="may not register"):
        _run(_file(tmp_path), "--programme", programme.code, "--as", role, "--lang", "en")


def test_messages_are_indonesian_by_default_and_english_with_lang_en(cast: Cast, programme: Programme, tmp_path: Path):
    path = write_csv(tmp_path / "a.csv", [person(make_nik(), **{"Kode Desa": "61.71.01.1002"})])
    args = (path, "--programme", programme.code, "--as", "operator_sambas", "--json", "--dry-run")
    english = json.loads(_run(*args, "--lang", "en"))["errors"][0]["message"]
    indonesian = json.loads(_run(*args))["errors"][0]["message"]
    assert english == "This village is outside your region."
    assert indonesian != english  # the registry's sentence, already translated


def test_the_template_has_indonesian_headers_an_explanation_and_the_category_codes(tmp_path: Path, db: None):
    out = tmp_path / "template.xlsx"
    _run("--template", out, "--lang", "en")
    workbook = python_calamine.CalamineWorkbook.from_path(str(out))
    assert workbook.sheet_names == ["Data", "Explanation"]
    assert workbook.get_sheet_by_index(0).to_python()[0][:6] == HEADERS[:6]
    explanation = workbook.get_sheet_by_index(1).to_python()
    assert ["Category code", "Category"] in explanation
    assert ["PETANI", "Petani"] in explanation
    # NIK and KK columns are formatted as text (number format "@") in the template's styles.
    with zipfile.ZipFile(out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert '<numFmt numFmtId="164" formatCode="@"/>' in styles
    assert '<xf numFmtId="164"' in styles.split("<cellXfs")[1].split("</cellXfs>")[0].split("/>")[1]  # style 1
    headers = workbook.get_sheet_by_index(0).to_python()[0]
    assert {"Penghasilan", "NIK Ahli Waris", "No HP Ahli Waris", "Bukan Duplikat"} <= set(headers)
    for column in (headers.index(name) + 1 for name in ("NIK", "No KK", "NIK Ahli Waris")):
        assert f'<col min="{column}" max="{column}" width="22.7109375" style="1"' in sheet_xml
