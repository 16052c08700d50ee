"""Every text Lindung writes into a spreadsheet file comes out inert: never a formula, never a link."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from lindung.spreadsheets import writing
from lindung.spreadsheets.tests.hostile import FORMULA_TEXTS
from lindung.spreadsheets.writing import csv_writer, neutralise, workbook_new

# Written by an attacker as a name, an address, a header...: each can start a formula somewhere.
HOSTILE = (
    *FORMULA_TEXTS,
    "\n=1",
    "\u3000=1",  # an ideographic space first
    "\u00a0=1",  # a non-breaking space first
    "\u200b=1",  # a zero-width space first
    "＋1",
    "－1+1",
    "﹦1",
    "﹢1",
    "﹫SUM(1)",
    "=cmd|' /C calc'!A0",
)
HARMLESS = ("Kabupaten Sambas", "Jl. Pasar No. 3", "", "'already text", "1-2", "a=b", "KALBAR-2026")
# A formula's first character, after any white or invisible space (an independent statement of the rule).
FORMULA_START = re.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff]*[=+\-@＝＋－＠﹦﹢﹣﹫]|^[\t\r\n]")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_that_could_start_a_formula_gets_an_apostrophe_in_front(text: str) -> None:
    assert FORMULA_START.match(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_texts_are_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_neutralising_twice_changes_nothing_more() -> None:
    assert {neutralise(neutralise(text)) for text in HOSTILE} == {neutralise(text) for text in HOSTILE}


def _workbook(write: Any, **options: Any) -> bytes:
    out = io.BytesIO()
    workbook = workbook_new(out, **options)
    write(workbook.add_worksheet("Data"))
    workbook.close()
    return out.getvalue()


def _cells(content: bytes) -> list[Any]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    return [cell for row in sheet.to_python() for cell in row]


def _formula_elements(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(
            len(re.findall(rb"<f[ >]", archive.read(name)))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize("constant_memory", [False, True])
def test_every_way_of_writing_a_text_cell_writes_it_inert(constant_memory: bool) -> None:
    def write(sheet: Any) -> None:
        sheet.write_row(0, 0, HOSTILE)  # a header row
        for col, text in enumerate(HOSTILE):
            sheet.write_string(1, col, text)
            sheet.write(2, col, text)
        sheet.write(2, len(HOSTILE), "http://evil.example/")  # a text, not a link
        sheet.write_column(3, 0, HOSTILE)  # rows in order: constant-memory mode writes nothing out of order

    content = _workbook(write, constant_memory=constant_memory)
    texts = [cell for cell in _cells(content) if isinstance(cell, str) and cell]
    assert not [text for text in texts if FORMULA_START.match(text)]
    assert texts.count("'" + HOSTILE[0]) == 4
    assert "'＝1" in texts and "'  =1" in texts
    assert "http://evil.example/" in texts
    assert _formula_elements(content) == 0
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert not [name for name in archive.namelist() if "rels" in name and "sheet1" in name]  # no hyperlink


def test_numbers_dates_and_booleans_keep_their_type() -> None:
    out = io.BytesIO()
    workbook = workbook_new(out)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, [-16_800, 2.5, Decimal("-1.5"), True])
    sheet.write_number(1, 0, -1)
    sheet.write_datetime(1, 1, dt.datetime(2026, 3, 5), workbook.add_format({"num_format": "yyyy-mm-dd"}))
    workbook.close()

    cells = _cells(out.getvalue())
    assert cells[:4] == [-16_800, 2.5, -1.5, True]
    assert cells[4:6] == [-1, dt.date(2026, 3, 5)]


@pytest.mark.parametrize(
    "write",
    [
        lambda sheet: sheet.write_formula(0, 0, "=1+1"),
        lambda sheet: sheet.write_array_formula(0, 0, 0, 0, "{=1+1}"),
        lambda sheet: sheet.write_dynamic_array_formula(0, 0, 0, 0, "=1+1"),
        lambda sheet: sheet.write_url(0, 0, "http://evil.example/"),
    ],
)
def test_a_formula_or_a_link_cannot_be_written_at_all(write: Any) -> None:
    out = io.BytesIO()
    sheet = workbook_new(out).add_worksheet()
    with pytest.raises(TypeError, match="Lindung writes no formulas or links"):
        write(sheet)


def test_the_csv_writer_neutralises_texts_and_keeps_numbers_plain() -> None:
    out = io.StringIO()
    writer = csv_writer(out, delimiter=";")
    writer.writerow(HOSTILE)
    writer.writerow([-16_800, 2.5, Decimal("-5.0"), None, dt.date(2026, 3, 5), True, "Sambas"])
    writer.writerows([["-1+1"], ["ok"]])
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert rows[0] == ["'" + text for text in HOSTILE]
    assert rows[1] == ["-16800", "2.5", "-5.0", "", "2026-03-05", "True", "Sambas"]
    assert rows[2:] == [["'-1+1"], ["ok"]]


def test_the_csv_writer_returns_what_its_file_returns_so_it_can_stream() -> None:
    class Echo:
        def write(self, value: str) -> str:
            return value

    assert csv_writer(Echo()).writerow(["=1", 2]) == "'=1,2\r\n"


def test_the_writing_module_imports_no_feature_app() -> None:
    """The bottom of the house: every feature app may use it, so it may use none of them."""
    tree = ast.parse(Path(writing.__file__).read_text(encoding="utf-8"))
    modules = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    modules += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in modules if name.startswith("lindung") and not name.startswith("lindung.spreadsheets")]
