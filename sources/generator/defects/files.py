"""File-level defects: whole deliveries that are broken, oddly encoded, oddly named or corrected.

Each rewrites an assembled CSV extract in place (or copies one under a name the contract refuses)
and states the outcome the ledger must record for it.
"""

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.contract import Table
from sources.generator.formats import FORMATS

EXTRA_HEADER = "备注"


@dataclass(frozen=True)
class Outcome:
    column: str
    code: str  # ledger status, the encoding the ledger must record, or a header warning
    line: int = 0  # 0: the file as a whole; 1: its header row


def _text(path: Path, table: Table) -> str:
    return path.read_bytes().decode(FORMATS[table.department].encoding)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _write_rows(path: Path, table: Table, rows: list[list[str]], delimiter: str = ",",
                encoding: str | None = None) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter,
                        lineterminator=FORMATS[table.department].line_terminator)
    for row in rows:
        writer.writerow(row)
    path.write_bytes(out.getvalue().encode(encoding or FORMATS[table.department].encoding))


def truncated(path: Path, table: Table, rng: random.Random) -> Outcome:
    """The transfer stopped inside the last line: no final line break, its last fields gone."""
    text = _text(path, table).rstrip("\r\n")
    last_line = text.rfind("\n") + 1
    cut = text.rfind(",", last_line)
    path.write_bytes(text[:cut].encode(FORMATS[table.department].encoding))
    return Outcome("", "FAILED")


def wrong_delimiter(path: Path, table: Table, rng: random.Random) -> Outcome:
    """Exported with semicolons (a European-locale spreadsheet): no header row can be found."""
    _write_rows(path, table, _rows(_text(path, table)), delimiter=";")
    return Outcome("", "FAILED")


def missing_column(path: Path, table: Table, rng: random.Random) -> Outcome:
    rows = _rows(_text(path, table))
    drop = int(rng.random() * len(rows[0]))
    header = rows[0][drop]
    _write_rows(path, table, [row[:drop] + row[drop + 1:] for row in rows])
    return Outcome(header, "FAILED")


def undecodable(path: Path, table: Table, rng: random.Random) -> Outcome:
    """A UTF-8 byte-order mark in front of GB18030 bytes: a file re-saved by two programs."""
    path.write_bytes(b"\xef\xbb\xbf" + _text(path, table).encode("gb18030"))
    return Outcome("", "FAILED")


# The encoding a department's file switches to, and what the ledger then records.
_OTHER_ENCODING = {"civil_affairs": ("gb18030", "gb18030"),
                   "public_security": ("utf-8-sig", "utf-8-sig"),
                   "social_security": ("utf-8-sig", "utf-8-sig")}


def encoding_variant(path: Path, table: Table, rng: random.Random) -> Outcome:
    """The same extract saved in the other encoding a department's PCs produce (B1, B2)."""
    encoding, recorded = _OTHER_ENCODING[table.department]
    path.write_bytes(_text(path, table).encode(encoding))
    return Outcome("encoding", recorded)


def extra_column(path: Path, table: Table, rng: random.Random) -> Outcome:
    rows = _rows(_text(path, table))
    _write_rows(path, table, [rows[0] + [EXTRA_HEADER]] + [r + [""] if r else r for r in rows[1:]])
    return Outcome(EXTRA_HEADER, "EXTRA_COLUMN", line=1)


FileDefect = Callable[[Path, Table, random.Random], Outcome]

FATAL: dict[str, FileDefect] = {
    "truncated_file": truncated,
    "wrong_delimiter": wrong_delimiter,
    "missing_column": missing_column,
    "undecodable_bytes": undecodable,
}
BENIGN: dict[str, FileDefect] = {
    "encoding_variant": encoding_variant,
    "extra_column": extra_column,
}


def refused_name(rel: str, variant: int) -> str:
    """Where a copy of the CSV-only delivery ``rel`` lands under a name the contract refuses (B24)."""
    department, period, name = rel.split("/")
    stem, _, ext = name.rpartition(".")
    year, month = period.split("-")
    names = (
        f"{department}/{period}/{stem} (1).{ext}",
        f"{department}/{period}/{stem.upper()}.{ext}",
        f"{department}/{period}/{stem}.xlsx",
        f"{department}/{year}-{int(month)}/{name}",
        f"{department}_backup/{period}/{name}",
    )
    return names[variant % len(names)]
