"""Everything the annual report states, read from the published marts and the load ledger, and the
loaders every report kind shares: the report's area and the units it compares, indicator definitions,
published figures, and what the ledger says of the files behind a report.

Every number in the report is computed here; templates only word and format them. Comparisons are
made on values rounded to the precision the report prints, so a reader who checks "12.3% is 0.4个百分点
above 11.9%" by hand gets the same answer.
"""

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import duckdb

from dagster_project.lib.contract import Contract
from dagster_project.lib.warehouse import CURRENT_STATUSES
from dagster_project.reporting.formatting import (
    PERCENT_DECIMALS,
    SUPPRESSION_THRESHOLD,
    decimals_for_unit,
    period_end_month,
    round_half_up,
)
from dagster_project.reporting.sources import month_range

if TYPE_CHECKING:
    from dagster_project.reporting.rules import Findings

# Indicators of the annual report, in the order the report discusses them.
HOUSEHOLDS_PER_COMMUNITY = "A05"
FLOATING_SHARE = "A08"
PENSION_COVERAGE = "J11"
REPORT_INDICATORS = (HOUSEHOLDS_PER_COMMUNITY, FLOATING_SHARE, PENSION_COVERAGE)

# The extracts each indicator is computed from, for the source notes under tables and charts.
INDICATOR_SOURCES: Mapping[str, tuple[str, ...]] = {
    HOUSEHOLDS_PER_COMMUNITY: ("ps_resident", "ca_division"),
    FLOATING_SHARE: ("ps_resident",),
    PENSION_COVERAGE: ("ss_insurance", "ps_resident"),
}

QUARTER_END_MONTHS = ("03", "06", "09", "12")

# A stored rate further than this (in percentage points) from 100 × numerator / denominator means the
# marts and the report disagree on the scale of rates (fraction vs percent).
RATE_TOLERANCE_PP = 0.1

YEAR_RE = re.compile(r"^\d{4}$")

Direction = Literal["up", "down", "same"]
AreaLevel = Literal["city", "district"]


class ReportDataError(ValueError):
    """The snapshot cannot support the requested report."""


class NoDataForPeriod(ReportDataError):
    """The marts hold nothing for the period asked: there is no report to write (not an error of the data)."""



@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name_zh: str
    unit: str
    formula_zh: str
    direction: str | None
    standard_value: float | None
    standard_text: str | None

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class Figure:
    """One indicator value for one area and period; all fields are None when it was suppressed."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed


MISSING_FIGURE = Figure()


@dataclass(frozen=True)
class Change:
    """How a value compares with a reference, judged at display precision.

    `direction` and `amount` compare the printed values (percentage points for rates), for sentences
    that print both values. Averages are also compared relatively ("增长3.2%"): `relative_pct` and
    `relative_direction` judge that percentage as printed, for sentences that print only the change.
    """

    direction: Direction
    amount: float
    relative_pct: float | None = None
    relative_direction: Direction | None = None


@dataclass(frozen=True)
class Spread:
    """Where sub-areas stand on one indicator: the extremes and who is above or below the whole."""

    highest: tuple[str, ...]
    highest_value: float
    lowest: tuple[str, ...]
    lowest_value: float
    above: tuple[str, ...]
    below: tuple[str, ...]


@dataclass(frozen=True)
class Movement:
    """From the first to the last quarter end of the year that has a published value."""

    from_period: str
    from_value: float
    to_period: str
    to_value: float
    change: Change


@dataclass(frozen=True)
class AreaRow:
    name: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class DepartmentSource:
    name_zh: str
    table_titles: tuple[str, ...]
    files: int


@dataclass(frozen=True)
class SourceSummary:
    """What the load ledger says about the files behind the report's year."""

    departments: tuple[DepartmentSource, ...]
    first_period: str | None
    last_period: str | None
    files_received: int
    files_current: int
    files_partial: int
    files_superseded: int
    files_duplicate: int
    files_not_loaded: int
    rows_loaded: int
    # None when the count is small enough to be withheld (disclosure control applies to rejects too).
    rows_rejected: int | None

    @property
    def rows_rejected_suppressed(self) -> bool:
        return self.rows_rejected is None


@dataclass(frozen=True)
class AnnualReport:
    year: str
    previous_year: str
    area_name: str
    area_level: AreaLevel
    indicators: dict[str, IndicatorDef]
    current: dict[str, Figure]
    previous: dict[str, Figure]
    year_on_year: dict[str, Change | None]
    against_standard: dict[str, Change | None]
    children: tuple[AreaRow, ...]
    spreads: dict[str, Spread | None]
    quarter_periods: tuple[str, ...]
    quarterly: dict[str, tuple[Figure, ...]]
    within_year: dict[str, Movement | None]
    sources: SourceSummary
    source_notes: dict[str, tuple[str, ...]]
    # 主要成效 / 存在问题 / 对策建议, from the findings rules (reporting/rules.py).
    findings: "Findings"

    @property
    def has_quarters(self) -> bool:
        return any(f.shown for figures in self.quarterly.values() for f in figures)

    @property
    def movements(self) -> list[tuple[str, Movement]]:
        return [(code, m) for code, m in self.within_year.items() if m is not None]

    def withheld_in_children(self, code: str | None = None) -> bool:
        """Whether any sub-area value (of one indicator, or of any) was suppressed."""
        return any(
            f.suppressed for row in self.children for c, f in row.figures.items() if code is None or c == code
        )

    @property
    def missing_in_children(self) -> bool:
        return any(not (f.shown or f.suppressed) for row in self.children for f in row.figures.values())


def _rounded(value: float, unit: str) -> float:
    return float(round_half_up(value, decimals_for_unit(unit)))


def _direction(delta: float) -> Direction:
    return "up" if delta > 0 else "down" if delta < 0 else "same"


def compare_values(current: float, reference: float, unit: str) -> Change:
    """Compare two values of one indicator as they are printed."""
    amount = float(round_half_up(_rounded(current, unit) - _rounded(reference, unit), decimals_for_unit(unit)))
    if unit == "%" or not reference:
        return Change(_direction(amount), abs(amount))
    relative = float(round_half_up((current - reference) / reference * 100, PERCENT_DECIMALS))
    return Change(_direction(amount), abs(amount), abs(relative), _direction(relative))


def compare(current: float | None, reference: float | None, unit: str) -> Change | None:
    """compare_values, or None when either value is not published."""
    if current is None or reference is None:
        return None
    return compare_values(current, reference, unit)


def _value(figure: Figure) -> float | None:
    return figure.value if figure.shown else None


def spread(rows: Iterable[AreaRow], whole: Figure, code: str, unit: str) -> Spread | None:
    """Extremes and position against the whole; None unless two sub-areas differ in print."""
    shown = [(row.name, _rounded(v, unit)) for row in rows if (v := _value(row.figures[code])) is not None]
    if len(shown) < 2:
        return None
    top = max(v for _, v in shown)
    bottom = min(v for _, v in shown)
    if top == bottom:
        return None
    reference = _value(whole)
    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    if reference is not None:
        ref = _rounded(reference, unit)
        above = tuple(name for name, v in shown if v > ref)
        below = tuple(name for name, v in shown if v < ref)
    return Spread(
        highest=tuple(name for name, v in shown if v == top),
        highest_value=top,
        lowest=tuple(name for name, v in shown if v == bottom),
        lowest_value=bottom,
        above=above,
        below=below,
    )


def _check_rate_scale(code: str, area: str, period: str, figure: Figure) -> None:
    if figure.value is None or figure.numerator is None or not figure.denominator:
        return
    expected = 100 * figure.numerator / figure.denominator
    if abs(figure.value - expected) > RATE_TOLERANCE_PP:
        raise ReportDataError(
            f"{code} for {area} in {period} is {figure.value}, but numerator/denominator give "
            f"{expected:.2f}; rates must be stored in percent"
        )


def resolve_area(
    con: duckdb.DuckDBPyConnection, area_code: str | None, report: str = "the annual report"
) -> tuple[str, str, AreaLevel]:
    """(code, name, level) of the report's area: the one city when no code is given, else a city or a
    district of marts.dim_area. Every report kind resolves its area here, so all refuse alike."""
    if area_code is None:
        rows = con.execute(
            "select area_code, area_name from marts.dim_area where area_level = 'city' order by area_code"
        ).fetchall()
        if len(rows) != 1:
            raise ReportDataError(
                f"a city-wide report needs exactly one city in marts.dim_area, found {len(rows)}; "
                "pass area_code"
            )
        return rows[0][0], rows[0][1], "city"
    row = con.execute(
        "select area_code, area_name, area_level from marts.dim_area where area_code = ?", [area_code]
    ).fetchone()
    if row is None:
        raise ReportDataError(f"area {area_code!r} is not in marts.dim_area")
    if row[2] not in ("city", "district"):
        raise ReportDataError(f"{report} covers a city or a district, not a {row[2]}")
    return row[0], row[1], row[2]


# What a district report compares: its communities (the annual report), or its streets where the
# marts have them and else its communities (the quarterly analysis), with the noun for them.
DISTRICT_UNITS: tuple[tuple[str, str], ...] = (("community", "社区"),)


def children_of(
    con: duckdb.DuckDBPyConnection,
    code: str,
    level: AreaLevel,
    district_units: tuple[tuple[str, str], ...] = DISTRICT_UNITS,
) -> tuple[list[tuple[str, str]], str]:
    """The units a report compares, and what they are called: a city's districts ('区'); a district's
    units of the first level of `district_units` the marts hold."""
    if level == "city":
        rows = con.execute(
            "select area_code, area_name from marts.dim_area where area_level = 'district' and city_code = ? "
            "order by area_code",
            [code],
        ).fetchall()
        return [(c, n) for c, n in rows], "区"
    for child_level, noun in district_units:
        rows = con.execute(
            "select area_code, area_name from marts.dim_area where area_level = ? and district_code = ? "
            "order by area_code",
            [child_level, code],
        ).fetchall()
        if rows:
            return [(c, n) for c, n in rows], noun
    return [], district_units[-1][1]


def indicator_defs(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, IndicatorDef]:
    """Definitions of marts.dim_indicator for the codes it holds, in the order given."""
    codes = list(codes)
    if not codes:
        return {}
    rows = con.execute(
        "select indicator_code, name_zh, unit, formula_zh, direction, standard_value, standard_text "
        f"from marts.dim_indicator where indicator_code in ({', '.join('?' for _ in codes)})",
        codes,
    ).fetchall()
    found = {r[0]: IndicatorDef(*r) for r in rows}
    return {c: found[c] for c in codes if c in found}


def _annual_indicator_defs(con: duckdb.DuckDBPyConnection) -> dict[str, IndicatorDef]:
    defs = indicator_defs(con, REPORT_INDICATORS)
    missing = [c for c in REPORT_INDICATORS if c not in defs]
    if missing:
        raise ReportDataError(f"marts.dim_indicator has no definition for {', '.join(missing)}")
    return defs


def load_figures(
    con: duckdb.DuckDBPyConnection,
    area_codes: list[str],
    periods: list[str],
    codes: Iterable[str] = REPORT_INDICATORS,
) -> dict[tuple[str, str, str], Figure]:
    """(area_code, period, indicator_code) -> Figure for the given indicators (default: the annual report's).

    Withheld cells come back as suppressed Figures without values; a rate whose stored value disagrees
    with 100 × numerator ÷ denominator is refused (ReportDataError).
    """
    codes = list(codes)
    if not area_codes or not periods or not codes:
        return {}
    area_list = ", ".join("?" for _ in area_codes)
    period_list = ", ".join("?" for _ in periods)
    code_list = ", ".join("?" for _ in codes)
    rows = con.execute(
        "select area_code, period, indicator_code, value, numerator, denominator, unit, suppressed "
        "from marts.fct_indicator_values "
        f"where area_code in ({area_list}) and period in ({period_list}) "
        f"and indicator_code in ({code_list})",
        [*area_codes, *periods, *codes],
    ).fetchall()
    out: dict[tuple[str, str, str], Figure] = {}
    for area, period, code, value, numerator, denominator, unit, suppressed in rows:
        if suppressed:
            figure = Figure(suppressed=True)
        else:
            figure = Figure(value=value, numerator=numerator, denominator=denominator)
            if unit == "%":
                _check_rate_scale(code, area, period, figure)
        out[(area, period, code)] = figure
    return out


def summarise_sources(
    con: duckdb.DuckDBPyConnection,
    months: Sequence[str],
    contract: Contract,
    used_tables: Iterable[str] | None = None,
) -> SourceSummary:
    """Files received for the given months, the current ones by department, and their rows.

    Every report's 导语 rests on this: the annual report passes the twelve months of its year, the
    quarterly analysis the three of its quarter. Given `used_tables`, the departments and tables named
    as the report's sources are only those its figures are computed from; the counts of files and rows
    are the platform's for the months either way.
    """
    rows = con.execute(
        "select department, table_name, period, status, rows_loaded, rows_rejected "
        f"from audit.load_ledger where period in ({', '.join('?' for _ in months) or 'null'})",
        list(months),
    ).fetchall()
    current = [r for r in rows if r[3] in CURRENT_STATUSES]
    used = None if used_tables is None else set(used_tables)
    tables: dict[str, set[str]] = defaultdict(set)
    files: dict[str, int] = defaultdict(int)
    for department, table_name, *_ in current:
        if used is not None and table_name not in used:
            continue
        tables[department].add(table_name)
        files[department] += 1
    departments = []
    known = list(contract.departments)
    for dept in sorted(tables, key=lambda d: known.index(d) if d in known else len(known)):
        table_order = [t.name for t in contract.tables_of(dept)]
        titles = tuple(
            contract.tables[t].title_zh
            for t in sorted(tables[dept], key=lambda t: table_order.index(t) if t in table_order else len(table_order))
            if t in contract.tables
        )
        departments.append(DepartmentSource(contract.departments[dept]["name_zh"], titles, files[dept]))
    periods = sorted({r[2] for r in current}, key=period_end_month)
    rejected = sum(r[5] for r in current)
    return SourceSummary(
        departments=tuple(departments),
        first_period=periods[0] if periods else None,
        last_period=periods[-1] if periods else None,
        files_received=len(rows),
        files_current=len(current),
        files_partial=sum(1 for r in rows if r[3] == "PARTIAL"),
        files_superseded=sum(1 for r in rows if r[3] == "SUPERSEDED"),
        files_duplicate=sum(1 for r in rows if r[3] == "DUPLICATE"),
        files_not_loaded=sum(1 for r in rows if r[3] in ("FAILED", "REFUSED")),
        rows_loaded=sum(r[4] for r in current),
        rows_rejected=None if 0 < rejected < SUPPRESSION_THRESHOLD else rejected,
    )


def source_notes(
    contract: Contract, sources: Mapping[str, tuple[str, ...]], codes: Iterable[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Indicator -> '民政局社区基本信息台账'-style names of the extracts it is computed from."""
    notes = {}
    for code in sources if codes is None else codes:
        notes[code] = tuple(
            contract.departments[contract.tables[t].department]["name_zh"] + contract.tables[t].title_zh
            for t in sources.get(code, ())
            if t in contract.tables
        )
    return notes


def load_annual_report(
    con: duckdb.DuckDBPyConnection, year: str, contract: Contract, area_code: str | None = None
) -> AnnualReport:
    # The rules engine builds on this module's loaders, so it is imported where it is used.
    from dagster_project.reporting.rules import annual_findings

    if not YEAR_RE.fullmatch(year):
        raise ReportDataError(f"year must be four digits, got {year!r}")
    previous_year = str(int(year) - 1)
    code, name, level = resolve_area(con, area_code)
    defs = _annual_indicator_defs(con)
    units = {c: d.unit for c, d in defs.items()}
    quarter_periods = [f"{year}-{m}" for m in QUARTER_END_MONTHS]
    children, _ = children_of(con, code, level)
    figures = load_figures(
        con, [code, *(c for c, _ in children)], [year, previous_year, *quarter_periods]
    )

    def figure(area: str, period: str, indicator: str) -> Figure:
        return figures.get((area, period, indicator), MISSING_FIGURE)

    current = {c: figure(code, year, c) for c in REPORT_INDICATORS}
    if not any(f.shown or f.suppressed for f in current.values()):
        raise NoDataForPeriod(f"marts.fct_indicator_values holds no {year} values for {name}")
    previous = {c: figure(code, previous_year, c) for c in REPORT_INDICATORS}

    rows = tuple(
        AreaRow(
            name=child_name,
            figures={c: figure(child_code, year, c) for c in REPORT_INDICATORS},
        )
        for child_code, child_name in children
        # A sub-area with no row at all this year (e.g. dissolved earlier) does not belong in the table.
        if any((child_code, year, c) in figures for c in REPORT_INDICATORS)
    )

    quarterly = {c: tuple(figure(code, p, c) for p in quarter_periods) for c in REPORT_INDICATORS}
    within_year: dict[str, Movement | None] = {}
    for c, series in quarterly.items():
        shown = [(p, v) for p, f in zip(quarter_periods, series) if (v := _value(f)) is not None]
        within_year[c] = None
        if len(shown) >= 2:
            (p0, v0), (p1, v1) = shown[0], shown[-1]
            within_year[c] = Movement(p0, v0, p1, v1, compare_values(v1, v0, units[c]))

    return AnnualReport(
        year=year,
        previous_year=previous_year,
        area_name=name,
        area_level=level,
        indicators=defs,
        current=current,
        previous=previous,
        year_on_year={c: compare(_value(current[c]), _value(previous[c]), units[c]) for c in REPORT_INDICATORS},
        against_standard={
            c: compare(_value(current[c]), defs[c].standard_value, units[c]) for c in REPORT_INDICATORS
        },
        children=rows,
        spreads={c: spread(rows, current[c], c, units[c]) for c in REPORT_INDICATORS},
        quarter_periods=tuple(quarter_periods),
        quarterly=quarterly,
        within_year=within_year,
        sources=summarise_sources(con, month_range(f"{year}-01", f"{year}-12"), contract),
        source_notes=source_notes(contract, INDICATOR_SOURCES),
        findings=annual_findings(con, year, code),
    )


# --- Figures the findings rules (reporting/rules.py) read -------------------------------------------


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator as the rules word it: name, unit, good direction and what its ratio counts."""

    code: str
    name_zh: str
    unit: str
    direction: str
    numerator_name_zh: str | None
    denominator_name_zh: str | None


@dataclass(frozen=True)
class StandardRef:
    """A standard or plan target of marts.dim_indicator_standard in force for an area and period."""

    standard_id: str
    kind: Literal["standard", "target"]
    comparator: str
    low_value: float | None
    high_value: float | None
    doc_title: str
    quote_zh: str
    target_year: int | None


@dataclass(frozen=True)
class RuleData:
    """Published figures of one area and period, its sub-areas and communities, for the rules engine.

    `children` are the units the report compares (the districts of a city, the communities of a
    district); `communities` are all communities inside the area; `siblings` are the areas sharing
    the area's parent (the other districts of the city), including the area itself.
    """

    area_code: str
    area_name: str
    area_level: str
    period: str
    comparison_period: str | None
    base_period: str | None
    indicators: dict[str, IndicatorInfo]
    standards: dict[tuple[str, str], StandardRef]
    children: tuple[tuple[str, str], ...]
    communities: tuple[tuple[str, str], ...]
    siblings: tuple[tuple[str, str], ...]
    figures: dict[tuple[str, str, str], Figure]

    def figure(self, area_code: str, indicator: str, period: str | None = None) -> Figure:
        return self.figures.get((area_code, period or self.period, indicator), MISSING_FIGURE)


def period_end_date(period: str) -> date:
    year, month = period_end_month(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def _indicator_infos(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, IndicatorInfo]:
    if not codes:
        return {}
    rows = con.execute(
        "select indicator_code, name_zh, unit, direction, numerator_name_zh, denominator_name_zh "
        f"from marts.dim_indicator where indicator_code in ({', '.join('?' for _ in codes)})",
        codes,
    ).fetchall()
    return {r[0]: IndicatorInfo(*r) for r in rows}


def standards_in_force(
    con: duckdb.DuckDBPyConnection, area_code: str, period: str, codes: list[str]
) -> dict[tuple[str, str], StandardRef]:
    """(indicator, 'standard'|'target') -> the one in force on the period's last day for the area.

    As in the marts: the scope must be a prefix of the area code (empty = nationwide); the most
    specific scope wins, then the latest effective date.
    """
    if not codes:
        return {}
    end = period_end_date(period)
    rows = con.execute(
        "select standard_id, indicator_code, standard_kind, comparator, low_value, high_value, "
        "coalesce(scope_code, '') as scope, effective_from, doc_title, quote_zh, target_year "
        "from marts.dim_indicator_standard "
        f"where indicator_code in ({', '.join('?' for _ in codes)}) "
        "and starts_with(?, coalesce(scope_code, '')) "
        "and effective_from <= ? and (effective_to is null or effective_to >= ?) "
        "order by indicator_code, standard_kind, length(coalesce(scope_code, '')) desc, effective_from desc",
        [*codes, area_code, end, end],
    ).fetchall()
    chosen: dict[tuple[str, str], StandardRef] = {}
    for sid, code, kind, comparator, low, high, _scope, _from, doc, quote, target_year in rows:
        chosen.setdefault((code, kind), StandardRef(sid, kind, comparator, low, high, doc, quote, target_year))
    return chosen


def _areas(con: duckdb.DuckDBPyConnection, sql: str, params: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((c, n) for c, n in con.execute(sql + " order by area_code", params).fetchall())


def load_rule_data(
    con: duckdb.DuckDBPyConnection,
    period: str,
    codes: Iterable[str],
    area_code: str | None = None,
    comparison_period: str | None = None,
    base_period: str | None = None,
) -> RuleData:
    """Every published figure the rules need for the area (default: the city) in `period`.

    `comparison_period` (the year before, the same quarter last year) and `base_period` (the plan's
    base year) are read for the area and its sub-areas so that changes can be worded; withheld cells
    come back as suppressed Figures without values, never as numbers.
    """
    codes = sorted(set(codes))
    code, name, level = resolve_area(con, area_code)
    children = tuple(children_of(con, code, level)[0])
    if level == "city":
        communities = _areas(
            con, "select area_code, area_name from marts.dim_area where area_level = 'community' and city_code = ?",
            [code],
        )
        siblings: tuple[tuple[str, str], ...] = ()
    else:
        communities = children
        siblings = _areas(
            con,
            "select area_code, area_name from marts.dim_area where area_level = 'district' and city_code = "
            "(select city_code from marts.dim_area where area_code = ?)",
            [code],
        )
    areas = list(dict.fromkeys([code, *(c for c, _ in children), *(c for c, _ in communities),
                                *(c for c, _ in siblings)]))
    periods = list(dict.fromkeys(p for p in (period, comparison_period, base_period) if p))
    return RuleData(
        area_code=code,
        area_name=name,
        area_level=level,
        period=period,
        comparison_period=comparison_period,
        base_period=base_period,
        indicators=_indicator_infos(con, codes),
        standards=standards_in_force(con, code, period, codes),
        children=children,
        communities=communities,
        siblings=siblings,
        figures=load_figures(con, areas, periods, codes),
    )
