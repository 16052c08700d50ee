"""Charts drawn on the server as SVG, for the dashboard pages and the PDF reports (WeasyPrint draws inline SVG).

Each function returns a :class:`~lindung.charts.base.Chart`: ``.svg`` (safe markup with role="img", a
``<title>`` and a ``<desc>`` summary for screen readers) and ``.table`` (the same figures as formatted text).
A template shows both with ``{% include "charts/_figure.html" with chart=... %}``. Labels are shown as
given (callers translate them); numbers go through ``fmt``, Indonesian style by default.
"""

from lindung.charts.bars import Bar, Series, bar_chart, grouped_bar_chart
from lindung.charts.base import Chart, Table
from lindung.charts.months import month_chart
from lindung.charts.svg import percent_id
from lindung.charts.tilemap import Tile, tile_map

__all__ = [
    "Bar",
    "Chart",
    "Series",
    "Table",
    "Tile",
    "bar_chart",
    "grouped_bar_chart",
    "month_chart",
    "percent_id",
    "tile_map",
]
