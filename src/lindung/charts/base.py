"""What every chart hands to a template: the picture (``svg``) and the same figures as a table (``table``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from lindung.charts.svg import MUTED, document, el, text_el

WIDTH = 640


@dataclass(frozen=True)
class Table:
    """The chart's data as text: cells already formatted; the first cell of a row names the row."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A drawn chart. ``svg`` is safe markup to put in a page or a PDF as it is; ``summary`` is its ``<desc>``.
    ``empty`` says the svg is the "No data" picture (the table may still list rows of zeros)."""

    title: str
    summary: str
    svg: SafeString
    table: Table
    empty: bool = False


def no_data_chart(title: str, table: Table) -> Chart:
    return Chart(title=title, summary=gettext("No data"), svg=no_data_svg(title), table=table, empty=True)


def no_data_svg(title: str) -> SafeString:
    """A small picture that says there is nothing to draw, instead of an empty or broken chart."""
    message = gettext("No data")
    body = [
        el("rect", x=1, y=1, width=WIDTH - 2, height=78, fill="#ffffff", stroke="#bdbdbd", stroke_dasharray="4 3"),
        text_el(message, x=WIDTH / 2, y=46, text_anchor="middle", font_size=16, fill=MUTED, class_="no-data"),
    ]
    return document(width=WIDTH, height=80, title=title, desc=message, body=body, key="no-data")
