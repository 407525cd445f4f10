"""How each department's system writes its extracts: encoding, line endings, column order, dates.

The three departments run different software and the files show it; the pipeline copes with each.
"""

import csv
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.lib.contract import Table
from sources.generator.draws import Weighted

DateStyle = Callable[[date], str]


def iso_date(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def slash_date(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def compact_date(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@dataclass(frozen=True)
class DepartmentFormat:
    encoding: str
    line_terminator: str
    shuffle_columns: bool
    # Weighted: a register fed by several local stations mixes the styles row by row.
    date_styles: Weighted[DateStyle]

    def date_text(self, rng: random.Random, day: date) -> str:
        return self.date_styles.draw(rng)(day)


FORMATS = {
    "civil_affairs": DepartmentFormat("utf-8-sig", "\r\n", False, Weighted([(iso_date, 1)])),
    "public_security": DepartmentFormat(
        "gb18030",
        "\r\n",
        True,
        Weighted([(iso_date, 5), (slash_date, 3), (chinese_date, 2), (compact_date, 2)]),
    ),
    "social_security": DepartmentFormat("utf-8", "\n", True, Weighted([(compact_date, 1)])),
}


def column_order(table: Table) -> list[str]:
    """Canonical column names in the order the department's system writes them (stable)."""
    names = [c.name for c in table.columns]
    if FORMATS[table.department].shuffle_columns:
        random.Random(f"{table.department}/{table.name}").shuffle(names)
    return names


class CsvSink:
    """One extract file being written: the contract's headers, then rows keyed by canonical name."""

    def __init__(self, path: Path, table: Table) -> None:
        self.table = table
        self.order = column_order(table)
        self.rows = 0
        fmt = FORMATS[table.department]
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w", encoding=fmt.encoding, newline="")
        self._csv = csv.writer(self._file, lineterminator=fmt.line_terminator)
        headers = {c.name: c.header for c in table.columns}
        self._csv.writerow([headers[name] for name in self.order])

    def write(self, rows: Iterable[dict[str, str]]) -> None:
        for row in rows:
            if len(row) != len(self.order):
                raise ValueError(f"{self.table.name} row has {sorted(row)}, expected {self.order}")
            self._csv.writerow([row[name] for name in self.order])
            self.rows += 1

    def __enter__(self) -> "CsvSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()
