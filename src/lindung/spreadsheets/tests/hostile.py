"""A corpus of hostile upload files, written by the tests into a temporary folder (never kept in git).

Each entry is built by a function of the folder and says what a reader must do with it: refuse it with a
sentence containing ``refusal`` (any of its alternatives), or read it cleanly (``refusal`` empty). The files
are small on disk where the attack is in their structure (a 1.8 KB workbook that claims a 17-billion-cell
range), and as large as the upload limit where the attack is their size.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

# The import template's headers and those of BPJS's answer, so that the files reach the rows of an import and
# of an answer instead of stopping at "no column for NIK". Kept as plain text here: the spreadsheets layer
# knows nothing of the apps that read spreadsheets.
HEADER_LINE = (
    "NIK;Nama Lengkap;Tempat Lahir;Tanggal Lahir;Jenis Kelamin;Alamat;Kode Desa;No HP;Kategori;No KPJ;Status;"
    "Versi Pemberitahuan Privasi"
)
TEMPLATE_HEADERS = tuple(HEADER_LINE.split(";"))
UPLOAD_LIMIT = 50 * 1024 * 1024  # the default LINDUNG_IMPORT_MAX_MB
# Texts that start a formula in a spreadsheet, as an attacker would type a name, an address or a header.
FORMULA_TEXTS = (
    '=HYPERLINK("http://evil.example","x")',
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "  =1",
    "＝1",
    "﹣1+1",
    "＠SUM(1)",
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[Path], Path]
    refusal: tuple[str, ...]  # words of the expected refusal (English); empty: read cleanly
    large: bool = False  # megabytes on disk or seconds to read: kept for the tests that measure


# --- building workbooks by hand (xlsxwriter would refuse, or take minutes, to write most of these) -----------


def column_name(index: int) -> str:
    """0 → A, 16383 → XFD."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def sheet_xml(rows: Iterable[tuple[int, Iterable[tuple[int, str]]]], *, dimension: str | None = None) -> str:
    """A worksheet of ``rows``: (row number, ((0-based column, inline text), ...))."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, cells in rows:
        parts.append(f'<row r="{number}">')
        for column, text in cells:
            parts.append(f'<c r="{column_name(column)}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def header_row(headers: Iterable[str] = TEMPLATE_HEADERS) -> tuple[int, list[tuple[int, str]]]:
    return (1, list(enumerate(headers)))


def workbook(path: Path, sheet: str | bytes, *, shared: str | None = None, sheets: int = 1) -> Path:
    """A minimal workbook around ``sheet`` (the first of ``sheets`` sheets; the others are empty)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _workbook_parts(archive, sheets=sheets, shared=shared is not None)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for number in range(2, sheets + 1):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", sheet_xml([]))
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return path


def _workbook_parts(archive: zipfile.ZipFile, *, sheets: int, shared: bool) -> None:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    archive.writestr(
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
        f'main+xml"/>{overrides}</Types>',
    )
    archive.writestr(
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    sheet_entries = "".join(f'<sheet name="S{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1))
    archive.writestr(
        "xl/workbook.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
        f"{sheet_entries}</sheets></workbook>",
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    if shared:
        relations += f'<Relationship Id="rIdS" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships">{relations}</Relationships>',
    )


def shared_strings(strings: Iterable[str]) -> str:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">{items}</sst>'


# --- the corpus ----------------------------------------------------------------------------------------------


def _sparse(path: Path, *far: tuple[int, int]) -> Path:
    """The template's header in row 1 and one cell at each (row, 0-based column) of ``far``."""
    by_row: dict[int, list[tuple[int, str]]] = {1: list(enumerate(TEMPLATE_HEADERS))}
    for row, column in far:
        by_row.setdefault(row, []).append((column, "x"))
    rows = [(row, sorted(cells)) for row, cells in sorted(by_row.items())]
    return workbook(path, sheet_xml(rows))


def sparse_huge_range(folder: Path) -> Path:
    """The probe's 1.8 KB workbook: A1–I1, XFD1 and A1048576, a used range of 17 billion cells."""
    return _sparse(folder / "sparse-huge-range.xlsx", (1, 16383), (1048576, 0))


def sparse_far_column(folder: Path) -> Path:
    """XFD1 and A2000: accepted before, and 1 GB of memory in 0.9 s."""
    return _sparse(folder / "sparse-far-column.xlsx", (1, 16383), (2000, 0))


def sparse_far_row(folder: Path) -> Path:
    return _sparse(folder / "sparse-far-row.xlsx", (1048576, 0))


def lying_dimension(folder: Path) -> Path:
    """A sheet whose metadata claims the whole grid, around two ordinary rows."""
    rows = [header_row(), (2, [(0, "6101015705800001"), (1, "Siti")])]
    return workbook(folder / "lying-dimension.xlsx", sheet_xml(rows, dimension="A1:XFD1048576"))


def cells_without_references(folder: Path) -> Path:
    """One row of 20,000 cells without an ``r`` attribute: the positions only counting reveals."""
    cells = "<c><v>1</v></c>" * 20_000
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData><row>{cells}</row></sheetData></worksheet>'
    return workbook(folder / "cells-without-references.xlsx", sheet)


def full_width_columns_xlsx(folder: Path) -> Path:
    """16,384 filled columns in the first row."""
    return workbook(folder / "columns-16384.xlsx", sheet_xml([(1, [(c, f"K{c}") for c in range(16384)])]))


def full_width_columns_csv(folder: Path) -> Path:
    path = folder / "columns-16384.csv"
    path.write_text(";".join(f"K{c}" for c in range(16384)) + "\n" + ";".join("1" for _ in range(16384)) + "\n")
    return path


def junk_million_lines(folder: Path) -> Path:
    """The probe's 2 MB CSV: the template's header and 1,000,000 lines of ``1``."""
    path = folder / "junk-million-lines.csv"
    path.write_bytes((";".join(TEMPLATE_HEADERS) + "\n").encode() + b"1\n" * 1_000_000)
    return path


def junk_at_the_limit(folder: Path) -> Path:
    """50 MB of printable junk under the template's header, just within the upload limit."""
    path = folder / "junk-50mb.csv"
    generator = random.Random(12)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ;,.-/"
    header = (";".join(TEMPLATE_HEADERS) + "\n").encode()
    line_pool = ["".join(generator.choice(alphabet) for _ in range(generator.randint(20, 120))) for _ in range(997)]
    with path.open("wb") as f:
        f.write(header)
        size = len(header)
        index = 0
        while size < UPLOAD_LIMIT - 200:
            line = (line_pool[index % len(line_pool)] + "\n").encode()
            f.write(line)
            size += len(line)
            index += 1
    return path


def one_line_at_the_limit(folder: Path) -> Path:
    """A CSV that is one line of 50 MB."""
    path = folder / "one-line-50mb.csv"
    chunk = b"abcdefghij" * 104_857  # ~1 MiB
    with path.open("wb") as f:
        for _ in range(UPLOAD_LIMIT // len(chunk)):
            f.write(chunk)
        f.write(b"x" * (UPLOAD_LIMIT % len(chunk) - 100))
    return path


def zip_bomb(folder: Path) -> Path:
    """A sheet of 600 MB of spaces that packs to under a megabyte, honestly declared."""
    path = folder / "zip-bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _workbook_parts(archive, sheets=1, shared=False)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            spaces = b" " * (1024 * 1024)
            for _ in range(600):
                part.write(spaces)
            part.write(b"</sheetData></worksheet>")
    return path


def zip_bomb_lying(folder: Path) -> Path:
    """A part that declares 1 KB and unpacks to 100 MB: its declared size is patched after writing."""
    path = folder / "zip-bomb-lying.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _workbook_parts(archive, sheets=1, shared=False)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>'.encode()
            + b" " * (100 * 1024 * 1024)
            + b"</sheetData></worksheet>",
        )
    data = bytearray(buffer.getvalue())
    _patch_sizes(data, b"xl/worksheets/sheet1.xml", 1024)
    path.write_bytes(bytes(data))
    return path


def _patch_sizes(data: bytearray, name: bytes, size: int) -> None:
    """Set the uncompressed size of part ``name`` to ``size`` in its local header and its directory entry."""
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30 : at + 30 + name_length] == name:
            struct.pack_into("<L", data, at + 22, size)
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name:
            struct.pack_into("<L", data, at + 24, size)
        at += 4


def _set_flag(data: bytearray, flag: int) -> None:
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            struct.pack_into("<H", data, at + offset, struct.unpack_from("<H", data, at + offset)[0] | flag)
            at += 4


def zip_encrypted(folder: Path) -> Path:
    """A workbook whose parts are marked encrypted (zip's own password protection)."""
    buffer = io.BytesIO()
    workbook_bytes = workbook(folder / "plain-for-encryption.xlsx", sheet_xml([header_row()])).read_bytes()
    buffer.write(workbook_bytes)
    data = bytearray(buffer.getvalue())
    _set_flag(data, 0x1)
    path = folder / "zip-encrypted.xlsx"
    path.write_bytes(bytes(data))
    return path


def ole_encrypted(folder: Path) -> Path:
    """What Excel writes for a workbook with a password: an OLE2 compound file, not a zip."""
    path = folder / "encrypted.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(random.Random(3).randbytes(4096)))
    return path


def _random_bytes(path: Path, seed: int) -> Path:
    path.write_bytes(random.Random(seed).randbytes(200_000))
    return path


def renamed_binary_csv(folder: Path) -> Path:
    return _random_bytes(folder / "renamed-binary.csv", 7)


def renamed_binary_xlsx(folder: Path) -> Path:
    return _random_bytes(folder / "renamed-binary.xlsx", 8)


def picture_as_csv(folder: Path) -> Path:
    path = folder / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + random.Random(9).randbytes(5000))
    return path


def nested_archive(folder: Path) -> Path:
    """A zip holding a zip holding a workbook, named .xlsx."""
    inner = workbook(folder / "inner.xlsx", sheet_xml([header_row()])).read_bytes()
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as archive:
        archive.writestr("inner.xlsx", inner)
    path = folder / "nested.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("middle.zip", middle.getvalue())
    return path


def embedded_archive(folder: Path) -> Path:
    """A real workbook that also carries a zip bomb as an embedded object it never needs to open."""
    path = workbook(folder / "embedded-archive.xlsx", sheet_xml([header_row(), (2, [(0, "6101015705800001")])]))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/embeddings/object.zip", b"\0" * (5 * 1024 * 1024))
    return path


def ten_thousand_sheets(folder: Path) -> Path:
    return workbook(folder / "sheets-10000.xlsx", sheet_xml([header_row()]), sheets=10_000)


def long_cell_xlsx(folder: Path) -> Path:
    return workbook(folder / "long-cell.xlsx", sheet_xml([header_row(), (2, [(1, "A" * 1_000_000)])]))


def long_shared_string(folder: Path) -> Path:
    """One 10 MB shared string, referenced by 50,000 cells (a reader that copies it per cell holds 500 GB)."""
    cells = "".join(f'<row r="{n}"><c r="B{n}" t="s"><v>0</v></c></row>' for n in range(2, 50_002))
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>'
        f"{sheet_xml([header_row()]).split('<sheetData>')[1].split('</sheetData>')[0]}{cells}</sheetData></worksheet>"
    )
    return workbook(folder / "long-shared-string.xlsx", sheet, shared=shared_strings(["B" * (10 * 1024 * 1024)]))


def long_cell_csv(folder: Path) -> Path:
    path = folder / "long-cell.csv"
    path.write_text(";".join(TEMPLATE_HEADERS) + '\n6101015705800001;"' + "A" * 1_000_000 + '"\n')
    return path


def _valid_csv_lines(count: int) -> list[str]:
    row = "Sambas;17/05/1980;P;Jl. Pasar;61.01.01.2001;;PETANI;;;1"
    return [f"61010157058{n:05d};Nama {n};{row}" for n in range(count)]


def nul_after_the_first_64_kb(folder: Path) -> Path:
    path = folder / "nul-after-64kb.csv"
    lines = [";".join(TEMPLATE_HEADERS), *_valid_csv_lines(1500)]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"6101015705899999;Bu\x00di;Sambas\n")
    return path


def nul_in_header(folder: Path) -> Path:
    path = folder / "nul-in-header.csv"
    path.write_bytes(b"NIK\x00;Nama Lengkap\n1;2\n")
    return path


def nul_escaped_in_xlsx(folder: Path) -> Path:
    rows = [header_row(), (2, [(0, "6101015705800001"), (1, "Bu_x0000_di")])]
    return workbook(folder / "nul-escaped.xlsx", sheet_xml(rows))


_CONTROLS = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")


def control_characters_csv(folder: Path) -> Path:
    path = folder / "control-characters.csv"
    lines = [";".join(TEMPLATE_HEADERS)]
    lines += [
        f"61010157058{n:05d};Nama{ch}Orang;Sambas{ch};17/05/1980;P;Jl.{ch} Pasar;61.01.01.2001;;PETANI"
        for n, ch in enumerate(_CONTROLS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def control_characters_xlsx(folder: Path) -> Path:
    rows = [header_row()]
    for n, ch in enumerate(_CONTROLS, start=2):
        escaped = f"_x{ord(ch):04X}_"
        rows.append((n, [(0, f"61010157058{n:05d}"), (1, f"Nama{escaped}Orang"), (5, f"Jl.{escaped}Pasar")]))
    return workbook(folder / "control-characters.xlsx", sheet_xml(rows))


def mixed_encodings(folder: Path) -> Path:
    """UTF-8 for the first 70 KB, then a name in Windows-1252."""
    path = folder / "mixed-encodings.csv"
    lines = [";".join(TEMPLATE_HEADERS), *_valid_csv_lines(1500)]
    path.write_bytes(("\n".join(lines) + "\n").encode() + "6101015705899999;Sémua\n".encode("cp1252"))
    return path


def utf16(folder: Path) -> Path:
    path = folder / "utf16.csv"
    path.write_bytes(("\n".join([";".join(TEMPLATE_HEADERS), *_valid_csv_lines(20)]) + "\n").encode("utf-16"))
    return path


def formula_cells(folder: Path) -> Path:
    """Formulas with and without their last value: a reader takes the value and never evaluates anything."""
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData>'
        + sheet_xml([header_row()]).split("<sheetData>")[1].split("</sheetData>")[0]
        + '<row r="2"><c r="A2" t="str"><f>"6101015705"&amp;"800001"</f><v>6101015705800001</v></c>'
        '<c r="B2" t="str"><f>HYPERLINK("http://evil.example","x")</f><v>x</v></c>'
        '<c r="C2"><f>1+1</f><v>2</v></c><c r="D2"><f>WEBSERVICE("http://evil.example")</f></c></row>'
        "</sheetData></worksheet>"
    )
    return workbook(folder / "formulas.xlsx", sheet)


def billion_laughs(folder: Path) -> Path:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="{_MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row></sheetData></worksheet>'
    )
    return workbook(folder / "billion-laughs.xlsx", sheet)


def external_entity(folder: Path) -> Path:
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    return workbook(folder / "external-entity.xlsx", sheet)


def shared_strings_too_large(folder: Path) -> Path:
    """A shared strings part over its bound (65 MB of tiny strings), before any of it is held."""
    strings = (f"{n:x}" for n in range(4_200_000))
    return workbook(folder / "shared-strings-65mb.xlsx", sheet_xml([header_row()]), shared=shared_strings(strings))


def shared_strings_at_the_limit(folder: Path) -> Path:
    """Just under the shared strings' bound: three million tiny strings, the most any accepted workbook makes a
    reader hold in memory."""
    strings = [*TEMPLATE_HEADERS, *(f"{n:x}" for n in range(2_900_000))]
    cells = "".join(f'<c r="{column_name(n)}1" t="s"><v>{n}</v></c>' for n in range(len(TEMPLATE_HEADERS)))
    last = len(strings) - 1
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><sheetData><row r="1">{cells}</row>'
        f'<row r="2"><c r="A2" t="s"><v>{last}</v></c></row></sheetData></worksheet>'
    )
    return workbook(folder / "shared-strings-at-the-limit.xlsx", sheet, shared=shared_strings(strings))


def rows_out_of_order(folder: Path) -> Path:
    rows = [header_row(), (5, [(0, "a")]), (3, [(0, "b")])]
    return workbook(folder / "rows-out-of-order.xlsx", sheet_xml(rows))


def empty_workbook(folder: Path) -> Path:
    return workbook(folder / "empty.xlsx", sheet_xml([]))


def truncated_workbook(folder: Path) -> Path:
    whole = workbook(folder / "whole.xlsx", sheet_xml([header_row(), (2, [(0, "x")])])).read_bytes()
    path = folder / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def not_a_workbook_zip(folder: Path) -> Path:
    """A zip without a workbook (a .docx, say) named .xlsx."""
    path = folder / "document.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return path


# The expected refusals, as words of the English sentences.
TOO_MANY_ROWS = ("at most",)
DAMAGED = ("damaged",)
NOT_A_SPREADSHEET = ("not a spreadsheet",)

CORPUS: tuple[Hostile, ...] = (
    Hostile("sparse huge range", sparse_huge_range, ("column XFD", "row 1,048,576")),
    Hostile("sparse far column", sparse_far_column, ("column XFD",)),
    Hostile("sparse far row", sparse_far_row, ("row 1,048,576",)),
    Hostile("lying dimension", lying_dimension, ("row 1,048,576", "column XFD")),
    Hostile("cells without references", cells_without_references, ("columns",)),
    Hostile("16,384 columns xlsx", full_width_columns_xlsx, ("columns",)),
    Hostile("16,384 columns csv", full_width_columns_csv, ("columns",)),
    Hostile("junk million lines", junk_million_lines, TOO_MANY_ROWS, large=True),
    Hostile("junk at the limit", junk_at_the_limit, (*TOO_MANY_ROWS, "longer than"), large=True),
    Hostile("one line at the limit", one_line_at_the_limit, ("longer than a row",), large=True),
    Hostile("zip bomb", zip_bomb, ("unpacks to more than",), large=True),
    Hostile("zip bomb lying about its size", zip_bomb_lying, DAMAGED),
    Hostile("zip encrypted", zip_encrypted, ("password",)),
    Hostile("ole encrypted", ole_encrypted, ("password",)),
    Hostile("renamed binary csv", renamed_binary_csv, NOT_A_SPREADSHEET),
    Hostile("renamed binary xlsx", renamed_binary_xlsx, NOT_A_SPREADSHEET),
    Hostile("picture as csv", picture_as_csv, NOT_A_SPREADSHEET),
    Hostile("nested archive", nested_archive, NOT_A_SPREADSHEET),
    Hostile("embedded archive", embedded_archive, ()),
    Hostile("10,000 sheets", ten_thousand_sheets, ("too complex",)),
    Hostile("long cell xlsx", long_cell_xlsx, ("more than",)),
    Hostile("long shared string", long_shared_string, ("more than",)),
    Hostile("long cell csv", long_cell_csv, ("longer than a row", "more than")),
    Hostile("nul after the first 64 KB", nul_after_the_first_64_kb, ("NUL",)),
    Hostile("nul in the header", nul_in_header, NOT_A_SPREADSHEET),
    Hostile("nul escaped in xlsx", nul_escaped_in_xlsx, ("NUL",)),
    Hostile("control characters csv", control_characters_csv, ()),
    Hostile("control characters xlsx", control_characters_xlsx, ()),
    Hostile("mixed encodings", mixed_encodings, ("not in UTF-8",)),
    Hostile("utf-16", utf16, ("not in UTF-8",)),
    Hostile("formula cells", formula_cells, ()),
    Hostile("billion laughs", billion_laughs, DAMAGED),
    Hostile("external entity", external_entity, DAMAGED),
    Hostile("rows out of order", rows_out_of_order, DAMAGED),
    Hostile("empty workbook", empty_workbook, ("empty",)),
    Hostile("truncated workbook", truncated_workbook, DAMAGED),
    Hostile("a zip that is no workbook", not_a_workbook_zip, NOT_A_SPREADSHEET),
)
# Files that probe the reader's memory at its bounds: the shared strings, the one part held whole. They take
# seconds to read, the same through every door, so the reading layer's tests alone run them.
MEMORY_PROBES: tuple[Hostile, ...] = (
    Hostile("shared strings too large", shared_strings_too_large, ("more than a sheet",), large=True),
    Hostile("shared strings at the limit", shared_strings_at_the_limit, (), large=True),
)
BY_NAME = {hostile.name: hostile for hostile in (*CORPUS, *MEMORY_PROBES)}
