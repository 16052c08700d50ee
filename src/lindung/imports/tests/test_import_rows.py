"""Every cleaning and rejection case of an upload, on a messy file made by the test (CSV and XLSX)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lindung.enrolments.models import Enrolment, Status
from lindung.imports import staging
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import HEADERS, person, write_csv, write_xlsx
from lindung.programmes.models import FunderType, Programme
from lindung.regions.models import Region
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    Cast,
    make_enrolment,
    make_nik,
    make_programme,
    make_worker,
    set_quota,
)
from lindung.workers.models import Heir, Worker

pytestmark = pytest.mark.django_db

MAY_17 = dt.date(1980, 5, 17)


def _dotted(nik: str) -> str:
    """A NIK as people type it: dots, a space and a dash."""
    return f"{nik[:4]}.{nik[4:8]} {nik[8:12]}-{nik[12:]}"


def _messy_rows(programme: Programme) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The rows and, by label, each one's spreadsheet row number (header = 1)."""
    woman = dt.date(1985, 8, 17)
    nik_woman = make_nik(birth_date=woman, sex="P")
    nik_first = make_nik()
    other_regency = make_worker(village=PONTIANAK_VILLAGE, name="Rudi Hartono")
    overlapping = make_worker(name="Joko Susilo")
    make_enrolment(overlapping, make_programme("SAMBAS-2026", funder_type=FunderType.APBD_KABKOTA, region_id="61.01"))
    enrolled = make_worker(name="Slamet Riyadi")
    make_enrolment(enrolled, programme)
    registered = make_worker(name="Teguh Prakoso")
    elsewhere = Region.objects.filter(level=Region.Level.VILLAGE).exclude(code__startswith="61").first()
    assert elsewhere is not None
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "dotted nik",
            person(
                _dotted(nik_first),
                **{"Nama Lengkap": "  Budi   Santoso ", "Ahli Waris": "Siti", "Hubungan Ahli Waris": "Istri"},
            ),
        ),
        (
            "apostrophe and names",
            person(
                "'" + make_nik(),
                **{
                    "Tanggal Lahir": "17 Mei 1980",
                    "Jenis Kelamin": "Laki-laki",
                    "Kode Desa": "",
                    "Kabupaten/Kota": "KAB. SAMBAS",
                    "Kecamatan": "sambas",
                    "Desa/Kelurahan": "dalam  kaum",
                    "Kategori": "petani",
                    "No KK": "6101-0100.0000 0001",
                },
            ),
        ),
        (
            "woman, month name",
            person(
                nik_woman,
                **{
                    "Tanggal Lahir": "17 Agustus 1985",
                    "Jenis Kelamin": "PR",
                    "Kode Desa": "",
                    "Kabupaten/Kota": "Kabupaten Sambas",
                    "Kecamatan": "Sambas",
                    "Desa/Kelurahan": "Lubuk Dagang",
                    "Kategori": "Nelayan",
                },
            ),
        ),
        (
            "iso date, M",
            person(make_nik(), **{"Tanggal Lahir": "1980-05-17", "Jenis Kelamin": "M", "Kode Desa": "6101012001"}),
        ),
        (
            "dashes date, category name",
            person(make_nik(), **{"Tanggal Lahir": "17-05-1980", "Kategori": "pekerja usaha mikro dan kecil"}),
        ),
        ("scientific", person("6.10101E+15")),
        ("birth date contradicts", person(make_nik(), **{"Tanggal Lahir": "18/05/1980"})),
        ("sex contradicts", person(make_nik(), **{"Jenis Kelamin": "P"})),
        ("too old", person(make_nik(birth_date=dt.date(1955, 1, 2)), **{"Tanggal Lahir": "02/01/1955"})),
        ("outside programme", person(make_nik(), **{"Kode Desa": elsewhere.code})),
        ("outside scope", person(make_nik(), **{"Kode Desa": PONTIANAK_VILLAGE})),
        ("unknown village code", person(make_nik(), **{"Kode Desa": "61.01.01.2999"})),
        (
            "unknown regency",
            person(
                make_nik(),
                **{
                    "Kode Desa": "",
                    "Kabupaten/Kota": "Kabupaten Antah",
                    "Kecamatan": "Sambas",
                    "Desa/Kelurahan": "Dalam Kaum",
                },
            ),
        ),
        (
            "unknown district",
            person(
                make_nik(),
                **{
                    "Kode Desa": "",
                    "Kabupaten/Kota": "Sambas",
                    "Kecamatan": "Berantah",
                    "Desa/Kelurahan": "Dalam Kaum",
                },
            ),
        ),
        (
            "unknown village",
            person(
                make_nik(),
                **{
                    "Kode Desa": "",
                    "Kabupaten/Kota": "Sambas",
                    "Kecamatan": "Sambas",
                    "Desa/Kelurahan": "Negeri Dongeng",
                },
            ),
        ),
        ("unknown category", person(make_nik(), **{"Kategori": "ASTRONOT"})),
        ("missing name", person(make_nik(), **{"Nama Lengkap": "   "})),
        ("repeated nik", person(nik_first, **{"Nama Lengkap": "Budi S."})),
        ("other regency", person(other_regency.nik)),
        ("overlapping programme", person(overlapping.nik)),
        ("already enrolled", person(enrolled.nik)),
        ("registered, not enrolled", person(registered.nik)),
        ("bad date", person(make_nik(), **{"Tanggal Lahir": "31/02/1980"})),
        ("bad sex", person(make_nik(), **{"Jenis Kelamin": "X"})),
    ]
    return [row for _, row in rows], {label: number for number, (label, _) in enumerate(rows, start=2)}


def _by_row(result: Any) -> dict[int, list[dict[str, Any]]]:
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in result.as_json()["errors"]:
        by_row.setdefault(error["row"], []).append(error)
    return by_row


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_messy_file_imports_the_clean_rows_and_rejects_each_problem_with_row_and_column(
    cast: Cast, programme: Programme, tmp_path: Path, kind: str
):
    rows, at = _messy_rows(programme)
    write = write_csv if kind == "csv" else write_xlsx
    path = write(tmp_path / f"usulan.{kind}", rows)

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    errors = _by_row(result)
    imported = [
        "dotted nik",
        "apostrophe and names",
        "woman, month name",
        "iso date, M",
        "dashes date, category name",
        "registered, not enrolled",
    ]
    assert [label for label, n in at.items() if n not in errors and label != "already enrolled"] == imported
    assert (result.rows, result.imported, result.skipped, result.rejected) == (len(rows), 6, 1, len(rows) - 7)

    def problem(label: str) -> tuple[str, str]:
        (error,) = errors[at[label]]
        return error["column"], error["message"]

    assert problem("scientific")[0] == "NIK"
    assert "format the column as text" in problem("scientific")[1].lower()
    assert problem("birth date contradicts") == (
        "Tanggal Lahir",
        "The date of birth does not match the NIK, which says 17-05-1980.",
    )
    assert problem("sex contradicts")[0] == "Jenis Kelamin"
    assert problem("too old")[0] == "Tanggal Lahir" and "under 65" in problem("too old")[1]
    assert problem("outside programme") == (
        "Kode Desa",
        "This worker lives outside the region of programme KALBAR-2026.",
    )
    assert problem("outside scope") == ("Kode Desa", "This village is outside your region.")
    assert problem("unknown village code") == ("Kode Desa", "Village code 61.01.01.2999 is not in the Kemendagri data.")
    assert problem("unknown regency") == ("Kabupaten/Kota", "Unknown regency or city Kabupaten Antah.")
    assert problem("unknown district")[0] == "Kecamatan"
    assert problem("unknown village")[0] == "Desa/Kelurahan"
    assert problem("unknown category")[0] == "Kategori"
    assert problem("missing name") == ("Nama Lengkap", "This field is required.")
    assert problem("repeated nik") == (
        "NIK",
        f"This NIK is already in row {at['dotted nik']} of this file; each worker may appear only once.",
    )
    # The holder is outside operator_sambas's region: the sentence says only the regency.
    assert problem("other regency") == ("NIK", "This NIK is already registered in Kota Pontianak, outside your region.")
    assert problem("overlapping programme")[0] == "NIK" and "SAMBAS-2026" in problem("overlapping programme")[1]
    assert problem("bad date") == ("Tanggal Lahir", "31/02/1980 is not a real date.")
    assert problem("bad sex")[0] == "Jenis Kelamin"

    proposed = Enrolment.objects.filter(programme=programme, status=Status.PROPOSED)
    assert proposed.count() == 6 + 1  # the six rows and the worker enrolled before
    first = Worker.objects.get(nik=rows[0]["NIK"].replace(".", "").replace(" ", "").replace("-", ""))
    assert (first.name, first.birth_date, first.sex, first.regency_code) == ("Budi Santoso", MAY_17, "L", "61.01")
    assert first.phone == "+6281234567890"
    assert list(Heir.objects.filter(worker=first).values_list("name", "relation")) == [("Siti", "pasangan")]
    named = Worker.objects.get(nik=rows[1]["NIK"].lstrip("'"))
    assert (named.village_id, named.kk_number, named.occupation.code) == ("61.01.01.2001", "6101010000000001", "PETANI")
    woman = Worker.objects.get(nik=rows[2]["NIK"])
    assert (woman.sex, woman.birth_date, woman.village_id) == ("P", dt.date(1985, 8, 17), "61.01.01.2002")
    enrolment = Enrolment.objects.get(worker=first, programme=programme)
    assert (enrolment.village_id, enrolment.regency_code, enrolment.province_code) == ("61.01.01.2001", "61.01", "61")


def test_excel_cells_dates_and_number_niks(cast: Cast, programme: Programme, tmp_path: Path):
    """A date cell is a date; a NIK that Excel turned into a number is refused, never guessed."""
    nik = make_nik()
    number_nik = make_nik()
    rows = [
        person(nik, **{"Tanggal Lahir": MAY_17, "No HP": 81234567890}),
        person(number_nik, **{"NIK": float(number_nik)}),
    ]
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=write_xlsx(tmp_path / "a.xlsx", rows))

    assert (result.imported, result.rejected) == (1, 1)
    assert Worker.objects.get(nik=nik).phone == "+6281234567890"
    (error,) = result.as_json()["errors"]
    assert error["row"] == 3 and error["column"] == "NIK"
    assert "Format the column as Text" in error["message"]
    assert not Worker.objects.filter(nik=number_nik).exists()


def test_a_full_regency_quota_rejects_its_rows_and_proposals_hold_no_place(
    cast: Cast, programme: Programme, tmp_path: Path
):
    """The quota as verification counts it: places are held from verification on, not by proposals."""
    set_quota(programme, "61.01", 2)
    make_enrolment(make_worker(name="Teguh Prakoso"), programme)  # proposed: holds no place
    rows = [person(make_nik()) for _ in range(3)]

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=write_csv(tmp_path / "q.csv", rows))
    assert (result.imported, result.rejected) == (3, 0)

    verified = make_worker(name="Slamet Riyadi")
    make_enrolment(verified, programme, status=Status.VERIFIED)
    make_enrolment(make_worker(name="Joko Susilo"), programme, status=Status.ACTIVE)
    more = [person(make_nik()) for _ in range(2)]
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=write_csv(tmp_path / "r.csv", more))

    assert (result.imported, result.rejected) == (0, 2)
    assert [e["row"] for e in result.as_json()["errors"]] == [2, 3]
    assert result.errors[0].message == "The quota of 2 workers for Kabupaten Sambas in programme KALBAR-2026 is full."
    assert result.errors[0].column == "Kode Desa"


def test_headers_match_ignoring_case_spaces_dots_underscores_and_slashes(
    cast: Cast, programme: Programme, tmp_path: Path
):
    headers = [
        "no. ktp",
        "NAMA",
        "tempat_lahir",
        "TGL. LAHIR",
        "l / p",
        "ALAMAT",
        "kode  wilayah",
        "KABUPATEN KOTA",
        "kecamatan",
        "Desa Kelurahan",
        "PEKERJAAN",
        "nomor_kk",
        "nama ibu kandung",
        "PEMBERITAHUAN_PRIVASI",
    ]
    nik = make_nik()
    cells = [
        nik,
        "Ani",
        "Sambas",
        "17/05/1980",
        "L",
        "Jl. A",
        "",
        "Sambas",
        "Sambas",
        "Dalam Kaum",
        "RT_RW",
        "",
        "Aminah",
        "v1",
    ]
    row = dict(zip(headers, cells, strict=True))
    path = write_csv(tmp_path / "h.csv", [row], headers=headers, delimiter=",", encoding="utf-8")

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert result.imported == 1, result.as_json()
    worker = Worker.objects.get(nik=nik)
    assert (worker.occupation.code, worker.mother_maiden_name, worker.village_id) == ("RT_RW", "Aminah", SAMBAS_VILLAGE)


def test_an_operator_of_a_village_imports_only_into_that_village(cast: Cast, programme: Programme, tmp_path: Path):
    rows = [person(make_nik()), person(make_nik(), **{"Kode Desa": "61.01.01.2002"})]
    result = import_run(actor=cast["operator_desa"], programme=programme, path=write_csv(tmp_path / "d.csv", rows))
    assert (result.imported, result.rejected) == (1, 1)
    assert result.errors[0].message == "This village is outside your region."


def test_a_nik_registered_outside_the_uploaders_region_names_only_its_regency(
    cast: Cast, programme: Programme, tmp_path: Path
):
    holder = make_worker(village=PONTIANAK_VILLAGE, name="Rudi Hartono")
    path = write_csv(tmp_path / "p.csv", [person(holder.nik)])
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert result.errors[0].message == "This NIK is already registered in Kota Pontianak, outside your region."


def test_a_province_uploader_learns_which_regency_holds_the_nik(cast: Cast, programme: Programme, tmp_path: Path):
    holder = make_worker(village=PONTIANAK_VILLAGE)
    path = write_csv(tmp_path / "p.csv", [person(holder.nik)])
    result = import_run(actor=cast["admin_provinsi"], programme=programme, path=path)
    assert result.errors[0].message == "This NIK is already registered in Kota Pontianak."
    assert not Enrolment.objects.filter(worker=holder).exists()


EXTRA = ["Penghasilan", "NIK Ahli Waris", "No HP Ahli Waris", "Bukan Duplikat"]


def test_the_declared_income_is_read_as_people_write_it_and_held_to_the_minimum(
    cast: Cast, programme: Programme, tmp_path: Path
):
    niks = [make_nik() for _ in range(5)]
    rows = [
        person(niks[0], Penghasilan="1.500.000"),
        person(niks[1], Penghasilan="Rp 2,000,000"),
        person(niks[2], Penghasilan=""),
        person(niks[3], Penghasilan="500000"),
        person(niks[4], Penghasilan="sejuta"),
    ]
    path = write_csv(tmp_path / "i.csv", rows, headers=[*HEADERS, "Penghasilan"])

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.rejected) == (3, 2)
    incomes = dict(Worker.objects.filter(nik__in=niks).values_list("nik", "declared_income"))
    assert incomes == {niks[0]: 1_500_000, niks[1]: 2_000_000, niks[2]: 1_000_000}  # empty: the minimum
    messages = {e.row: (e.column, e.message) for e in result.errors}
    assert messages[5] == ("Penghasilan", "The declared income must be at least Rp 1,000,000 a month.")
    assert messages[6][0] == "Penghasilan" and "in rupiah" in messages[6][1]


def test_without_an_income_column_the_rules_minimum_is_declared(cast: Cast, programme: Programme, tmp_path: Path):
    nik = make_nik()
    result = import_run(
        actor=cast["operator_sambas"], programme=programme, path=write_csv(tmp_path / "m.csv", [person(nik)])
    )
    assert result.imported == 1
    assert Worker.objects.get(nik=nik).declared_income == 1_000_000


def test_an_heirs_nik_and_phone_are_checked_as_the_registration_form_checks_them(
    cast: Cast, programme: Programme, tmp_path: Path
):
    heir = {"Ahli Waris": "Siti Aminah", "Hubungan Ahli Waris": "istri"}
    good, bad_nik, bad_phone = make_nik(), make_nik(), make_nik()
    heir_nik = make_nik(sex="P")
    rows = [
        person(
            good, **heir, **{"NIK Ahli Waris": heir_nik[:8] + " " + heir_nik[8:], "No HP Ahli Waris": "0813 1111 2222"}
        ),
        person(bad_nik, **heir, **{"NIK Ahli Waris": "6101011705800000"}),
        person(bad_phone, **heir, **{"No HP Ahli Waris": "12345"}),
    ]
    path = write_csv(tmp_path / "h.csv", rows, headers=[*HEADERS, *EXTRA])

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.rejected) == (1, 2)
    stored = Heir.objects.get(worker__nik=good)
    assert (stored.name, stored.relation, stored.nik, stored.phone) == (
        "Siti Aminah",
        "pasangan",
        heir_nik,
        "+6281311112222",
    )
    columns = {e.row: e.column for e in result.errors}
    assert columns == {3: "NIK Ahli Waris", 4: "No HP Ahli Waris"}
    assert "0000" in result.errors[0].message
    assert not Worker.objects.filter(nik__in=[bad_nik, bad_phone]).exists()


@pytest.fixture(params=["planner's joins", "hashed joins"])
def join_plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The look-alike queries both ways: as the planner likes (small uploads) and hashed (large uploads);
    the planner's settings are back afterwards."""
    if request.param == "hashed joins":
        monkeypatch.setattr(staging, "HASH_JOIN_ROWS", 0)
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_nestloop")
            assert cursor.fetchone() == ("on",)


def test_a_likely_duplicate_of_a_registered_worker_is_rejected_unless_the_row_confirms_it(
    cast: Cast, programme: Programme, tmp_path: Path, join_plan: None
):
    registered = make_worker(name="Budi Santoso")  # Sambas, born 17 May 1980, like every ``person``
    look_alike = person(make_nik(), **{"Nama Lengkap": "SANTOSO, BUDI"})
    other = person(make_nik(), **{"Nama Lengkap": "Budi Santoso"}, **{"Tanggal Lahir": "18/05/1980"})
    other["NIK"] = make_nik(birth_date=dt.date(1980, 5, 18))
    path = write_csv(tmp_path / "d.csv", [look_alike, other], headers=[*HEADERS, *EXTRA])

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.rejected) == (1, 1)  # another birth date: another person
    (error,) = result.errors
    assert (error.row, error.column) == (2, "Nama Lengkap")
    assert "Budi Santoso" in error.message and registered.nik[:4] + "******" + registered.nik[-6:] in error.message
    assert "Bukan Duplikat" in error.message

    look_alike["Bukan Duplikat"] = "ya"
    path = write_csv(tmp_path / "confirmed.csv", [look_alike], headers=[*HEADERS, *EXTRA])
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert (result.imported, result.rejected) == (1, 0)


def test_the_same_person_twice_in_a_file_under_two_niks_is_rejected_at_the_later_row(
    cast: Cast, programme: Programme, tmp_path: Path, join_plan: None
):
    first = person(make_nik(), **{"Nama Lengkap": "Siti Aminah"})
    again = person(make_nik(), **{"Nama Lengkap": "SITI  AMINAH."})  # a NIK typed wrong, the same person
    namesake_born_later = person(make_nik(birth_date=dt.date(1980, 5, 18)), **{"Nama Lengkap": "Siti Aminah"})
    namesake_born_later["Tanggal Lahir"] = "18/05/1980"
    stranger = person(make_nik())
    path = write_csv(tmp_path / "twice.csv", [first, stranger, again, namesake_born_later], headers=[*HEADERS, *EXTRA])

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.rejected) == (3, 1)
    (error,) = result.errors
    assert (error.row, error.column) == (4, "Nama Lengkap")
    assert "row 2 of this file" in error.message and "Siti Aminah" in error.message
    assert not Worker.objects.filter(nik=again["NIK"]).exists()

    again["Bukan Duplikat"] = "ya"  # the operator checked: two people
    path = write_csv(tmp_path / "confirmed.csv", [first, again], headers=[*HEADERS, *EXTRA])
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert (result.imported, result.skipped, result.rejected) == (1, 1, 0)


def test_a_look_alike_of_several_is_named_by_the_first_registered_worker_and_the_earliest_row(
    cast: Cast, programme: Programme, tmp_path: Path, join_plan: None
):
    # The candidates come from the database in no particular order: the sentence still names the registered
    # worker with the lowest id, and the earliest row of the file.
    first, second = make_worker(name="Budi Santoso"), make_worker(name="Santoso Budi")
    assert first.pk < second.pk
    like_both = person(make_nik(), **{"Nama Lengkap": "BUDI SANTOSO"})
    earliest = person(make_nik(), **{"Nama Lengkap": "Siti Aminah", "Bukan Duplikat": ""})
    later = person(make_nik(), **{"Nama Lengkap": "Aminah Siti", "Bukan Duplikat": "ya"})
    like_rows = person(make_nik(), **{"Nama Lengkap": "SITI AMINAH"})
    path = write_csv(tmp_path / "several.csv", [like_both, earliest, later, like_rows], headers=[*HEADERS, *EXTRA])

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.rejected) == (2, 2)
    by_row = {error.row: error.message for error in result.errors}
    assert set(by_row) == {2, 5}
    assert first.nik[:4] + "******" + first.nik[-6:] in by_row[2]
    assert "row 3 of this file" in by_row[5]


def test_a_worker_rejected_or_ended_in_the_programme_is_rejected_with_what_to_do_others_in_it_are_skipped(
    cast: Cast, programme: Programme, tmp_path: Path
):
    rejected, ended, proposed = (make_worker(name=name) for name in ("Ani Rahayu", "Bambang Sutrisno", "Citra Dewi"))
    make_enrolment(rejected, programme, Status.REJECTED, rejection_reason="KK tidak cocok")
    make_enrolment(ended, programme, Status.ENDED)
    make_enrolment(proposed, programme, Status.PROPOSED)
    rows = [person(worker.nik, **{"Nama Lengkap": worker.name}) for worker in (rejected, ended, proposed)]
    path = write_csv(tmp_path / "again.csv", rows)

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (result.imported, result.skipped, result.rejected) == (0, 1, 2)
    by_row = {error.row: error for error in result.errors}
    assert "was rejected" in by_row[2].message and "Propose again" in by_row[2].message
    assert "has ended" in by_row[3].message
    assert by_row[2].column == by_row[3].column == "NIK"
    assert set(Enrolment.objects.filter(programme=programme).values_list("status", flat=True)) == {
        Status.REJECTED,
        Status.ENDED,
        Status.PROPOSED,
    }
