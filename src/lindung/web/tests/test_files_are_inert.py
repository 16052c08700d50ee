"""Issue 12: no file Lindung writes carries a formula, whatever a worker, a region, a category, a programme,
a payment or an uploaded header is called. Every export and document is written from data named like a
formula and read back cell by cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from lindung.accounts.models import User
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.documents import write_invoice_xlsx
from lindung.contributions.models import Payment
from lindung.contributions.payments import payment_record
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.bpjs import bpjs_export
from lindung.enrolments.models import Status
from lindung.imports.spreadsheets import errors_write, template_write
from lindung.programmes.models import Programme
from lindung.regions.models import Region
from lindung.reports.builders import REPORT_NAMES
from lindung.reports.exports import report_export
from lindung.reports.services import report_scope
from lindung.reports.tests.conftest import make_claim
from lindung.spreadsheets.errors import RowError
from lindung.spreadsheets.tests.hostile import FORMULA_TEXTS
from lindung.testing import (
    PONTIANAK_VILLAGE,
    client_for,
    make_enrolment,
    make_nik,
    make_programme,
    make_worker,
    set_quota,
)
from lindung.workers.models import OccupationCategory

pytestmark = pytest.mark.django_db

HOSTILE = FORMULA_TEXTS
# Independent of the code under test: a formula's first character, after any white or invisible space.
FORMULA_START = re.compile(r"^[\s\u200b\ufeff]*[=+\-@＝＋－＠﹦﹢﹣﹫]|^[\t\r\n]")
CSV_NUMBER = re.compile(r"-?\d+(\.\d+)?")  # a CSV number written by Lindung: a negative amount is no formula


def _named(values: Iterable[str], stem: str) -> list[str]:
    # A hostile value alone, and one with text after it (a formula with a suffix is still a formula).
    return [value for hostile in values for value in (hostile, f"{hostile} {stem}")]


def _xlsx_texts(content: bytes) -> list[str]:
    """Every text cell of every sheet; fails if any cell of the file is a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<f[ >]", archive.read(name)), f"a formula in {name}"
            assert b"<hyperlink" not in archive.read(name), f"a link in {name}"
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [
        cell
        for sheet in workbook.sheet_names
        for row in workbook.get_sheet_by_name(sheet).to_python()
        for cell in row
        if isinstance(cell, str)
    ]


def _csv_texts(text: str, delimiter: str) -> list[str]:
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter)
    return [cell for row in rows for cell in row if not CSV_NUMBER.fullmatch(cell)]


def _assert_inert(texts: list[str], expected: Iterable[str], what: str) -> None:
    live = [text for text in texts if FORMULA_START.match(text)]
    assert not live, f"{what}: {live!r}"
    # Not vacuous: the hostile values are in the file, behind the apostrophe.
    missing = {"'" + value for value in expected} - {text.replace("\r\n", "\r") for text in texts}
    assert not missing, f"{what} lacks {missing!r}"


@pytest.fixture
def hostile_province(cast: dict[str, User]) -> Programme:
    """KALBAR-2026 under a formula-like name and funder, Sambas and Pontianak renamed, two categories renamed,
    a worker per hostile name (active, billed for three months, one month paid, a claim), and the dashboard's
    figures computed."""
    programme = make_programme("KALBAR-2026", name=HOSTILE[0], funder_name=HOSTILE[1])
    set_quota(programme, "61.01", 100)
    set_quota(programme, "61.71", 100)
    Region.objects.filter(code="61.01").update(name=HOSTILE[2])
    Region.objects.filter(code="61.71").update(name=HOSTILE[7])
    OccupationCategory.objects.filter(code="PETANI").update(name=HOSTILE[3])
    OccupationCategory.objects.filter(code="NELAYAN").update(name=HOSTILE[6])
    fisher = OccupationCategory.objects.get(code="NELAYAN")
    enrolments = []
    for n, (name, text) in enumerate(zip(_named(HOSTILE, "Budi"), cycle(HOSTILE), strict=False)):
        worker = make_worker(
            name=name,
            birth_place=text,
            address=text,
            mother_maiden_name=text,
            phone="+6281234567890",
            village=PONTIANAK_VILLAGE if n % 2 else "61.01.01.2001",
            occupation=fisher if n % 3 == 0 else None,
        )
        enrolments.append(make_enrolment(worker, programme, Status.ACTIVE))
    invoices = [
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, m, 1)))
        for m in (1, 2, 3)
    ]
    invoices[0].refresh_from_db()
    payment_record(
        actor=None, programme=programme, paid_on=dt.date(2026, 2, 5), amount=invoices[0].total, reference=HOSTILE[4]
    )
    payment = payment_record(actor=None, programme=programme, paid_on=dt.date(2026, 3, 5), amount=5_000, reference="x")
    Payment.objects.filter(pk=payment.pk).update(reference=HOSTILE[5])  # as typed: the form would strip the \r
    coverage_update(today=dt.date(2026, 5, 20))
    make_claim(enrolments[0])
    make_claim(enrolments[1])
    dashboard_refresh(today=dt.date(2026, 5, 20))
    return programme


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_every_report_as_xlsx_and_csv_is_inert(hostile_province: Programme, name: str) -> None:
    scope = report_scope(actor=None, programme_code="KALBAR-2026")
    expected = [HOSTILE[0], HOSTILE[1]]  # the programme's name and funder are in every report's facts
    xlsx = report_export(scope=scope, name=name, fmt="xlsx", language="en")
    _assert_inert(_xlsx_texts(xlsx.content), [], f"{name}.xlsx")
    assert any(HOSTILE[0] in text for text in _xlsx_texts(xlsx.content))
    text = report_export(scope=scope, name=name, fmt="csv", language="en").content.decode("utf-8")
    _assert_inert(_csv_texts(text, ";"), [], f"{name}.csv")
    assert all(any(value in cell for cell in _csv_texts(text, ";")) for value in expected)


def test_the_regions_categories_and_payments_of_the_reports_are_inert(hostile_province: Programme) -> None:
    scope = report_scope(actor=None, programme_code="KALBAR-2026")
    texts: list[str] = []
    for name in REPORT_NAMES:
        texts += _xlsx_texts(report_export(scope=scope, name=name, fmt="xlsx", language="en").content)
        csv_text = report_export(scope=scope, name=name, fmt="csv", language="en").content.decode("utf-8")
        texts += _csv_texts(csv_text, ";")
    _assert_inert(texts, [HOSTILE[2], HOSTILE[3], HOSTILE[5], HOSTILE[6], HOSTILE[7]], "reports")


def test_the_invoice_workbook_is_inert(hostile_province: Programme) -> None:
    invoice = hostile_province.invoices.order_by("month").last()
    assert invoice is not None
    out = io.BytesIO()
    write_invoice_xlsx(invoice, out)
    _assert_inert(_xlsx_texts(out.getvalue()), _named(HOSTILE, "Budi"), "invoice")


def test_the_bpjs_batch_file_is_inert(hostile_province: Programme, cast: dict[str, User]) -> None:
    programme = make_programme("KALBAR-2027", year=2027, name=HOSTILE[0])
    for worker in [e.worker for e in hostile_province.enrolments.select_related("worker")]:
        make_enrolment(worker, programme, Status.VERIFIED)
    out = io.BytesIO()
    assert bpjs_export(actor=cast["petugas_bpjs"], programme=programme, out=out) is not None
    texts = _xlsx_texts(out.getvalue())
    _assert_inert(texts, [*_named(HOSTILE, "Budi"), *HOSTILE], "BPJS batch file")
    assert "081234567890" in texts  # a phone number goes as Indonesians write it, not as +62...


def test_the_import_error_file_is_inert_headers_included(tmp_path: Path) -> None:
    headers = ["NIK", "Nama Lengkap", "Jenis Kelamin", *HOSTILE]
    rows = [[make_nik(), name, "?", *HOSTILE] for name in _named(HOSTILE, "Budi")]
    upload = tmp_path / "usulan.xlsx"
    workbook = xlsxwriter.Workbook(str(upload))  # as a regency sends it: every cell a text
    sheet = workbook.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    errors = {n: [RowError(n, value, "Write L or P.")] for n, value in zip(range(2, 2 + len(rows)), cycle(HOSTILE))}
    for source in (upload, _as_csv(tmp_path / "usulan.csv", [headers, *rows])):
        out = io.BytesIO()
        errors_write(source, errors, out)
        _assert_inert(_xlsx_texts(out.getvalue()), [*_named(HOSTILE, "Budi"), *HOSTILE], f"errors of {source.name}")


def _as_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    return path


def test_the_upload_template_is_inert(db: None) -> None:
    OccupationCategory.objects.filter(code="PETANI").update(name=HOSTILE[0])
    OccupationCategory.objects.filter(code="NELAYAN").update(name=HOSTILE[7])
    out = io.BytesIO()
    template_write(out)
    _assert_inert(_xlsx_texts(out.getvalue()), [HOSTILE[0], HOSTILE[7]], "template")


def test_the_workers_csv_is_inert(hostile_province: Programme, cast: dict[str, User]) -> None:
    response = client_for(cast["admin_provinsi"]).post("/pekerja/ekspor.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    expected: list[Any] = [*_named(HOSTILE, "Budi"), HOSTILE[2], HOSTILE[3], HOSTILE[6], HOSTILE[7]]
    _assert_inert(_csv_texts(text, ","), expected, "workers CSV")
