"""Reporting periods: months ('YYYY-MM'), quarters ('YYYYQn') and years ('YYYY')."""

import calendar
import re
from datetime import date

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(text: str) -> bool:
    return bool(MONTH_RE.fullmatch(text))


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' period."""
    m = MONTH_RE.fullmatch(period)
    if not m:
        raise ValueError(f"not a month period: {period!r}")
    year, month = int(m.group(1)), int(m.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def quarter_of(period: str) -> str:
    start, _ = month_bounds(period)
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def year_of(period: str) -> str:
    return period[:4]


def months_between(first: str, last: str) -> list[str]:
    start, _ = month_bounds(first)
    end, _ = month_bounds(last)
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
