from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from lindung.charts import Chart, Tile, tile_map
from lindung.charts.svg import NO_TARGET, SEQUENTIAL, contrast, text_colour_on
from lindung.charts.tests.svgparse import NS, child, find, num, parse, texts
from lindung.charts.tilemap import class_labels, layouts, ratio_class, short_name, tile_positions
from lindung.regions.models import Region


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _regencies(province: str) -> list[Region]:
    return list(Region.objects.filter(parent_id=province, level=Region.Level.REGENCY).order_by("code"))


def _map(tiles: list[Tile]) -> Chart:
    return tile_map(
        title="Coverage",
        tiles=tiles,
        label_header="Regency/city",
        value_label="Covered",
        target_label="Target",
        legend_title="Covered against target",
    )


def _tiles_by_code(chart: Chart) -> dict[str, ET.Element]:
    return {g.get("data-code", ""): g for g in find(parse(chart.svg), "g", "tile")}


@pytest.mark.django_db
def test_every_west_kalimantan_regency_has_one_tile_in_its_own_place_on_the_hand_made_layout():
    regencies = _regencies("61")
    assert len(regencies) == 14
    chart = _map([Tile(r.code, r.name, 50, 100) for r in regencies])
    groups = find(parse(chart.svg), "g", "tile")
    assert sorted(g.get("data-code", "") for g in groups) == [r.code for r in regencies]  # each exactly once
    places = {(num(child(g, "rect"), "x"), num(child(g, "rect"), "y")) for g in groups}
    assert len(places) == 14
    assert set(layouts()["61"]) == {r.code for r in regencies}  # the data file covers the province


@pytest.mark.django_db
def test_the_west_kalimantan_layout_follows_the_geography_roughly():
    spot = tile_positions([r.code for r in _regencies("61")])
    sambas, pontianak, singkawang = spot["61.01"], spot["61.71"], spot["61.72"]
    kapuas_hulu, ketapang, kayong_utara = spot["61.06"], spot["61.04"], spot["61.11"]
    assert sambas == (0, 0)  # north-west corner
    assert pontianak[0] == singkawang[0] == 0  # west coast
    assert sambas[1] < singkawang[1] < pontianak[1]  # down the coast from the north
    assert kapuas_hulu[0] == max(col for col, _ in spot.values())  # far east
    assert ketapang[1] == kayong_utara[1] == max(row for _, row in spot.values())  # south-west
    assert ketapang[0] < kapuas_hulu[0]


def test_tiles_are_shaded_by_the_class_of_their_ratio():
    ratios: dict[str, tuple[int, int | None]] = {
        "61.01": (0, 100),
        "61.02": (24, 100),
        "61.03": (25, 100),
        "61.04": (74, 100),
        "61.05": (99, 100),
    }
    ratios |= {"61.06": (100, 100), "61.07": (180, 100), "61.08": (5, None), "61.09": (5, 0)}
    chart = _map([Tile(code, f"Kabupaten {code}", v, t) for code, (v, t) in ratios.items()])
    tiles = _tiles_by_code(chart)
    expected = {"61.01": 0, "61.02": 0, "61.03": 1, "61.04": 2, "61.05": 3, "61.06": 4, "61.07": 4}
    for code, klass in expected.items():
        group = tiles[code]
        assert group.get("data-class") == str(klass)
        assert child(group, "rect").get("fill") == SEQUENTIAL[klass]
    for code in ("61.08", "61.09"):
        group = tiles[code]
        assert group.get("data-class") == "none"
        assert child(group, "rect").get("fill") == NO_TARGET
        assert "–" in [t.text for t in group.iter(f"{NS}text")]


def test_a_tile_shows_its_short_name_and_percentage_with_the_full_figures_as_tooltip():
    chart = _map([Tile("61.06", "Kabupaten Kapuas Hulu", 8_567, 10_000), Tile("61.71", "Kota Pontianak", 1, 2)])
    group = _tiles_by_code(chart)["61.06"]
    shown = [t.text for t in group.iter(f"{NS}text")]
    assert shown == ["Kapuas Hulu", "85%"]
    assert child(group, "title").text == "Kabupaten Kapuas Hulu: 85% (8,567 / 10,000)"
    city = [t.text for t in _tiles_by_code(chart)["61.71"].iter(f"{NS}text")]
    assert city == ["Kota", "Pontianak", "50%"]
    assert chart.table.rows[0] == ("Kabupaten Kapuas Hulu", "8,567", "10,000", "85.6%")


def test_the_legend_has_five_classes_and_a_no_target_entry():
    chart = _map([Tile("61.01", "Kabupaten Sambas", 1, 2)])
    shown = texts(parse(chart.svg))
    assert class_labels() == ["< 25%", "25–49%", "50–74%", "75–99%", "≥ 100%"]
    for label in [*class_labels(), "No target", "Covered against target"]:
        assert label in shown


def test_text_on_every_tile_colour_has_enough_contrast():
    for fill in (*SEQUENTIAL, NO_TARGET):
        assert contrast(fill, text_colour_on(fill)) >= 4.5


@pytest.mark.django_db
def test_a_province_without_a_layout_gets_a_compact_grid_in_code_order():
    regencies = _regencies("32")
    assert len(regencies) == 27
    chart = _map([Tile(r.code, r.name, i, 30) for i, r in enumerate(regencies)])
    groups = find(parse(chart.svg), "g", "tile")
    assert [g.get("data-code") for g in groups] == [r.code for r in regencies]
    spot = tile_positions([r.code for r in regencies])
    assert len(set(spot.values())) == 27
    assert max(col for col, _ in spot.values()) + 1 == 7  # 7 × 4: wider than high
    assert max(row for _, row in spot.values()) + 1 == 4
    assert list(spot.values())[:8] == [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (0, 1)]


def test_a_regency_missing_from_the_layout_is_added_below_it_not_dropped():
    codes = [*layouts()["61"], "61.13"]
    spot = tile_positions(codes)
    assert spot["61.13"] == (0, 5)
    assert len(set(spot.values())) == 15


def test_short_names_drop_kabupaten_but_keep_kota():
    assert short_name("Kabupaten Kubu Raya") == "Kubu Raya"
    assert short_name("Kota Singkawang") == "Kota Singkawang"
    assert short_name("Kota Administrasi Jakarta Pusat") == "Kota Jakarta Pusat"
    assert ratio_class(None) is None


def test_no_tiles_draw_no_data():
    assert "No data" in texts(parse(_map([]).svg))


def test_names_are_escaped_in_tiles_and_tooltips():
    chart = _map([Tile("61.01", 'A<b>&"', 1, 2)])
    assert "<b>" not in str(chart.svg)
    assert any((t or "").startswith('A<b>&"') for t in texts(parse(chart.svg)))
