"""Figures over months: columns (side by side or stacked) or lines, months left to right."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from django.utils.translation import gettext

from lindung.charts.bars import LEGEND_H, PAD, TICK_SIZE, Series, _check_lengths, _legend, _series_summary
from lindung.charts.base import WIDTH, Chart, Table, no_data_chart
from lindung.charts.svg import (
    AXIS,
    GRID,
    MUTED,
    SERIES,
    Formatter,
    document,
    el,
    nice_ticks,
    text_el,
    text_width,
    title_el,
)
from lindung.numbers import rupiah_number

PLOT_H = 180
MONTH_LABEL_H = 20


def month_chart(
    *,
    title: str,
    months: Sequence[str],
    series: Sequence[Series],
    label_header: str,
    kind: Literal["column", "line"] = "column",
    stacked: bool = False,
    fmt: Formatter = rupiah_number,
    summary: str | None = None,
) -> Chart:
    """One value per month and series: enrolments per month, or billed against paid.

    ``months`` are the x-axis labels as the caller wants them shown ("2026-03", "Mar 2026"); when they do
    not all fit, every second (third, ...) one is drawn, and the table keeps them all. ``kind="line"``
    draws a line with a dot per month; ``stacked`` only applies to columns.
    """
    _check_lengths(months, series)
    stacked = stacked and kind == "column"
    headers = (label_header, *(s.name for s in series), *((gettext("Total"),) if stacked else ()))
    rows = []
    for index, month in enumerate(months):
        values = [s.values[index] for s in series]
        rows.append((month, *(fmt(v) for v in values), *((fmt(sum(values)),) if stacked else ())))
    table = Table(caption=title, headers=headers, rows=tuple(rows))

    n = len(months)
    if stacked:
        maximum = max((sum(max(s.values[i], 0) for s in series) for i in range(n)), default=0)
    else:
        maximum = max((v for s in series for v in s.values), default=0)
    if maximum <= 0:
        return no_data_chart(title, table)

    summary = summary or _series_summary(months, series, fmt)
    colours = [SERIES[i % len(SERIES)] for i in range(len(series))]
    ticks = nice_ticks(maximum)
    axis_w = max(text_width(fmt(t), TICK_SIZE) for t in ticks) + 8
    x0 = PAD + axis_w
    plot_w = WIDTH - x0 - PAD
    top = PAD + LEGEND_H
    base = top + PLOT_H
    scale = PLOT_H / ticks[-1]
    band = plot_w / n
    height = base + MONTH_LABEL_H + PAD

    body = _legend(list(zip(colours, (s.name for s in series), strict=True)), y=PAD + 6)
    for tick in ticks:
        y = base - tick * scale
        body.append(el("line", x1=x0, x2=x0 + plot_w, y1=y, y2=y, stroke=GRID if tick else AXIS, stroke_width=1))
        body.append(text_el(fmt(tick), x=x0 - 4, y=y + 3.5, text_anchor="end", font_size=TICK_SIZE, fill=MUTED))
    label_every = max(1, math.ceil(max(text_width(m, TICK_SIZE) for m in months) / max(band - 6, 1)))
    for index, month in enumerate(months):
        if index % label_every == 0:
            x = x0 + band * (index + 0.5)
            body.append(text_el(month, x=x, y=base + 14, text_anchor="middle", font_size=TICK_SIZE, fill=MUTED))

    if kind == "line":
        for s, colour in zip(series, colours, strict=True):
            points = [(x0 + band * (i + 0.5), base - max(v, 0) * scale) for i, v in enumerate(s.values)]
            if n > 1:
                path = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
                body.append(el("polyline", points=path, fill="none", stroke=colour, stroke_width=2.5, class_="line"))
            for (x, y), month, value in zip(points, months, s.values, strict=True):
                tip = title_el(f"{month}, {s.name}: {fmt(value)}")
                body.append(el("g", tip + el("circle", cx=x, cy=y, r=3.5, fill=colour, class_="point")))
    else:
        inner = band * 0.8
        width = inner if stacked else inner / len(series)
        for index, month in enumerate(months):
            left = x0 + band * index + (band - inner) / 2
            y = base
            for number, (s, colour) in enumerate(zip(series, colours, strict=True)):
                value = s.values[index]
                h = max(value, 0) * scale
                x = left if stacked else left + number * width
                y_top = y - h if stacked else base - h
                tip = title_el(f"{month}, {s.name}: {fmt(value)}")
                body.append(el("g", tip + el("rect", x=x, y=y_top, width=width, height=h, fill=colour, class_="bar")))
                if stacked:
                    y -= h
    svg = document(width=WIDTH, height=height, title=title, desc=summary, body=body, key=f"months-{kind}")
    return Chart(title=title, summary=summary, svg=svg, table=table)
