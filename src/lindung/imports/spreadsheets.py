"""The files this app writes with xlsxwriter: the upload template and the file of rejected rows.

NIK and KK columns are formatted as text, so that a spreadsheet keeps all 16 digits when they are
typed or pasted again. The workbooks come from ``lindung.spreadsheets.writing``: a header or a cell of an
upload written back into the error file, or a category name in the template, is never a formula.
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from lindung.imports.columns import BY_FIELD, FIELDS, match_headers
from lindung.privacy_notices.selectors import notice_in_force, notice_problem
from lindung.spreadsheets.errors import RowError
from lindung.spreadsheets.reading import Table, table_open
from lindung.spreadsheets.writing import workbook_new
from lindung.workers.models import OccupationCategory
from lindung.workers.occupations import occupation_synonyms


def _explanations() -> dict[str, str]:
    return {
        "nik": gettext("Required. 16 digits from the KTP or the family card; keep this column formatted as text."),
        "name": gettext("Required. The full name as on the KTP."),
        "birth_place": gettext("Required."),
        "birth_date": gettext("Required. Day/month/year, e.g. 17/05/1980 or 17 Mei 1980; must match the NIK."),
        "sex": gettext("Required. L or P (also LK/PR, Laki-laki/Perempuan); must match the NIK."),
        "address": gettext("Required. Street, house number, RT/RW."),
        "village_code": gettext(
            "The Kemendagri village code, e.g. 61.01.01.2001. Or leave it empty and fill in "
            "the regency/city, district and village names."
        ),
        "regency": gettext("With or without Kab./Kabupaten/Kota, e.g. Sambas or Kota Pontianak."),
        "district": gettext("The district (kecamatan) name within that regency/city."),
        "village": gettext("The village (desa/kelurahan) name within that district."),
        "phone": gettext("Optional. A mobile number such as 0812-3456-7890."),
        "category": gettext("Required. A category code or name, or an occupation, from the lists below."),
        "income": gettext(
            "Declared monthly income in rupiah, e.g. 1000000; at least the rule's minimum. Empty: the minimum."
        ),
        "kk_number": gettext("Optional. 16 digits; keep this column formatted as text."),
        "mother_maiden_name": gettext("Optional."),
        "heir_name": gettext("Optional. The heir's full name."),
        "heir_relation": gettext(
            "Needed with an heir: pasangan, anak, orang tua, cucu, kakek/nenek, saudara, mertua or wasiat."
        ),
        "heir_nik": gettext("Optional. The heir's 16-digit NIK; keep this column formatted as text."),
        "heir_phone": gettext("Optional. The heir's phone number."),
        "confirm_not_duplicate": gettext(
            "Leave empty. Write ya only when the import said the row looks like a registered worker (same "
            "regency, birth date and a similar name) and you checked that they are different people."
        ),
        "privacy_notice": _notice_explanation(),
    }


def _notice_explanation() -> str:
    """Which privacy notice to give: the one in force on the day the template is made (the rows say which each
    person was given)."""
    today = timezone.localdate()
    notice = notice_in_force(on=today)
    if notice is None:
        return notice_problem(on=today)
    return gettext(
        "Required. The version of the privacy notice the person was given when their data was collected (on paper "
        "or read aloud): give version %(version)d, in force since %(date)s, and write %(version)d. Print it in "
        "Lindung at /pdp/pemberitahuan/."
    ) % {"version": notice.version, "date": date_format(notice.effective_from, "DATE_FORMAT")}


def template_write(out: Path | IO[bytes] | Any) -> None:
    """``out``: a path or anything with ``write`` (a file, an HttpResponse).

    The upload template: Indonesian headers, an explanation sheet with the category codes."""
    workbook = workbook_new(out)
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"num_format": "@"})
    data = workbook.add_worksheet("Data")
    for index, name in enumerate(FIELDS):
        column = BY_FIELD[name]
        data.write_string(0, index, column.headers[0], bold)
        data.set_column(index, index, 22, as_text if column.text else None)
    data.freeze_panes(1, 0)

    help_sheet = workbook.add_worksheet(gettext("Explanation"))
    help_sheet.set_column(0, 0, 24)
    help_sheet.set_column(1, 1, 90)
    help_sheet.write_row(0, 0, [gettext("Column"), gettext("What to write")], bold)
    explanations = _explanations()
    for row, name in enumerate(FIELDS, start=1):
        help_sheet.write_string(row, 0, BY_FIELD[name].headers[0])
        help_sheet.write_string(row, 1, explanations[name])
    row = len(FIELDS) + 2
    help_sheet.write_row(row, 0, [gettext("Category code"), gettext("Category")], bold)
    active = dict(OccupationCategory.objects.filter(active=True).values_list("code", "name"))
    for code, name in active.items():
        row += 1
        help_sheet.write_row(row, 0, [code, name])
    # The occupations the import reads as a category (the registration form's list too).
    row += 2
    help_sheet.write_row(row, 0, [gettext("Occupation"), gettext("Category")], bold)
    for synonym in occupation_synonyms():
        if synonym.category in active:
            row += 1
            help_sheet.write_row(row, 0, [synonym.occupation, active[synonym.category]])
    workbook.close()


def errors_write(source: Path, errors: dict[int, list[RowError]], out: Path | IO[bytes] | Any) -> None:
    """The rejected rows of ``source`` as they were, with an added error column, ready to fix and upload.

    The source is read again rather than kept in memory: only the rejected rows are needed, once.
    """
    with closing(table_open(source)) as table:
        _errors_sheet(table, errors, out)


def _errors_sheet(table: Table, errors: dict[int, list[RowError]], out: Path | IO[bytes] | Any) -> None:
    found = match_headers(table.headers)
    text_columns = {index for name, index in found.items() if BY_FIELD[name].text}
    # Written row by row in order (constant memory): a thousand rows of an upload, read again from it.
    workbook = workbook_new(out, constant_memory=True)
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"num_format": "@"})
    as_date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet("Data")
    sheet.freeze_panes(1, 0)
    width = len(table.headers)
    for index, header in enumerate(table.headers):
        sheet.write(0, index, "" if header is None else header, bold)
        if index in text_columns:
            sheet.set_column(index, index, 20, as_text)
    sheet.write_string(0, width, gettext("Errors"), bold)
    sheet.set_column(width, width, 80)
    out_row = 0
    last = max(errors, default=0)
    for number, cells in table.rows:
        if number > last:
            break  # the rows after the last rejected one need not be read
        if number not in errors:
            continue
        out_row += 1
        for index, cell in enumerate(cells[:width]):
            _write_cell(sheet, out_row, index, cell, text=index in text_columns, as_text=as_text, as_date=as_date)
        sheet.write_string(
            out_row, width, "\n".join(f"{e.column}: {e.message}" if e.column else e.message for e in errors[number])
        )
    workbook.close()


def _write_cell(sheet: Any, row: int, col: int, cell: Any, *, text: bool, as_text: Any, as_date: Any) -> None:
    if cell is None or cell == "":
        if text:
            sheet.write_blank(row, col, None, as_text)
        return
    if text:
        value = str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)
        sheet.write_string(row, col, value, as_text)
    elif isinstance(cell, dt.datetime | dt.date):
        sheet.write_datetime(
            row, col, cell if isinstance(cell, dt.datetime) else dt.datetime.combine(cell, dt.time()), as_date
        )
    elif isinstance(cell, str):
        sheet.write_string(row, col, cell)
    else:
        sheet.write(row, col, cell)
