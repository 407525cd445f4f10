"""Row-level defects: what goes wrong in single rows of departmental extracts, and the reason code
the loader must record for each (QUALITY.md; privacy-reliability research §5, B5–B22).

Each defect takes a clean row (cells in file order) and returns the rows to write in its place with
marks saying which of them the loader must flag, or None when the row offers nothing to spoil (no
ID ending in X, no date filled in …). Defects that reject the row are budgeted per file so that no
file crosses the loader's reject limit; the others are skipped rows or warnings.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dagster_project.lib.contract import Column, Contract, Table
from dagster_project.lib.identifiers import resident_id_check_char
from sources.generator.formats import Cell, iso_date

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ID_CHECK_CHARS = "0123456789X"
# A well-formed street code no generated community uses (community serials stop at 199).
UNUSED_COMMUNITY_SERIAL = "599"
UNUSED_DISTRICT = "331299"
MISTYPED_ENUM = {
    "residence_kind": "常住人口",
    "insurance_type": "生育保险",
    "status": "已办结",
    "community_type": "城中村",
    "category": "交通事故",
    "case_class": "行政",
    "assistance_type": "医疗救助",
    "method": "间接选举",
    "position": "书记/主任",
    "education": "大学",
}
NULL_SPELLINGS = ("", "/", "***", "—")
SPARE_USCC = "51331202MJA000013B"


@dataclass(frozen=True)
class Mark:
    offset: int  # which of the emitted rows
    column: str  # the contract header the loader names, or "" for whole-row outcomes
    defect: str
    code: str  # reason code (reject or warning); "" for a blank line, skipped silently


@dataclass
class Mutation:
    rows: list[list[Cell] | None]  # None: a blank line
    marks: list[Mark] = field(default_factory=list)


@dataclass(frozen=True)
class RowContext:
    contract: Contract
    table: Table
    fmt: str
    columns: list[str]  # canonical names in file order
    period_end: date
    rng: random.Random

    def spec(self, name: str) -> Column:
        return self.table.column(name)

    def filled(self, cells: list[Cell], predicate: Callable[[Column], bool]) -> list[str]:
        """Columns meeting ``predicate`` whose cell in this row holds a value."""
        return [name for name, cell in zip(self.columns, cells, strict=True)
                if cell not in (None, "") and predicate(self.spec(name))]

    def pick(self, names: list[str]) -> str | None:
        return names[int(self.rng.random() * len(names))] if names else None

    def date_cell(self, day: date) -> Cell:
        return day if self.fmt == "xlsx" else iso_date(day)

    def parse_date(self, cell: Cell) -> date | None:
        if isinstance(cell, date):
            return cell
        for fmt in self.contract.settings.date_formats:
            try:
                return datetime.strptime(str(cell), fmt).date()
            except ValueError:
                continue
        return None


def _one(ctx: RowContext, cells: list[Cell], name: str, value: Cell, defect: str,
         code: str) -> Mutation:
    changed = list(cells)
    changed[ctx.columns.index(name)] = value
    return Mutation([changed], [Mark(0, ctx.spec(name).header, defect, code)])


def _id(ctx: RowContext, cells: list[Cell], ending_x: bool | None = None) -> tuple[str, str] | None:
    names = ctx.filled(cells, lambda c: c.is_resident_id)
    name = ctx.pick(names)
    if name is None:
        return None
    value = str(cells[ctx.columns.index(name)])
    if ending_x is not None and value.endswith("X") != ending_x:
        return None
    return name, value


def id_checksum(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells)
    if found is None:
        return None
    name, value = found
    # A wrong check character that also leaves three trailing zeros would read as Excel damage.
    wrong = [c for c in ID_CHECK_CHARS if c != value[17] and not (value[15:17] == "00" and c == "0")]
    check = wrong[int(ctx.rng.random() * len(wrong))]
    return _one(ctx, cells, name, value[:17] + check, "id_checksum", "ID_CHECKSUM")


def id_excel_scientific(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells)
    if found is None:
        return None
    name, value = found
    mangled = f"{value[0]}.{value[1:6]}E+17"
    return _one(ctx, cells, name, mangled, "id_excel_scientific", "ID_EXCEL_SCIENTIFIC")


def id_excel_precision(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells)
    if found is None:
        return None
    name, value = found
    mangled = value[:15] + "000"
    if resident_id_check_char(mangled[:17]) == "0":
        return None  # would still be a valid ID
    return _one(ctx, cells, name, mangled, "id_excel_precision", "ID_EXCEL_PRECISION")


def id_lost_x(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells, ending_x=True)
    if found is None:
        return None
    name, value = found
    return _one(ctx, cells, name, value[:17], "id_lost_trailing_x", "ID_LENGTH")


def id_birth_date(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells)
    if found is None:
        return None
    name, value = found
    body = value[:10] + "13" + value[12:17]  # month 13, with a check character that fits
    return _one(ctx, cells, name, body + resident_id_check_char(body), "id_impossible_birth_date",
                "ID_BIRTH_DATE")


def id_numeric_cell(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    if ctx.fmt != "xlsx":
        return None
    found = _id(ctx, cells, ending_x=False)
    if found is None:
        return None
    name, value = found
    return _one(ctx, cells, name, float(value), "id_numeric_cell", "ID_NUMERIC_CELL")


def id_fullwidth(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells)
    if found is None:
        return None
    name, value = found
    return _one(ctx, cells, name, value.translate(FULLWIDTH), "id_fullwidth_digits",
                "ID_FULLWIDTH_NORMALISED")


def id_lowercase_x(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    found = _id(ctx, cells, ending_x=True)
    if found is None:
        return None
    name, value = found
    return _one(ctx, cells, name, value[:17] + "x", "id_lowercase_x", "ID_CASE_NORMALISED")


def impossible_date(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type == "date"))
    if name is None:
        return None
    day = ctx.parse_date(cells[ctx.columns.index(name)]) or ctx.period_end
    text = f"{day.year}年2月30日" if ctx.fmt == "xlsx" else f"{day.year}-02-30"
    return _one(ctx, cells, name, text, "impossible_date", "DATE_FORMAT")


def date_after_period(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type == "date"
                               and (c.in_period or c.not_after_period_end)))
    if name is None:
        return None
    later = ctx.period_end + timedelta(days=1 + int(ctx.rng.random() * 20))
    return _one(ctx, cells, name, ctx.date_cell(later), "date_after_period", "DATE_AFTER_PERIOD")


def _code_columns(ctx: RowContext, cells: list[Cell]) -> str | None:
    return ctx.pick(ctx.filled(cells, lambda c: c.type in ("division", "district")))


def unknown_code(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = _code_columns(ctx, cells)
    if name is None:
        return None
    value = str(cells[ctx.columns.index(name)])
    unknown = UNUSED_DISTRICT if ctx.spec(name).type == "district" else (
        value[:9] + UNUSED_COMMUNITY_SERIAL)
    return _one(ctx, cells, name, unknown, "unknown_division_code", "CODE_UNKNOWN")


def malformed_code(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = _code_columns(ctx, cells)
    if name is None:
        return None
    value = str(cells[ctx.columns.index(name)])
    length = 6 if ctx.spec(name).type == "district" else 12
    return _one(ctx, cells, name, value[: length - 1], "malformed_division_code", "CODE_FORMAT")


def enum_violation(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type in ("enum", "bool", "list")))
    if name is None:
        return None
    kind = ctx.spec(name).type
    wrong = "Y" if kind == "bool" else "公安;卫健" if kind == "list" else MISTYPED_ENUM.get(name, "其它")
    return _one(ctx, cells, name, wrong, "value_outside_enum", "ENUM")


def negative_count(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type in ("int", "decimal")))
    if name is None:
        return None
    value: Cell = -3 if ctx.fmt == "xlsx" else "-3"
    return _one(ctx, cells, name, value, "negative_number", "RANGE")


def number_as_text(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type in ("int", "decimal")))
    if name is None:
        return None
    return _one(ctx, cells, name, f"约{cells[ctx.columns.index(name)]}", "hedged_number",
                "NUMBER_FORMAT")


def required_missing(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: not c.nullable and not c.required_when
                               and not c.empty_when))
    if name is None:
        return None
    token = NULL_SPELLINGS[int(ctx.rng.random() * len(NULL_SPELLINGS))]
    value: Cell = None if ctx.fmt == "xlsx" and token == "" else token
    return _one(ctx, cells, name, value, "required_value_missing", "REQUIRED_MISSING")


def column_count(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    if ctx.fmt != "csv":
        return None
    # A comma typed into an unquoted address splits it, or a trailing field is lost.
    changed = [*cells, "朝阳区"] if ctx.rng.random() < 0.5 else list(cells[:-1])
    return Mutation([changed], [Mark(0, "", "wrong_column_count", "COLUMN_COUNT")])


def _check(ctx: RowContext, kind: str) -> tuple[str, str] | None:
    for check in ctx.table.checks:
        if check.kind == kind and check.other is not None:
            return check.column, check.other
    return None


def date_order(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    pair = _check(ctx, "not_before")
    if pair is None:
        return None
    later, earlier = (ctx.columns.index(n) for n in pair)
    start = ctx.parse_date(cells[earlier])
    if cells[later] in (None, "") or start is None:
        return None
    return _one(ctx, cells, pair[0], ctx.date_cell(start - timedelta(days=3)), "dates_out_of_order",
                "DATE_ORDER")


def range_cross(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    pair = _check(ctx, "not_greater")
    if pair is None:
        return None
    bound = int("".join(ch for ch in str(cells[ctx.columns.index(pair[1])]) if ch.isdigit()))
    return _one(ctx, cells, pair[0], str(bound + 1 + int(ctx.rng.random() * 50)),
                "count_exceeds_its_total", "RANGE_CROSS")


def uscc_checksum(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type == "uscc"))
    if name is None:
        return None
    value = str(cells[ctx.columns.index(name)])
    wrong = "0" if value[-1] != "0" else "1"
    return _one(ctx, cells, name, value[:17] + wrong, "uscc_checksum", "USCC_CHECKSUM")


def must_be_empty(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    for column in ctx.table.columns:
        if not column.empty_when:
            continue
        applies = all(str(cells[ctx.columns.index(other)]) in values
                      for other, values in column.empty_when.items())
        if applies and cells[ctx.columns.index(column.name)] in (None, ""):
            return _one(ctx, cells, column.name, SPARE_USCC, "code_on_filed_record", "MUST_BE_EMPTY")
    return None


def conflicting_duplicate(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    """The same key sent twice with different values (B15)."""
    # Columns other columns' rules depend on would change what the copy is checked against.
    ruling = {other for c in ctx.table.columns for rule in (c.required_when, c.empty_when)
              for other in rule}
    name = ctx.pick(ctx.filled(cells, lambda c: c.name not in ctx.table.key and not c.multi
                               and c.name not in ruling and c.type in ("enum", "bool")))
    if name is None:
        return None
    spec = ctx.spec(name)
    current = str(cells[ctx.columns.index(name)])
    values = ("是", "否") if spec.type == "bool" else spec.values
    other = next(v for v in values if v != spec.synonyms.get(current, current))
    copy = list(cells)
    copy[ctx.columns.index(name)] = other
    return Mutation([cells, copy], [Mark(1, "", "conflicting_duplicate", "DUPLICATE_KEY")])


def duplicate_row(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    return Mutation([cells, list(cells)], [Mark(1, "", "duplicate_row", "DUPLICATE_ROW")])


def blank_line(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    return Mutation([cells, None], [Mark(1, "", "blank_line", "")])


def phone_invalid(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    names = [n for n in ctx.columns if ctx.spec(n).type == "phone"]
    if not names:
        return None
    return _one(ctx, cells, names[0], f"13{int(ctx.rng.random() * 10**8):08d}", "phone_too_short",
                "PHONE_FORMAT")


def name_lost_character(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    name = ctx.pick(ctx.filled(cells, lambda c: c.type == "name"))
    if name is None:
        return None
    value = str(cells[ctx.columns.index(name)])
    return _one(ctx, cells, name, value[:-1] + "?", "rare_character_lost", "NAME_UNREPRESENTABLE")


def sex_mismatch(ctx: RowContext, cells: list[Cell]) -> Mutation | None:
    checks = [c for c in ctx.table.checks if c.kind == "sex_matches_id"]
    if not checks:
        return None
    i = ctx.columns.index(checks[0].column)
    if cells[i] not in ("男", "女"):
        return None
    return _one(ctx, cells, checks[0].column, "女" if cells[i] == "男" else "男",
                "sex_disagrees_with_id", "SEX_MISMATCH")


Defect = Callable[[RowContext, list[Cell]], Mutation | None]

# (defect, weight). Rejecting defects count against a file's reject budget.
REJECTING: tuple[tuple[Defect, float], ...] = (
    (id_checksum, 3), (id_excel_scientific, 1), (id_excel_precision, 1), (id_lost_x, 1),
    (id_birth_date, 1), (id_numeric_cell, 2), (impossible_date, 2), (date_after_period, 2),
    (unknown_code, 2), (malformed_code, 1), (enum_violation, 2), (negative_count, 1),
    (number_as_text, 1), (required_missing, 2), (column_count, 1), (date_order, 2),
    (range_cross, 2), (uscc_checksum, 2), (must_be_empty, 2), (conflicting_duplicate, 1),
)
HARMLESS: tuple[tuple[Defect, float], ...] = (
    (duplicate_row, 2), (blank_line, 2), (id_fullwidth, 1), (id_lowercase_x, 1),
    (phone_invalid, 1), (name_lost_character, 1), (sex_mismatch, 1),
)
