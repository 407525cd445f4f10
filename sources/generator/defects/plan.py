"""Which deliveries and rows get which defects, and the truth file that says so.

The truth file (``<inbox>_truth.csv`` beside the inbox, never inside it: everything in the inbox is a
delivery) has one row per defect: ``file`` (inbox-relative path), ``line`` (physical line of a CSV or
sheet row of a workbook, header included; 0 for the file as a whole, 1 for a warning about the
header), ``column`` (the contract
header the loader names, or empty), ``defect`` and ``expected_reason_code``:

- for a row: the reason code the loader records in ``audit.rejected_rows`` (``ID_CHECKSUM`` …, and
  ``TOTALS_ROW`` / ``DUPLICATE_ROW`` for skipped rows) or in its warnings (``ID_FULLWIDTH_NORMALISED``
  …); empty for a blank line, which is only counted as skipped;
- for a file (line 0): the ledger status it must get (``FAILED``, ``REFUSED``, or ``SUPERSEDED`` once
  the corrected delivery in ``<inbox>_later/`` is copied over it), or, with column ``encoding``, the
  encoding the ledger must record.
"""

import csv
import math
import random
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from dagster_project.lib.contract import Contract, Table
from sources.generator.defects.files import BENIGN, FATAL, refused_name
from sources.generator.defects.rows import HARMLESS, REJECTING, Defect, Mark, RowContext
from sources.generator.defects.tables import (
    DUPLICATE_PLANT,
    HALVING_EXCLUDED,
    MIN_HALVED_ROWS,
    RECONCILIATION_PLANTS,
    ROW_COUNT_CHANGE,
    PlantedDefect,
    Rewrite,
    TablePlant,
    write_planted,
)
from sources.generator.draws import poisson
from sources.generator.formats import Cell
from sources.generator.parts import file_columns

# Below the loader's 20% reject limit with room to spare.
MAX_REJECTED_SHARE = 0.15
TRUTH_COLUMNS = ("file", "line", "column", "defect", "expected_reason_code")
TOTALS_ROWS_PER_DEFECT = 10  # a CSV gains a 合计 row ten times as often as a row is spoiled
DIVISIONS = "ca_division"  # every other table is checked against it: never spoiled


def truth_path(inbox: Path) -> Path:
    return inbox.parent / f"{inbox.name}_truth.csv"


def later_dir(inbox: Path) -> Path:
    """Deliveries sent after the first load (corrections): outside the inbox until copied in."""
    return inbox.parent / f"{inbox.name}_later"


@dataclass(frozen=True)
class FileInfo:
    rel: str
    table: Table
    period: str
    period_end: date
    fmt: str
    rows: int


@dataclass(frozen=True)
class TruthRow:
    file: str
    line: int
    column: str
    defect: str
    code: str


class RowInjector:
    """Spoils chosen rows of one file as it is assembled, and records what it did."""

    def __init__(self, contract: Contract, info: FileInfo, rate: float, rng: random.Random,
                 truth: list[TruthRow], at_least_one: bool) -> None:
        self.info = info
        self.rng = rng
        self.truth = truth
        count = min(info.rows, max(poisson(rng, info.rows * rate), 1 if at_least_one else 0))
        self.chosen = frozenset(rng.sample(range(info.rows), count))
        self.budget = math.floor(info.rows * MAX_REJECTED_SHARE)
        self.totals = info.fmt == "csv" and rng.random() < rate * TOTALS_ROWS_PER_DEFECT
        self.context = RowContext(contract, info.table, info.fmt, file_columns(info.table, info.fmt),
                                  info.period_end, rng)

    def wants(self, index: int) -> bool:
        return index in self.chosen

    def _draw(self) -> tuple[Defect, bool]:
        pool = [(d, w, True) for d, w in REJECTING] if self.budget > 0 else []
        pool += [(d, w, False) for d, w in HARMLESS]
        point = self.rng.random() * sum(w for _, w, _ in pool)
        for defect, weight, rejects in pool:
            point -= weight
            if point < 0:
                return defect, rejects
        return pool[-1][0], pool[-1][2]

    def apply(self, cells: list[Cell], line: int) -> list[list[Cell] | None]:
        """The rows to write instead of ``cells``, the first of them at ``line``."""
        for _ in range(20):
            defect, rejects = self._draw()
            mutation = defect(self.context, cells)
            if mutation is not None:
                break
        else:
            return [cells]
        if rejects:
            self.budget -= 1
        for mark in mutation.marks:
            self.record(line + mark.offset, mark)
        return mutation.rows

    def record(self, line: int, mark: Mark) -> None:
        self.truth.append(TruthRow(self.info.rel, line, mark.column, mark.defect, mark.code))

    def trailer(self, line: int, width: int) -> list[list[Cell]]:
        """A 合计 row at the end of a CSV, when this file gets one."""
        if not self.totals:
            return []
        self.record(line, Mark(0, "", "totals_row", "TOTALS_ROW"))
        return [["合计", str(self.info.rows)] + [""] * (width - 2)]


def _table_plants(files: list[FileInfo], rng: random.Random) -> tuple[dict[str, TablePlant], set[str]]:
    """The table-level defects of a window, by file, and the files they rely on being loaded whole.

    Reconciliation plants go to the last period in which social security delivers its quarterly
    enrolments, where each has the other department's side to disagree with; the duplicate case to
    the last delivery of the assistance register; the halved extract to the last delivery of one
    snapshot table that has an earlier delivery to be compared with.
    """
    by_table: dict[str, list[FileInfo]] = {}
    for info in sorted(files, key=lambda f: f.period):
        if info.rows:
            by_table.setdefault(info.table.name, []).append(info)
    plants: dict[str, TablePlant] = {}
    relied_on: set[str] = set()
    people: set[str] = set()

    def plant(info: FileInfo, defect: str, expectation: str, severity: str, rewrite: Rewrite | None,
              limit: int | None = None) -> None:
        plants[info.rel] = TablePlant(info.rel, info.table, info.period, info.fmt, defect, expectation,
                                      severity, rewrite, limit, people)

    if by_table.get("ss_insurance"):
        period = by_table["ss_insurance"][-1].period
        for defect, (table, expectation, severity, rewrite) in RECONCILIATION_PLANTS.items():
            other = "ca_worker" if table == "ss_insurance" else "ps_resident"
            target = [f for f in by_table.get(table, []) if f.period == period]
            sides = [f for f in by_table.get(other, []) if f.period <= period]
            if target and sides:
                plant(target[0], defect, expectation, severity, rewrite)
                relied_on.add(sides[-1].rel)
    table, defect, expectation, severity, rewrite = DUPLICATE_PLANT
    if by_table.get(table):
        plant(by_table[table][-1], defect, expectation, severity, rewrite)
    halvable = sorted(name for name, infos in by_table.items()
                      if len(infos) >= 2 and infos[0].table.kind == "snapshot"
                      and name not in HALVING_EXCLUDED and infos[-1].rel not in plants
                      and infos[-1].rows >= MIN_HALVED_ROWS)
    if halvable:
        infos = by_table[halvable[int(rng.random() * len(halvable))]]
        plant(infos[-1], "halved_extract", ROW_COUNT_CHANGE, "error", None, limit=infos[-1].rows // 2)
        relied_on.add(infos[-2].rel)
    return plants, relied_on


def _cycle(kinds: Iterable[str], count: int) -> list[str]:
    kinds = list(kinds)
    return [kinds[i % len(kinds)] for i in range(count)]


class DefectPlan:
    def __init__(self, contract: Contract, files: list[FileInfo], rate: float, seed: int,
                 inbox: Path) -> None:
        if not 0 < rate <= 0.1:
            raise ValueError("the defect rate must be in (0, 0.1]")
        self.contract = contract
        self.rate = rate
        self.seed = seed
        self.inbox = inbox
        self.truth: list[TruthRow] = []
        self.plants, relied_on = _table_plants(files, random.Random(f"{seed}/defects/tables"))
        rng = random.Random(f"{seed}/defects/files")
        # Files holding a table-level defect, or the other side it is compared with, load whole.
        eligible = [f for f in files if f.fmt == "csv" and f.table.name != DIVISIONS and f.rows >= 5
                    and f.rel not in self.plants and f.rel not in relied_on]
        count = max(1, round(rate * len(eligible)))
        # Whole files fail among the smaller half, so the large ones keep their row defects.
        small = sorted(eligible, key=lambda f: (f.rows, f.rel))[: max(1, len(eligible) // 2)]
        fatal = rng.sample(small, min(len(small), count * len(FATAL)))
        self.file_defects = {info.rel: kind for info, kind in zip(fatal, _cycle(FATAL, len(fatal)))}
        rest = [f for f in eligible if f.rel not in self.file_defects]
        others = [*BENIGN, "corrected_redelivery"]
        chosen = rng.sample(rest, min(len(rest), count * len(others)))
        self.file_defects |= {info.rel: kind for info, kind in zip(chosen, _cycle(others, len(chosen)))}
        csv_only = [f for f in files if f.table.formats == ("csv",) and f.rows]
        self.refused = [(info.rel, refused_name(info.rel, i))
                        for i, info in enumerate(rng.sample(csv_only, min(len(csv_only), count * 3)))]

    @property
    def redeliveries(self) -> list[str]:
        return sorted(rel for rel, kind in self.file_defects.items() if kind == "corrected_redelivery")

    def redelivered(self, info: FileInfo) -> bool:
        return self.file_defects.get(info.rel) == "corrected_redelivery"

    def plant(self, info: FileInfo) -> TablePlant | None:
        return self.plants.get(info.rel)

    @property
    def planted(self) -> list[PlantedDefect]:
        return [r for p in self.plants.values() for r in p.records]

    def write_planted(self) -> Path:
        return write_planted(self.inbox, self.planted)

    def injector(self, info: FileInfo) -> RowInjector | None:
        kind = self.file_defects.get(info.rel)
        if info.table.name == DIVISIONS or kind in FATAL:
            return None
        plant = self.plants.get(info.rel)
        if plant is not None and plant.limit is not None:
            info = replace(info, rows=plant.limit)  # row defects among the rows the file keeps
        rng = random.Random(f"{self.seed}/defects/{info.rel}")
        return RowInjector(self.contract, info, self.rate, rng, self.truth,
                           at_least_one=kind == "corrected_redelivery")

    def mark_totals(self, info: FileInfo, line: int) -> None:
        """A workbook's own 合计 row: part of the form, yet a row the loader must skip."""
        self.truth.append(TruthRow(info.rel, line, "", "totals_row", "TOTALS_ROW"))

    def finish(self, path: Path, info: FileInfo) -> None:
        """Apply the file's file-level defect, if any, to the assembled extract."""
        kind = self.file_defects.get(info.rel)
        if kind == "corrected_redelivery":
            self.truth.append(TruthRow(info.rel, 0, "", kind, "SUPERSEDED"))
        elif kind is not None:
            defect = {**FATAL, **BENIGN}[kind]
            outcome = defect(path, info.table, random.Random(f"{self.seed}/defects/file/{info.rel}"))
            self.truth.append(TruthRow(info.rel, outcome.line, outcome.column, kind, outcome.code))

    def copy_refused(self) -> None:
        for source, target in self.refused:
            destination = self.inbox / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.inbox / source, destination)
            self.truth.append(TruthRow(target, 0, "", "refused_name", "REFUSED"))

    def write_truth(self) -> Path:
        path = truth_path(self.inbox)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(TRUTH_COLUMNS)
            for row in sorted(self.truth, key=lambda r: (r.file, r.line, r.code)):
                writer.writerow([row.file, row.line, row.column, row.defect, row.code])
        return path
