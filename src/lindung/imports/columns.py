"""The columns an upload may have, and how a header in somebody's spreadsheet is matched to one.

Headers match case-insensitively, ignoring spaces, dots, underscores and slashes, so that ``Tgl. Lahir``,
``TGL_LAHIR`` and ``tgl lahir`` are the same column. The first name of each field is the template's header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_IGNORED = re.compile(r"[\s._/\\\ufeff]+")


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # the template's header first, then the aliases
    text: bool = False  # a number that must stay text (NIK, KK): formatted as text in the files we write


COLUMNS: tuple[Column, ...] = (
    Column("nik", ("NIK", "No KTP", "Nomor KTP", "Nomor Induk Kependudukan"), text=True),
    Column("name", ("Nama Lengkap", "Nama", "Name")),
    Column("birth_place", ("Tempat Lahir", "Place of birth")),
    Column("birth_date", ("Tanggal Lahir", "Tgl Lahir", "Date of birth")),
    Column("sex", ("Jenis Kelamin", "JK", "L/P", "Sex")),
    Column("address", ("Alamat", "Address")),
    Column("village_code", ("Kode Desa", "Kode Wilayah")),
    Column("regency", ("Kabupaten/Kota", "Kabupaten", "Kab/Kota", "Kota")),
    Column("district", ("Kecamatan",)),
    Column("village", ("Desa/Kelurahan", "Desa", "Kelurahan")),
    Column("phone", ("No HP", "Telepon", "HP", "Nomor HP")),
    Column("category", ("Kategori", "Pekerjaan")),
    Column("income", ("Penghasilan", "Penghasilan per Bulan", "Penghasilan Bulanan", "Declared income")),
    Column("kk_number", ("No KK", "Nomor KK"), text=True),
    Column("mother_maiden_name", ("Nama Ibu Kandung",)),
    Column("heir_name", ("Ahli Waris", "Nama Ahli Waris")),
    Column("heir_relation", ("Hubungan Ahli Waris",)),
    Column("heir_nik", ("NIK Ahli Waris",), text=True),
    Column("heir_phone", ("No HP Ahli Waris", "Telepon Ahli Waris")),
    # "Not a duplicate": the operator confirms a row that looks like a registered worker, as the form asks.
    Column("confirm_not_duplicate", ("Bukan Duplikat", "Konfirmasi Bukan Duplikat")),
)
BY_FIELD = {column.field: column for column in COLUMNS}
# Every column in the template's order (the reader looks each one up; the template writes them in this order).
FIELDS = tuple(column.field for column in COLUMNS)
REQUIRED = ("nik", "name", "birth_place", "birth_date", "sex", "address", "category")
VILLAGE_BY_NAMES = ("regency", "district", "village")
_BY_KEY = {re.sub(_IGNORED, "", alias.casefold()): column.field for column in COLUMNS for alias in column.headers}


def header_key(text: object) -> str:
    return _IGNORED.sub("", str(text or "").casefold())


def match_headers(headers: list[object]) -> dict[str, int]:
    """{field: column index}; of two columns meaning the same field, the first one counts."""
    return _match(headers, _BY_KEY)


def match_columns(headers: list[object], columns: Sequence[Column]) -> dict[str, int]:
    """Like ``match_headers`` for another set of columns (BPJS's answer file): {field: column index}."""
    return _match(headers, {header_key(alias): column.field for column in columns for alias in column.headers})


def _match(headers: list[object], by_key: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = by_key.get(header_key(header))
        if field and field not in found:
            found[field] = index
    return found


def missing_fields(found: dict[str, int]) -> list[str]:
    """The required fields without a column; the village needs its code or all three names."""
    missing = [field for field in REQUIRED if field not in found]
    if "village_code" not in found:
        missing += [field for field in VILLAGE_BY_NAMES if field not in found]
    return missing
