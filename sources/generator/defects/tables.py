"""Table-level defects: extracts whose every row is valid, yet the table as a whole is wrong.

Row validation passes each of these rows, so they reach the warehouse; only the expectation suites,
which look at a whole partition and across departments, can see them:

- ``halved_extract``: a snapshot delivered with half its rows (an export cut short), in the last
  period the table is delivered, so that only that partition is compared with a full one;
- ``duplicate_household_case``: a household head's assistance case listed a second time under a new
  case number (the same benefit paid twice), so the case number stays unique while the head and the
  assistance type repeat;
- ``households_disagree``: civil affairs reports about twice the households the public-security
  register holds for one community;
- ``worker_not_in_register``: a community worker with a valid ID that the resident register lacks;
- ``employer_not_committee``: active employee-scheme enrolments of community workers paid by a
  company instead of the residents' committee.

Each planted defect is listed in ``<inbox>_planted.csv`` beside the inbox with the expectation that
must fail on that partition and the severity the suite gives it.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.contract import Table
from dagster_project.lib.identifiers import resident_id_check_char, uscc_check_char
from sources.generator.formats import Cell
from sources.generator.parts import file_columns

PLANTED_COLUMNS = ("table", "period", "file", "line", "defect", "expectation", "severity")

ROW_COUNT_CHANGE = "expect_table_row_count_to_be_between[vs_previous_delivery]"
HOUSEHOLD_CASE_KEY = "expect_compound_columns_to_be_unique(head_pid,assistance_type)"
HOUSEHOLDS_VS_REGISTER = "unexpected_rows_expectation[households_vs_ps_register]"
WORKERS_IN_REGISTER = "unexpected_rows_expectation[workers_in_ps_register]"
WORKER_EMPLOYERS = "unexpected_rows_expectation[worker_employers_are_committees]"

# The tables the reconciliations read as the other department's side: halving one of them would make
# other suites fail too. The division master is what every code is checked against.
HALVING_EXCLUDED = frozenset({"ca_division", "ps_resident"})
# Below this, half an extract is too few rows to be worth a plant.
MIN_HALVED_ROWS = 10
EMPLOYEE_SCHEMES = frozenset({"城镇职工养老", "职工医疗", "失业", "工伤"})
ACTIVE = "参保缴费"
COMMITTEE_PREFIX = "59"  # civil affairs (5), residents' committee (9)
COMPANY_PREFIX = "91"  # market regulation (9), enterprise (1)
EMPLOYER_ROWS = 2  # two workers: the plant still shows if one of them is missing from the roster
# Households the register cannot explain: twice the reported number and then some.
HOUSEHOLDS_FACTOR, HOUSEHOLDS_EXTRA = 2, 20


def planted_path(inbox: Path) -> Path:
    return inbox.parent / f"{inbox.name}_planted.csv"


@dataclass(frozen=True)
class PlantedDefect:
    table: str
    period: str
    file: str
    line: int  # the planted row's physical line (sheet row in a workbook); 0: the whole file
    defect: str
    expectation: str
    severity: str


Rewrite = Callable[["TablePlant", list[Cell]], list[list[Cell]] | None]


class TablePlant:
    """Plants one table-level defect in one file as it is assembled.

    The assembler offers it the rows in order until it is done (``active``); the rows it rewrites are
    never offered to the row-defect injector, so they stay valid and reach the table. The planted row
    is the last of the rows a rewrite returns. ``people`` is shared by the plants of one generation:
    the IDs of persons whose rows a plant has altered, which the other plants leave alone (a worker
    given another ID is no longer on the roster, so their enrolment would show nothing).
    """

    def __init__(self, rel: str, table: Table, period: str, fmt: str, defect: str, expectation: str,
                 severity: str, rewrite: Rewrite | None, limit: int | None = None,
                 people: set[str] | None = None) -> None:
        self.rel, self.table, self.period = rel, table.name, period
        self.defect, self.expectation, self.severity = defect, expectation, severity
        self.columns = file_columns(table, fmt)
        self.fmt = fmt
        self.rewrite = rewrite
        self.limit = limit  # rows kept; None: all
        self.lines: list[int] = [0] if limit is not None else []
        self.remaining = EMPLOYER_ROWS if defect == "employer_not_committee" else 1
        self.people = people if people is not None else set()

    @property
    def active(self) -> bool:
        return self.rewrite is not None and self.remaining > 0

    def cell(self, cells: list[Cell], name: str) -> Cell:
        return cells[self.columns.index(name)]

    def with_cell(self, cells: list[Cell], name: str, value: Cell) -> list[Cell]:
        changed = list(cells)
        changed[self.columns.index(name)] = value
        return changed

    def offer(self, cells: list[Cell], line: int) -> list[list[Cell]] | None:
        """The rows to write instead of ``cells`` (the first at ``line``), or None to leave it be."""
        if not self.active:
            return None
        assert self.rewrite is not None
        emitted = self.rewrite(self, cells)
        if emitted is None:
            return None
        self.remaining -= 1
        self.lines.append(line + len(emitted) - 1)
        return emitted

    @property
    def records(self) -> list[PlantedDefect]:
        """One per planted row (none when no row qualified), or one for the whole file."""
        return [PlantedDefect(self.table, self.period, self.rel, line, self.defect, self.expectation,
                              self.severity) for line in self.lines]


def _filled(cell: Cell) -> bool:
    return cell not in (None, "")


def _digits(cell: Cell) -> int | None:
    text = "".join(ch for ch in str(cell) if ch.isdigit())
    return int(text) if text and not isinstance(cell, float) else None


def duplicate_case(plant: TablePlant, cells: list[Cell]) -> list[list[Cell]] | None:
    case_id = str(plant.cell(cells, "case_id") or "")
    if len(case_id) < 4 or not _filled(plant.cell(cells, "head_id_number")):
        return None
    # The same household under a second case number: the first of the serial's four digits set to 9.
    copy = plant.with_cell(cells, "case_id", f"{case_id[:-4]}9{case_id[-3:]}")
    return [cells, copy]


def households_disagree(plant: TablePlant, cells: list[Cell]) -> list[list[Cell]] | None:
    reported = _digits(plant.cell(cells, "households_reported"))
    if reported is None:
        return None
    planted = reported * HOUSEHOLDS_FACTOR + HOUSEHOLDS_EXTRA
    return [plant.with_cell(cells, "households_reported", planted if plant.fmt == "xlsx" else str(planted))]


def worker_not_in_register(plant: TablePlant, cells: list[Cell]) -> list[list[Cell]] | None:
    value = plant.cell(cells, "id_number")
    if not isinstance(value, str) or len(value) != 18 or not value[:17].isdigit():
        return None
    plant.people.add(value)
    # Another person born the same day in the same area: sequence digits 99, the sex digit kept.
    body = value[:14] + "99" + value[16]
    if body == value[:17]:
        body = value[:14] + "98" + value[16]
    return [plant.with_cell(cells, "id_number", body + resident_id_check_char(body))]


def employer_not_committee(plant: TablePlant, cells: list[Cell]) -> list[list[Cell]] | None:
    employer = str(plant.cell(cells, "employer_uscc") or "")
    person = str(plant.cell(cells, "id_number") or "")
    if (not employer.startswith(COMMITTEE_PREFIX) or len(employer) != 18 or person in plant.people
            or str(plant.cell(cells, "status")) != ACTIVE
            or str(plant.cell(cells, "insurance_type")) not in EMPLOYEE_SCHEMES):
        return None
    plant.people.add(person)
    body = COMPANY_PREFIX + employer[2:17]  # a company registered where the committee is
    return [plant.with_cell(cells, "employer_uscc", body + uscc_check_char(body))]


# defect -> (table, expectation, severity, rewrite)
RECONCILIATION_PLANTS: dict[str, tuple[str, str, str, Rewrite]] = {
    "households_disagree": ("ca_community", HOUSEHOLDS_VS_REGISTER, "warning", households_disagree),
    "worker_not_in_register": ("ca_worker", WORKERS_IN_REGISTER, "warning", worker_not_in_register),
    "employer_not_committee": ("ss_insurance", WORKER_EMPLOYERS, "warning", employer_not_committee),
}
DUPLICATE_PLANT = ("ca_assistance", "duplicate_household_case", HOUSEHOLD_CASE_KEY, "error", duplicate_case)


def write_planted(inbox: Path, records: list[PlantedDefect]) -> Path:
    path = planted_path(inbox)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PLANTED_COLUMNS)
        for r in sorted(records, key=lambda r: (r.period, r.table, r.defect, r.line)):
            writer.writerow([r.table, r.period, r.file, r.line, r.defect, r.expectation, r.severity])
    return path
