"""Small charts drawn on the server as SVG: bars, stacked bars and a line. No chart library in the browser.

Each chart is an `<svg role="img">` named by its `<title>` and described by a `<desc>` that reads
every figure out, so a screen reader (and a test) gets the numbers, not only the shapes. Colours
come from CSS classes (`s-0` … `s-5`): the page's style sheet, never inline styles (the CSP
forbids them). Every chart is also followed on its page by the figures as text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 320
HEIGHT = 150
PAD_X = 6
PAD_TOP = 18  # room for the figure above a bar or point
PAD_BOTTOM = 22  # room for the labels under the axis


@dataclass(frozen=True)
class Point:
    """One bar or point: its label under the axis, its value, and the value as a person reads it."""

    label: str
    value: float | None
    shown: str = ""

    @property
    def text(self) -> str:
        return self.shown or ("—" if self.value is None else f"{self.value:g}")


@dataclass(frozen=True)
class Series:
    """One part of stacked bars: its name (the legend), its colour class and a value per label."""

    name: str
    css: str
    values: tuple[float, ...]


def _frame(chart_id: str, title: str, described: str, body: list[str]) -> Markup:
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(described)}</desc>',
        f'<line class="axis" x1="{PAD_X}" y1="{_bottom()}" x2="{WIDTH - PAD_X}" y2="{_bottom()}"/>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


def _bottom() -> float:
    return HEIGHT - PAD_BOTTOM


def _plot_height() -> float:
    return HEIGHT - PAD_BOTTOM - PAD_TOP


def _slots(n: int) -> tuple[float, float]:
    """The width of one label's slot and the x of the first slot's centre."""
    slot = (WIDTH - 2 * PAD_X) / max(n, 1)
    return slot, PAD_X + slot / 2


def _label(x: float, text: str) -> str:
    return f'<text class="label" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(text)}</text>'


def _figure(x: float, y: float, text: str) -> str:
    return f'<text class="figure" x="{x:.1f}" y="{max(y - 4, 11):.1f}" text-anchor="middle">{escape(text)}</text>'


def _scale(values: Sequence[float | None], top: float | None) -> float:
    highest = max((v for v in values if v is not None), default=0)
    return top if top is not None and top > 0 else (highest if highest > 0 else 1)


def _description(points: Sequence[Point]) -> str:
    return "; ".join(f"{p.label}: {p.text}" for p in points)


def bar_chart(chart_id: str, title: str, points: Sequence[Point], *, css: str = "s-0",
              top: float | None = None) -> Markup:
    """Vertical bars, one per point, the figure above each."""
    scale = _scale([p.value for p in points], top)
    slot, first = _slots(len(points))
    width = min(slot * 0.62, 48)
    body = []
    for i, point in enumerate(points):
        x = first + i * slot
        height = (point.value or 0) / scale * _plot_height()
        y = _bottom() - height
        body.append(f'<rect class="bar {escape(css)}" x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{height:.1f}"><title>{escape(point.label)}: {escape(point.text)}</title></rect>')
        body.append(_figure(x, y, point.text))
        body.append(_label(x, point.label))
    return _frame(chart_id, title, _description(points), body)


def stacked_bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series],
                      shown=lambda value: f"{value:,.0f}") -> Markup:
    """One bar per label made of each series' part, the total above it."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    scale = _scale(totals, None)
    slot, first = _slots(len(labels))
    width = min(slot * 0.62, 48)
    body = []
    for i, label in enumerate(labels):
        x = first + i * slot
        y = _bottom()
        for part in series:
            value = part.values[i]
            if value <= 0:
                continue
            height = value / scale * _plot_height()
            y -= height
            body.append(f'<rect class="bar {escape(part.css)}" x="{x - width / 2:.1f}" y="{y:.1f}" '
                        f'width="{width:.1f}" height="{height:.1f}"><title>{escape(label)} {escape(part.name)}: '
                        f'{escape(shown(value))}</title></rect>')
        body.append(_figure(x, y, shown(totals[i])))
        body.append(_label(x, label))
    described = "; ".join(
        f"{label}: {shown(totals[i])} ("
        + ", ".join(f"{s.name} {shown(s.values[i])}" for s in series if s.values[i] > 0) + ")"
        for i, label in enumerate(labels))
    return _frame(chart_id, title, described, body)


def line_chart(chart_id: str, title: str, points: Sequence[Point], *, css: str = "s-0",
               top: float | None = None) -> Markup:
    """A line through the points that have a value (a gap where one has none), the figure at each."""
    scale = _scale([p.value for p in points], top)
    slot, first = _slots(len(points))
    body = []
    runs: list[list[tuple[float, float]]] = [[]]
    for i, point in enumerate(points):
        x = first + i * slot
        body.append(_label(x, point.label))
        if point.value is None:
            runs.append([])
            continue
        y = _bottom() - point.value / scale * _plot_height()
        runs[-1].append((x, y))
        body.append(f'<circle class="dot {escape(css)}" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                    f'<title>{escape(point.label)}: {escape(point.text)}</title></circle>')
        body.append(_figure(x, y - 2, point.text))
    lines = [f'<polyline class="line {escape(css)}" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}"/>'
             for run in runs if len(run) > 1]
    return _frame(chart_id, title, _description(points), lines + body)


__all__ = ["Point", "Series", "bar_chart", "stacked_bar_chart", "line_chart"]
