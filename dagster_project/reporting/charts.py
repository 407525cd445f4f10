"""Hand-laid-out horizontal bar charts for the reports.

This module only computes geometry (user units of the SVG viewBox); the `bar_chart` macro in
report_templates/charts.html.j2 draws it as inline SVG. Keeping the drawing in the template means
every label goes through Jinja's autoescaping, so an area name can never become markup.

Bars run horizontally because area names are long Chinese strings and the number of sub-areas
varies from three districts to dozens of communities.
"""

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# CJK family first: otherwise Chinese labels fall back to whatever font fontconfig picks, or tofu.
CHART_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'

CHART_WIDTH = 640.0
TITLE_BAND = 48.0
AXIS_BAND = 52.0
MARGIN = 10.0
VALUE_BAND = 64.0
MAX_LABEL_WIDTH = 200.0
MAX_ROW_HEIGHT = 26.0
# Past this plot height the rows get thinner, so that the chart still fits on one A4 page.
MAX_PLOT_HEIGHT = 760.0
BAR_SHARE_OF_ROW = 0.62
MAX_FONT_SIZE = 12.0
TITLE_FONT_SIZE = 14.0
TARGET_TICKS = 5


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: float
    height: float
    width: float
    text_y: float
    value_x: float


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class ReferenceLine:
    x: float
    text: str
    text_anchor: str


@dataclass(frozen=True)
class BarChart:
    title: str
    axis_label: str
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    font_size: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    reference: ReferenceLine | None
    title_font_size: float = TITLE_FONT_SIZE
    font_family: str = CHART_FONT_FAMILY

    @property
    def label_x(self) -> float:
        return self.plot_left - 6

    @property
    def title_y(self) -> float:
        return TITLE_FONT_SIZE + 6

    @property
    def tick_text_y(self) -> float:
        return self.plot_bottom + self.font_size + 6

    @property
    def axis_label_y(self) -> float:
        return self.plot_bottom + 2 * self.font_size + 18


def text_width(text: str, font_size: float) -> float:
    """Approximate advance of a string: full-width (CJK) characters are one em, others about 0.6."""
    return sum(font_size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * font_size for ch in text)


def fit_label(text: str, font_size: float, max_width: float) -> str:
    """Shorten a label from the middle: names like 'XX街道XX社区' differ mostly at the end."""
    if text_width(text, font_size) <= max_width:
        return text
    head, tail = text[: len(text) // 2], text[len(text) // 2 :]
    while head or tail:
        if len(head) >= len(tail):
            head = head[:-1]
        else:
            tail = tail[1:]
        candidate = f"{head}…{tail}"
        if text_width(candidate, font_size) <= max_width:
            return candidate
    return "…"


def nice_axis(max_value: float) -> tuple[float, float]:
    """(step, axis maximum) with steps of 1, 2, 2.5 or 5 × 10^k and about TARGET_TICKS ticks."""
    if max_value <= 0:
        return 1.0, 1.0
    raw = max_value / TARGET_TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step, math.ceil(max_value / step - 1e-9) * step


def _tick_text(value: float) -> str:
    return f"{value:.10g}"


def horizontal_bar_chart(
    title: str,
    axis_label: str,
    items: Sequence[tuple[str, float | None, str]],
    reference: tuple[str, float] | None = None,
) -> BarChart:
    """Lay out one bar per (label, value, printed value); a None value gets its printed mark only.

    `reference` draws a dashed line with a caption, e.g. the city-wide rate behind district bars.
    """
    rows = max(len(items), 1)
    row_height = min(MAX_ROW_HEIGHT, MAX_PLOT_HEIGHT / rows)
    font_size = min(MAX_FONT_SIZE, row_height * 0.75)
    label_width = min(MAX_LABEL_WIDTH, max((text_width(label, font_size) for label, _, _ in items), default=0))
    plot_left = MARGIN + label_width + 8
    plot_right = CHART_WIDTH - VALUE_BAND
    plot_top = TITLE_BAND
    plot_bottom = plot_top + rows * row_height

    values = [v for _, v, _ in items if v is not None]
    if reference is not None:
        values.append(reference[1])
    step, axis_max = nice_axis(max(values, default=0.0))
    scale = (plot_right - plot_left) / axis_max

    bar_height = row_height * BAR_SHARE_OF_ROW
    bars = []
    for i, (label, value, value_text) in enumerate(items):
        y = plot_top + i * row_height + (row_height - bar_height) / 2
        width = (value or 0.0) * scale
        bars.append(
            Bar(
                label=fit_label(label, font_size, label_width),
                value_text=value_text,
                y=y,
                height=bar_height,
                width=width,
                text_y=y + bar_height / 2 + font_size * 0.35,
                value_x=plot_left + width + 4,
            )
        )

    ticks = tuple(
        Tick(plot_left + k * step * scale, _tick_text(k * step)) for k in range(round(axis_max / step) + 1)
    )

    line = None
    if reference is not None:
        x = plot_left + reference[1] * scale
        # Keep the caption inside the chart when the line sits near the right edge.
        anchor = "end" if x + text_width(reference[0], font_size) / 2 > CHART_WIDTH - MARGIN else "middle"
        line = ReferenceLine(x=x, text=reference[0], text_anchor=anchor)

    return BarChart(
        title=title,
        axis_label=axis_label,
        width=CHART_WIDTH,
        height=plot_bottom + AXIS_BAND,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        font_size=font_size,
        bars=tuple(bars),
        ticks=ticks,
        reference=line,
    )
