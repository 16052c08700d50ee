from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from lindung.charts import Bar, Series, bar_chart, grouped_bar_chart
from lindung.charts.svg import FONT_FAMILY, text_width
from lindung.charts.tests.svgparse import NS, child, find, num, parse, texts
from lindung.numbers import rupiah

HOSTILE = '<b>"Tom" & Jerry</b>'


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _coverage(bars: list[Bar]):
    return bar_chart(
        title="Covered against target", bars=bars, label_header="Regency", value_label="Covered", target_label="Target"
    )


def test_one_bar_per_row_with_lengths_proportional_to_the_values():
    chart = bar_chart(
        title="Workers",
        bars=[Bar("Sambas", 1200), Bar("Landak", 300), Bar("Sanggau", 0), Bar("Melawi", 2400)],
        label_header="Regency",
        value_label="Workers",
    )
    rects = find(parse(chart.svg), "rect", "bar")
    assert not chart.empty
    assert len(rects) == 4
    widths = [num(r, "width") for r in rects]
    assert widths[2] == 0
    assert widths[0] / 1200 == pytest.approx(widths[1] / 300, rel=1e-3)
    assert widths[3] == pytest.approx(2 * widths[0], rel=1e-3)
    assert {num(r, "x") for r in rects} == {num(rects[0], "x")}  # all start on the same axis
    assert len({num(r, "y") for r in rects}) == 4


def test_target_markers_sit_at_the_target_on_the_bars_scale():
    chart = _coverage([Bar("Sambas", 8_500, 10_000), Bar("Landak", 12_000, 6_000), Bar("Melawi", 500)])
    root = parse(chart.svg)
    bars = find(root, "rect", "bar")
    markers = find(root, "line", "target")
    assert len(markers) == 2  # Melawi has no target
    for bar, marker, (value, target) in zip(bars, markers, [(8_500, 10_000), (12_000, 6_000)], strict=False):
        scale = num(bar, "width") / value
        assert num(marker, "x1") - num(bar, "x") == pytest.approx(target * scale, abs=0.02)
        assert num(marker, "y1") < num(bar, "y") < num(bar, "y") + num(bar, "height") < num(marker, "y2")


def test_the_percentage_of_target_is_shown_beside_the_value_and_in_the_table():
    chart = _coverage([Bar("Sambas", 8_567, 10_000), Bar("Melawi", 500)])
    shown = texts(parse(chart.svg))
    assert "8,567 (85%)" in shown
    assert "500" in shown
    assert chart.table.headers == ("Regency", "Covered", "Target", "Percent of target")
    assert chart.table.rows == (("Sambas", "8,567", "10,000", "85.6%"), ("Melawi", "500", "", ""))
    assert "Target reached: 0 of 1." in chart.summary


def test_money_is_formatted_as_rupiah_when_asked():
    chart = bar_chart(
        title="Paid", bars=[Bar("Sambas", 1_268_400)], label_header="Regency", value_label="Paid", fmt=rupiah
    )
    assert "Rp 1,268,400" in texts(parse(chart.svg))
    assert chart.table.rows == (("Sambas", "Rp 1,268,400"),)


def test_the_svg_names_and_describes_itself_for_screen_readers():
    chart = _coverage([Bar("Sambas", 8_500, 10_000), Bar("Landak", 200, 1_000)])
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.get("font-family") == FONT_FAMILY
    title, desc = child(root, "title"), child(root, "desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Covered against target"
    assert desc.text == chart.summary
    assert "Highest: Sambas, 8,500. Lowest: Landak, 200." in chart.summary
    assert root.get("viewBox", "").startswith("0 0 640 ")


@pytest.mark.parametrize("bars", [[], [Bar("Sambas", 0), Bar("Landak", 0)], [Bar("Sambas", 0, 0)]])
def test_empty_or_zero_data_draws_a_clear_no_data_picture(bars: list[Bar]):
    chart = _coverage(bars)
    root = parse(chart.svg)
    assert chart.empty
    assert "No data" in texts(root)
    assert not find(root, "rect", "bar")
    assert "nan" not in str(chart.svg).lower() and "inf" not in str(chart.svg).lower()
    assert len(chart.table.rows) == len(bars)


def test_text_with_markup_characters_is_escaped_everywhere():
    chart = _coverage([Bar(HOSTILE, 10, 20)])
    svg = str(chart.svg)
    assert "<b>" not in svg and "&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;" in svg
    root = parse(chart.svg)  # still well-formed
    assert HOSTILE in texts(root)
    assert any((e.text or "").startswith(HOSTILE + ":") for e in root.iter(f"{NS}title"))
    titled = bar_chart(title=HOSTILE, bars=[Bar("a", 1)], label_header="x", value_label="y")
    assert child(parse(titled.svg), "title").text == HOSTILE


def test_a_long_label_is_cut_in_the_picture_but_whole_in_the_table():
    long = "Kabupaten dengan Nama yang Sangat Panjang Sekali untuk Diuji"
    chart = bar_chart(title="t", bars=[Bar(long, 5)], label_header="Regency", value_label="Workers")
    shown = texts(parse(chart.svg))
    assert long not in shown and any(t.endswith("…") for t in shown)
    assert chart.table.rows[0][0] == long


def test_grouped_bars_draw_one_bar_per_series_and_category_on_one_scale():
    chart = grouped_bar_chart(
        title="By sex",
        categories=["Farmers", "Fishers", "Marbot"],
        series=[Series("Men", [1_200, 800, 300]), Series("Women", [900, 0, 150])],
        label_header="Category",
    )
    rects = find(parse(chart.svg), "rect", "bar")
    assert len(rects) == 6
    values = [1_200, 900, 800, 0, 300, 150]  # category by category, series in order
    scale = num(rects[0], "width") / 1_200
    assert [num(r, "width") for r in rects] == pytest.approx([v * scale for v in values], abs=0.02)
    assert chart.table.rows[0] == ("Farmers", "1,200", "900")
    assert "Men: total 2,300, highest Farmers with 1,200." in chart.summary


def test_stacked_bars_put_the_series_end_to_end_and_show_the_total():
    chart = grouped_bar_chart(
        title="By sex",
        categories=["Farmers", "Fishers"],
        series=[Series("Men", [1_200, 800]), Series("Women", [900, 100])],
        label_header="Category",
        stacked=True,
    )
    root = parse(chart.svg)
    men, women, men2, women2 = find(root, "rect", "bar")
    assert num(women, "x") == pytest.approx(num(men, "x") + num(men, "width"), abs=0.02)
    assert num(women, "y") == num(men, "y")
    scale = num(men, "width") / 1_200
    assert num(men2, "width") + num(women2, "width") == pytest.approx(900 * scale, abs=0.02)
    assert "2,100" in texts(root)
    assert chart.table.headers == ("Category", "Men", "Women", "Total")
    assert chart.table.rows[1] == ("Fishers", "800", "100", "900")


def test_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        grouped_bar_chart(title="t", categories=["a", "b", "c"], series=[Series("s", [1, 2])], label_header="x")


def test_zero_series_draw_no_data():
    chart = grouped_bar_chart(title="t", categories=["a"], series=[Series("s", [0])], label_header="x")
    assert "No data" in texts(parse(chart.svg))


@pytest.mark.parametrize("chart_of", ["bars", "grouped"])
def test_axis_labels_never_run_into_each_other_even_for_billions_of_rupiah(chart_of: str):
    """The dashboard's budget chart labelled every tick "Rp 5.000.000.000" 64 px apart: they overlapped."""
    if chart_of == "bars":
        chart = bar_chart(
            title="Budget", bars=[Bar("KALBAR-2026", 20_160_000_000)], label_header="P", value_label="V", fmt=rupiah
        )
    else:
        chart = grouped_bar_chart(
            title="Budget",
            categories=["KALBAR-2026", "PONTIANAK-2026"],
            label_header="P",
            series=[Series("Ceiling", [17_692_819_200, 2_467_180_800]), Series("Billed", [11_776_800, 1_780_800])],
            fmt=rupiah,
        )
    root = parse(chart.svg)
    ticks = [t for t in root.iter(f"{NS}text") if t.get("text-anchor") == "middle" and (t.text or "").startswith("Rp")]
    assert len(ticks) >= 2  # 0 and at least one more
    assert ticks[0].text == "Rp 0"
    for left, right in itertools.pairwise(ticks):
        half_widths = (text_width(left.text or "", 10) + text_width(right.text or "", 10)) / 2
        assert num(right, "x") - num(left, "x") >= half_widths
