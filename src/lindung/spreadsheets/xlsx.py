"""Reading the first sheet of an ``.xlsx`` workbook as a stream of rows, within ``ReadLimits``.

Why not a library's reader: python-calamine (fast, in Rust) builds the whole used range of a sheet as one
dense grid before the first row is returned, so a 2 KB workbook with one cell at ``XFD1`` and one at
``A1048576`` asks for rows × columns cells (hundreds of gigabytes) and the process aborts; openpyxl's
read-only mode builds each ``<row>`` element whole (one row of ten million cells is gigabytes) and reads
6–12 times slower. Here the sheet's XML is parsed as it is decompressed (``zipfile`` and the standard
library's expat parser), cell by cell, and every bound is checked as it is reached, before anything in
proportion to it is allocated:

1. the zip's central directory, from its end record, before ``zipfile`` reads it (a directory of a million
   entries is itself hundreds of megabytes once parsed); encrypted parts; the declared unpacked sizes;
2. the workbook, its relationships and styles (small parts, each bounded), then the shared strings
   (bounded: they are the one thing held in memory, as every reader holds them);
3. the sheet's own ``<dimension>`` (its metadata), then every actual cell: its row within ``max_rows``,
   its column within ``max_columns``, its text within ``max_cell_chars``, the time within ``max_seconds``.

Values come as a spreadsheet holds them: text as ``str``, numbers as ``float``, booleans as ``bool``,
dates (number cells with a date format) as ``datetime.date`` or ``datetime.datetime``, formulas as their
last computed value. A formula is never evaluated. A DOCTYPE or entity declaration, which no workbook
needs, refuses the file (they are the door to "billion laughs" and external entities).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import struct
import time
import zipfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from django.utils.translation import gettext

from lindung.numbers import grouped
from lindung.spreadsheets.limits import ImportFileError, ReadLimits

# Entries in the zip (sheets, styles, images…): an upload template has 9; a workbook with a few sheets
# and pictures some dozens.
MAX_PARTS = 1_000
MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
# Small parts read whole (workbook, relationships, styles): a few kilobytes in any real file.
MAX_SMALL_PART_BYTES = 8 * 1024 * 1024
# The shared strings are held in memory while the sheet is read; 64 MB of XML is ~450,000 rows of
# workers with their own names and addresses, beyond what the row limit lets in.
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")

# Built-in number formats that are dates or times (ECMA-376 §18.8.30, and the East Asian ones).
_DATE_FORMAT_IDS = frozenset((*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)))
# A custom format is a date when a date or time letter remains once quoted text, escapes, colours and
# conditions ([Red], [>100]) are removed; elapsed-time brackets ([h], [mm]) are dates too.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
_DATE_LETTERS = re.compile(r"[dmyhs]", re.IGNORECASE)
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_LAST_SERIAL = 2_958_465  # 9999-12-31
# Excel writes a character XML cannot hold (a control character) as _xHHHH_ in text.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")

# Element local names the parsers act on.
_ROW, _CELL, _VALUE, _TEXT, _INLINE, _PHONETIC, _DIMENSION = range(1, 8)
_LOCAL_NAMES = {
    "row": _ROW,
    "c": _CELL,
    "v": _VALUE,
    "t": _TEXT,
    "is": _INLINE,
    "rPh": _PHONETIC,
    "dimension": _DIMENSION,
}
_DIGITS = "0123456789"
_LETTERS = re.compile(r"[A-Z]{1,3}")


def damaged() -> ImportFileError:
    return ImportFileError(
        gettext("The Excel file is damaged and cannot be read. Open it in Excel, save it again as .xlsx and retry.")
    )


def not_a_workbook() -> ImportFileError:
    return ImportFileError(
        gettext("This file is not a spreadsheet that can be read. Upload an Excel workbook (.xlsx) or a CSV file.")
    )


def password_protected() -> ImportFileError:
    return ImportFileError(
        gettext(
            "The file is password-protected or an old Excel 97-2003 (.xls) file. Remove the password "
            "and save it as an Excel workbook (.xlsx), then upload it again."
        )
    )


def xlsx_rows(path: Path, limits: ReadLimits) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells from column A) of the first sheet's rows that hold a
    value. Raises ``ImportFileError`` when the file is not a readable workbook or goes beyond ``limits``:
    at once for what the file's structure shows, while iterating for what only its cells show."""
    _check_central_directory(path)
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, OSError, ValueError… for broken zips
        raise damaged() from None
    try:
        book = _Book(archive, limits)
    except ImportFileError:
        archive.close()
        raise
    except Exception:  # a part that zipfile or expat cannot read: the file is broken, not Lindung
        archive.close()
        raise damaged() from None
    return _rows(archive, book, limits)


def _rows(archive: zipfile.ZipFile, book: _Book, limits: ReadLimits) -> Generator[tuple[int, list[Any]]]:
    try:
        with archive, book.open(book.sheet) as stream:
            yield from _SheetReader(book, limits).rows(stream)
    except ImportFileError:
        raise
    except Exception:  # zipfile, zlib and expat on a broken part: the file's fault, said as such
        raise damaged() from None


def _check_central_directory(path: Path) -> None:
    """The number and size of the zip's entries, from its end record, before ``zipfile`` parses them."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        tail_size = min(size, _EOCD.size + 0xFFFF)  # the end record and the longest comment
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise damaged()
        _sig, _disk, _cd_disk, _here, entries, directory_size, _offset, _comment = _EOCD.unpack_from(tail, at)
        if (entries == 0xFFFF or directory_size == 0xFFFFFFFF) and at >= _EOCD64_LOCATOR.size:
            # Zip64: the real counts are in the zip64 end record that the locator before this one points to.
            signature, _disk, record_at, _disks = _EOCD64_LOCATOR.unpack_from(tail, at - _EOCD64_LOCATOR.size)
            if signature != b"PK\x06\x07" or record_at + _EOCD64.size > size:
                raise damaged()
            f.seek(record_at)
            record = f.read(_EOCD64.size)
            if len(record) < _EOCD64.size or record[:4] != b"PK\x06\x06":
                raise damaged()
            entries, directory_size = _EOCD64.unpack(record)[7:9]
    if entries > MAX_PARTS or directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise ImportFileError(
            gettext(
                "The workbook is too complex to read: it has %(count)s parts (sheets, pictures and the like); "
                "at most %(limit)s are accepted. Copy the sheet with the data into a new workbook and upload that."
            )
            % {"count": grouped(entries), "limit": grouped(MAX_PARTS)}
        )


class _Book:
    """The workbook's structure: where its first sheet is, its shared strings, which styles are dates."""

    def __init__(self, archive: zipfile.ZipFile, limits: ReadLimits) -> None:
        self.archive = archive
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            raise password_protected()
        if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
            raise ImportFileError(
                gettext("The Excel file unpacks to more than %(limit)s MB, which is not a normal spreadsheet.")
                % {"limit": grouped(limits.max_unpacked_bytes // (1024 * 1024))}
            )
        # Part names are matched without regard to case: writers disagree on it.
        self.names = {info.filename.lower(): info for info in infos}
        if "xl/workbook.xml" not in self.names:
            raise not_a_workbook()
        self.sheet, self.date1904, strings, styles = self._first_sheet()
        self.shared = _shared_strings(self, strings) if strings else []
        self.date_styles = _date_styles(self, styles) if styles else frozenset()

    def open(self, name: str, limit: int | None = None) -> IO[bytes]:
        info = self.names.get(name.lower())
        if info is None:
            raise damaged()
        if limit is not None and info.file_size > limit:
            raise _part_too_large()
        stream = self.archive.open(info)
        # zipfile stops at the declared size and checks the CRC there, so a part cannot unpack beyond it.
        return stream

    def _first_sheet(self) -> tuple[str, bool, str | None, str | None]:
        """(sheet part, 1904 date system, shared strings part, styles part)."""
        sheets: list[str] = []
        date1904 = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal date1904
            local = name.rpartition(" ")[2]
            if local == "sheet":
                sheets.append(next((v for k, v in attrs.items() if k.endswith(" id") or k == "r:id"), ""))
            elif local == "workbookPr":
                date1904 = attrs.get("date1904", "").lower() in ("1", "true")

        _parse_small(self, "xl/workbook.xml", start)
        targets: dict[str, str] = {}
        kinds: dict[str, str] = {}

        def relation(name: str, attrs: dict[str, str]) -> None:
            if name.rpartition(" ")[2] == "Relationship":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                targets[attrs.get("Id", "")] = target
                kinds[attrs.get("Type", "").rpartition("/")[2]] = target

        if "xl/_rels/workbook.xml.rels" in self.names:
            _parse_small(self, "xl/_rels/workbook.xml.rels", relation)
        sheet = targets.get(sheets[0]) if sheets else None
        if sheet is None or sheet.lower() not in self.names:
            # A workbook whose relationships are missing: the first worksheet by name, as other readers do.
            sheet = next((info.filename for key, info in sorted(self.names.items()) if _is_worksheet(key)), None)
        if sheet is None:
            raise not_a_workbook()
        strings = kinds.get("sharedStrings") or _present(self.names, "xl/sharedStrings.xml")
        styles = kinds.get("styles") or _present(self.names, "xl/styles.xml")
        return sheet, date1904, strings, styles


def _present(names: dict[str, zipfile.ZipInfo], name: str) -> str | None:
    return name if name.lower() in names else None


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _part_too_large() -> ImportFileError:
    return ImportFileError(
        gettext("The workbook holds more than a sheet of workers can need. Copy the data into a new workbook.")
    )


def _parser(start: Callable[[str, dict[str, str]], None] | None = None) -> Any:
    """An expat parser with namespaces (names arrive as ``uri local``) that refuses DTDs and entities."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK

    def refuse(*args: Any) -> Any:
        raise damaged()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    if start is not None:
        parser.StartElementHandler = start
    return parser


def _parse_small(book: _Book, name: str, start: Callable[[str, dict[str, str]], None]) -> None:
    parser = _parser(start)
    with book.open(name, MAX_SMALL_PART_BYTES) as stream:
        parser.ParseFile(stream)


def _shared_strings(book: _Book, name: str) -> list[str]:
    """The shared strings table in order: the text of each ``<si>``, its runs joined, phonetic runs left out."""
    strings: list[str] = []
    pieces: list[str] = []
    inside = skipping = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal inside, skipping
        local = name.rpartition(" ")[2]
        if local == "t":
            inside = not skipping
        elif local == "rPh":
            skipping = True

    def end(name: str) -> None:
        nonlocal inside, skipping
        local = name.rpartition(" ")[2]
        if local == "t":
            inside = False
        elif local == "rPh":
            skipping = False
        elif local == "si":
            strings.append(_unescape("".join(pieces)))
            pieces.clear()

    def text(data: str) -> None:
        if inside:
            pieces.append(data)

    parser = _parser(start)
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with book.open(name, MAX_SHARED_STRINGS_BYTES) as stream:
        parser.ParseFile(stream)
    return strings


def _date_styles(book: _Book, name: str) -> frozenset[int]:
    """Indexes of the cell styles (``cellXfs``) whose number format is a date or a time."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_styles = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_styles
        local = name.rpartition(" ")[2]
        if local == "numFmt":
            custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            in_cell_styles = True
        elif local == "xf" and in_cell_styles:
            formats.append(_int(attrs.get("numFmtId")))

    def end(name: str) -> None:
        nonlocal in_cell_styles
        if name.rpartition(" ")[2] == "cellXfs":
            in_cell_styles = False

    parser = _parser(start)
    parser.EndElementHandler = end
    with book.open(name, MAX_SMALL_PART_BYTES) as stream:
        parser.ParseFile(stream)
    return frozenset(index for index, format_id in enumerate(formats) if _is_date_format(format_id, custom))


def _is_date_format(format_id: int, custom: dict[int, str]) -> bool:
    if format_id in custom:
        code = _FORMAT_NOISE.sub("", custom[format_id].split(";")[0])
        return bool(_DATE_LETTERS.search(code)) and "General" not in code
    return format_id in _DATE_FORMAT_IDS


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return -1


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class _SheetReader:
    """The sheet's XML, parsed as it streams: each ``<row>`` becomes (number, cells) when it ends."""

    def __init__(self, book: _Book, limits: ReadLimits) -> None:
        self.shared = book.shared
        self.date_styles = book.date_styles
        self.epoch = _EPOCH_1904 if book.date1904 else _EPOCH_1900
        self.limits = limits
        self.max_row = limits.max_rows + 1  # the header's row comes on top
        self.max_column = limits.max_columns
        self.max_chars = limits.max_cell_chars
        self.codes: dict[str, int] = {}
        self.columns: dict[str, int] = {}
        self.ready: list[tuple[int, list[Any]]] = []
        self.row = 0  # the current row's number
        self.cells: dict[int, Any] = {}  # its cells so far, by 0-based column
        self.column = -1  # the current cell's 0-based column
        self.kind: str | None = None  # its t attribute
        self.style = 0  # its s attribute
        self.pieces: list[str] = []  # its text so far
        self.size = 0
        self.collecting = False
        self.in_inline = False
        self.phonetic = False

    def rows(self, stream: IO[bytes]) -> Generator[tuple[int, list[Any]]]:
        parser = _parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        deadline = self.limits.deadline()
        ready = self.ready
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
            if ready:
                yield from ready
                ready.clear()
            if time.monotonic() > deadline:
                raise self.limits.too_slow()
        parser.Parse(b"", True)
        yield from ready

    def _code(self, name: str) -> int:
        code = self.codes.get(name)
        if code is None:
            code = self.codes[name] = _LOCAL_NAMES.get(name.rpartition(" ")[2], 0)
        return code

    def start(self, name: str, attrs: dict[str, str]) -> None:
        code = self.codes.get(name) or self._code(name)
        if code == _CELL:
            reference = attrs.get("r")
            if reference is None:
                column = self.column + 1
            else:
                letters = reference.rstrip(_DIGITS)
                column = self.columns.get(letters, -1)
                if column < 0:
                    column = self._column(letters)
            self.column = column
            self.kind = attrs.get("t")
            style = attrs.get("s")
            self.style = int(style) if style and style.isdigit() else 0
            self.pieces.clear()
            self.size = 0
        elif code == _VALUE:
            self.collecting = True
        elif code == _TEXT:
            self.collecting = self.in_inline and not self.phonetic
        elif code == _ROW:
            number = attrs.get("r")
            row = int(number) if number and number.isdigit() else self.row + 1
            if row <= self.row:
                raise damaged()  # rows out of order or repeated
            if row > self.max_row:
                raise self.limits.too_many_rows(row)
            self.row = row
            self.column = -1
        elif code == _INLINE:
            self.in_inline = True
        elif code == _PHONETIC:
            self.phonetic = True
        elif code == _DIMENSION:
            self._check_dimension(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        code = self.codes.get(name) or self._code(name)
        if code == _CELL:
            if self.pieces:
                value = self._value()
                if value is not None and value != "":
                    if self.column >= self.max_column:
                        # Only a cell with a value counts: formatted empty cells beyond the data are common.
                        raise self.limits.too_many_columns(self.column + 1, row=self.row)
                    self.cells[self.column] = value
        elif code in (_VALUE, _TEXT):
            self.collecting = False
        elif code == _ROW:
            if self.cells:
                cells = self.cells
                row: list[Any] = [None] * (max(cells) + 1)
                for column, value in cells.items():
                    row[column] = value
                self.ready.append((self.row, row))
                self.cells = {}
        elif code == _INLINE:
            self.in_inline = False
        elif code == _PHONETIC:
            self.phonetic = False

    def text(self, data: str) -> None:
        if self.collecting:
            self.size += len(data)
            if self.size > self.max_chars:
                raise self.limits.cell_too_long(row=self.row, column=self.column + 1)
            self.pieces.append(data)

    def _value(self) -> Any:
        value = self._typed()
        if type(value) is str and "\x00" in value:
            # Written as _x0000_: no field holds it, and PostgreSQL cannot store it even in a message.
            raise self.limits.nul(row=self.row, column=self.column + 1)
        return value

    def _typed(self) -> Any:
        text = self.pieces[0] if len(self.pieces) == 1 else "".join(self.pieces)
        kind = self.kind
        if kind is None or kind == "n":
            try:
                number = float(text)
            except ValueError:
                raise damaged() from None
            if self.style in self.date_styles and 0 <= number <= _LAST_SERIAL:
                return self._date(number)
            return number
        if kind == "s":
            try:
                value = self.shared[int(text)]
            except (ValueError, IndexError):
                raise damaged() from None
            if len(value) > self.max_chars:
                raise self.limits.cell_too_long(row=self.row, column=self.column + 1)
            return value
        if kind == "inlineStr" or kind == "str":
            return _unescape(text)
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        return text  # "e": an error such as #N/A, shown as the spreadsheet shows it

    def _date(self, serial: float) -> dt.date | dt.datetime:
        if serial < 61 and self.epoch is _EPOCH_1900:
            serial += 1  # Excel counts a 29 February 1900 that never was
        moment = self.epoch + dt.timedelta(days=serial)
        # To the second, as a spreadsheet shows it: a day's fraction is not exact in binary.
        moment = (moment + dt.timedelta(milliseconds=500)).replace(microsecond=0)
        return moment.date() if serial == int(serial) else moment

    def _column(self, letters: str) -> int:
        if not _LETTERS.fullmatch(letters):
            raise damaged()
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        self.columns[letters] = column - 1
        return column - 1

    def _check_dimension(self, reference: str) -> None:
        """The sheet's own statement of its used range, before any cell: a range beyond the limits is refused
        as the cells would be, without reading them."""
        last = reference.rpartition(":")[2]
        letters = last.rstrip(_DIGITS)
        digits = last[len(letters) :]
        if not (_LETTERS.fullmatch(letters) and digits.isdigit()):
            return  # a missing or odd dimension says nothing; the cells are checked one by one anyway
        column = self._column(letters) + 1
        if int(digits) > self.max_row:
            raise self.limits.too_many_rows(int(digits))
        if column > self.max_column:
            raise self.limits.too_many_columns(column, row=int(digits))
