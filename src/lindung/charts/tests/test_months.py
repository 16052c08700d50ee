from __future__ import annotations

import pytest
from django.utils import translation

from lindung.charts import Series, month_chart
from lindung.charts.tests.svgparse import find, num, parse, texts
from lindung.numbers import rupiah

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_columns_rise_from_one_baseline_in_proportion_to_their_values():
    chart = month_chart(
        title="Enrolments", months=MONTHS, series=[Series("Enrolled", [100, 400, 0, 250])], label_header="Month"
    )
    rects = find(parse(chart.svg), "rect", "bar")
    assert len(rects) == 4
    bottoms = {round(num(r, "y") + num(r, "height"), 2) for r in rects}
    assert len(bottoms) == 1
    heights = [num(r, "height") for r in rects]
    scale = heights[1] / 400
    assert heights == pytest.approx([100 * scale, 400 * scale, 0, 250 * scale], abs=0.02)
    xs = [num(r, "x") for r in rects]
    assert xs == sorted(xs)  # months left to right
    assert chart.table.rows == (("2026-01", "100"), ("2026-02", "400"), ("2026-03", "0"), ("2026-04", "250"))


def test_billed_against_paid_side_by_side_in_rupiah():
    chart = month_chart(
        title="Billed and paid",
        months=MONTHS[:2],
        series=[Series("Billed", [1_268_400, 1_300_000]), Series("Paid", [1_268_400, 650_000])],
        label_header="Month",
        fmt=rupiah,
    )
    root = parse(chart.svg)
    billed1, paid1, billed2, paid2 = find(root, "rect", "bar")
    assert num(paid1, "x") == pytest.approx(num(billed1, "x") + num(billed1, "width"), abs=0.02)
    assert num(paid2, "height") == pytest.approx(num(billed2, "height") / 2, abs=0.02)
    assert chart.table.rows[1] == ("2026-02", "Rp 1,300,000", "Rp 650,000")
    assert any(t.startswith("Rp ") for t in texts(root))  # axis ticks in rupiah


def test_stacked_columns_sit_on_each_other():
    chart = month_chart(
        title="t",
        months=MONTHS[:1],
        series=[Series("Men", [30]), Series("Women", [10])],
        label_header="Month",
        stacked=True,
    )
    men, women = find(parse(chart.svg), "rect", "bar")
    assert num(women, "y") + num(women, "height") == pytest.approx(num(men, "y"), abs=0.02)
    assert chart.table.rows == (("2026-01", "30", "10", "40"),)


def test_a_line_has_one_point_per_month_and_a_tooltip_for_each():
    values = [5, 9, 3, 7]
    chart = month_chart(
        title="t", months=MONTHS, series=[Series("Enrolled", values)], label_header="Month", kind="line"
    )
    root = parse(chart.svg)
    (line,) = find(root, "polyline", "line")
    assert len(line.get("points", "").split()) == 4
    points = find(root, "circle", "point")
    ys = [num(p, "cy") for p in points]
    assert ys.index(min(ys)) == values.index(max(values))  # highest value, highest on the page
    assert "2026-02, Enrolled: 9" in [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]


def test_many_months_thin_out_the_axis_labels_but_the_table_keeps_them_all():
    months = [f"{year}-{month:02}" for year in (2024, 2025, 2026) for month in range(1, 13)]
    chart = month_chart(title="t", months=months, series=[Series("s", list(range(36)))], label_header="Month")
    shown = [t for t in texts(parse(chart.svg)) if t in months]
    assert 3 <= len(shown) < 36
    assert shown[0] == "2024-01"
    assert len(chart.table.rows) == 36


@pytest.mark.parametrize("values", [[], [0, 0]])
def test_no_months_or_only_zeros_draw_no_data(values: list[int]):
    chart = month_chart(title="t", months=MONTHS[: len(values)], series=[Series("s", values)], label_header="Month")
    assert "No data" in texts(parse(chart.svg))
