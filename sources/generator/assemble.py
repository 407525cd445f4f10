"""Turning part files into the extract a department delivers: header, rows, workbook layout.

Without defects a CSV extract is its header followed by the parts' bytes. With defects each row
passes by the file's injector, which may spoil it or add rows, and line numbers are counted as the
file is written so that the truth file points at the right lines.
"""

import csv
import shutil
import itertools
from collections.abc import Iterator
from pathlib import Path

from sources.generator.defects import FileInfo, RowInjector, TablePlant
from sources.generator.formats import FORMATS, Cell
from sources.generator.parts import cell_rows, csv_lines, file_columns
from sources.generator.xlsx import FIRST_DATA_ROW, write_workbook


def _headers(info: FileInfo) -> list[str]:
    return [info.table.column(name).header for name in file_columns(info.table, info.fmt)]


def assemble_csv(path: Path, info: FileInfo, parts: list[Path], injector: RowInjector | None,
                 plant: TablePlant | None = None) -> None:
    department = FORMATS[info.table.department]
    terminator = department.line_terminator
    headers = _headers(info)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=department.encoding, newline="") as out:
        writer = csv.writer(out, lineterminator=terminator)
        writer.writerow(headers)
        if injector is None:
            out.flush()
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out.buffer)
            return
        line, index = 2, 0
        limit = plant.limit if plant is not None else None
        texts = (text for part in parts for text in csv_lines(part, info.table))
        for text in itertools.islice(texts, limit):
            planted = plant.offer(next(csv.reader([text])), line) if plant and plant.active else None
            if planted is not None:
                writer.writerows(planted)
                line += len(planted)
            elif injector.wants(index):
                for row in injector.apply(next(csv.reader([text])), line):
                    if row is None:
                        out.write(terminator)
                    else:
                        writer.writerow(row)
                    line += 1
            else:
                out.write(text)
                line += 1
            index += 1
        writer.writerows(injector.trailer(line, len(headers)))


def _spoiled(rows: Iterator[list[Cell]], injector: RowInjector | None,
             plant: TablePlant | None) -> Iterator[list[Cell] | None]:
    line = FIRST_DATA_ROW
    limit = plant.limit if plant is not None else None
    for index, cells in enumerate(itertools.islice(rows, limit)):
        planted = plant.offer(cells, line) if plant is not None and plant.active else None
        if planted is not None:
            emitted: list[list[Cell] | None] = list(planted)
        elif injector is not None and injector.wants(index):
            emitted = injector.apply(cells, line)
        else:
            emitted = [cells]
        yield from emitted
        line += len(emitted)


def assemble_xlsx(path: Path, info: FileInfo, parts: list[Path], injector: RowInjector | None,
                  title: str, subtitle: str, plant: TablePlant | None = None) -> int:
    """Write the workbook; returns the sheet row of its 合计 row."""
    rows = (cells for part in parts for cells in cell_rows(part))
    return write_workbook(path, info.table, title, subtitle, _spoiled(rows, injector, plant))
