"""Every number of a rendered PDF traced back to its source: the helpers the tracing tests share.

The text of the PDF is extracted with pdftotext; what is not a figure is taken out first, each piece
by a pattern that also checks it (the stamp, "第X页/共Y页" against the page count, years and months
against the report's own, table numbers, indicator codes); every number left must then be one of the
set the test builds from the source tables with its own SQL. A failure lists each untraced number
with the line it stands in.
"""

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from pathlib import Path

import duckdb
from pypdf import PdfReader
from report_fixtures import STAMP

NUMBER = re.compile(r"\d+(?:\.\d+)?")
PAGE_FOOTER = re.compile(r"第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页")
TABLE_NUMBER = re.compile(r"(附?表)\s*\d+(?!\d)")
INDICATOR_CODE = re.compile(r"\b[A-Z]\d{2}\b")


def raw_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def q(value: float, decimals: int) -> str:
    """A value rounded half-up as the reports print it, without the reporting code."""
    return format(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")


def numbers_in(texts: Iterable[object]) -> set[str]:
    """The numbers written inside texts of the source (names, formulas, file names, messages)."""
    return {m for t in texts if t is not None for m in NUMBER.findall(str(t))}


def strip_furniture(pdf: Path, text: str, problems: list[str]) -> str:
    """Take out the reproducibility stamp and the page footers (checked against the page count)."""
    for value in (STAMP.run_id, STAMP.data_fingerprint, STAMP.code_version):
        text = text.replace(value, " ")
    pages = len(PdfReader(pdf).pages)
    footers = PAGE_FOOTER.findall(text)
    if not footers:
        problems.append("no page footer")
    for page, total in footers:
        if int(total) != pages or not 1 <= int(page) <= pages:
            problems.append(f"footer 第{page}页/共{total}页 of a {pages}-page PDF")
    return PAGE_FOOTER.sub(" ", text)


def strip_dates(text: str, years: set[str], problems: list[str]) -> str:
    """Take out 'YYYY年M月D日' and its parts; a year outside `years` or a month outside 1–12 is reported."""
    for m in re.finditer(r"(\d{4})\s*年", text):
        if m.group(1) not in years:
            problems.append(f"year {m.group(0)}")
    text = re.sub(r"\d{4}\s*年", "年", text)
    for m in re.finditer(r"(\d{1,2})\s*月", text):
        if not 1 <= int(m.group(1)) <= 12:
            problems.append(f"month {m.group(0)}")
    for m in re.finditer(r"(\d{1,2})\s*日", text):
        if not 1 <= int(m.group(1)) <= 31:
            problems.append(f"day {m.group(0)}")
    text = re.sub(r"\d{1,2}\s*月(\s*\d{1,2}\s*日)?", "月", text)
    return text


def untraced(text: str, allowed: set[str], problems: list[str]) -> list[str]:
    """Every number left in the text that is not in `allowed`, with its line."""
    for line in text.splitlines():
        for m in NUMBER.finditer(line):
            if m.group(0) not in allowed:
                problems.append(f"{m.group(0)} in {line.strip()!r}")
    return problems


def printed_differences(series: list[float], decimals: Iterable[int], relative_decimals: int = 1) -> set[str]:
    """The gap between any two values of one series as printed (both rounded first), and the relative
    change of either against the other, on the raw values and on the printed ones."""
    out: set[str] = set()
    for a, b in combinations(series, 2):
        for d in decimals:
            pa, pb = float(q(a, d)), float(q(b, d))
            out.add(q(abs(pa - pb), d))
            for x, y in ((pa, pb), (pb, pa)):
                if y:
                    out.add(q(abs(x - y) / abs(y) * 100, relative_decimals))
        for x, y in ((a, b), (b, a)):
            if y:
                out.add(q(abs(x - y) / abs(y) * 100, relative_decimals))
    return out


def chart_ticks(*charts: object) -> set[str]:
    """Axis tick labels of the charts as laid out (a scale, not a figure)."""
    return {tick.text for chart in charts if chart is not None for tick in chart.ticks}


def trace(pdf: Path, years: set[str], allowed: set[str], extra_strip: Callable[[str], str] = lambda t: t) -> list[str]:
    """Untraced numbers of the PDF: furniture and dates checked and taken out, then every number looked up."""
    problems: list[str] = []
    text = strip_furniture(pdf, raw_text(pdf), problems)
    text = extra_strip(text)
    text = strip_dates(text, years, problems)
    text = TABLE_NUMBER.sub(r"\1", text)
    text = INDICATOR_CODE.sub(" ", text)
    return untraced(text, allowed, problems)


def changed_copy(snapshot: Path, target: Path, *statements: tuple[str, list]) -> Path:
    """A copy of the snapshot with some source values changed, to show that tracing notices them."""
    shutil.copy(snapshot, target)
    con = duckdb.connect(str(target))
    try:
        for sql, params in statements:
            con.execute(sql, params)
    finally:
        con.close()
    return target
