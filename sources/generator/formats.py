"""How each department's system writes its extracts: encoding, line endings, column order, dates,
numbers, and which civil-affairs tables come as spreadsheets.

The three departments run different software and the files show it; the pipeline copes with each.
"""

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dagster_project.lib.contract import Column, Table
from sources.generator.draws import Weighted

Cell = str | int | float | date | None
DateStyle = Callable[[date], str]

# Civil affairs keeps these ledgers in Excel (title row, two-row header, 合计 row).
XLSX_TABLES = frozenset({"ca_community", "ca_worker", "ca_social_org"})


# Date styles are cached: the same few thousand days recur in millions of rows.
@functools.cache
def iso_date(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


@functools.cache
def slash_date(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


@functools.cache
def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@functools.cache
def compact_date(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@functools.cache
def dotted_date(day: date) -> str:
    return f"{day.year}.{day.month}.{day.day}"


@dataclass(frozen=True)
class DepartmentFormat:
    encoding: str
    line_terminator: str
    shuffle_columns: bool
    # Weighted: a register fed by several local stations mixes the styles row by row.
    date_styles: Weighted[DateStyle]
    # Share of numbers typed by hand: with a unit or thousands separators.
    decorated_numbers: float
    money_decimals: bool


FORMATS = {
    "civil_affairs": DepartmentFormat(
        "utf-8-sig", "\r\n", False, Weighted([(iso_date, 1)]), 0.15, False
    ),
    "public_security": DepartmentFormat(
        "gb18030",
        "\r\n",
        True,
        Weighted([(iso_date, 5), (slash_date, 3), (chinese_date, 2), (compact_date, 2)]),
        0.0,
        False,
    ),
    "social_security": DepartmentFormat(
        "utf-8", "\n", True, Weighted([(compact_date, 1)]), 0.0, True
    ),
}
# Dates typed into spreadsheet cells as text instead of date cells.
XLSX_TEXT_DATES = Weighted([(dotted_date, 2), (chinese_date, 1)])
XLSX_TEXT_DATE_SHARE = 0.15

_HEADER_UNIT = re.compile(r"\(([^()]+)\)$")
_UNIT_SPELLINGS = {"㎡": ("㎡", "平方米", "m²")}
# Counter words clerks append to whole numbers (人 unless listed); ballots get none.
_COUNTERS = {"households_reported": ("户",), "cctv_points": ("个",), "seats": ("名", "人"),
             "valid_ballots": ()}


def table_format(table: Table) -> str:
    return "xlsx" if table.name in XLSX_TABLES else "csv"


def column_order(table: Table) -> list[str]:
    """Canonical column names in the order the department's system writes CSV (stable)."""
    names = [c.name for c in table.columns]
    if FORMATS[table.department].shuffle_columns:
        random.Random(f"{table.department}/{table.name}").shuffle(names)
    return names


def _plain(value: float) -> str:
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


def _unit(column: Column) -> tuple[str, ...]:
    m = _HEADER_UNIT.search(column.header)
    if m:
        return _UNIT_SPELLINGS.get(m.group(1), (m.group(1),))
    return _COUNTERS.get(column.name, ("人",)) if column.type == "int" else ()


def _decorated(rng: random.Random, column: Column, value: float) -> str:
    units = _unit(column)
    if value >= 1000 and rng.random() < 0.5:
        whole, _, fraction = _plain(value).partition(".")
        return f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    if units:
        return _plain(value) + units[int(rng.random() * len(units))]
    return _plain(value)


def render_number(rng: random.Random, table: Table, fmt: str, column: str, value: float) -> Cell:
    """A number as the department's file holds it: a cell, plain text, or text typed by hand."""
    spec = table.column(column)
    department = FORMATS[table.department]
    if rng.random() < department.decorated_numbers:
        return _decorated(rng, spec, value)
    if fmt == "xlsx":
        return value
    if department.money_decimals and spec.type == "decimal":
        return f"{value:.2f}"
    return _plain(value)


def date_renderer(rng: random.Random, table: Table, fmt: str) -> Callable[[date | None], Cell]:
    """How one extract writes dates: a workbook's date cells (some typed as text), or the
    department's text styles; a missing date stays missing."""
    if fmt == "xlsx":
        def render_cell(day: date | None) -> Cell:
            if day is None or rng.random() >= XLSX_TEXT_DATE_SHARE:
                return day
            return XLSX_TEXT_DATES.draw(rng)(day)

        return render_cell
    styles = FORMATS[table.department].date_styles
    if len(styles.values) == 1:
        only = styles.values[0]
        return lambda day: None if day is None else only(day)
    return lambda day: None if day is None else styles.draw(rng)(day)
