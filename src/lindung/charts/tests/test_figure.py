from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from lindung.charts import Bar, Series, Tile, bar_chart, month_chart, tile_map


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _charts():
    return [
        bar_chart(
            title="Covered", bars=[Bar("Sambas <&>", 8_500, 10_000)], label_header="Regency", value_label="Covered"
        ),
        month_chart(
            title="Enrolments", months=["2026-01", "2026-02"], series=[Series("s", [3, 4])], label_header="Month"
        ),
        tile_map(
            title="Map",
            tiles=[Tile("61.01", "Kabupaten Sambas", 5, 10), Tile("61.71", "Kota Pontianak", 5, None)],
            label_header="Regency",
            value_label="Covered",
            target_label="Target",
            legend_title="Covered against target",
        ),
        bar_chart(title="Nothing", bars=[], label_header="Regency", value_label="Covered"),
    ]


def test_the_figure_include_shows_the_svg_then_its_figures_as_a_table():
    chart = _charts()[0]
    html = render_to_string("charts/_figure.html", {"chart": chart})
    assert html.index("<figcaption>Covered</figcaption>") < html.index("<svg") < html.index("<details")
    assert '<details class="chart-data">' in html  # closed on a page
    assert '<th scope="row">Sambas &lt;&amp;&gt;</th>' in html
    assert '<td class="num">8,500</td>' in html and '<td class="num">85.0%</td>' in html
    assert "Sambas <&>" not in html
    printed = render_to_string("charts/_figure.html", {"chart": chart, "table_open": True})
    assert '<details class="chart-data" open>' in printed


def test_a_chart_without_rows_has_no_empty_table():
    html = render_to_string("charts/_figure.html", {"chart": _charts()[-1]})
    assert "No data" in html and "<table" not in html


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("charts need no external resources")


def test_weasyprint_prints_a_page_of_charts_to_pdf():
    import weasyprint

    figures = "".join(render_to_string("charts/_figure.html", {"chart": c, "table_open": True}) for c in _charts())
    html = f'<!doctype html><html lang="en"><body style="font-family: sans-serif">{figures}</body></html>'
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf()
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000
