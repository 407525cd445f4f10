"""Row validation driven by the contract: normalise each cell, check it, and say why when it fails.

Every failure carries a stable reason code, the column and the original line; warnings are recorded
without rejecting the row. Personal data leaves this module only as a pseudonym plus derived attributes.
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from dagster_project.ingest.parse import Cell
from dagster_project.lib.contract import Column, Contract, Table
from dagster_project.lib.identifiers import (
    check_division_code,
    check_mobile,
    check_resident_id,
    check_uscc,
    mask_value,
)
from dagster_project.lib.pseudonym import Pseudonymiser

EXCEL_EPOCH = date(1899, 12, 30)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_HEADER_UNIT_RE = re.compile(r"\(([^()]+)\)$")
_UNIT_SYNONYMS = {"㎡": ("m2", "平方米")}  # values are NFKC-normalised first: ㎡ and m² become m2
_COUNTERS = ("户", "人", "个", "名", "件", "起", "次")
UNREPRESENTABLE_RE = re.compile(r"[?？\ue000-\uf8ff]")


def _allowed_units(column: Column) -> tuple[str, ...]:
    """Units a number may carry: the one its header names (㎡, 万元, 元), or a counter for whole numbers.

    Only the header's own unit is stripped, so '300元' in a 万元 column is an error, not 300万元.
    """
    m = _HEADER_UNIT_RE.search(column.header)
    if m:
        unit = m.group(1)
        return _UNIT_SYNONYMS.get(unit, (unit,))
    return _COUNTERS if column.type == "int" else ()


@dataclass(frozen=True)
class Issue:
    line_number: int
    column: str | None
    reason: str
    masked_value: str | None
    message: str


# Checks whose outcome depends on the cell alone are remembered per column: extracts repeat the same
# community codes, dates and enum values on most rows. Personal identifiers are unique, never cached.
_UNCACHED_TYPES = frozenset({"resident_id", "name", "phone"})
_CACHE_LIMIT = 50_000


_DATE_FIELDS = {"%Y": r"(?P<year>\d{4})", "%m": r"(?P<month>\d{1,2})", "%d": r"(?P<day>\d{1,2})"}


def _date_pattern(fmt: str) -> re.Pattern[str]:
    """A strptime format of the contract as an anchored regex (strptime itself is slow per call)."""
    parts = re.split(r"(%[Ymd])", fmt)
    return re.compile("".join(_DATE_FIELDS.get(p, re.escape(p)) for p in parts), re.ASCII)


@dataclass(frozen=True)
class CellOutcome:
    missing: bool
    parsed: Any
    values: dict[str, Any]
    rejects: tuple[Issue, ...]
    warnings: tuple[Issue, ...]


@dataclass
class RowResult:
    values: dict[str, Any] = field(default_factory=dict)
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """Division codes of the period that other tables' codes must resolve to."""

    codes: frozenset[str]
    communities: frozenset[str]
    districts: frozenset[str]


class RowValidator:
    def __init__(self, contract: Contract, table: Table, period_start: date, period_end: date,
                 pseudonymiser: Pseudonymiser, reference: Reference | None, from_xlsx: bool) -> None:
        self.contract = contract
        self.table = table
        self.period_start = period_start
        self.period_end = period_end
        self.pseudonymiser = pseudonymiser
        self.reference = reference
        self.from_xlsx = from_xlsx
        self.null_tokens = contract.settings.null_tokens
        self.masked = contract.settings.masked_patterns
        self.date_patterns = tuple(_date_pattern(f) for f in contract.settings.date_formats)
        self._cache: dict[str, dict[tuple[type, Cell], CellOutcome]] = {c.name: {} for c in table.columns}

    # -- cells -------------------------------------------------------------------------------------

    def is_missing(self, column: Column, cell: Cell) -> bool:
        if cell is None:
            return True
        if not isinstance(cell, str):
            return False
        text = cell.strip()
        if column.type == "enum" and text in column.values:
            return False  # 无 is a value where the enum has it (用房性质, 社工证书)
        return text in self.null_tokens or any(p.match(text) for p in self.masked)

    def applies(self, rule: dict[str, tuple[str, ...]], raw: dict[str, Cell]) -> bool:
        for other, values in rule.items():
            cell = raw.get(other)
            text = unicodedata.normalize("NFKC", str(cell)).strip() if cell is not None else ""
            if text not in values:
                return False
        return True

    def validate(self, line_number: int, raw: dict[str, Cell]) -> RowResult:
        """`raw` maps canonical column name to the cell as read."""
        result = RowResult()
        parsed: dict[str, Any] = {}
        for column in self.table.columns:
            cell = raw.get(column.name)
            outcome = None if column.type in _UNCACHED_TYPES else self._cached_outcome(column, cell)
            missing = outcome.missing if outcome else self.is_missing(column, cell)
            if missing:
                required = not column.nullable and (
                    not column.required_when or self.applies(column.required_when, raw))
                if required:
                    self._reject(result, line_number, column, "REQUIRED_MISSING", cell,
                                 f"{column.header} is required")
                parsed[column.name] = None
                result.values.update({name: None for name, _ in column.storage_columns()})
                continue
            if column.empty_when and self.applies(column.empty_when, raw):
                self._reject(result, line_number, column, "MUST_BE_EMPTY", cell,
                             f"{column.header} must be empty for this kind of record")
                continue
            if outcome is None:
                parsed[column.name] = self._check_cell(result, line_number, column, cell)
                continue
            result.values.update(outcome.values)
            result.rejects.extend(replace(i, line_number=line_number) for i in outcome.rejects)
            result.warnings.extend(replace(i, line_number=line_number) for i in outcome.warnings)
            parsed[column.name] = outcome.parsed
        if not result.rejects:
            self._cross_checks(result, line_number, parsed, raw)
        return result

    def _reject(self, result: RowResult, line: int, column: Column | None, reason: str,
                cell: Cell, message: str) -> None:
        result.rejects.append(self.issue(line, column, reason, cell, message))

    def _warn(self, result: RowResult, line: int, column: Column | None, reason: str,
              cell: Cell, message: str) -> None:
        result.warnings.append(self.issue(line, column, reason, cell, message))

    @staticmethod
    def issue(line: int, column: Column | None, reason: str, cell: Cell, message: str) -> Issue:
        masked = None
        if cell is not None:
            masked = mask_value(str(cell), column.type if column else "text")
        return Issue(line, column.header if column else None, reason, masked, message)

    def _check_cell(self, result: RowResult, line: int, column: Column, cell: Cell) -> Any:
        handler = getattr(self, f"_cell_{column.type}")
        return handler(result, line, column, cell)

    def cell_outcome(self, column: Column, cell: Cell) -> CellOutcome:
        """What the cell rules say about one cell on its own; issues carry line 0."""
        if self.is_missing(column, cell):
            return CellOutcome(True, None, {}, (), ())
        scratch = RowResult()
        parsed = self._check_cell(scratch, 0, column, cell)
        return CellOutcome(False, parsed, scratch.values, tuple(scratch.rejects), tuple(scratch.warnings))

    def _cached_outcome(self, column: Column, cell: Cell) -> CellOutcome:
        cache = self._cache[column.name]
        key = (type(cell), cell)  # 1, 1.0 and True are equal keys otherwise
        outcome = cache.get(key)
        if outcome is None:
            outcome = self.cell_outcome(column, cell)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = outcome
        return outcome

    # -- one handler per contract type ---------------------------------------------------------------

    def _cell_text(self, result: RowResult, line: int, column: Column, cell: Cell) -> str:
        value = str(cell).strip()
        result.values[column.name] = value
        return value

    def _cell_name(self, result: RowResult, line: int, column: Column, cell: Cell) -> None:
        if UNREPRESENTABLE_RE.search(str(cell)):
            self._warn(result, line, column, "NAME_UNREPRESENTABLE", cell,
                       "name holds '?' or a private-use character (character lost in export)")
        return None

    def _cell_phone(self, result: RowResult, line: int, column: Column, cell: Cell) -> None:
        check = check_mobile(str(cell))
        if check.reason:
            self._warn(result, line, column, check.reason, cell, "not a valid mainland mobile number")
        return None

    def _cell_resident_id(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        if not isinstance(cell, str):
            self._reject(result, line, column, "ID_NUMERIC_CELL", cell,
                         "ID stored as a number: digits beyond the 15th are already lost")
            return None
        check = check_resident_id(cell, self.period_end)
        if check.reason:
            hint = f" ({check.hint})" if check.hint else ""
            self._reject(result, line, column, check.reason, cell, f"invalid resident ID{hint}")
            return None
        for code in check.warnings:
            self._warn(result, line, column, code, cell, "resident ID accepted with a note")
        prefix = column.pseudonym or column.name
        birth = check.birth_date
        result.values.update({
            f"{prefix}_pid": self.pseudonymiser.pid(check.value),
            f"{prefix}_birth_year": birth.year if birth else None,
            f"{prefix}_birth_month": birth.month if birth else None,
            f"{prefix}_sex": check.sex,
            f"{prefix}_area_code": check.area_code,
        })
        return check.value

    def _cell_uscc(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        check = check_uscc(str(cell))
        if check.reason:
            self._reject(result, line, column, check.reason, cell, "invalid unified social credit code")
            return None
        for code in check.warnings:
            self._warn(result, line, column, code, cell, "credit code accepted with a note")
        result.values[column.name] = check.value
        return check.value

    def _division_codes(self, result: RowResult, line: int, column: Column, cell: Cell,
                        length: int) -> list[str] | None:
        parts = str(cell).split(column.multi) if column.multi else [str(cell)]
        codes = []
        for part in parts:
            check = check_division_code(unicodedata.normalize("NFKC", part).strip(), length)
            if check.reason:
                self._reject(result, line, column, check.reason, cell,
                             f"{column.header} must be {length} digits")
                return None
            codes.append(check.value)
        if column.references and self.reference is not None:
            known = self.reference.districts if length == 6 else (
                self.reference.communities if column.level == "社区" else self.reference.codes)
            unknown = [c for c in codes if c not in known]
            if unknown:
                self._reject(result, line, column, "CODE_UNKNOWN", cell,
                             f"{column.header} not found in the division master of the period")
                return None
        return codes

    def _cell_division(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        codes = self._division_codes(result, line, column, cell, 12)
        if codes is None:
            return None
        value = ";".join(codes)
        result.values[column.name] = value
        return value

    def _cell_district(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        codes = self._division_codes(result, line, column, cell, 6)
        if codes is None:
            return None
        result.values[column.name] = codes[0]
        return codes[0]

    def _enum_value(self, column: Column, text: str) -> str | None:
        text = unicodedata.normalize("NFKC", text).strip()
        text = column.synonyms.get(text, text)
        return text if text in column.values else None

    def _enum_values(self, result: RowResult, line: int, column: Column, cell: Cell, parts: list[str],
                     joiner: str) -> str | None:
        values = [self._enum_value(column, p) for p in parts]
        if any(v is None for v in values):
            self._reject(result, line, column, "ENUM", cell,
                         f"{column.header}: each value must be one of {'/'.join(column.values)}")
            return None
        value = joiner.join(values)  # type: ignore[arg-type]
        result.values[column.name] = value
        return value

    def _cell_enum(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        parts = str(cell).split(column.multi) if column.multi else [str(cell)]
        return self._enum_values(result, line, column, cell, parts, "、")

    def _cell_list(self, result: RowResult, line: int, column: Column, cell: Cell) -> str | None:
        text = unicodedata.normalize("NFKC", str(cell))
        parts = [p.strip() for p in re.split(r"[;,、]", text) if p.strip()]
        return self._enum_values(result, line, column, cell, parts, ";")

    def _cell_bool(self, result: RowResult, line: int, column: Column, cell: Cell) -> bool | None:
        text = unicodedata.normalize("NFKC", str(cell)).strip()
        if text not in ("是", "否"):
            self._reject(result, line, column, "ENUM", cell, f"{column.header} must be 是 or 否")
            return None
        result.values[column.name] = text == "是"
        return text == "是"

    def _number(self, result: RowResult, line: int, column: Column, cell: Cell) -> float | None:
        if isinstance(cell, bool) or isinstance(cell, (date, datetime)):
            number = None
        elif isinstance(cell, (int, float)):
            number = float(cell)
        else:
            text = unicodedata.normalize("NFKC", str(cell)).strip().replace(",", "").replace(" ", "")
            for unit in _allowed_units(column):
                if text.endswith(unit):
                    text = text[: -len(unit)]
                    break
            number = float(text) if _NUMBER_RE.match(text) else None
        if number is None:
            self._reject(result, line, column, "NUMBER_FORMAT", cell, f"{column.header} is not a number")
            return None
        if (column.min is not None and number < column.min) or (
                column.max is not None and number > column.max):
            self._reject(result, line, column, "RANGE", cell,
                         f"{column.header} outside [{column.min}, {column.max}]")
            return None
        return number

    def _cell_int(self, result: RowResult, line: int, column: Column, cell: Cell) -> int | None:
        number = self._number(result, line, column, cell)
        if number is None:
            return None
        if number != int(number):
            self._reject(result, line, column, "NUMBER_FORMAT", cell, f"{column.header} must be a whole number")
            return None
        result.values[column.name] = int(number)
        return int(number)

    def _cell_decimal(self, result: RowResult, line: int, column: Column, cell: Cell) -> float | None:
        number = self._number(result, line, column, cell)
        if number is not None:
            result.values[column.name] = number
        return number

    def parse_date(self, cell: Cell) -> date | None:
        if isinstance(cell, datetime):
            return cell.date()
        if isinstance(cell, date):
            return cell
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            # Only a spreadsheet cell can hold a serial date; a CSV number like 20250701 is text.
            return EXCEL_EPOCH + timedelta(days=int(cell)) if self.from_xlsx and cell == int(cell) else None
        text = unicodedata.normalize("NFKC", str(cell)).strip()
        for pattern in self.date_patterns:
            m = pattern.fullmatch(text)
            if m:
                try:
                    return date(int(m["year"]), int(m["month"]), int(m["day"]))
                except ValueError:
                    return None  # the right shape but no such day (2025-02-30)
        return None

    def _cell_date(self, result: RowResult, line: int, column: Column, cell: Cell) -> date | None:
        value = self.parse_date(cell)
        if value is None:
            self._reject(result, line, column, "DATE_FORMAT", cell, f"{column.header} is not a valid date")
            return None
        if (column.in_period or column.not_after_period_end) and value > self.period_end:
            self._reject(result, line, column, "DATE_AFTER_PERIOD", cell,
                         f"{column.header} falls after the period {self.period_end:%Y-%m}")
            return None
        result.values[column.name] = value
        return value

    # -- cross-column rules --------------------------------------------------------------------------

    def _cross_checks(self, result: RowResult, line: int, parsed: dict[str, Any],
                      raw: dict[str, Cell]) -> None:
        for check in self.table.checks:
            column = self.table.column(check.column)
            value = parsed.get(check.column)
            other = parsed.get(check.other) if check.other else None
            if check.kind == "not_before" and value is not None and other is not None and value < other:
                self._reject(result, line, column, "DATE_ORDER", raw.get(check.column),
                             f"{column.header} is before {self.table.column(check.other).header}")
            elif check.kind == "not_greater" and value is not None and other is not None and value > other:
                self._reject(result, line, column, "RANGE_CROSS", raw.get(check.column),
                             f"{column.header} exceeds {self.table.column(check.other).header}")
            elif check.kind == "sex_matches_id":
                id_column = self.table.column(check.id_column)
                derived_sex = result.values.get(f"{id_column.pseudonym or id_column.name}_sex")
                if value is not None and derived_sex is not None and value != derived_sex:
                    self._warn(result, line, column, "SEX_MISMATCH", None,
                               f"{column.header} disagrees with the sex encoded in the ID")
