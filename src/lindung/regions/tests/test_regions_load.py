from __future__ import annotations

import pytest

from lindung.regions.models import Region
from lindung.regions.services import regions_load

pytestmark = pytest.mark.django_db

KALBAR_REGENCIES = {
    "61.01": "Kabupaten Sambas",
    "61.02": "Kabupaten Mempawah",
    "61.03": "Kabupaten Sanggau",
    "61.04": "Kabupaten Ketapang",
    "61.05": "Kabupaten Sintang",
    "61.06": "Kabupaten Kapuas Hulu",
    "61.07": "Kabupaten Bengkayang",
    "61.08": "Kabupaten Landak",
    "61.09": "Kabupaten Sekadau",
    "61.10": "Kabupaten Melawi",
    "61.11": "Kabupaten Kayong Utara",
    "61.12": "Kabupaten Kubu Raya",
    "61.71": "Kota Pontianak",
    "61.72": "Kota Singkawang",
}


def test_kalimantan_barat_has_its_official_regencies_and_cities():
    regencies = dict(Region.objects.filter(parent_id="61").values_list("code", "name"))
    assert regencies == KALBAR_REGENCIES
    assert Region.objects.get(code="61").name == "Kalimantan Barat"


def test_kalimantan_barat_has_174_districts_and_2145_villages():
    assert Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="61.").count() == 174
    assert Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="61.").count() == 2145


def test_all_of_indonesia_is_loaded_at_every_level():
    counts = {level: Region.objects.filter(level=level).count() for level in Region.Level.values}
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}


def test_cities_and_regencies_are_told_apart_and_villages_know_their_kind():
    assert Region.objects.get(code="61.71").kind == "kota"
    assert Region.objects.get(code="61.01").kind == "kabupaten"
    village = Region.objects.filter(level=4, code__startswith="61.71.").first()
    assert village is not None and village.kind == "kelurahan"  # city villages are kelurahan (code 1xxx)
    assert village.code.split(".")[3].startswith("1")


def test_every_region_below_a_province_hangs_under_its_parent_code():
    orphans = Region.objects.exclude(level=1).exclude(parent__isnull=False)
    assert not orphans.exists()
    sample = Region.objects.get(code="61.01.01")
    assert sample.parent_id == "61.01"


def test_loading_again_changes_nothing():
    result = regions_load()
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == Region.objects.count()


def test_loading_repairs_a_region_edited_by_hand():
    Region.objects.filter(code="61.72").update(name="Singkawang (salah)")
    result = regions_load(prefix="61")
    assert result.updated == 1
    assert Region.objects.get(code="61.72").name == "Kota Singkawang"
