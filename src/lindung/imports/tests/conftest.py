"""Builders of the messy spreadsheets that regencies send, written by each test into ``tmp_path``."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

HEADERS = [
    "NIK",
    "Nama Lengkap",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin",
    "Alamat",
    "Kode Desa",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
    "No HP",
    "Kategori",
    "No KK",
    "Nama Ibu Kandung",
    "Ahli Waris",
    "Hubungan Ahli Waris",
    "Versi Pemberitahuan Privasi",
]


# Different people: rows born the same day in the same regency with similar names are likely duplicates.
_NAMES = itertools.cycle(
    ["Budi Santoso", "Agus Salim", "Rahmat Hidayat", "Yohanes Lumban", "Dedi Kurniawan", "Hendra Wijaya", "Imam Syafii"]
)
_SURNAMES = itertools.count(1)


def person(nik: str, **cells: Any) -> dict[str, Any]:
    """A row (by template header) for a valid Sambas worker born 17 May 1980, with ``cells`` replaced; each
    call names a different person."""
    row: dict[str, Any] = {
        "NIK": nik,
        "Nama Lengkap": f"{next(_NAMES)} {_suffix(next(_SURNAMES))}",
        "Tempat Lahir": "Sambas",
        "Tanggal Lahir": "17/05/1980",
        "Jenis Kelamin": "L",
        "Alamat": "Jl. Pasar No. 3",
        "Kode Desa": "61.01.01.2001",
        "No HP": "0812-3456-7890",
        "Kategori": "PETANI",
        "Versi Pemberitahuan Privasi": "1",
    }
    row.update(cells)
    return row


def _suffix(number: int) -> str:
    """A distinct word per person, unlike any other's (bin, binti... are words a fuzzy match would weigh;
    letters from a hash are not): two rows of the same first name stay below the likely-duplicate score."""
    digest = hashlib.sha256(str(number).encode()).digest()
    return "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[byte % 26] for byte in digest[:14])


def write_csv(path: Path, rows: Sequence[dict[str, Any]], *, headers: Sequence[str] = HEADERS, **options: Any) -> Path:
    delimiter = options.pop("delimiter", ";")
    encoding = options.pop("encoding", "utf-8-sig")
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: Sequence[dict[str, Any]], *, headers: Sequence[str] = HEADERS) -> Path:
    """Cells as a spreadsheet holds them: dates as date cells, numbers as numbers, the rest as text."""
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
    workbook.close()
    return path


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """Every import test reads messages in English (``english``, like ``programme``, is in ``lindung/conftest.py``)."""
