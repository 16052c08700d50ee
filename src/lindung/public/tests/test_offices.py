"""The versioned BPJS office file and ``lindung public offices load``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lindung.public.models import BpjsOffice
from lindung.public.offices import offices_load, read_offices_file
from lindung.regions.models import Region

pytestmark = pytest.mark.django_db

HEADER = "regency_code,office,address,source,confidence\n"


def test_the_file_names_an_office_for_each_of_kalbars_14_regencies_and_cities():
    rows = read_offices_file()
    kalbar = set(Region.objects.filter(parent_id="61", level=Region.Level.REGENCY).values_list("code", flat=True))
    assert len(kalbar) == 14
    assert set(rows) == kalbar
    assert {row["confidence"] for row in rows.values()} == {"low"}  # approximate until BPJS confirms them
    assert BpjsOffice.objects.count() == 14  # loaded by the migration


def test_loading_twice_changes_nothing_the_second_time():
    offices_load()
    result = offices_load()
    assert (result.created, result.updated, result.deleted, result.unchanged) == (0, 0, 0, 14)


def test_a_new_file_updates_changed_rows_and_deletes_dropped_ones(tmp_path: Path):
    path = tmp_path / "offices.csv"
    path.write_text(
        HEADER
        + "61.71,BPJS Ketenagakerjaan Kantor Cabang Pontianak,Jl. Contoh 1,letter from the branch 2027,high\n"
        + '61.01,BPJS Ketenagakerjaan Kantor Cabang Singkawang,"Kota Singkawang, Kalimantan Barat",'
        + "perkiraan: kota kantor cabang terdekat lewat jalan darat; belum dicocokkan dengan "
        + "bpjsketenagakerjaan.go.id,low\n",
        encoding="utf-8",
    )
    result = offices_load(path=path)
    assert (result.created, result.updated, result.deleted, result.unchanged) == (0, 1, 12, 1)
    assert BpjsOffice.objects.get(regency_code="61.71").confidence == "high"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("regency_code,office\n61.01,X\n", "missing columns"),
        (HEADER + "6101,Kantor,,src,low\n", "line 2: regency code '6101'"),
        (HEADER + "61.01,Kantor,,src,low\n61.01,Kantor,,src,low\n", "line 3: regency 61.01 appears twice"),
        (HEADER + "61.01,Kantor,,,low\n", "line 2: every office needs a name and a source"),
        (HEADER + "61.01,Kantor,,src,sure\n", "line 2: confidence must be high, med or low"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_nothing_changes(tmp_path: Path, content: str, message: str):
    path = tmp_path / "offices.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("public", "offices", "load", "--file", str(path))
    assert BpjsOffice.objects.count() == 14


def test_the_command_reports_what_it_did():
    out = StringIO()
    call_command("public", "offices", "load", stdout=out)
    assert out.getvalue().strip() == "offices: 0 created, 0 updated, 0 deleted, 14 unchanged"
