"""Part files: the rows one chunk of communities contributes to one extract.

Chunks are written independently (possibly in parallel) and concatenated in community order, so an
extract's bytes do not depend on how the communities were divided. CSV parts already hold the
department's encoding, quoting and line endings; spreadsheet parts hold typed cells.
"""

import csv
import operator
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from dagster_project.lib.contract import Table
from sources.generator.formats import FORMATS, Cell, column_order
from sources.generator.writers import Row
from sources.generator.xlsx import LAYOUTS


def file_columns(table: Table, fmt: str) -> list[str]:
    """Canonical names of the data columns in the order the file holds them."""
    return LAYOUTS[table.name].columns if fmt == "xlsx" else column_order(table)


def body_encoding(table: Table) -> str:
    """The file's encoding without a BOM: parts are joined after a header that carries it."""
    encoding = FORMATS[table.department].encoding
    return "utf-8" if encoding == "utf-8-sig" else encoding


def part_path(root: Path, period: str, table: str, chunk: int) -> Path:
    return root / period / table / f"{chunk:06d}.part"


class PartWriter:
    def __init__(self, path: Path, table: Table, fmt: str) -> None:
        self.table = table
        self.columns = file_columns(table, fmt)
        self._cells = operator.itemgetter(*self.columns)
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[Any]
        self._csv = None
        if fmt == "csv":
            self._file = path.open("w", encoding=body_encoding(table), newline="")
            terminator = FORMATS[table.department].line_terminator
            self._csv = csv.writer(self._file, lineterminator=terminator)
        else:
            self._file = path.open("wb")

    def write(self, rows: Iterable[Row]) -> None:
        width, cells = len(self.columns), self._cells
        batch = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{self.table.name} row has {sorted(row)}, expected {self.columns}")
            batch.append(cells(row))
        if self._csv is not None:
            self._csv.writerows(batch)  # None is written as an empty field
        else:
            pickle.dump([list(c) for c in batch], self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.rows += len(batch)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "PartWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def csv_lines(path: Path, table: Table) -> Iterator[str]:
    """Lines of a CSV part with their endings (no field holds a line break)."""
    with path.open(encoding=body_encoding(table), newline="") as fh:
        yield from fh


def cell_rows(path: Path) -> Iterator[list[Cell]]:
    with path.open("rb") as fh:
        while True:
            try:
                batch = pickle.load(fh)
            except EOFError:
                return
            yield from batch
