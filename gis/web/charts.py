"""Server-side SVG charts: no script, print well, and every text escaped.

Each chart is drawn from figures the caller passes (the dashboard's, from the store); a
chart only positions them. The markup is the Jinja macro of templates/_charts.svg, which
escapes every text as any template does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask import get_template_attribute
from markupsafe import Markup

WIDTH = 720
LABEL_WIDTH = 250
MAX_LABEL = 34
ROW = 22
BAR = 14
VALUE_SPACE = 140
FONT = "DejaVu Sans, Noto Sans, sans-serif"
INK, MUTED = "#1d2330", "#5b6475"


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    value: object
    anchor: str = "start"
    cls: str = ""  # a class (legend, value) is drawn muted
    kind: str = "text"


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    tip: str = ""
    attrs: tuple[tuple[str, str], ...] = ()
    kind: str = "box"


@dataclass(frozen=True)
class _Mark:
    """A diamond centred on the bar's middle at ``x``: a reported value."""

    x: float
    y: float
    fill: str
    tip: str
    half: float = BAR / 2 + 2
    kind: str = "mark"


Shape = _Text | _Box | _Mark


@dataclass(frozen=True)
class _Chart:
    height: float
    title: str
    shapes: list[Shape]
    css_class: str
    width: int = WIDTH
    font: str = FONT
    ink: str = INK
    muted: str = MUTED


def _text(x: float, y: float, value: object, anchor: str = "start", cls: str = "") -> _Text:
    return _Text(x, y, str(value), anchor, cls)


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str, **attrs: str) -> _Box:
    names = tuple((k.replace("_", "-"), v) for k, v in attrs.items())
    return _Box(x, y, w, h, fill, tip, names)


def _svg(height: float, title: str, body: list[Shape], css_class: str) -> Markup:
    chart = get_template_attribute("_charts.svg", "chart")
    return Markup(chart(_Chart(height, title, body, css_class)))


def _short(label: str) -> str:
    # A long unit name would run off the chart's left edge; the bar's tooltip has it whole.
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _legend(
    keys: Sequence[str], colors: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[list[Shape], float]:
    """The legend's shapes, wrapped into as many lines as it needs, and its height."""
    parts: list[Shape] = []
    x, y = 8.0, 6.0
    for key in keys:
        label = str(labels[key])
        width = 28 + 7 * len(label)
        if x + width > WIDTH and x > 8:
            x, y = 8.0, y + 18
        parts.append(_Box(x, y, 12, 12, colors[key]))
        parts.append(_text(x + 16, y + 10, label, cls="legend"))
        x += width
    return parts, y + 22


@dataclass(frozen=True)
class StackRow:
    """One bar of a stacked chart: its label and the count of each key."""

    label: str
    counts: Mapping[str, int]
    note: str = ""


def stacked_bars(
    rows: Sequence[StackRow],
    keys: Sequence[str],
    colors: Mapping[str, str],
    labels: Mapping[str, str],
    title: str,
    css_class: str = "stacked",
) -> Markup:
    """Horizontal stacked bars (one per row, one segment per key), scaled to the largest."""
    largest = max((sum(r.counts.get(k, 0) for k in keys) for r in rows), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - VALUE_SPACE) / largest
    shown = [k for k in keys if any(r.counts.get(k, 0) for r in rows)] or list(keys)
    body, top = _legend(shown, colors, labels)
    for index, row in enumerate(rows):
        y = top + index * ROW
        body.append(_text(LABEL_WIDTH - 6, y + BAR - 3, _short(row.label), "end"))
        x = float(LABEL_WIDTH)
        for key in keys:
            count = row.counts.get(key, 0)
            if count:
                tip = f"{row.label}: {labels[key]} {count}"
                body.append(_rect(x, y, count * scale, BAR, colors[key], tip, data_key=key))
                x += count * scale
        total = sum(row.counts.get(k, 0) for k in keys)
        body.append(_text(x + 6, y + BAR - 3, f"{total}{row.note}", cls="value"))
    return _svg(top + len(rows) * ROW + 6, title, body, css_class)


@dataclass(frozen=True)
class ShareRow:
    """One bar of a share chart: its label, the share in percent (None: not reported), text."""

    label: str
    pct: float | None
    text: str


def share_bars(
    rows: Sequence[ShareRow], color: str, title: str, css_class: str = "share"
) -> Markup:
    """Horizontal bars of a share out of 100 %, with the figure written beside each."""
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE - 60
    body: list[Shape] = []
    for index, row in enumerate(rows):
        y = 8 + index * ROW
        body.append(_text(LABEL_WIDTH - 6, y + BAR - 3, _short(row.label), "end"))
        body.append(_rect(LABEL_WIDTH, y, span, BAR, "#eceff3", row.text, stroke="#c8ced8"))
        if row.pct is not None:
            body.append(_rect(LABEL_WIDTH, y, span * min(row.pct, 100) / 100, BAR, color, row.text))
        body.append(_text(LABEL_WIDTH + span + 6, y + BAR - 3, row.text, cls="value"))
    return _svg(12 + len(rows) * ROW, title, body, css_class)


@dataclass(frozen=True)
class RangeRow:
    """One target: its range, the reported value (or None) and the colour of its status."""

    label: str
    low: float
    high: float
    value: float | None
    color: str
    text: str


def range_chart(rows: Sequence[RangeRow], title: str, fmt: Callable[[float], str] = str) -> Markup:
    """Each target's range as a band on its own scale, and the reported value as a mark."""
    span = 200  # leaves room for "1–2 percentage points · Not reported" beside the band
    body: list[Shape] = []
    for index, row in enumerate(rows):
        y = 8 + index * (ROW + 8)
        top = max(row.high, row.value or 0) * 1.25 or 1
        bottom = min(0.0, row.value or 0.0, row.low)

        def at(v: float, bottom: float = bottom, top: float = top) -> float:
            """The x position of value ``v`` on this row's scale."""
            return LABEL_WIDTH + span * (v - bottom) / (top - bottom)

        body.append(_text(LABEL_WIDTH - 6, y + BAR - 3, _short(row.label), "end"))
        body.append(_rect(LABEL_WIDTH, y + BAR / 2 - 1, span, 2, "#c8ced8", row.text))
        band = f"{fmt(row.low)}–{fmt(row.high)}"
        body.append(_rect(at(row.low), y, at(row.high) - at(row.low), BAR, "#cfe8dc", band))
        if row.value is not None:
            body.append(_Mark(at(row.value), y, row.color, row.text))
        body.append(_text(LABEL_WIDTH + span + 6, y + BAR - 3, row.text, cls="value"))
    return _svg(12 + len(rows) * (ROW + 8), title, body, "range")
