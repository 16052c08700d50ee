"""Horizontal bar charts: one value per row with an optional target marker, or several series per row
(side by side or stacked). Rows run down the page, so long region and category names stay readable."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from lindung.charts.base import WIDTH, Chart, Table, no_data_chart
from lindung.charts.svg import (
    AXIS,
    BAR,
    FONT_SIZE,
    GRID,
    MUTED,
    SERIES,
    TARGET,
    Formatter,
    document,
    el,
    fit,
    nice_ticks,
    percent_id,
    ratio_of,
    text_el,
    text_width,
    title_el,
)
from lindung.numbers import rupiah_number

PAD = 8
TICK_SIZE = 10
LEGEND_H = 22
AXIS_H = 20
MAX_LABEL_SHARE = 0.34  # of the width; longer labels are cut (the table keeps them whole)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int | None = None


@dataclass(frozen=True)
class Series:
    """One named row of values, in the order of the categories (or months) of its chart."""

    name: str
    values: Sequence[int]


def _legend(items: Sequence[tuple[str, str]], y: float, x: float = PAD) -> list[str]:
    """Swatches with names, left to right. ``items`` are (colour or "target", name)."""
    out = []
    for colour, name in items:
        if colour == "target":
            out.append(el("line", x1=x + 5, x2=x + 5, y1=y - 6, y2=y + 8, stroke=TARGET, stroke_width=2))
        else:
            out.append(el("rect", x=x, y=y - 5, width=12, height=12, fill=colour))
        out.append(text_el(name, x=x + 16, y=y + 5, font_size=11))
        x += 16 + text_width(name, 11) + 18
    return out


def _x_axis(ticks: list[int], x0: float, scale: float, top: float, bottom: float, fmt: Formatter) -> list[str]:
    """Grid lines at every tick, labelled at every tick whose label fits: long labels (rupiah in billions) would
    run into each other, so then every second (third, ...) one is labelled, always from 0."""
    labels = [fmt(tick) for tick in ticks]
    step = (ticks[1] - ticks[0]) * scale if len(ticks) > 1 else 0
    label_every = max(1, math.ceil((max(text_width(label, TICK_SIZE) for label in labels) + 8) / step)) if step else 1
    out = []
    for index, (tick, label) in enumerate(zip(ticks, labels, strict=True)):
        x = x0 + tick * scale
        out.append(el("line", x1=x, x2=x, y1=top, y2=bottom, stroke=GRID if tick else AXIS, stroke_width=1))
        if index % label_every == 0:
            out.append(text_el(label, x=x, y=bottom + 13, text_anchor="middle", font_size=TICK_SIZE, fill=MUTED))
    return out


def _label_width(labels: Sequence[str]) -> float:
    return min(max(text_width(label) for label in labels) + 10, WIDTH * MAX_LABEL_SHARE)


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    label_header: str,
    value_label: str,
    target_label: str | None = None,
    fmt: Formatter = rupiah_number,
    summary: str | None = None,
) -> Chart:
    """Horizontal bars, one per ``Bar``; a bar with a target also gets a black marker at the target and
    its percentage of the target beside its value ("12.345 (85%)").

    ``label_header`` heads the table's first column, ``value_label`` names the bars in the legend and the
    table, ``target_label`` the markers (default "Target"). ``fmt`` formats values and axis ticks
    (``rupiah`` for money). Empty data, or data that is zero everywhere, gives a "No data" picture.
    """
    target_label = target_label or gettext("Target")
    has_targets = any(bar.target is not None for bar in bars)
    headers = (label_header, value_label, *((target_label, gettext("Percent of target")) if has_targets else ()))
    rows = []
    for bar in bars:
        ratio = ratio_of(bar.value, bar.target)
        cells = [bar.label, fmt(bar.value)]
        if has_targets:
            cells += ["" if bar.target is None else fmt(bar.target), "" if ratio is None else percent_id(ratio, 1)]
        rows.append(tuple(cells))
    table = Table(caption=title, headers=headers, rows=tuple(rows))

    maximum = max([bar.value for bar in bars] + [bar.target or 0 for bar in bars], default=0)
    if maximum <= 0:
        return no_data_chart(title, table)

    summary = summary or _bar_summary(bars, fmt)
    ends = [_bar_end_text(bar, fmt) for bar in bars]
    label_w = _label_width([bar.label for bar in bars])
    value_w = max(text_width(end, 11) for end in ends) + 8
    x0 = PAD + label_w
    plot_w = WIDTH - x0 - value_w - PAD
    ticks = nice_ticks(maximum)
    scale = plot_w / ticks[-1]
    row_h, bar_h = 24, 16
    top = PAD + (LEGEND_H if has_targets else 0)
    height = top + row_h * len(bars) + AXIS_H + PAD

    body = []
    if has_targets:
        body += _legend([(BAR, value_label), ("target", target_label)], y=PAD + 6)
    body += _x_axis(ticks, x0, scale, top, top + row_h * len(bars), fmt)
    for index, (bar, end) in enumerate(zip(bars, ends, strict=True)):
        y = top + index * row_h + (row_h - bar_h) / 2
        mid = y + bar_h / 2 + FONT_SIZE * 0.35
        parts = [title_el(f"{bar.label}: {end}")]
        parts.append(text_el(fit(bar.label, label_w - 10), x=x0 - 6, y=mid, text_anchor="end"))
        parts.append(el("rect", x=x0, y=y, width=max(bar.value, 0) * scale, height=bar_h, fill=BAR, class_="bar"))
        if bar.target is not None:
            tx = x0 + max(bar.target, 0) * scale
            # A white halo keeps the black marker visible on the bar as well as beside it.
            parts.append(el("line", x1=tx, x2=tx, y1=y - 3, y2=y + bar_h + 3, stroke="#ffffff", stroke_width=4))
            parts.append(
                el("line", x1=tx, x2=tx, y1=y - 3, y2=y + bar_h + 3, stroke=TARGET, stroke_width=2, class_="target")
            )
        parts.append(text_el(end, x=x0 + plot_w + 6, y=mid, font_size=11))
        body.append(el("g", "".join(parts), class_="row"))
    svg = document(width=WIDTH, height=height, title=title, desc=summary, body=body, key="bar")
    return Chart(title=title, summary=summary, svg=svg, table=table)


def _bar_end_text(bar: Bar, fmt: Formatter) -> str:
    ratio = ratio_of(bar.value, bar.target)
    return fmt(bar.value) if ratio is None else f"{fmt(bar.value)} ({percent_id(ratio)})"


def _bar_summary(bars: Sequence[Bar], fmt: Formatter) -> str:
    high = max(bars, key=lambda bar: bar.value)
    low = min(bars, key=lambda bar: bar.value)
    text = gettext("Highest: %(high_label)s, %(high_value)s. Lowest: %(low_label)s, %(low_value)s.") % {
        "high_label": high.label,
        "high_value": fmt(high.value),
        "low_label": low.label,
        "low_value": fmt(low.value),
    }
    with_target = [bar for bar in bars if ratio_of(bar.value, bar.target) is not None]
    if with_target:
        reached = sum(1 for bar in with_target if bar.target is not None and bar.value >= bar.target)
        text += " " + gettext("Target reached: %(reached)s of %(count)s.") % {
            "reached": reached,
            "count": len(with_target),
        }
    return text


def grouped_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    label_header: str,
    stacked: bool = False,
    fmt: Formatter = rupiah_number,
    summary: str | None = None,
) -> Chart:
    """Horizontal bars for several series per category (men and women per occupation): side by side, or
    ``stacked`` into one bar per category with its total at the end. Each series needs one value per category.
    """
    _check_lengths(categories, series)
    headers = (label_header, *(s.name for s in series), *((gettext("Total"),) if stacked else ()))
    rows = []
    for index, category in enumerate(categories):
        values = [s.values[index] for s in series]
        rows.append((category, *(fmt(v) for v in values), *((fmt(sum(values)),) if stacked else ())))
    table = Table(caption=title, headers=headers, rows=tuple(rows))

    totals = [sum(max(s.values[i], 0) for s in series) for i in range(len(categories))]
    maximum = max(
        totals if stacked else [max(s.values[i], 0) for s in series for i in range(len(categories))], default=0
    )
    if maximum <= 0:
        return no_data_chart(title, table)

    summary = summary or _series_summary(categories, series, fmt)
    colours = [SERIES[i % len(SERIES)] for i in range(len(series))]
    label_w = _label_width(categories)
    value_w = max(text_width(fmt(maximum), 10), text_width(fmt(0), 10)) + 8
    x0 = PAD + label_w
    plot_w = WIDTH - x0 - value_w - PAD
    ticks = nice_ticks(maximum)
    scale = plot_w / ticks[-1]
    bar_h = 16 if stacked else 12
    row_h = bar_h + 8 if stacked else bar_h * len(series) + 10
    top = PAD + LEGEND_H
    height = top + row_h * len(categories) + AXIS_H + PAD

    body = _legend(list(zip(colours, (s.name for s in series), strict=True)), y=PAD + 6)
    body += _x_axis(ticks, x0, scale, top, top + row_h * len(categories), fmt)
    for index, category in enumerate(categories):
        y = top + index * row_h + 4
        parts = [
            text_el(fit(category, label_w - 10), x=x0 - 6, y=top + index * row_h + row_h / 2 + 4, text_anchor="end")
        ]
        x = x0
        for s, colour in zip(series, colours, strict=True):
            value = s.values[index]
            width = max(value, 0) * scale
            tip = title_el(f"{category}, {s.name}: {fmt(value)}")
            parts.append(el("g", tip + el("rect", x=x, y=y, width=width, height=bar_h, fill=colour, class_="bar")))
            if stacked:
                x += width
            else:
                parts.append(text_el(fmt(value), x=x0 + width + 3, y=y + bar_h - 2, font_size=10))
                y += bar_h
        if stacked:
            parts.append(text_el(fmt(totals[index]), x=x + 4, y=y + bar_h - 3, font_size=10))
        body.append(el("g", "".join(parts), class_="row"))
    svg = document(width=WIDTH, height=height, title=title, desc=summary, body=body, key="grouped")
    return Chart(title=title, summary=summary, svg=svg, table=table)


def _check_lengths(categories: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories")


def _series_summary(categories: Sequence[str], series: Sequence[Series], fmt: Formatter) -> str:
    """Each series' total and where it is highest: enough to follow the chart without seeing it."""
    parts = []
    for s in series:
        if not categories:
            continue
        best = max(range(len(categories)), key=lambda i: s.values[i])
        parts.append(
            gettext("%(series)s: total %(total)s, highest %(category)s with %(value)s.")
            % {
                "series": s.name,
                "total": fmt(sum(s.values)),
                "category": categories[best],
                "value": fmt(s.values[best]),
            }
        )
    return " ".join(parts)
