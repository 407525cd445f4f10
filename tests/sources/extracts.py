"""Reading generated extracts back the way ingestion parses them (header matching, XLSX layout)."""

import functools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from dagster_project.ingest.decode import decode
from dagster_project.ingest.parse import Cell, ParsedFile, read_csv, read_xlsx
from dagster_project.lib.contract import Table, load_contract

TOTALS = ("合计", "小计", "总计")


def table_of(path: Path) -> Table:
    return load_contract().tables[path.stem]


def parse(path: Path) -> ParsedFile:
    table = table_of(path)
    search = load_contract().settings.header_search_rows
    if path.suffix == ".xlsx":
        return read_xlsx(path, table, search)
    return read_csv(decode(path.read_bytes()).text, table, search)


def records(path: Path) -> Iterator[tuple[int, dict[str, Cell]]]:
    """(line, row keyed by canonical name) of each data row; blank and totals rows left out."""
    table = table_of(path)
    parsed = parse(path)
    names = {header: table.headers[header].name for header in parsed.header.columns}
    for record in parsed.records:
        texts = [str(c).strip() for c in record.cells if c is not None and str(c).strip()]
        if not texts or texts[0].startswith(TOTALS):
            continue
        yield record.line_number, {names[h]: record.cells[i] for h, i in parsed.header.columns.items()}


@functools.cache
def read(path: Path) -> list[dict[str, Cell]]:
    """Data rows of an extract, parsed once per test session (callers must not change them)."""
    return [row for _, row in records(path)]


def extract_files(inbox: Path, table: str) -> list[Path]:
    department = load_contract().tables[table].department
    return sorted((inbox / department).glob(f"*/{table}.*"))


def extract(inbox: Path, table: str, period: str) -> Path:
    department = load_contract().tables[table].department
    [path] = (inbox / department / period).glob(f"{table}.*")
    return path


def number(cell: Cell) -> float:
    """A number however the department wrote it: a cell, '1,200', '300㎡', '2530户'."""
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).replace(",", "")
    return float("".join(ch for ch in text if ch in "0123456789.-"))


def as_date(cell: Cell) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    for fmt in load_contract().settings.date_formats:
        try:
            return datetime.strptime(str(cell), fmt).date()
        except ValueError:
            continue
    raise AssertionError(f"unparseable date {cell!r}")
