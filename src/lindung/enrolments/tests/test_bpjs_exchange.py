"""The batch exchange with BPJS: the export of a new batch and the import of BPJS's answer (issue 4, item 6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.enrolments.bpjs import EXPORT_HEADERS
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.enrolments.services import BpjsActivation, EnrolmentError, enrolment_settle_bulk
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_nik,
    make_user,
    make_worker,
    strict_client_for,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _verified(programme: Programme, count: int, **worker: Any) -> list[Enrolment]:
    return [make_enrolment(make_worker(**worker), programme, Status.VERIFIED) for _ in range(count)]


def _export(tmp_path: Path, programme: Programme, user: str = "petugas_bpjs", name: str = "batch.xlsx") -> str:
    out = io.StringIO()
    call_command(
        "bpjs",
        "export",
        "--programme",
        programme.code,
        "--out",
        str(tmp_path / name),
        "--as",
        user,
        "--lang",
        "en",
        stdout=out,
    )
    return out.getvalue()


def _sheet(path: Path | bytes) -> list[list[Any]]:
    workbook = (
        python_calamine.CalamineWorkbook.from_path(str(path))
        if isinstance(path, Path)
        else python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path))
    )
    return workbook.get_sheet_by_index(0).to_python()


def _answer_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _answer_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    as_date = workbook.add_format({"num_format": "dd/mm/yy"})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(number, index, dt.datetime.combine(value, dt.time()), as_date)
            else:
                sheet.write_string(number, index, value)
    workbook.close()
    return path


def _import(path: Path, user: str = "petugas_bpjs", *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("bpjs", "import-result", str(path), "--as", user, "--json", "--lang", "en", *extra, stdout=out)
    return json.loads(out.getvalue())


def _status(enrolment: Enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


# --- export ------------------------------------------------------------------------------------


def test_export_writes_the_verified_enrolments_as_one_numbered_batch_with_niks_as_text(
    cast: Cast, programme: Programme, tmp_path: Path
):
    # Workers who declared more than the income the programme pays on: the two columns must differ.
    sambas = _verified(programme, 2, declared_income=programme.declared_income + 1_500_000)
    pontianak = _verified(programme, 1, village=PONTIANAK_VILLAGE)
    proposed = make_enrolment(make_worker(), programme)

    message = _export(tmp_path, programme)

    rows = _sheet(tmp_path / "batch.xlsx")
    assert rows[0] == [header for header, _ in EXPORT_HEADERS]
    assert len(rows) == 1 + 3
    by_nik = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    expected = {e.worker.nik: e for e in [*sambas, *pontianak]}
    assert set(by_nik) == set(expected)
    assert all(isinstance(nik, str) and len(nik) == 16 for nik in by_nik)
    first = sambas[0].worker
    row = by_nik[first.nik]
    assert row["Nama Lengkap"] == first.name
    assert row["Tanggal Lahir"] == first.birth_date
    assert row["Kode Desa"] == first.village_id
    assert row["Pekerjaan"] == first.occupation.name
    # The contribution is based on the programme's income; the worker's own declared income has its own column.
    assert first.declared_income != programme.declared_income
    assert row["Upah Dasar Iuran Program (Rp)"] == programme.declared_income
    assert row["Penghasilan Pekerja (Rp)"] == first.declared_income
    assert row["Program"] == "JKK, JKM"
    assert row["No Batch"] == 1
    assert row["Kode Program"] == "KALBAR-2026"
    assert {_status(e) for e in expected.values()} == {Status.SENT}
    assert _status(proposed) == Status.PROPOSED
    batch = BpjsBatch.objects.get()
    assert (batch.number, batch.count) == (1, 3)
    audit = AuditEntry.objects.get(action="bpjs.exported")
    assert audit.changes == {"batch": [None, 1], "rows": [None, 3], "sha256": [None, batch.sha256]}
    assert batch.file.read() == (tmp_path / "batch.xlsx").read_bytes()
    assert AuditEntry.objects.filter(action="worker.exported", object_id=str(batch.pk)).exists()
    assert "KALBAR-2026" in message


def test_a_second_export_with_nothing_newly_verified_writes_no_batch_and_says_so(
    cast: Cast, programme: Programme, tmp_path: Path
):
    _verified(programme, 2)
    _export(tmp_path, programme)

    message = _export(tmp_path, programme, name="again.xlsx")

    assert not (tmp_path / "again.xlsx").exists()
    assert BpjsBatch.objects.count() == 1
    assert AuditEntry.objects.filter(action="bpjs.exported").count() == 1
    assert "no batch was written" in message

    _verified(programme, 1)
    _export(tmp_path, programme, name="second.xlsx")
    header, *rows = _sheet(tmp_path / "second.xlsx")
    assert [row[header.index("No Batch")] for row in rows] == [2]


def test_export_takes_only_the_enrolments_in_the_users_region(cast: Cast, programme: Programme, tmp_path: Path):
    make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71")
    sambas = _verified(programme, 1)[0]
    pontianak = _verified(programme, 1, village=PONTIANAK_VILLAGE)[0]

    _export(tmp_path, programme, user="bpjs_pontianak")

    assert [row[0] for row in _sheet(tmp_path / "batch.xlsx")[1:]] == [pontianak.worker.nik]
    assert _status(sambas) == Status.VERIFIED


def test_an_operator_cannot_export_from_the_command_line(cast: Cast, programme: Programme, tmp_path: Path):
    enrolment = _verified(programme, 1)[0]
    with pytest.raises(CommandError):
        _export(tmp_path, programme, user="operator_sambas")
    assert _status(enrolment) == Status.VERIFIED
    assert not BpjsBatch.objects.exists()


# --- BPJS's answer -----------------------------------------------------------------------------

HEADER = ["NIK", "No KPJ", "Status", "Alasan", "Tanggal Mulai"]


@pytest.fixture
def sent(cast: Cast, programme: Programme, tmp_path: Path) -> list[Enrolment]:
    enrolments = _verified(programme, 6)
    _export(tmp_path, programme)
    return enrolments


def test_import_result_activates_rejects_and_reports_each_bad_row(
    cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path: Path
):
    accepted, refused, bad_kpj, taken_kpj, no_status, too_early = sent
    proposed = make_enrolment(make_worker(), programme)
    holder = make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="99999999999")
    unknown = make_nik()
    rows = [
        [accepted.worker.nik, "12345678901", "diterima", "", "01/02/2026"],
        [refused.worker.nik, "", "DITOLAK", "Data tidak cocok dengan Dukcapil", ""],
        [unknown, "12345678902", "diterima", "", "01/02/2026"],
        [proposed.worker.nik, "12345678903", "diterima", "", "01/02/2026"],
        [bad_kpj.worker.nik, "12345", "diterima", "", "01/02/2026"],
        [taken_kpj.worker.nik, holder.kpj, "accepted", "", "01/02/2026"],
        [no_status.worker.nik, "12345678905", "", "", "01/02/2026"],
        [too_early.worker.nik, "12345678906", "diterima", "", "15/12/2025"],
    ]
    path = _answer_xlsx(tmp_path / "jawaban.xlsx", HEADER, rows)

    result = _import(path)

    assert {k: result[k] for k in ("rows", "activated", "rejected", "unchanged")} == {
        "rows": 8,
        "activated": 1,
        "rejected": 1,
        "unchanged": 0,
    }
    errors = {(e["row"], e["column"]) for e in result["errors"]}
    assert errors == {
        (4, "NIK"),
        (5, "NIK"),
        (6, "KPJ number"),
        (7, "KPJ number"),
        (8, "Status"),
        (9, "Coverage start"),
    }
    messages = {e["row"]: e["message"] for e in result["errors"]}
    assert "No worker with this NIK" in messages[4]
    assert "no enrolment in a batch sent to BPJS" in messages[5]
    assert "11 digits" in messages[6]
    assert "cannot be recorded for this worker" in messages[7]
    accepted.refresh_from_db()
    assert (accepted.status, accepted.kpj) == (Status.ACTIVE, "12345678901")
    assert accepted.coverage_start == dt.date(2026, 2, 1)
    refused.refresh_from_db()
    assert (refused.status, refused.rejection_reason) == (Status.REJECTED, "Data tidak cocok dengan Dukcapil")
    assert {_status(e) for e in (bad_kpj, taken_kpj, no_status, too_early)} == {Status.SENT}
    assert _status(proposed) == Status.PROPOSED
    activated = AuditEntry.objects.get(action="enrolment.activated")
    assert activated.object_id == str(accepted.pk)
    assert activated.changes["kpj"] == ["", "12345678901"]
    assert AuditEntry.objects.get(action="enrolment.rejected_by_bpjs").object_id == str(refused.pk)


def test_importing_the_same_answer_twice_changes_nothing_the_second_time(
    cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path: Path
):
    accepted, refused = sent[:2]
    rows = [
        [accepted.worker.nik, "12345678901", "diterima", "", "2026-02-01"],
        [refused.worker.nik, "", "ditolak", "NIK tidak ditemukan di Dukcapil", ""],
        [make_nik(), "12345678902", "diterima", "", "2026-02-01"],
    ]
    path = _answer_csv(tmp_path / "jawaban.csv", HEADER, rows)
    _import(path)
    accepted.refresh_from_db()
    stamp, audits = accepted.updated_at, AuditEntry.objects.count()

    again = _import(path)

    assert (again["activated"], again["rejected"], again["unchanged"]) == (0, 0, 2)
    assert [e["row"] for e in again["errors"]] == [4]
    accepted.refresh_from_db()
    assert accepted.updated_at == stamp
    assert AuditEntry.objects.count() == audits


def test_answer_headers_match_aliases_and_statuses_ignore_case(
    cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path: Path
):
    accepted, refused = sent[:2]
    header = ["nik", "No. KPJ", "STATUS", "Keterangan", "Tgl. Kepesertaan"]
    rows = [
        [f"'{accepted.worker.nik}", "123.456.789.01", "Accepted", "", "17 Februari 2026"],
        [refused.worker.nik, "", "REJECTED", "Sudah terdaftar sebagai PU", ""],
    ]
    path = _answer_csv(tmp_path / "answer.csv", header, rows, delimiter=";")

    result = _import(path)

    assert (result["activated"], result["rejected"], result["errors"]) == (1, 1, [])
    accepted.refresh_from_db()
    assert (accepted.kpj, accepted.coverage_start) == ("12345678901", dt.date(2026, 2, 17))


def test_a_nik_twice_in_the_answer_is_refused_on_the_later_row(
    cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path: Path
):
    nik = sent[0].worker.nik
    rows = [[nik, "12345678901", "diterima", "", "01/02/2026"], [nik, "", "ditolak", "Ganda", ""]]
    result = _import(_answer_csv(tmp_path / "a.csv", HEADER, rows))
    assert result["activated"] == 1
    assert [(e["row"], "row 2" in e["message"]) for e in result["errors"]] == [(3, True)]


def test_an_answer_without_a_status_column_is_refused_whole(
    cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path: Path
):
    path = _answer_csv(tmp_path / "a.csv", ["NIK", "No KPJ"], [[sent[0].worker.nik, "12345678901"]])
    with pytest.raises(CommandError, match="Status"):
        _import(path)
    assert _status(sent[0]) == Status.SENT


def test_an_out_of_scope_user_finds_none_of_the_niks(cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path):
    make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71")
    rows = [[sent[0].worker.nik, "12345678901", "diterima", "", "01/02/2026"]]
    result = _import(_answer_csv(tmp_path / "a.csv", HEADER, rows), "bpjs_pontianak")
    assert result["activated"] == 0
    assert [e["column"] for e in result["errors"]] == ["NIK"]
    assert _status(sent[0]) == Status.SENT


def test_row_messages_are_indonesian_by_default(cast: Cast, programme: Programme, sent: list[Enrolment], tmp_path):
    out = io.StringIO()
    path = _answer_csv(tmp_path / "a.csv", HEADER, [[sent[0].worker.nik, "12345678901", "", "", "01/02/2026"]])
    call_command("bpjs", "import-result", str(path), "--as", "petugas_bpjs", "--json", stdout=out)
    [error] = json.loads(out.getvalue())["errors"]
    assert error["row"] == 2
    assert error["message"] != "This field is required."  # Django's own Indonesian translation of it


KPJ_REFUSED = (
    "This KPJ number cannot be recorded for this worker: check it against BPJS's answer and, if it is right, "
    "tell the provincial administrator."
)


@pytest.mark.usefixtures("english")
def test_a_kpj_held_in_another_region_is_refused_in_the_answer_in_the_same_words_as_one_held_in_view(
    cast: Cast, programme: Programme, tmp_path: Path
):
    make_user("bpjs_sambas", Role.PETUGAS_BPJS, "61.01")
    hidden = make_enrolment(make_worker(name="Yusuf", village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    seen = make_enrolment(make_worker(name="Rahmat"), programme, Status.ACTIVE)
    first, second, third = _verified(programme, 3)
    _export(tmp_path, programme, user="bpjs_sambas")
    rows = [
        [first.worker.nik, hidden.kpj, "diterima", "", "01/02/2026"],
        [second.worker.nik, seen.kpj, "diterima", "", "01/02/2026"],
        [third.worker.nik, "12345678901", "diterima", "", "01/02/2026"],
    ]

    result = _import(_answer_csv(tmp_path / "jawaban.csv", HEADER, rows), "bpjs_sambas")

    errors = {e["row"]: (e["column"], e["message"]) for e in result["errors"]}
    assert errors == {2: ("KPJ number", KPJ_REFUSED), 3: ("KPJ number", KPJ_REFUSED)}
    assert result["activated"] == 1
    assert {_status(first), _status(second)} == {Status.SENT}
    # The bulk settlement the answer goes through says the same, whoever holds the number.
    for enrolment, holder in ((first, hidden), (second, seen)):
        with pytest.raises(EnrolmentError) as excinfo:
            enrolment_settle_bulk(
                actor=cast["petugas_bpjs"],
                activations=[BpjsActivation(enrolment.pk, holder.kpj, dt.date(2026, 2, 1))],
                rejections=[],
            )
        assert excinfo.value.text == KPJ_REFUSED


def test_the_bulk_settlement_refuses_an_enrolment_not_sent_and_writes_nothing(cast: Cast, programme: Programme):
    sent = make_enrolment(make_worker(), programme, Status.SENT)
    proposed = make_enrolment(make_worker(), programme)
    activations = [
        BpjsActivation(sent.pk, "12345678901", dt.date(2026, 1, 1)),
        BpjsActivation(proposed.pk, "12345678902", dt.date(2026, 1, 1)),
    ]
    with pytest.raises(EnrolmentError):
        enrolment_settle_bulk(actor=cast["petugas_bpjs"], activations=activations, rejections=[])
    assert _status(sent) == Status.SENT
    with pytest.raises(PermissionDenied):
        enrolment_settle_bulk(actor=cast["verifikator"], activations=activations[:1], rejections=[])
    assert not AuditEntry.objects.filter(action="enrolment.activated").exists()


def test_the_round_trip_export_answer_import_makes_every_enrolment_active(
    cast: Cast, programme: Programme, tmp_path: Path
):
    enrolments = _verified(programme, 3) + _verified(programme, 2, village=PONTIANAK_VILLAGE)
    _export(tmp_path, programme)
    exported = _sheet(tmp_path / "batch.xlsx")
    answer = [
        [row[0], f"{90000000000 + number:011d}", "Diterima", "", dt.date(2026, 3, 1)]
        for number, row in enumerate(exported[1:], start=1)
    ]

    result = _import(_answer_xlsx(tmp_path / "jawaban.xlsx", HEADER, answer))

    assert (result["rows"], result["activated"], result["errors"]) == (5, 5, [])
    assert {_status(e) for e in enrolments} == {Status.ACTIVE}
    assert {e.coverage_start for e in enrolments} == {dt.date(2026, 3, 1)}


# --- the web -----------------------------------------------------------------------------------


def test_the_bpjs_page_offers_the_export_and_the_upload_to_bpjs_staff(cast: Cast, programme: Programme):
    _verified(programme, 2)
    body = client_for(cast["petugas_bpjs"]).get("/kepesertaan/bpjs/").content.decode()
    assert 'data-testid="export-KALBAR-2026"' in body
    assert 'data-testid="bpjs-answer"' in body
    verifier = client_for(cast["verifikator"]).get("/kepesertaan/bpjs/").content.decode()
    assert 'data-testid="export-KALBAR-2026"' in verifier
    assert 'data-testid="bpjs-answer"' not in verifier
    assert 'data-testid="bpjs-link"' in client_for(cast["petugas_bpjs"]).get("/kepesertaan/").content.decode()
    assert 'data-testid="bpjs-link"' not in client_for(cast["operator_sambas"]).get("/kepesertaan/").content.decode()


def test_the_export_button_makes_the_batch_marks_it_sent_and_leads_to_its_download(cast: Cast, programme: Programme):
    enrolments = _verified(programme, 2)
    client = client_for(cast["petugas_bpjs"])

    response = client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk})

    batch = BpjsBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kepesertaan/bpjs/batch/{batch.pk}/"
    assert {_status(e) for e in enrolments} == {Status.SENT}
    page = client.get(response["Location"]).content.decode()
    assert "Batch 1 of programme KALBAR-2026: 2 enrolments sent to BPJS." in page
    download = client.post(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/")
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert "bpjs-KALBAR-2026-batch-1.xlsx" in download["Content-Disposition"]
    assert {row[0] for row in _sheet(download.content)[1:]} == {e.worker.nik for e in enrolments}
    again = client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk})
    assert again.status_code == 302 and again["Location"] == "/kepesertaan/bpjs/"
    assert BpjsBatch.objects.count() == 1


def test_a_get_of_the_export_address_sends_nothing_and_leads_to_the_export_button(cast: Cast, programme: Programme):
    enrolment = _verified(programme, 1)[0]
    client = strict_client_for(cast["petugas_bpjs"])

    response = client.get("/kepesertaan/bpjs/ekspor/")

    assert response.status_code == 302 and response["Location"] == "/kepesertaan/bpjs/"
    assert not AuditEntry.objects.exists()
    assert _status(enrolment) == Status.VERIFIED
    page = client.get(response["Location"]).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None and 'data-testid="export-KALBAR-2026"' in page
    assert client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk}).status_code == 403
    assert not AuditEntry.objects.exists()
    sent = client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk, "csrfmiddlewaretoken": token[1]})
    assert sent.status_code == 302 and sent["Location"].startswith("/kepesertaan/bpjs/batch/")
    assert AuditEntry.objects.filter(action="bpjs.exported", actor=cast["petugas_bpjs"]).count() == 1
    assert _status(enrolment) == Status.SENT


def test_an_operator_can_neither_export_nor_import_results(cast: Cast, programme: Programme):
    enrolment = _verified(programme, 1)[0]
    client = client_for(cast["operator_sambas"])
    upload = SimpleUploadedFile("a.csv", b"NIK,No KPJ,Status\n", content_type="text/csv")

    assert client.get("/kepesertaan/bpjs/").status_code == 403
    assert client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk}).status_code == 403
    assert client.post("/kepesertaan/bpjs/hasil/", {"file": upload}).status_code == 403
    assert _status(enrolment) == Status.VERIFIED
    verifier = client_for(cast["verifikator"])
    assert verifier.post("/kepesertaan/bpjs/hasil/", {"file": upload}).status_code == 403


def test_an_out_of_scope_bpjs_user_sees_and_exports_nothing_of_another_regency(cast: Cast, programme: Programme):
    enrolment = _verified(programme, 1)[0]
    client = client_for(make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71"))

    body = client.get("/kepesertaan/bpjs/").content.decode()
    response = client.post("/kepesertaan/bpjs/ekspor/", {"programme": programme.pk})

    assert 'data-testid="nothing-waiting"' in body
    assert response.status_code == 302
    assert _status(enrolment) == Status.VERIFIED


def test_the_upload_of_bpjss_answer_shows_the_outcome_and_the_row_errors(
    cast: Cast, programme: Programme, sent: list[Enrolment]
):
    content = (
        "NIK,No KPJ,Status,Alasan,Tanggal Mulai\n"
        f"{sent[0].worker.nik},12345678901,diterima,,01/02/2026\n"
        f"{sent[1].worker.nik},,ditolak,Data ganda,\n"
        f"{make_nik()},12345678902,diterima,,01/02/2026\n"
    ).encode()
    client = client_for(cast["petugas_bpjs"])

    response = client.post("/kepesertaan/bpjs/hasil/", {"file": SimpleUploadedFile("jawaban.csv", content)})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-activated="1"' in body
    assert 'data-rejected="1"' in body
    assert 'data-row="4"' in body
    assert _status(sent[0]) == Status.ACTIVE
    broken = client.post("/kepesertaan/bpjs/hasil/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert broken.status_code == 400
    assert 'data-testid="error-file"' in broken.content.decode()
