"""Validating a file column by column: the loader's fast path.

The row path (``RowValidator.validate`` called once per record) is the reference. This module gives
the same rows, rejects and warnings with far less Python per row:

- each distinct value of a column is judged once, by the row validator's own cell rules, so reason
  codes, messages, masked values and normalised values are those of the row path by construction;
- values that are unique per row (resident IDs, names, phones, free text) are screened in bulk, and
  only those that are not plainly valid go through the cell rules one by one;
- row-level rules (required/empty-when, cross-column checks, blank, totals and duplicate rows,
  duplicate keys) are applied over the columns, and per row only where a value calls for it.

Rows are processed in chunks; the state that spans chunks (rows and keys seen, judged values of
repeating columns) is kept on the ``FileValidator``.
"""

import operator
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dagster_project.ingest.parse import Cell, Header
from dagster_project.ingest.validate import UNREPRESENTABLE_RE, CellOutcome, Issue, RowValidator
from dagster_project.lib.contract import ID_DERIVED_COLUMNS, Column, Table
from dagster_project.lib.identifiers import plain_mobiles, plain_resident_ids

# Columns whose values are (nearly) unique per row: judged per chunk and not remembered across chunks.
_PER_ROW_TYPES = frozenset({"resident_id", "name", "phone", "text"})
# Columns whose plainly valid values are judged in bulk; the rest go through the cell rules one by one.
_BULK_TYPES = frozenset({"resident_id", "name", "phone", "text", "date"})
_MEMO_LIMIT = 200_000
_ID_SUFFIXES = tuple(suffix for suffix, _ in ID_DERIVED_COLUMNS)
if _ID_SUFFIXES != ("pid", "birth_year", "birth_month", "sex", "area_code"):
    raise RuntimeError("columnar validation assumes the derived ID columns pid, birth_year, birth_month, sex, "
                       "area_code in that order")


def _any_match(patterns: Sequence[re.Pattern[str]]) -> Callable[[str], object]:
    """``any(p.match(text) for p in patterns)``, as one regex when the patterns combine."""
    if not patterns:
        return lambda text: False
    try:
        combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except re.error:
        return lambda text: any(p.match(text) for p in patterns)
    if any(p.flags != combined.flags for p in patterns):
        return lambda text: any(p.match(text) for p in patterns)
    return combined.match  # type: ignore[return-value]  (a match object is truthy, None is not)


# One judged value: missing, parsed value, storage values (in the column's storage order), rejects,
# warnings, and whether a row holding it needs a look of its own.
Judged = tuple[bool, Any, tuple, tuple[Issue, ...], tuple[Issue, ...], bool]


@dataclass
class ChunkResult:
    physical: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: int = 0
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # line number of each loaded row
    columns: dict[str, list[Any]] = field(default_factory=dict)  # storage column -> values of loaded rows


class FileValidator:
    """Validates the records of one file chunk by chunk, as the row path would record by record."""

    def __init__(self, validator: RowValidator, table: Table, header: Header, check_width: bool,
                 totals_tokens: tuple[str, ...], key_columns: Sequence[str]) -> None:
        self.v = validator
        self.table = table
        self.header = header
        self.check_width = check_width  # CSV: a record must have as many fields as the header
        self.totals = totals_tokens
        self.seen_rows: set[int] = set()
        self.seen_keys: dict[tuple, int] = {}
        self.memo: dict[str, dict[Any, Judged]] = {c.name: {} for c in table.columns}
        self.storage = {c.name: [name for name, _ in c.storage_columns()] for c in table.columns}
        self.positions = {c.name: header.columns.get(c.header) for c in table.columns}
        where = {}
        for ci, c in enumerate(table.columns):
            for k, name in enumerate(self.storage[c.name]):
                where[name] = (ci, k)
        self.key_where = [where[name] for name in key_columns]
        self.null_tokens = validator.null_tokens
        self.any_masked = _any_match(validator.masked)

    # -- structure: blank, totals, column count, duplicate rows ------------------------------------

    def _row_by_row(self, lines: list[int], rows: list[list[Cell]], indices: Sequence[int],
                    result: ChunkResult, issues: list[tuple[int, int, Issue]], eligible: list[int]) -> None:
        width = self.header.width
        for i in indices:
            cells = rows[i]
            texts = ["" if c is None else str(c).strip() for c in cells]
            if not any(texts):
                result.skipped += 1
                continue
            first = next(t for t in texts if t)
            if first.startswith(self.totals):
                result.skipped += 1
                issues.append((i, 0, Issue(lines[i], None, "TOTALS_ROW", first[:20], "totals row skipped")))
                continue
            if self.check_width and len(cells) != width:
                result.rejected += 1
                issues.append((i, 0, Issue(lines[i], None, "COLUMN_COUNT", None,
                                           f"{len(cells)} fields, the header has {width}")))
                continue
            row_hash = hash(tuple(texts))
            if row_hash in self.seen_rows:
                result.skipped += 1
                issues.append((i, 0, Issue(lines[i], None, "DUPLICATE_ROW", None,
                                           "exact duplicate of an earlier row: skipped")))
                continue
            self.seen_rows.add(row_hash)
            eligible.append(i)

    def _structure(self, lines: list[int], rows: list[list[Cell]], result: ChunkResult,
                   issues: list[tuple[int, int, Issue]]) -> list[int]:
        """Indices of the records to validate, in order; the others are counted and recorded."""
        eligible: list[int] = []
        self._columns_of: tuple[list[int], list[tuple]] = ([], [])
        if not self.check_width:
            self._row_by_row(lines, rows, range(len(rows)), result, issues, eligible)
            return eligible
        width = self.header.width
        widths = list(map(len, rows))
        if widths.count(width) == len(rows):
            full = list(range(len(rows)))
        else:
            full = [i for i, w in enumerate(widths) if w == width]
            odd = [i for i, w in enumerate(widths) if w != width]
            self._row_by_row(lines, rows, odd, result, issues, eligible)  # never eligible: wrong width
        if not full:
            return eligible
        # Records of the header's width hold strings only (CSV): strip column by column.
        chosen = rows if len(full) == len(rows) else [rows[i] for i in full]
        columns = list(zip(*chosen))
        self._columns_of = (full, columns)  # the records' cells column by column, for validation
        stripped = [list(map(str.strip, col)) for col in columns]
        texts = list(zip(*stripped))
        nonblank = list(map(any, texts))
        # A totals row starts with a token, so some column holds it: look in each column at once first.
        may_total = any(any(token in "\n".join(col) for token in self.totals)
                        and any(v.startswith(self.totals) for v in set(col)) for col in stripped)
        if may_total or not all(nonblank):
            candidates: list[int] = []
            for k, i in enumerate(full):
                if not nonblank[k]:
                    result.skipped += 1
                    continue
                if may_total:
                    first = next(t for t in texts[k] if t)
                    if first.startswith(self.totals):
                        result.skipped += 1
                        issues.append((i, 0, Issue(lines[i], None, "TOTALS_ROW", first[:20],
                                                   "totals row skipped")))
                        continue
                candidates.append(k)
            hashes = [hash(texts[k]) for k in candidates]
        else:
            candidates = list(range(len(full)))
            hashes = list(map(hash, texts))
        if len(set(hashes)) == len(hashes) and self.seen_rows.isdisjoint(hashes):
            self.seen_rows.update(hashes)
            selected = [full[k] for k in candidates]
        else:
            selected = []
            for k, row_hash in zip(candidates, hashes):
                i = full[k]
                if row_hash in self.seen_rows:
                    result.skipped += 1
                    issues.append((i, 0, Issue(lines[i], None, "DUPLICATE_ROW", None,
                                               "exact duplicate of an earlier row: skipped")))
                    continue
                self.seen_rows.add(row_hash)
                selected.append(i)
        if eligible:
            return sorted(eligible + selected)
        return selected

    # -- judging distinct values -------------------------------------------------------------------

    def _from_outcome(self, column: Column, o: CellOutcome) -> Judged:
        names = self.storage[column.name]
        if o.missing:
            return (True, None, (None,) * len(names), (), (), not column.nullable)
        values = tuple(o.values.get(n) for n in names)
        return (False, o.parsed, values, o.rejects, o.warnings,
                bool(o.rejects or o.warnings or column.empty_when))

    def _judge_bulk(self, column: Column, cells: list[Any], memo: dict[Any, Judged],
                    key_of: Callable[[Any], Any], all_strings: bool) -> list[Any]:
        """Judge the plainly valid values of a per-row column in bulk; return the cells left over."""
        if all_strings:
            strings, rest = cells, []
        else:
            strings = [c for c in cells if type(c) is str]
            rest = [c for c in cells if type(c) is not str]
        if not strings:
            return rest
        # As RowValidator.is_missing, for cells that need no stripping (a bulk column is never an enum).
        null_tokens = self.null_tokens
        unchanged = list(map(operator.eq, map(str.strip, strings), strings))
        masked = list(map(self.any_masked, strings))
        plain = [c for c, same, hit in zip(strings, unchanged, masked)
                 if same and not hit and c not in null_tokens]
        if len(plain) != len(strings):
            kept = set(plain)
            rest.extend(c for c in strings if c not in kept)
        kind = column.type
        empty_flag = bool(column.empty_when)
        if kind == "resident_id":
            attrs = plain_resident_ids(plain, self.v.period_end)
            ok = [(c, a) for c, a in zip(plain, attrs) if a is not None]
            rest.extend(c for c, a in zip(plain, attrs) if a is None)
            pids = self.v.pseudonymiser.pids([c for c, _ in ok])
            memo.update(zip(map(key_of, [c for c, _ in ok]),
                            [(False, c, (pid, *a), (), (), empty_flag) for (c, a), pid in zip(ok, pids)]))
        elif kind == "name":
            # The character class never matches the separator, so one search covers every name.
            if UNREPRESENTABLE_RE.search("\n".join(plain)) is None:
                memo.update(dict.fromkeys(map(key_of, plain), (False, None, (), (), (), empty_flag)))
            else:
                for c in plain:
                    if UNREPRESENTABLE_RE.search(c):
                        rest.append(c)
                    else:
                        memo[key_of(c)] = (False, None, (), (), (), empty_flag)
        elif kind == "phone":
            flags = plain_mobiles(plain)
            memo.update(dict.fromkeys(map(key_of, [c for c, ok in zip(plain, flags) if ok]),
                                      (False, None, (), (), (), empty_flag)))
            rest.extend(c for c, ok in zip(plain, flags) if not ok)
        elif kind == "date":
            self._judge_dates(column, plain, memo, key_of, rest)
        elif kind == "text":
            memo.update(zip(map(key_of, plain), [(False, c, (c,), (), (), empty_flag) for c in plain]))
        else:
            rest.extend(plain)
        return rest

    def _judge_dates(self, column: Column, plain: list[str], memo: dict[Any, Judged],
                     key_of: Callable[[Any], Any], rest: list[Any]) -> None:
        """``RowValidator.parse_date`` and the period rule for ASCII text (NFKC leaves it as it is)."""
        patterns = self.v.date_patterns
        end = self.v.period_end
        bounded = column.in_period or column.not_after_period_end
        empty_flag = bool(column.empty_when)
        for c in plain:
            value = None
            if c.isascii():
                for pattern in patterns:
                    m = pattern.fullmatch(c)
                    if m:
                        try:
                            value = date(int(m["year"]), int(m["month"]), int(m["day"]))
                        except ValueError:
                            value = None
                        break
            if value is None or (bounded and value > end):
                rest.append(c)  # a reject: the cell rules word it
            else:
                memo[key_of(c)] = (False, value, (value,), (), (), empty_flag)

    def _judge(self, column: Column, raw: Sequence[Any], as_key: bool) -> list[Judged]:
        """The judged value of every cell of a column (keys are the cells, or (type, cell) pairs)."""
        per_row = column.type in _PER_ROW_TYPES
        memo: dict[Any, Judged] = {} if per_row else self.memo[column.name]
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        keys = [(type(c), c) for c in raw] if as_key else raw
        distinct = set(keys)
        new = list(distinct.difference(memo) if memo else distinct)
        if new:
            if as_key:
                cells = [k[1] for k in new]
                key_of: Callable[[Any], Any] = lambda c: (type(c), c)  # noqa: E731
            else:
                cells = new  # CSV: every cell is a string and is its own key
                key_of = _same
            if column.type in _BULK_TYPES:
                cells = self._judge_bulk(column, cells, memo, key_of, all_strings=not as_key)
            for c in cells:
                memo[key_of(c)] = self._from_outcome(column, self.v.cell_outcome(column, c))
        return list(map(memo.__getitem__, keys))

    # -- one chunk ---------------------------------------------------------------------------------

    def chunk(self, lines: list[int], rows: list[list[Cell]]) -> ChunkResult:
        result = ChunkResult(physical=len(rows))
        issues: list[tuple[int, int, Issue]] = []  # (record index, order within the record, issue)
        warnings: list[tuple[int, int, Issue]] = []
        eligible = self._structure(lines, rows, result, issues)
        m = len(eligible)
        columns = self.table.columns
        if m:
            chosen = rows if m == len(rows) else [rows[i] for i in eligible]
            raw: dict[str, Sequence[Any]] = {}
            transposed = None
            if self.check_width:
                full, cells_by_column = self._columns_of
                transposed = cells_by_column if full == eligible else list(zip(*chosen))
            for c in columns:
                pos = self.positions[c.name]
                if pos is None:
                    raw[c.name] = [None] * m
                elif transposed is not None:
                    raw[c.name] = transposed[pos]
                else:
                    raw[c.name] = [r[pos] if pos < len(r) else None for r in chosen]
            # CSV cells are strings and their own keys; spreadsheet cells and absent columns are not.
            judged = {c.name: self._judge(c, raw[c.name], not self.check_width or self.positions[c.name] is None)
                      for c in columns}
            rejected = self._apply_rows(columns, eligible, lines, raw, judged, issues, warnings)
            if self.table.checks:
                self._cross_checks(eligible, lines, raw, judged, rejected, issues, warnings)
            self._keys_and_columns(eligible, lines, judged, rejected, issues, result)
        result.rejects = [issue for _, _, issue in sorted(issues, key=lambda t: (t[0], t[1]))]
        result.warnings = [issue for _, _, issue in sorted(warnings, key=lambda t: (t[0], t[1]))]
        return result

    def _apply_rows(self, columns: Sequence[Column], eligible: list[int], lines: list[int],
                    raw: dict[str, Sequence[Any]], judged: dict[str, list[Judged]],
                    issues: list[tuple[int, int, Issue]], warnings: list[tuple[int, int, Issue]]) -> list[bool]:
        """Per-cell rejects and warnings, required/empty-when rules; which records are rejected."""
        rejected = [False] * len(eligible)
        v = self.v

        def applies(rule: dict[str, tuple[str, ...]], j: int) -> bool:
            for other, values in rule.items():
                col = raw.get(other)
                cell = col[j] if col is not None else None
                text = unicodedata.normalize("NFKC", str(cell)).strip() if cell is not None else ""
                if text not in values:
                    return False
            return True

        for ci, c in enumerate(columns):
            col = judged[c.name]
            if not any(map(_FLAGGED, col)):
                continue
            cells = raw[c.name]
            order = ci + 1
            for j, o in enumerate(col):
                if not o[5]:
                    continue
                i = eligible[j]
                line = lines[i]
                if o[0]:
                    if not c.required_when or applies(c.required_when, j):
                        issues.append((i, order, v.issue(line, c, "REQUIRED_MISSING", cells[j],
                                                          f"{c.header} is required")))
                        rejected[j] = True
                    continue
                if c.empty_when and applies(c.empty_when, j):
                    issues.append((i, order, v.issue(line, c, "MUST_BE_EMPTY", cells[j],
                                                      f"{c.header} must be empty for this kind of record")))
                    rejected[j] = True
                    continue
                if o[3]:
                    rejected[j] = True
                    issues.extend((i, order, replace(x, line_number=line)) for x in o[3])
                if o[4]:
                    warnings.extend((i, order, replace(x, line_number=line)) for x in o[4])
        return rejected

    def _cross_checks(self, eligible: list[int], lines: list[int], raw: dict[str, Sequence[Any]],
                      judged: dict[str, list[Judged]], rejected: list[bool],
                      issues: list[tuple[int, int, Issue]], warnings: list[tuple[int, int, Issue]]) -> None:
        """The table's cross-column rules, on records without a reject (as the row path runs them)."""
        table, v = self.table, self.v
        base = len(table.columns) + 1
        for j, is_rejected in enumerate(rejected):
            if is_rejected:
                continue
            i = eligible[j]
            line = lines[i]
            for order, check in enumerate(table.checks, start=base):
                column = table.column(check.column)
                value = judged[check.column][j][1]
                other = judged[check.other][j][1] if check.other else None
                if check.kind == "not_before" and value is not None and other is not None and value < other:
                    issues.append((i, order, v.issue(line, column, "DATE_ORDER", raw[check.column][j],
                                                      f"{column.header} is before "
                                                      f"{table.column(check.other).header}")))
                    rejected[j] = True
                elif check.kind == "not_greater" and value is not None and other is not None and value > other:
                    issues.append((i, order, v.issue(line, column, "RANGE_CROSS", raw[check.column][j],
                                                      f"{column.header} exceeds "
                                                      f"{table.column(check.other).header}")))
                    rejected[j] = True
                elif check.kind == "sex_matches_id":
                    derived_sex = judged[check.id_column][j][2][_ID_SUFFIXES.index("sex")]
                    if value is not None and derived_sex is not None and value != derived_sex:
                        warnings.append((i, order, v.issue(line, column, "SEX_MISMATCH", None,
                                                            f"{column.header} disagrees with the sex "
                                                            "encoded in the ID")))

    def _keys_and_columns(self, eligible: list[int], lines: list[int], judged: dict[str, list[Judged]],
                          rejected: list[bool], issues: list[tuple[int, int, Issue]], result: ChunkResult) -> None:
        """Duplicate keys among the accepted records, then the storage columns of the loaded ones."""
        columns = self.table.columns
        order = len(columns) + len(self.table.checks) + 1
        m = len(eligible)
        accepted = [j for j, r in enumerate(rejected) if not r] if any(rejected) else list(range(m))
        result.rejected += m - len(accepted)
        # Storage values column by column, over every eligible record.
        stored: list[list[tuple]] = []
        for c in columns:
            names_c = self.storage[c.name]
            if not names_c:
                stored.append([])
                continue
            values = list(zip(*map(_STORED, judged[c.name])))
            stored.append(values if values else [()] * len(names_c))
        pick = _picker(accepted, m)
        keys = list(zip(*(pick(stored[ci][k]) for ci, k in self.key_where))) if self.key_where \
            else [()] * len(accepted)
        accepted_lines = [lines[eligible[j]] for j in accepted]
        if len(set(keys)) == len(keys) and self.seen_keys.keys().isdisjoint(keys):
            self.seen_keys.update(zip(keys, accepted_lines))
            loaded = accepted
            result.lines = accepted_lines
        else:
            loaded = []
            for j, key, line in zip(accepted, keys, accepted_lines):
                first = self.seen_keys.get(key)
                if first is not None:
                    result.rejected += 1
                    issues.append((eligible[j], order, Issue(line, None, "DUPLICATE_KEY", None,
                                                             f"same key as line {first} with different values")))
                    continue
                self.seen_keys[key] = line
                loaded.append(j)
            result.lines = [lines[eligible[j]] for j in loaded]
        result.loaded = len(loaded)
        pick = _picker(loaded, m)
        for ci, c in enumerate(columns):
            for name, values in zip(self.storage[c.name], stored[ci]):
                result.columns[name] = pick(values)


_STORED = operator.itemgetter(2)


def _same(value: Any) -> Any:
    return value


_FLAGGED = operator.itemgetter(5)


def _picker(indices: list[int], size: int) -> Callable[[Sequence[Any]], list[Any]]:
    """Selects the given positions of a sequence of ``size`` items (all of them: a plain copy)."""
    if len(indices) == size:
        return list
    if not indices:
        return lambda values: []
    if len(indices) == 1:
        only = indices[0]
        return lambda values: [values[only]]
    getter = operator.itemgetter(*indices)
    return lambda values: list(getter(values))
