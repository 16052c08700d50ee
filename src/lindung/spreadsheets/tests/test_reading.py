"""The reader on ordinary files: values as a spreadsheet holds them, the same as python-calamine reads them,
row numbers as a spreadsheet shows them, and the limits each refusing with its sentence. Then a bounded fuzz
run: whatever the bytes, the reader gives rows or one ``ImportFileError``, nothing else."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lindung.spreadsheets.limits import ImportFileError, ReadLimits
from lindung.spreadsheets.reading import table_open
from lindung.spreadsheets.tests.hostile import header_row, shared_strings, sheet_xml, workbook

pytestmark = pytest.mark.usefixtures("english")

# The fuzz tests' examples: bounded for CI; LINDUNG_FUZZ_EXAMPLES=20000 runs a longer session by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("LINDUNG_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

LIMITS = ReadLimits(
    max_bytes=10 * 1024 * 1024,
    max_unpacked_bytes=50 * 1024 * 1024,
    max_rows=1000,
    max_columns=30,
    max_cell_chars=300,
    max_seconds=60,
)


def read(path: Path, limits: ReadLimits = LIMITS) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    table = table_open(path, limits)
    try:
        return table.headers, list(table.rows)
    finally:
        table.close()


def refusal(path: Path, limits: ReadLimits = LIMITS) -> str:
    with pytest.raises(ImportFileError) as excinfo:
        read(path, limits)
    return excinfo.value.message


def test_an_excel_workbook_gives_text_numbers_booleans_and_dates_as_the_spreadsheet_holds_them(tmp_path: Path):
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    custom = book.add_format({"num_format": "[$-421]d mmmm yyyy;@"})
    sheet.write_row(0, 0, ["NIK", "Nama", "Lahir", "Jam", "Angka", "Ya", "Kustom"])
    sheet.write_string(2, 0, "6101015705800001")
    sheet.write_string(2, 1, "Siti Aminah")
    sheet.write_datetime(2, 2, dt.datetime(1980, 5, 17), day)
    sheet.write_datetime(2, 3, dt.datetime(2026, 1, 2, 13, 30), moment)
    sheet.write_number(2, 4, 1500000)
    sheet.write_boolean(2, 5, True)
    sheet.write_datetime(2, 6, dt.datetime(1999, 12, 31), custom)
    book.close()

    headers, rows = read(path)

    assert headers == ["NIK", "Nama", "Lahir", "Jam", "Angka", "Ya", "Kustom"]
    # Row 2 is empty and not given; row 3 keeps its number.
    assert rows == [
        (
            3,
            [
                "6101015705800001",
                "Siti Aminah",
                dt.date(1980, 5, 17),
                dt.datetime(2026, 1, 2, 13, 30),
                1500000.0,
                True,
                dt.date(1999, 12, 31),
            ],
        )
    ]


def test_shared_strings_join_their_runs_and_leave_out_phonetic_text_and_escapes_are_decoded(tmp_path: Path):
    shared = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>NIK</t></si><si><r><t>Bu</t></r><r><t>di</t></r><rPh><t>ブディ</t></rPh></si>"
        "<si><t>line_x000D_break</t></si></sst>"
    )
    sheet = (
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    headers, rows = read(workbook(tmp_path / "a.xlsx", sheet, shared=shared))

    assert headers == ["NIK"]
    assert rows == [(2, ["Budi", "line\rbreak"])]


def test_the_header_is_the_first_row_with_a_value_and_columns_keep_their_places(tmp_path: Path):
    sheet = sheet_xml([(3, [(1, "NIK"), (2, "Nama")]), (4, [(2, "Siti")])])

    headers, rows = read(workbook(tmp_path / "a.xlsx", sheet))

    assert headers == [None, "NIK", "Nama"]
    assert rows == [(4, [None, None, "Siti"])]


def test_a_csv_in_utf8_with_a_bom_and_semicolons_is_numbered_by_record(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_bytes('\ufeffNIK;Alamat;;;\n6101015705800001;"Jl. Pasar\nRT 01";;;\n\n;;\n6101015705800002;x\n'.encode())

    headers, rows = read(path)

    assert headers == ["NIK", "Alamat"]
    assert rows == [(2, ["6101015705800001", "Jl. Pasar\nRT 01"]), (5, ["6101015705800002", "x"])]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rows_beyond_the_limit_refuse_the_file_naming_the_limit(tmp_path: Path, suffix: str):
    rows = [header_row(["NIK"]), *((n, [(0, str(n))]) for n in range(2, 13))]
    if suffix == ".csv":
        path = tmp_path / "a.csv"
        path.write_text("NIK\n" + "".join(f"{n}\n" for n in range(2, 13)))
    else:
        path = workbook(tmp_path / "a.xlsx", sheet_xml(rows))

    assert read(path, replace(LIMITS, max_rows=11))[1][-1][0] == 12
    message = refusal(path, replace(LIMITS, max_rows=10))
    assert "row 12" in message and "at most 10 rows" in message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_cell_beyond_the_character_limit_refuses_the_file_naming_its_place(tmp_path: Path, suffix: str):
    long = "x" * 301
    if suffix == ".csv":
        path = tmp_path / "a.csv"
        path.write_text(f"NIK;Nama\n1;{long}\n")
    else:
        path = workbook(tmp_path / "a.xlsx", sheet_xml([header_row(["NIK", "Nama"]), (2, [(0, "1"), (1, long)])]))

    message = refusal(path)

    assert "row 2, column B" in message and "more than 300 characters" in message


def test_empty_formatted_cells_beyond_the_column_limit_do_not_count(tmp_path: Path):
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c><c r="AZ1" s="1"/></row>'
        "</sheetData></worksheet>"
    )

    headers, _rows = read(workbook(tmp_path / "a.xlsx", sheet))

    assert headers == ["NIK"]


def test_reading_stops_once_the_time_is_up(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("NIK\n" + "1\n" * 3000)

    message = refusal(path, replace(LIMITS, max_rows=5000, max_seconds=0))

    assert "longer than" in message


def test_a_workbook_in_the_1904_date_system_reads_its_dates_right(tmp_path: Path):
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "Lahir")
    sheet.write_datetime(1, 0, dt.datetime(1980, 5, 17), book.add_format({"num_format": "dd/mm/yyyy"}))
    book.close()

    assert read(path)[1] == [(2, [dt.date(1980, 5, 17)])]


def _workbook_bytes(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    moment = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


_cells = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
)


def _calamine_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    """The rows with a value, numbered as a spreadsheet shows them, columns from A (empty cells as None)."""
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    grid = sheet.to_python(skip_empty_area=False)
    return [
        (number, [None if cell == "" else cell for cell in cells])
        for number, cells in enumerate(grid, start=1)
        if any(cell != "" for cell in cells)
    ]


def _trimmed(cells: list[Any]) -> list[Any]:
    cells = list(cells)
    while cells and cells[-1] is None:
        cells.pop()
    return cells


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cells, max_size=8), min_size=1, max_size=12))
def test_the_reader_agrees_with_python_calamine_on_ordinary_workbooks(tmp_path: Path, rows: list[list[Any]]):
    data = _workbook_bytes(rows)
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    theirs = [(row, _trimmed(cells)) for row, cells in _calamine_rows(data)]
    try:
        headers, ours = read(path, replace(LIMITS, max_cell_chars=1000))
    except ImportFileError as exc:
        assert not theirs and "empty" in exc.message
        return
    assert _trimmed(headers) == theirs[0][1]
    assert [(row, _trimmed(cells)) for row, cells in ours] == theirs[1:]


def _mutated(data: bytes, positions: list[int], replacement: bytes) -> bytes:
    mutable = bytearray(data)
    for position in positions:
        at = position % max(1, len(mutable))
        mutable[at : at + len(replacement)] = replacement
    return bytes(mutable)


_BASE_WORKBOOK = _workbook_bytes([["NIK", "Nama"], ["6101015705800001", "Siti"], [1.5, dt.date(1980, 5, 17)]])


def _expect_rows_or_refusal(path: Path) -> None:
    try:
        read(path)
    except ImportFileError as exc:
        assert exc.message


@FUZZ
@given(
    positions=st.lists(st.integers(min_value=0), min_size=1, max_size=6),
    replacement=st.binary(min_size=1, max_size=8),
)
def test_fuzz_a_damaged_workbook_gives_rows_or_a_refusal(tmp_path: Path, positions: list[int], replacement: bytes):
    path = tmp_path / "a.xlsx"
    path.write_bytes(_mutated(_BASE_WORKBOOK, positions, replacement))
    _expect_rows_or_refusal(path)


_xml_pieces = st.sampled_from(
    [
        '<row r="{n}">',
        "</row>",
        '<c r="{col}{n}" t="s"><v>{n}</v></c>',
        '<c r="{col}{n}" t="inlineStr"><is><t>x_x0000_</t></is></c>',
        '<c t="n"><v>{n}.5e3</v></c>',
        '<c r="{col}{n}" t="b"><v>1</v></c>',
        '<c r="{col}{n}" s="{n}"><v>-{n}</v></c>',
        '<c r="{col}{n}" t="d"><v>2026-13-45</v></c>',
        '<c r="{col}" t="e"><v>#N/A</v></c>',
        '<dimension ref="A1:{col}{n}"/>',
        "<row/>",
        "&amp;",
        "<![CDATA[x]]>",
    ]
)


@FUZZ
@given(
    pieces=st.lists(
        st.tuples(
            _xml_pieces, st.integers(min_value=0, max_value=2_000_000), st.sampled_from(["A", "Z", "XFD", "AAAA", ""])
        ),
        max_size=40,
    ),
    strings=st.lists(st.text(max_size=20), max_size=5),
)
def test_fuzz_any_sheet_xml_gives_rows_or_a_refusal(
    tmp_path: Path, pieces: list[tuple[str, int, str]], strings: list[str]
):
    body = "".join(piece.format(n=n, col=col) for piece, n, col in pieces)
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    path = workbook(tmp_path / "a.xlsx", sheet, shared=shared_strings(strings))
    _expect_rows_or_refusal(path)


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_fuzz_any_bytes_give_rows_or_a_refusal(tmp_path: Path, data: bytes, suffix: str):
    path = tmp_path / f"a{suffix}"
    path.write_bytes(data)
    _expect_rows_or_refusal(path)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from('ab1;,"\n\r\x00\x07é \t'), max_size=400))
def test_fuzz_any_text_gives_rows_or_a_refusal(tmp_path: Path, text: str):
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    _expect_rows_or_refusal(path)


def test_a_zip_with_a_corrupt_part_is_damaged_not_a_crash(tmp_path: Path):
    data = bytearray(_BASE_WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(_BASE_WORKBOOK)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start : start + 40] = b"\xff" * 40
    path = tmp_path / "a.xlsx"
    path.write_bytes(bytes(data))

    assert "damaged" in refusal(path)
