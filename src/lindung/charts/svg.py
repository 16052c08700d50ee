"""SVG primitives shared by the charts: escaped elements, the document frame, colours, numbers and scales.

Every chart is a string built here, never by a template: a label is escaped once, in ``el``, whatever
its source. Styling is by attributes only (no CSS variables or stylesheets), because WeasyPrint's SVG
renderer and PDF readers ignore most CSS inside SVG. Sizes are viewBox units, so a chart scales with
the width of its container.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from decimal import ROUND_FLOOR, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lindung.numbers import decimal

Formatter = Callable[[int], str]

FONT_FAMILY = "'DejaVu Sans', sans-serif"
FONT_SIZE = 12
# DejaVu Sans is a wide face: an average character of mixed text is about 0.6 em. Used to reserve room
# for labels; a label that would not fit is cut with an ellipsis (its full text stays in the table).
CHAR_EM = 0.6

TEXT_DARK = "#1a1a1a"
TEXT_LIGHT = "#ffffff"
MUTED = "#595959"  # 7:1 on white: axis labels and notes
GRID = "#d9d9d9"
AXIS = "#737373"
BAR = "#1f78b4"  # one-series bars: the 4th step of the sequential palette below
TARGET = "#000000"
# Okabe-Ito: distinguishable with every common colour-vision deficiency, in this order.
SERIES = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
# ColorBrewer YlGnBu, 5 classes: sequential and colour-blind safe, light = low, dark = high. The 4th step is
# darkened from #2c7fb8 to #1f78b4 so that white text on it reaches 4.5:1 (WCAG AA); see text_colour_on.
SEQUENTIAL = ("#ffffcc", "#a1dab4", "#41b6c4", "#1f78b4", "#253494")
NO_TARGET = "#d9d9d9"


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def el(tag: str, content: str = "", /, **attrs: object) -> str:
    """An element; ``content`` is markup already built by ``el``/``text_el``. Attribute names take ``_`` for ``-``
    (``font_size`` → ``font-size``) and a trailing ``_`` is dropped (``class_``). ``None`` attributes are left out."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, float) else str(value)
        parts.append(f'{key}="{escape(shown)}"')
    head = " ".join(parts)
    return f"<{head}>{content}</{tag}>" if content else f"<{head}/>"


def text_el(value: str, /, **attrs: object) -> str:
    """A ``<text>`` element holding ``value`` escaped."""
    return el("text", str(escape(value)), **attrs)


def title_el(value: str) -> str:
    """A tooltip (and accessible name) for the element it is the first child of."""
    return el("title", str(escape(value)))


def text_width(value: str, size: float = FONT_SIZE) -> float:
    return len(value) * size * CHAR_EM


def fit(value: str, width: float, size: float = FONT_SIZE) -> str:
    """``value`` cut with an ellipsis so that it takes at most ``width`` units."""
    room = int(width / (size * CHAR_EM))
    if len(value) <= room:
        return value
    return value[: max(room - 1, 1)].rstrip() + "…"


def document(*, width: float, height: float, title: str, desc: str, body: Iterable[str], key: str = "") -> SafeString:
    """The ``<svg>`` frame: role="img" named by its ``<title>`` and described by its ``<desc>``.

    The ids must be unique in a page that shows several charts, and the same chart should give the same
    markup twice (cacheable, comparable): they are derived from the content.
    """
    content = "".join(body)
    uid = "chart-" + hashlib.sha1(f"{key}|{title}|{desc}|{content}".encode(), usedforsecurity=False).hexdigest()[:10]
    svg = el(
        "svg",
        el("title", str(escape(title)), id=f"{uid}-title") + el("desc", str(escape(desc)), id=f"{uid}-desc") + content,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {num(width)} {num(height)}",
        width="100%",
        role="img",
        aria_labelledby=f"{uid}-title {uid}-desc",
        font_family=FONT_FAMILY,
        font_size=FONT_SIZE,
        fill=TEXT_DARK,
        style=f"max-width:{num(width)}px;height:auto",
        class_="chart",
    )
    return mark_safe(svg)  # noqa: S308 - every text and attribute above went through escape()


# --- numbers --------------------------------------------------------------------------------------


def percent_id(ratio: float, decimals: int = 0) -> str:
    """0.8567 → ``85%`` (``85,6%`` with one decimal): Indonesian comma and dots, rounded *down*, so that
    99.7% never shows as a reached target and the shown number always falls in the shown colour class."""
    step = Decimal(1).scaleb(-decimals)
    value = (Decimal(str(ratio)) * 100).quantize(step, rounding=ROUND_FLOOR)
    text = decimal(value, decimals)
    return f"{text}%"


def ratio_of(value: int, target: int | None) -> float | None:
    """``value / target``; ``None`` when there is no target (none, zero or negative)."""
    if target is None or target <= 0:
        return None
    return value / target


def nice_ticks(maximum: float, count: int = 5) -> list[int]:
    """Whole-number axis ticks 0, s, 2s, ... covering ``maximum`` with about ``count`` steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = magnitude * 10
    for factor in (1, 2, 2.5, 5, 10):
        candidate = factor * magnitude
        if candidate >= raw and float(candidate).is_integer():
            step = int(candidate)
            break
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(top // step + 1)]


# --- colours --------------------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(fill: str) -> str:
    """Dark text on light fills, white on dark ones: whichever contrasts more."""
    return TEXT_DARK if contrast(fill, TEXT_DARK) >= contrast(fill, TEXT_LIGHT) else TEXT_LIGHT
