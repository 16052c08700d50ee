"""The columns of the proposals template: which an upload may have, which it must have.

Headers are matched as every upload's are (``lindung.spreadsheets.columns``). The first name of each
field is the template's header.
"""

from __future__ import annotations

from collections.abc import Sequence

from lindung.spreadsheets.columns import Column, header_index, match_columns

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
    # The privacy notice the person was given when their data was collected (its version: the template says which
    # is in force).
    Column("privacy_notice", ("Versi Pemberitahuan Privasi", "Pemberitahuan Privasi", "Privacy notice version")),
)
BY_FIELD = {column.field: column for column in COLUMNS}
# Every column in the template's order (the reader looks each one up; the template writes them in this order).
FIELDS = tuple(column.field for column in COLUMNS)
REQUIRED = ("nik", "name", "birth_place", "birth_date", "sex", "address", "category", "privacy_notice")
VILLAGE_BY_NAMES = ("regency", "district", "village")
_BY_KEY = header_index(COLUMNS)


def match_headers(headers: Sequence[object]) -> dict[str, int]:
    """{field: column index} of the template's columns; of two columns meaning the same field, the first counts."""
    return match_columns(headers, _BY_KEY)


def missing_fields(found: dict[str, int]) -> list[str]:
    """The required fields without a column; the village needs its code or all three names."""
    missing = [field for field in REQUIRED if field not in found]
    if "village_code" not in found:
        missing += [field for field in VILLAGE_BY_NAMES if field not in found]
    return missing
