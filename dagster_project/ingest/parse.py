"""Physical parsing of CSV and XLSX extracts into records with their original line numbers.

The header row is located by matching the contract's Chinese headers (XLSX files may carry title rows
above it and split it over two merged rows); column positions are never guessed.
"""

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dagster_project.lib.contract import Table

Cell = str | int | float | date | datetime | None


class ParseError(ValueError):
    """The file cannot be read as a table at all (truncated, malformed, no header)."""


@dataclass(frozen=True)
class Record:
    line_number: int  # physical line (CSV) or sheet row (XLSX) where the record starts, header included
    cells: list[Cell]


@dataclass(frozen=True)
class Header:
    line_number: int
    columns: dict[str, int]  # contract header -> cell position
    extra: tuple[str, ...]  # headers in the file that the contract does not know
    missing: tuple[str, ...]  # contract headers absent from the file
    width: int  # number of cells in the header row


Chunk = tuple[list[int], list[list[Cell]]]  # (line numbers, records) of consecutive records


@dataclass(frozen=True)
class ParsedFile:
    """A located header and the records below it, readable once: record by record or in chunks."""

    header: Header
    chunks: Callable[[int], Iterator[Chunk]]  # the records in order, about n per chunk
    count_records: Callable[[], int]  # independent recount of the records below the header

    @property
    def records(self) -> Iterator[Record]:
        for lines, rows in self.chunks(CHUNK_RECORDS):
            for line, cells in zip(lines, rows):
                yield Record(line, cells)


CHUNK_RECORDS = 100_000


def _norm_header(text: Cell) -> str:
    if text is None:
        return ""
    return "".join(str(text).split()).replace("（", "(").replace("）", ")").lstrip("\ufeff")


def match_header(cells: list[Cell], table: Table, line_number: int) -> Header:
    wanted = {_norm_header(h): h for h in table.headers}
    columns: dict[str, int] = {}
    extra = []
    for pos, cell in enumerate(cells):
        name = _norm_header(cell)
        if name in wanted and wanted[name] not in columns:
            columns[wanted[name]] = pos
        elif name:
            extra.append(str(cell).strip())
    missing = tuple(h for h in table.headers if h not in columns)
    return Header(line_number, columns, tuple(extra), missing, len(cells))


def _best_header(candidates: list[Header], table: Table) -> Header:
    best = max(candidates, key=lambda h: len(h.columns), default=None)
    # A header row must name at least half of the contract's columns; anything less is a title or data row.
    if best is None or len(best.columns) * 2 < len(table.columns):
        raise ParseError("header row not found: no row names the contract's columns")
    return best


class TextLines:
    """The lines of a text as ``io.StringIO(text, newline="")`` gives them, with its ``tell``/``seek``.

    A StringIO holds its own copy of the whole text at four bytes per character, on top of the text
    itself; for a large extract read twice (records, then the independent recount) those copies were
    the biggest allocations of a load. This reads the text through a StringIO of one block at a time.
    Blocks end just after a line feed, which ends a line whatever the convention (LF or CR LF), so no
    line and no CR LF pair is ever split between blocks, and the lines are exactly the StringIO's.
    """

    def __init__(self, text: str, block_chars: int = 1 << 20) -> None:
        self.text = text
        self.block_chars = max(block_chars, 1)
        self._load(0)

    def _load(self, start: int) -> None:
        cut = self.text.find("\n", start + self.block_chars - 1)
        self._end = len(self.text) if cut < 0 else cut + 1
        self._start = start
        self._buffer = io.StringIO(self.text[start:self._end], newline="")
        self._readline = self._buffer.readline

    def __iter__(self) -> "TextLines":
        return self

    def __next__(self) -> str:
        line = self._readline()
        if line:
            return line
        while self._end < len(self.text):
            self._load(self._end)
            line = self._readline()
            if line:
                return line
        raise StopIteration

    def tell(self) -> int:
        return self._start + self._buffer.tell()

    def seek(self, position: int) -> None:
        """Go back to a position ``tell`` gave (always the start of a line)."""
        self._load(position)


def read_csv(text: str, table: Table, search_rows: int) -> ParsedFile:
    """Header search over the first rows; the rest is read on demand, each record with the physical
    line it starts on (a quoted field spanning lines makes one record). A malformed record raises
    ParseError after every record before it has been delivered."""
    source = TextLines(text)
    reader = csv.reader(source, strict=True)
    head_lines: list[int] = []
    head_rows: list[list[Cell]] = []
    start = 1
    try:
        for cells in reader:
            head_lines.append(start)
            head_rows.append(cells)
            start = reader.line_num + 1
            if len(head_rows) >= search_rows:
                break
    except csv.Error as exc:
        raise ParseError(f"malformed or truncated CSV near line {start}: {exc}") from exc
    candidates = [match_header(cells, table, line) for line, cells in zip(head_lines, head_rows)]
    header = _best_header(candidates, table)
    below = [i for i, line in enumerate(head_lines) if line > header.line_number]
    first_start = start

    def chunks(size: int) -> Iterator[Chunk]:
        start = first_start  # the line the next record starts on
        lines = [head_lines[i] for i in below]
        rows = [head_rows[i] for i in below]
        last: list[Cell] | None = rows[-1] if rows else None
        last_line = lines[-1] if lines else 0
        while True:
            wanted = max(size - len(rows), 1)
            position, consumed = source.tell(), reader.line_num
            try:
                block = list(itertools.islice(reader, wanted))
                one_line_each = reader.line_num - consumed == len(block)
            except csv.Error:
                block, one_line_each = [], False
            if one_line_each:  # the usual case: record k of the block starts on line start + k
                lines.extend(range(start, start + len(block)))
                rows.extend(block)
                start += len(block)
            else:  # quoted line breaks or a malformed record: read the block again, record by record
                source.seek(position)
                again = csv.reader(source, strict=True)
                block_start, block = start, []
                try:
                    for cells in again:
                        block.append(cells)
                        lines.append(start)
                        rows.append(cells)
                        start = block_start + again.line_num
                        if len(block) >= wanted:
                            break  # the source is where the first reader left it: it goes on from there
                except csv.Error as exc:
                    if rows:
                        yield lines, rows
                    raise ParseError(f"malformed or truncated CSV near line {start}: {exc}") from exc
            if rows and (len(rows) >= size or len(block) < wanted):
                last, last_line = rows[-1], lines[-1]
                yield lines, rows
                lines, rows = [], []
            if len(block) < wanted:
                break
        # A file cut off mid-row: no final line break and a short last record.
        if last is not None and not text.endswith(("\n", "\r")) and len(last) != header.width:
            raise ParseError(f"file ends in the middle of line {last_line} (truncated)")

    return ParsedFile(header, chunks,
                      lambda: count_data_records(text, None, header.line_number))


def _xlsx_rows(path: Path) -> tuple[list[list[Any]], Any]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, data_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    # Merged header cells carry their value only in the top-left cell; spread it over the range so a
    # two-row header can be read column by column.
    for rng in sheet.merged_cells.ranges:
        value = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(rows) else None
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = value
    return rows, workbook


def _combine_two_rows(top: list[Cell], bottom: list[Cell], table: Table) -> list[Cell]:
    """Column names of a header split over two rows: the lower cell, the upper cell, or both joined."""
    known = {_norm_header(h) for h in table.headers}
    names: list[Cell] = []
    for pos in range(max(len(top), len(bottom))):
        upper = top[pos] if pos < len(top) else None
        lower = bottom[pos] if pos < len(bottom) else None
        options = [lower, upper, f"{upper or ''}{lower or ''}"]
        names.append(next((o for o in options if _norm_header(o) in known), lower or upper))
    return names


def read_xlsx(path: Path, table: Table, search_rows: int) -> ParsedFile:
    rows, workbook = _xlsx_rows(path)
    workbook.close()
    candidates: list[Header] = []
    for idx in range(min(search_rows, len(rows))):
        candidates.append(match_header(rows[idx], table, idx + 1))
        if idx + 1 < len(rows):
            combined = _combine_two_rows(rows[idx], rows[idx + 1], table)
            candidates.append(match_header(combined, table, idx + 2))
    header = _best_header(candidates, table)

    def chunks(size: int) -> Iterator[Chunk]:
        for begin in range(header.line_number, len(rows), size):
            end = min(begin + size, len(rows))
            yield list(range(begin + 1, end + 1)), rows[begin:end]

    return ParsedFile(header, chunks, lambda: count_data_records(None, len(rows), header.line_number))


def count_data_records(text: str | None, rows: int | None, header_line: int) -> int:
    """Records below the header, counted by a second, independent pass over the file.

    The loader's own counts must add up to this number; a mismatch means rows were lost or counted twice.
    """
    if text is None:
        return max((rows or 0) - header_line, 0)
    reader = csv.reader(TextLines(text), strict=True)
    start = 1
    for _ in reader:
        if start > header_line:
            return 1 + sum(1 for _ in reader)
        start = reader.line_num + 1
    return 0
