"""Numbers written the way Chinese research reports write them.

Prose uses Arabic numerals without thousands separators ("12345户"), percentages with one decimal
("12.3%"), differences of rates in percentage points ("2.1个百分点") and money in 万元. A hedge
("约") is added only where rounding into a larger unit hides part of the value; figures shown at their
conventional precision (a rate to one decimal, an average to whole units) carry no hedge.

Rounding is half-up on the decimal representation, as readers do it by hand; Python's round() would
turn 12.25 into 12.2.
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# Disclosure control: person counts from 1 to SUPPRESSION_THRESHOLD - 1 are never published.
SUPPRESSION_THRESHOLD = 10
SUPPRESSED_COUNT = f"<{SUPPRESSION_THRESHOLD}"
SUPPRESSED_RATE = "—"
# A value the warehouse does not hold at all (as opposed to one withheld for disclosure control).
MISSING = "…"

PERCENT_DECIMALS = 1
AVERAGE_DECIMALS = 0
WAN = Decimal(10000)


def round_half_up(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# Units whose values are small numbers print with decimals ("2.27倍", "6.31万元/年", "41.2岁");
# every other average prints to whole units ("2530户/社区").
UNIT_DECIMALS = {
    "%": PERCENT_DECIMALS,
    "倍": 2,
    "人/户": 2,
    "万元/年": 2,
    "万元/社区": 2,
    "岁": 1,
    "个/社区": 1,
    "起/千人": 2,
    "人/千人": 1,
    "个/千户": 1,
    "平方米/百户": 1,
}


def decimals_for_unit(unit: str) -> int:
    """Display precision of an indicator value by its unit: rates to 0.1, averages to whole units."""
    return UNIT_DECIMALS.get(unit, AVERAGE_DECIMALS)


def _plain(number: Decimal) -> str:
    """A Decimal without exponent, trailing zeros or a negative zero."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_count(value: float | None, counter: str = "", *, suppressed: bool = False) -> str:
    """A count with its counter word: fmt_count(12345, '户') -> '12345户'; suppressed -> '<10户'."""
    if suppressed:
        return f"{SUPPRESSED_COUNT}{counter}"
    if value is None:
        return MISSING
    return f"{_plain(round_half_up(value, 0))}{counter}"


def fmt_average(
    value: float | None, counter: str = "", *, suppressed: bool = False, decimals: int = AVERAGE_DECIMALS
) -> str:
    """An average such as households per community: '2530户/社区'; suppressed -> '—'."""
    if suppressed:
        return SUPPRESSED_RATE
    if value is None:
        return MISSING
    return f"{_plain(round_half_up(value, decimals))}{counter}"


def fmt_pct(value: float | None, *, suppressed: bool = False, decimals: int = PERCENT_DECIMALS) -> str:
    """A rate already expressed in percent: 12.34 -> '12.3%'; suppressed -> '—'."""
    if suppressed:
        return SUPPRESSED_RATE
    if value is None:
        return MISSING
    return f"{round_half_up(value, decimals):f}%"


def fmt_value(value: float | None, unit: str, *, suppressed: bool = False, with_unit: bool = True) -> str:
    """An indicator value at the precision its unit calls for.

    Prose writes the unit after the number ('12.3%', '2530户/社区'); table cells leave it to the
    column header (with_unit=False: '12.3', '2530').
    """
    if suppressed:
        return SUPPRESSED_RATE
    if value is None:
        return MISSING
    shown = round_half_up(value, decimals_for_unit(unit))
    return f"{shown:f}{unit}" if with_unit else f"{shown:f}"


def fmt_norm(value: float | None, unit: str = "") -> str:
    """A standard or target as its document states it, in every report and rule: '95%', '400户', '2.5倍'.

    A norm is an exact figure, not a measurement, so it is never padded to the precision of the
    values set against it ('95%', not '95.0%'): "参考标准（95%）" and "目标（95%）" read the same.
    """
    if value is None:
        return MISSING
    return f"{_plain(Decimal(repr(value)))}{unit}"


def fmt_pp(delta: float, decimals: int = PERCENT_DECIMALS) -> str:
    """The size of a difference between two rates: -2.14 -> '2.1个百分点' (direction is worded apart)."""
    return f"{round_half_up(abs(delta), decimals):f}个百分点"


def fmt_change_pct(delta_pct: float, decimals: int = PERCENT_DECIMALS) -> str:
    """The size of a relative change in percent: -3.25 -> '3.3%' (direction is worded apart)."""
    return f"{round_half_up(abs(delta_pct), decimals):f}%"


def fmt_wanyuan(yuan: float | None, decimals: int = 2, *, suppressed: bool = False) -> str:
    """Money in 万元: 168872000 -> '16887.2万元'; 574164 -> '约57.42万元' (rounding hid 6.4元)."""
    if suppressed:
        return SUPPRESSED_RATE
    if yuan is None:
        return MISSING
    exact = Decimal(repr(yuan)) / WAN
    shown = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    hedge = "" if shown == exact else "约"
    return f"{hedge}{_plain(shown)}万元"


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def fmt_period(period: str) -> str:
    """'2024-03' -> '2024年3月', '2024Q1' -> '2024年第1季度', '2024' -> '2024年'."""
    if m := _MONTH.fullmatch(period):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if m := _QUARTER.fullmatch(period):
        return f"{m.group(1)}年第{m.group(2)}季度"
    if m := _YEAR.fullmatch(period):
        return f"{m.group(1)}年"
    raise ValueError(f"not a reporting period: {period!r}")


def period_end_month(period: str) -> tuple[int, int]:
    """(year, last month) of a period, so that months, quarters and years sort together."""
    if m := _MONTH.fullmatch(period):
        return int(m.group(1)), int(m.group(2))
    if m := _QUARTER.fullmatch(period):
        return int(m.group(1)), 3 * int(m.group(2))
    if m := _YEAR.fullmatch(period):
        return int(m.group(1)), 12
    raise ValueError(f"not a reporting period: {period!r}")


def fmt_date(day: date) -> str:
    """'2025年1月6日', the way issue dates are written on a cover."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_list(items: Iterable[str]) -> str:
    """Names in a series are separated by the enumeration comma: '甲区、乙区、丙区'."""
    return "、".join(items)
