"""The writers on a hand-made report: types, formats, the "Keterangan" sheet, CSV shape, formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import timezone

from lindung.charts import Bar, bar_chart
from lindung.reports.document import Column, Figure, Report, Section
from lindung.reports.formats import (
    CSV_DELIMITER,
    KETERANGAN,
    csv_bytes,
    neutralise,
    pdf_document,
    report_html,
    write_xlsx,
)
from lindung.reports.tests.conftest import INJECTION, xlsx_sheets

pytestmark = pytest.mark.usefixtures("english")


def _report(name: str = "Kabupaten Sambas") -> Report:
    section = Section(
        key="regions",
        title="Per region",
        sheet="Regions",
        columns=(
            Column("Region"),
            Column("Covered", "count"),
            Column("Paid", "money"),
            Column("Share", "percent"),
            Column("Paid on", "day"),
        ),
        rows=(
            (name, 1234, 16_800_000, 0.853, dt.date(2026, 3, 5)),
            ("-5 mistaken", 0, -16_800, None, None),
        ),
        total=("Total", 1234, 16_783_200, None, None),
    )
    return Report(
        name="test",
        title="A test report",
        facts=(("Programme", "+PROG · " + name), ("Region", "61 · Kalimantan Barat")),
        as_of=timezone.now(),
        figures=(Figure("Covered", 1234), Figure("@risk", "@note", "text")),
        charts=(bar_chart(title="Covered", bars=[Bar(name, 1234)], label_header="Region", value_label="Covered"),),
        sections=(section,),
    )


def test_neutralise_prefixes_an_apostrophe_to_what_could_start_a_formula() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(text) == "'" + text
    assert neutralise("Kabupaten Sambas") == "Kabupaten Sambas"
    assert neutralise("") == ""


def test_a_section_refuses_a_row_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        Section(key="x", title="x", sheet="x", columns=(Column("a"),), rows=(("a", "b"),))


def test_xlsx_writes_numbers_as_numbers_and_a_keterangan_sheet() -> None:
    out = io.BytesIO()
    write_xlsx(_report(), out)
    sheets = xlsx_sheets(out.getvalue())
    assert list(sheets) == ["Regions", KETERANGAN]
    rows = sheets["Regions"]
    assert rows[0] == ["Region", "Covered", "Paid", "Share", "Paid on"]
    assert rows[1][:4] == ["Kabupaten Sambas", 1234, 16_800_000, 0.853]
    assert isinstance(rows[1][1], int | float) and isinstance(rows[1][2], int | float)
    assert rows[1][4] in (dt.date(2026, 3, 5), dt.datetime(2026, 3, 5))
    assert rows[2][0] == "'-5 mistaken"  # text that looks like a negative number is still text, made inert
    assert rows[2][2] == -16_800  # a negative amount stays a number
    assert rows[3][:3] == ["Total", 1234, 16_783_200]
    keterangan = sheets[KETERANGAN]
    assert keterangan[0][0] == "A test report"
    facts = {row[0]: row[1] for row in keterangan if row and row[0]}
    assert facts["Region"] == "61 · Kalimantan Barat"
    assert facts["Covered"] == 1234


def _styles(content: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode(), archive.read("xl/styles.xml").decode()


def test_xlsx_header_row_is_bold_and_money_has_the_rupiah_format() -> None:
    out = io.BytesIO()
    write_xlsx(_report(), out)
    sheet, styles = _styles(out.getvalue())
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    fonts = re.search(r"<fonts[^>]*>(.*?)</fonts>", styles, re.S)
    assert xfs and fonts
    xf_list = re.findall(r"<xf [^>]*?/?>", xfs.group(1))
    font_list = re.findall(r"<font>.*?</font>|<font/>", fonts.group(1), re.S)

    def style_of(cell: str) -> str:
        match = re.search(rf'<c r="{cell}" s="(\d+)"', sheet)
        assert match, cell
        return xf_list[int(match.group(1))]

    for cell in ("A1", "B1", "E1"):
        font = int(re.search(r'fontId="(\d+)"', style_of(cell)).group(1))  # type: ignore[union-attr]
        assert "<b/>" in font_list[font]
    money_format = re.search(r'<numFmt numFmtId="(\d+)" formatCode="&quot;Rp&quot; #,##0"/>', styles)
    assert money_format
    assert f'numFmtId="{money_format.group(1)}"' in style_of("C2")


def test_csv_has_a_bom_semicolons_and_plain_numbers() -> None:
    content = csv_bytes(_report())
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == f"keterangan{CSV_DELIMITER}A test report"
    assert "Covered;1234" in lines
    block = lines.index("regions;Per region")
    assert lines[block + 1] == "Region;Covered;Paid;Share;Paid on"
    assert lines[block + 2] == "Kabupaten Sambas;1234;16800000;85.3;2026-03-05"
    assert lines[block + 3] == "'-5 mistaken;0;-16800;;"


def test_a_formula_in_any_text_cell_comes_out_inert_in_xlsx_and_csv() -> None:
    report = _report(INJECTION)
    out = io.BytesIO()
    write_xlsx(report, out)
    cells = [cell for rows in xlsx_sheets(out.getvalue()).values() for row in rows for cell in row]
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert "'" + INJECTION in texts
    assert "'+PROG · " + INJECTION in texts
    assert "'@risk" in texts and "'@note" in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))

    rows = list(csv.reader(io.StringIO(csv_bytes(report).decode("utf-8-sig")), delimiter=CSV_DELIMITER))
    texts = [cell for row in rows for cell in row if not re.fullmatch(r"-?\d+(\.\d+)?", cell)]  # numbers are numbers
    assert "'" + INJECTION in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]


def test_the_pdf_shows_title_facts_chart_and_tables_on_a4() -> None:
    html = report_html(_report())
    assert "<svg" in html and "size: A4" in html
    document = pdf_document(html)
    assert len(document.pages) == 1
    page = document.pages[0]
    assert (round(page.width * 25.4 / 96), round(page.height * 25.4 / 96)) == (210, 297)
    assert document.write_pdf().startswith(b"%PDF")
