"""平安建设季度分析: disputes, cases, resettlement of released persons and community policing for one
quarter, against the previous quarter and the same quarter a year earlier; at Q2 also the first half.

Every figure is a published cell of marts.fct_indicator_values (after disclosure control) or, for
the half year, derived in the open from the published Q1 and Q2 cells by the rule HALF_YEAR_RULES
states for that indicator. The marts publish months, quarters and years but no half years; events
of two quarters add up because each event belongs to exactly one quarter, and a stock as at 30 June
is the second quarter's cell. A half-year value is withheld whenever a cell it needs is withheld, so
nothing is published that the quarters did not already publish.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import duckdb

from dagster_project.lib.contract import Contract, load_contract
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting import formatting
from dagster_project.reporting.charts import BarChart, horizontal_bar_chart
from dagster_project.reporting.data import (
    MISSING_FIGURE,
    AreaRow,
    Change,
    Figure,
    IndicatorDef,
    NoDataForPeriod,
    ReportDataError,
    AreaLevel,
    SourceSummary,
    children_of,
    indicator_defs,
    load_figures,
    resolve_area,
    source_notes,
    summarise_sources,
)
from dagster_project.reporting.editions import FIRST_EDITION, Edition
from dagster_project.reporting.render import (
    DEFAULT_TIME_LIMIT_S,
    SCOPE_WORDS,
    ReproStamp,
    common_context,
    issue_stamped,
    render_template,
    report_path,
)
from dagster_project.reporting.sources import current_files_fingerprint, month_key

SAFETY_TITLE = "平安建设季度分析"
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
TREND_QUARTERS = 5

# The report's chapters and the indicators each discusses, in order.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("disputes", "矛盾纠纷排查调处", ("I18", "I04")),
    ("cases", "刑事治安案件", ("I06", "I21", "I22", "I07", "I08")),
    ("resettlement", "刑满释放人员安置帮教", ("I01", "I23", "I02")),
    ("policing", "社区警务与技防", ("C20", "I12", "C24")),
)
SAFETY_CODES = tuple(code for _, _, codes in SECTIONS for code in codes)
# Columns of the comparison of sub-areas, and the indicator its chart ranks them by.
CHILD_CODES = ("I18", "I04", "I06", "I08", "I01", "C20")
CHART_CODE = "I08"
TREND_CODES = ("I18", "I04", "I06", "I07", "I08")

# Where each indicator comes from, for the source notes (contract table names).
INDICATOR_SOURCES: Mapping[str, tuple[str, ...]] = {
    "I18": ("ps_dispute",),
    "I04": ("ps_dispute",),
    "I06": ("ps_case",),
    "I21": ("ps_case",),
    "I22": ("ps_case",),
    "I07": ("ps_case",),
    "I08": ("ps_case", "ps_resident"),
    "I01": ("ps_released_person",),
    "I23": ("ps_released_person",),
    "I02": ("ps_released_person",),
    "C20": ("ps_police_room", "ca_division"),
    "I12": ("ps_resident", "ps_police_room"),
    "C24": ("ps_police_room", "ps_resident"),
}

# How the number behind a rate is worded: "受理50件，调解成功33件". {num} and {den} are printed counts.
BASIS_PHRASES: Mapping[str, str] = {
    "I04": "受理{den}件，调解成功{num}件",
    "I07": "全部案件{den}起，其中盗窃类{num}起",
    "I08": "案件{num}起，期末实有人口{den}人",
    "I01": "在册{den}人，已安置{num}人",
    "I23": "在册{den}人，已落实帮教责任人{num}人",
    "I02": "在册{den}人，近90天内回访{num}人",
    "C20": "社区{den}个，有警务室服务的{num}个",
}

HalfYearKind = Literal["sum", "ratio_of_sums", "sum_over_end_stock", "end_of_period"]


@dataclass(frozen=True)
class HalfYearRule:
    kind: HalfYearKind
    scale: float = 1.0
    explanation: str = ""


HALF_YEAR_RULES: Mapping[str, HalfYearRule] = {
    "I18": HalfYearRule("sum", explanation="第1、2季度受理件数之和"),
    "I06": HalfYearRule("sum", explanation="第1、2季度案件数之和"),
    "I21": HalfYearRule("sum", explanation="第1、2季度刑事案件数之和"),
    "I22": HalfYearRule("sum", explanation="第1、2季度治安案件数之和"),
    "I04": HalfYearRule("ratio_of_sums", 100.0, "两季度调解成功件数之和÷两季度受理件数之和×100%"),
    "I07": HalfYearRule("ratio_of_sums", 100.0, "两季度盗窃类案件数之和÷两季度案件数之和×100%"),
    "I08": HalfYearRule("sum_over_end_stock", 1000.0, "两季度案件数之和÷6月末实有人口数×1000"),
    "I01": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
    "I23": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
    "I02": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
    "C20": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
    "I12": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
    "C24": HalfYearRule("end_of_period", explanation="6月末（第2季度末）数值"),
}

# Counter words of count indicators, for "增加9起".
COUNT_UNITS = ("起", "件", "人", "个")

# A district's analysis compares its streets where the marts have them, else its communities.
DISTRICT_UNITS = (("street", "街道"), ("community", "社区"))

Direction = Literal["up", "down", "same"]


def printed(value: float, unit: str) -> Decimal:
    """A value as printed, at the precision formatting.UNIT_DECIMALS gives its unit (rare events per
    1,000 residents to 0.01, so that quarters can differ at all)."""
    return formatting.round_half_up(value, formatting.decimals_for_unit(unit))


# An indicator value at its printed precision: '66.0%', '2.41起/千人', '59件'; withheld '—'.
fmt_indicator = formatting.fmt_value


def fmt_figure(figure: Figure, unit: str, with_unit: bool = True) -> str:
    return fmt_indicator(figure.value, unit, suppressed=figure.suppressed, with_unit=with_unit)


def _direction(delta: Decimal | float) -> Direction:
    return "up" if delta > 0 else "down" if delta < 0 else "same"


def compare(current: Figure, reference: Figure, unit: str) -> Change | None:
    """How a published value compares with a published reference, judged on the printed values."""
    if not (current.shown and reference.shown):
        return None
    assert current.value is not None and reference.value is not None
    shown, base = printed(current.value, unit), printed(reference.value, unit)
    amount = shown - base
    if unit == "%" or base == 0:
        return Change(_direction(amount), float(abs(amount)))
    # Relative to the printed values, so a reader can check the percentage from the table.
    relative = formatting.round_half_up(float(amount / base * 100), 1)
    return Change(_direction(amount), float(abs(amount)), float(abs(relative)), _direction(relative))


def change_phrase(change: Change | None, unit: str, since: str) -> str:
    """'较上季度增加9起（增长18.0%）', '较上年同期下降2.1个百分点', '与上季度持平'; '' without comparison."""
    if change is None:
        return ""
    if change.direction == "same":
        return f"与{since}持平"
    if unit == "%":
        word = "提高" if change.direction == "up" else "下降"
        return f"较{since}{word}{formatting.fmt_pp(change.amount)}"
    amount = fmt_indicator(change.amount, unit)
    if unit in COUNT_UNITS:
        word = "增加" if change.direction == "up" else "减少"
        if change.relative_pct is None:
            return f"较{since}{word}{amount}"
        growth = "增长" if change.direction == "up" else "下降"
        return f"较{since}{word}{amount}（{growth}{formatting.fmt_change_pct(change.relative_pct)}）"
    if change.relative_pct is None or change.relative_direction == "same":
        word = "上升" if change.direction == "up" else "下降"
        return f"较{since}{word}{amount}"
    word = "上升" if change.relative_direction == "up" else "下降"
    return f"较{since}{word}{formatting.fmt_change_pct(change.relative_pct)}"


def stated_value(indicator: IndicatorDef, figure: Figure) -> str:
    """'受理矛盾纠纷119件' for a count named '…数', otherwise '矛盾纠纷调解成功率为75.6%'."""
    value = fmt_figure(figure, indicator.unit)
    if indicator.unit in COUNT_UNITS and indicator.name_zh.endswith("数"):
        return f"{indicator.name_zh[:-1]}{value}"
    return f"{indicator.name_zh}为{value}"


def signed_change(change: Change | None, unit: str) -> str:
    """The change for a table cell: '+2.1个百分点', '-18.0%', '0'; '…' without comparison."""
    if change is None:
        return formatting.MISSING
    if change.direction == "same":
        return "持平"
    sign = "+" if change.direction == "up" else "-"
    if unit == "%":
        return f"{sign}{formatting.fmt_pp(change.amount)}"
    if change.relative_pct is None:
        return f"{sign}{fmt_indicator(change.amount, unit)}"
    return f"{sign}{formatting.fmt_change_pct(change.relative_pct)}"


def standard_phrase(figure: Figure, indicator: IndicatorDef) -> str:
    """'达到100%的参考标准' or '低于参考标准（100%）3.2个百分点'; '' without a standard."""
    if not figure.shown or indicator.standard_value is None or figure.value is None:
        return ""
    norm = formatting.fmt_norm(indicator.standard_value, indicator.unit)
    gap = printed(figure.value, indicator.unit) - printed(indicator.standard_value, indicator.unit)
    if indicator.direction == "lower_is_better":
        met = gap <= 0
    else:
        met = gap >= 0
    if met:
        return f"达到{norm}的参考标准"
    word = "高于" if gap > 0 else "低于"
    size = formatting.fmt_pp(float(abs(gap))) if indicator.unit == "%" else fmt_indicator(float(abs(gap)), indicator.unit)
    return f"{word}参考标准（{norm}）{size}"


def basis_phrase(code: str, figure: Figure) -> str | None:
    phrase = BASIS_PHRASES.get(code)
    if phrase is None or not figure.shown or figure.numerator is None or figure.denominator is None:
        return None
    return phrase.format(num=formatting.fmt_count(figure.numerator), den=formatting.fmt_count(figure.denominator))


@dataclass(frozen=True)
class Line:
    """One indicator of the area in the report's quarter, with what it is compared with."""

    code: str
    indicator: IndicatorDef
    current: Figure
    previous_quarter: Figure
    last_year: Figure
    vs_previous_quarter: Change | None
    vs_last_year: Change | None
    basis: str | None
    standard: str

    @property
    def unit(self) -> str:
        return self.indicator.unit


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class HalfYearLine:
    code: str
    indicator: IndicatorDef
    current: Figure
    last_year: Figure
    vs_last_year: Change | None
    rule: HalfYearRule


@dataclass(frozen=True)
class SafetyReport:
    period: str
    year: str
    quarter: int
    previous_quarter: str
    last_year_quarter: str
    area_name: str
    area_level: AreaLevel
    child_noun: str
    indicators: dict[str, IndicatorDef]
    sections: tuple[Section, ...]
    lines: dict[str, Line]
    children: tuple[AreaRow, ...]
    child_codes: tuple[str, ...]
    trend_periods: tuple[str, ...]
    trend: dict[str, tuple[Figure, ...]]
    half_year: tuple[HalfYearLine, ...]
    sources: SourceSummary
    source_notes: dict[str, tuple[str, ...]]

    @property
    def has_half_year(self) -> bool:
        return bool(self.half_year)

    def line(self, code: str) -> Line | None:
        return self.lines.get(code)

    def withheld_in_children(self) -> bool:
        return any(f.suppressed for row in self.children for f in row.figures.values())

    @property
    def trend_withheld(self) -> bool:
        return any(f.suppressed for series in self.trend.values() for f in series)

    @property
    def trend_missing(self) -> bool:
        return any(not (f.shown or f.suppressed) for series in self.trend.values() for f in series)

    def unpublished_in_children(self, code: str) -> bool:
        """Whether any compared unit has no published value of the indicator (withheld or missing)."""
        return any(not row.figures[code].shown for row in self.children if code in row.figures)

    @property
    def missing_in_children(self) -> bool:
        return any(not (f.shown or f.suppressed) for row in self.children for f in row.figures.values())

    @property
    def any_withheld(self) -> bool:
        return any(
            f.suppressed
            for line in self.lines.values()
            for f in (line.current, line.previous_quarter, line.last_year)
        ) or any(f.suppressed for h in self.half_year for f in (h.current, h.last_year))


def parse_quarter(period: str) -> tuple[int, int]:
    m = QUARTER_RE.fullmatch(period)
    if not m:
        raise ReportDataError(f"a quarter is written YYYYQn (e.g. 2025Q2), got {period!r}")
    return int(m.group(1)), int(m.group(2))


def quarter_key(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def shift_quarter(year: int, quarter: int, by: int) -> tuple[int, int]:
    index = year * 4 + quarter - 1 + by
    return index // 4, index % 4 + 1


def quarter_months(year: int, quarter: int) -> list[str]:
    return [month_key(year, 3 * (quarter - 1) + k) for k in (1, 2, 3)]


def months_read(period: str) -> list[str]:
    """Every month whose files the report's numbers rest on: its quarter and the quarters it compares with."""
    year, quarter = parse_quarter(period)
    quarters = {(year, quarter), shift_quarter(year, quarter, -1), (year - 1, quarter)}
    if quarter == 2:
        quarters |= {(year, 1), (year - 1, 1)}
    return sorted(m for q in quarters for m in quarter_months(*q))


def half_year_figure(code: str, q1: Figure, q2: Figure) -> Figure:
    """The first half derived from published Q1 and Q2 cells by the indicator's rule; withheld if either is."""
    rule = HALF_YEAR_RULES[code]
    if rule.kind == "end_of_period":
        return q2
    if q1.suppressed or q2.suppressed:
        return Figure(suppressed=True)
    if not (q1.shown and q2.shown):
        return MISSING_FIGURE
    assert q1.value is not None and q2.value is not None
    if rule.kind == "sum":
        total = q1.value + q2.value
        return Figure(value=total, numerator=total)
    if q1.numerator is None or q2.numerator is None:
        return MISSING_FIGURE
    numerator = q1.numerator + q2.numerator
    if rule.kind == "ratio_of_sums":
        if q1.denominator is None or q2.denominator is None:
            return MISSING_FIGURE
        denominator = q1.denominator + q2.denominator
    else:
        if q2.denominator is None:
            return MISSING_FIGURE
        denominator = q2.denominator
    if not denominator:
        return MISSING_FIGURE
    return Figure(value=rule.scale * numerator / denominator, numerator=numerator, denominator=denominator)


def load_safety_report(
    con: duckdb.DuckDBPyConnection, period: str, contract: Contract, area_code: str | None = None
) -> SafetyReport:
    year, quarter = parse_quarter(period)
    previous = quarter_key(*shift_quarter(year, quarter, -1))
    last_year = quarter_key(year - 1, quarter)
    trend_periods = [quarter_key(*shift_quarter(year, quarter, -k)) for k in range(TREND_QUARTERS - 1, -1, -1)]
    half_periods = [quarter_key(year, 1), quarter_key(year - 1, 1)] if quarter == 2 else []

    code, name, level = resolve_area(con, area_code, "the public-safety analysis")
    defs = indicator_defs(con, SAFETY_CODES)
    if not defs:
        raise ReportDataError("marts.dim_indicator defines none of the public-safety indicators")
    children, child_noun = children_of(con, code, level, DISTRICT_UNITS)
    periods = sorted({period, previous, last_year, *trend_periods, *half_periods})
    figures = load_figures(con, [code, *(c for c, _ in children)], periods, list(defs))

    def figure(area: str, p: str, c: str) -> Figure:
        return figures.get((area, p, c), MISSING_FIGURE)

    if not any((code, period, c) in figures for c in defs):
        raise NoDataForPeriod(f"marts.fct_indicator_values holds no public-safety values of {period} for {name}")

    lines: dict[str, Line] = {}
    for c, indicator in defs.items():
        current = figure(code, period, c)
        prev = figure(code, previous, c)
        ly = figure(code, last_year, c)
        lines[c] = Line(
            code=c,
            indicator=indicator,
            current=current,
            previous_quarter=prev,
            last_year=ly,
            vs_previous_quarter=compare(current, prev, indicator.unit),
            vs_last_year=compare(current, ly, indicator.unit),
            basis=basis_phrase(c, current),
            standard=standard_phrase(current, indicator),
        )
    sections = tuple(
        Section(key, heading, tuple(lines[c] for c in codes if c in lines))
        for key, heading, codes in SECTIONS
        if any(c in lines for c in codes)
    )

    child_codes = tuple(c for c in CHILD_CODES if c in defs)
    rows = tuple(
        AreaRow(name=child_name, figures={c: figure(child_code, period, c) for c in child_codes})
        for child_code, child_name in children
        if any((child_code, period, c) in figures for c in child_codes)
    )
    if len(rows) < 2:
        rows = ()  # one sub-area has nothing to be compared with: its figures are the area's own

    half_year: tuple[HalfYearLine, ...] = ()
    if quarter == 2:
        q1, ly_q1 = half_periods
        items = []
        for c, indicator in defs.items():
            current = half_year_figure(c, figure(code, q1, c), figure(code, period, c))
            before = half_year_figure(c, figure(code, ly_q1, c), figure(code, last_year, c))
            items.append(
                HalfYearLine(c, indicator, current, before, compare(current, before, indicator.unit), HALF_YEAR_RULES[c])
            )
        half_year = tuple(items)

    return SafetyReport(
        period=period,
        year=str(year),
        quarter=quarter,
        previous_quarter=previous,
        last_year_quarter=last_year,
        area_name=name,
        area_level=level,
        child_noun=child_noun,
        indicators=defs,
        sections=sections,
        lines=lines,
        children=rows,
        child_codes=child_codes,
        trend_periods=tuple(trend_periods),
        trend={c: tuple(figure(code, p, c) for p in trend_periods) for c in TREND_CODES if c in defs},
        half_year=half_year,
        sources=summarise_sources(
            con, quarter_months(year, quarter), contract, {t for c in defs for t in INDICATOR_SOURCES.get(c, ())}
        ),
        source_notes=source_notes(contract, INDICATOR_SOURCES, defs),
    )


def children_chart(report: SafetyReport) -> BarChart | None:
    """Sub-areas ranked by cases per 1,000 residents, highest first, the whole area as a dashed line."""
    if CHART_CODE not in report.indicators or not report.children:
        return None
    indicator = report.indicators[CHART_CODE]
    figures = [(row.name, row.figures[CHART_CODE]) for row in report.children]
    if not any(f.shown for _, f in figures):
        return None
    figures.sort(key=lambda item: (not item[1].shown, -(item[1].value or 0.0) if item[1].shown else 0.0))
    items = [(n, f.value if f.shown else None, fmt_figure(f, indicator.unit, with_unit=False)) for n, f in figures]
    whole = report.lines[CHART_CODE].current
    reference = None
    if whole.shown and whole.value is not None:
        reference = (f"{SCOPE_WORDS[report.area_level]}{fmt_figure(whole, indicator.unit, with_unit=False)}", whole.value)
    return horizontal_bar_chart(
        title=f"{formatting.fmt_period(report.period)}各{report.child_noun}{indicator.name_zh}",
        axis_label=f"{indicator.name_zh}（{indicator.unit}）",
        items=items,
        reference=reference,
    )


def trend_chart(report: SafetyReport) -> BarChart | None:
    """Cases in each of the last quarters, oldest first, so the eye reads the trend downwards."""
    code = "I06"
    if code not in report.trend or not any(f.shown for f in report.trend[code]):
        return None
    indicator = report.indicators[code]
    items = [
        (formatting.fmt_period(p), f.value if f.shown else None, fmt_figure(f, indicator.unit, with_unit=False))
        for p, f in zip(report.trend_periods, report.trend[code])
    ]
    return horizontal_bar_chart(
        title=f"近{len(items)}个季度{SCOPE_WORDS[report.area_level]}{indicator.name_zh}",
        axis_label=f"{indicator.name_zh}（{indicator.unit}）",
        items=items,
    )


def cover_title(report: SafetyReport) -> str:
    """'2025年第2季度平安建设分析': the quarter is named once, not twice."""
    return f"{report.year}年第{report.quarter}季度平安建设分析"


def safety_title(report: SafetyReport) -> str:
    return f"{report.area_name}{cover_title(report)}"


def grouped_source_note(report: SafetyReport, codes: Sequence[str]) -> str:
    """'数据来源：公安局刑事治安案件（刑事治安案件数、刑事案件数）；…。' — each source named once."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for code in codes:
        sources = report.source_notes.get(code, ())
        if sources and code in report.indicators:
            groups.setdefault(sources, []).append(report.indicators[code].name_zh)
    if not groups:
        return ""
    parts = [f"{formatting.cn_list(src)}（{formatting.cn_list(names)}）" for src, names in groups.items()]
    return "数据来源：" + "；".join(parts) + "。"


def safety_report_html(
    report: SafetyReport, stamp: ReproStamp, issued_on: date, edition: Edition = FIRST_EDITION
) -> str:
    return render_template(
        "safety_report.html.j2",
        **common_context(SAFETY_TITLE, stamp, issued_on, edition),
        report=report,
        title=safety_title(report),
        scope=SCOPE_WORDS[report.area_level],
        children_chart=children_chart(report),
        trend_chart=trend_chart(report),
        cover_title=cover_title(report),
        source_note=lambda codes: grouped_source_note(report, list(codes)),
        fmt_figure=fmt_figure,
        stated_value=stated_value,
        change_phrase=change_phrase,
        signed_change=signed_change,
    )


def safety_fingerprint(con: duckdb.DuckDBPyConnection, period: str) -> str:
    return current_files_fingerprint(con, months_read(period))


def render_safety_report(
    snapshot_path: Path,
    period: str,
    out_dir: Path,
    *,
    area_code: str | None = None,
    stamp: ReproStamp,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    issued_on: date | None = None,
) -> Path:
    """Write the quarterly public-safety analysis of the city (or one district) and return its path.

    The PDF lands at out_dir/<YYYYQn>/平安建设季度分析_<area name>_<YYYYQn>.pdf; a report already there
    from other data is kept as an earlier edition and the new one is marked 修订版.
    """
    with read_snapshot(snapshot_path) as con:
        report = load_safety_report(con, period, load_contract(), area_code)
    return issue_stamped(
        report_path(out_dir, period, report.area_name, SAFETY_TITLE),
        stamp,
        lambda *issue: safety_report_html(report, *issue),
        time_limit_s,
        issued_on,
    )
