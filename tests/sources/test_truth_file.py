"""The defect truth file says what the spoiled files hold, read from the bytes without the loader.

Every truth row is checked against the file it names: the cell of that line and column holds the
defect (a wrong check character, a 17-digit ID, 2月30日 …), the line is blank, a 合计 row, a copy or a
same-key twin of an earlier line, the whole file is cut short, re-encoded, renamed or re-delivered.
Conversely, every line the truth file does not name is a well-formed row whose IDs are valid.
"""

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from dagster_project.lib.contract import Column, Table, load_contract
from dagster_project.lib.identifiers import resident_id_check_char, uscc_check_char
from sources.generator import generate
from sources.generator.defects import later_dir
from sources.generator.formats import FORMATS
from sources.generator.xlsx import FIRST_DATA_ROW, LAYOUTS, SERIAL_HEADER

WINDOW = {"scale": "tiny", "start": "2025-02", "months": 2, "seed": 11}
CONTRACT = load_contract()
WHOLE_ROW = {"blank_line", "totals_row", "duplicate_row", "conflicting_duplicate", "wrong_column_count"}
NULL_SPELLINGS = {"", "/", "***", "—"}
Cell = str | int | float | date | None


def text(value: Cell) -> str:
    return "" if value is None else str(value)


def parse_date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for fmt in CONTRACT.settings.date_formats:
        try:
            return datetime.strptime(text(value), fmt).date()
        except ValueError:
            continue
    return None


def number(value: Cell) -> float:
    return float(value) if isinstance(value, (int, float)) else float(re.sub(r"[^\d.]", "", text(value)))


def valid_id(value: Cell) -> bool:
    v = text(value)
    return (len(v) == 18 and v[:17].isascii() and v[:17].isdigit()
            and resident_id_check_char(v[:17]) == v[17])


class Extract:
    """One delivered file as rows by physical line (CSV) or sheet row (workbook)."""

    def __init__(self, inbox: Path, rel: str, encoding: str | None) -> None:
        department, self.period, name = rel.split("/")
        self.table: Table = CONTRACT.tables[name.split(".")[0]]
        self.path = inbox / rel
        self.lines: dict[int, list[Cell] | None] = {}
        if name.endswith(".xlsx"):
            sheet = openpyxl.load_workbook(self.path, read_only=True).worksheets[0]
            self.names = [SERIAL_HEADER, *LAYOUTS[self.table.name].columns]
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if line >= FIRST_DATA_ROW:
                    self.lines[line] = None if all(c is None for c in row) else list(row)
            self.width = len(self.names)
        else:
            raw = self.path.read_bytes().decode(encoding or FORMATS[department].encoding)
            physical = raw.lstrip("\ufeff").splitlines()
            header = next(csv.reader([physical[0]]))
            self.names = [self.table.headers[h].name if h in self.table.headers else h for h in header]
            for line, content in enumerate(physical[1:], start=2):
                self.lines[line] = next(csv.reader(io.StringIO(content))) if content else None
            self.width = len(header)
        self.period_end = date(int(self.period[:4]), int(self.period[5:]), 1)
        month = self.period_end.month
        self.period_end = (date(self.period_end.year + month // 12, month % 12 + 1, 1)
                           - (date(2000, 1, 2) - date(2000, 1, 1)))

    def row(self, line: int) -> list[Cell]:
        row = self.lines[line]
        assert row is not None, (self.path, line)
        return row

    def cell(self, line: int, name: str) -> Cell:
        return self.row(line)[self.names.index(name)]

    def key(self, line: int) -> tuple[Cell, ...]:
        return tuple(self.cell(line, name) for name in self.table.key)


def allowed(column: Column, value: Cell) -> bool:
    v = text(value).strip()
    if column.type == "bool":
        return v in ("是", "否")
    parts = [p for p in re.split(r"[;,、]", v) if p] if column.type == "list" else (
        v.split(column.multi) if column.multi else [v])
    return all(column.synonyms.get(p, p) in column.values for p in parts)


def division_codes(inbox: Path, period: str) -> tuple[set[str], set[str]]:
    division = Extract(inbox, f"civil_affairs/{period}/ca_division.csv", None)
    rows = [division.row(line) for line in division.lines if division.lines[line]]
    codes = {text(r[division.names.index("division_code")]) for r in rows}
    districts = {text(r[division.names.index("division_code")])[:6] for r in rows
                 if r[division.names.index("level")] == "区"}
    return codes, districts


def other_column(table: Table, name: str, kind: str) -> str:
    [other] = [c.other for c in table.checks if c.kind == kind and c.column == name]
    assert other is not None
    return other


def holds(inbox: Path, extract: Extract, line: int, column: Column, defect: str) -> bool:
    value = extract.cell(line, column.name)
    v = text(value)
    checks = {
        "id_checksum": lambda: len(v) == 18 and resident_id_check_char(v[:17]) != v[17],
        "id_excel_scientific": lambda: re.fullmatch(r"\d\.\d{5}E\+17", v) is not None,
        "id_excel_precision": lambda: re.fullmatch(r"\d{15}000", v) is not None and not valid_id(v),
        "id_lost_trailing_x": lambda: re.fullmatch(r"\d{17}", v) is not None,
        "id_impossible_birth_date": lambda: len(v) == 18 and v[10:12] == "13",
        "id_numeric_cell": lambda: isinstance(value, (int, float)),
        "id_fullwidth_digits": lambda: any("０" <= ch <= "９" for ch in v),
        "id_lowercase_x": lambda: v.endswith("x") and len(v) == 18,
        "impossible_date": lambda: "2月30日" in v or "-02-30" in v,
        "date_after_period": lambda: (parse_date(value) or date.min) > extract.period_end,
        "unknown_division_code": lambda: v.isdigit() and v not in division_codes(inbox, extract.period)[
            1 if column.type == "district" else 0],
        "malformed_division_code": lambda: v.isdigit() and len(v) == (5 if column.type == "district" else 11),
        "value_outside_enum": lambda: not allowed(column, value),
        "negative_number": lambda: v == "-3",
        "hedged_number": lambda: v.startswith("约"),
        "required_value_missing": lambda: v in NULL_SPELLINGS,
        "dates_out_of_order": lambda: parse_date(value) < parse_date(  # type: ignore[operator]
            extract.cell(line, other_column(extract.table, column.name, "not_before"))),
        "count_exceeds_its_total": lambda: number(value) > number(
            extract.cell(line, other_column(extract.table, column.name, "not_greater"))),
        "uscc_checksum": lambda: len(v) == 18 and uscc_check_char(v[:17]) != v[17],
        "code_on_filed_record": lambda: v != "" and extract.cell(line, "registration_kind") == "备案",
        "phone_too_short": lambda: re.fullmatch(r"1\d{9}", v) is not None,
        "rare_character_lost": lambda: "?" in v,
        "sex_disagrees_with_id": lambda: v == ("女" if int(text(extract.cell(line, "id_number"))[16]) % 2 else "男"),
    }
    return checks[defect]()


def whole_row_holds(extract: Extract, line: int, defect: str) -> bool:
    row = extract.lines[line]
    if defect == "blank_line":
        return row is None
    assert row is not None
    if defect == "totals_row":
        return text(row[0]).startswith("合计")
    if defect == "wrong_column_count":
        return len(row) != extract.width
    earlier = [ln for ln in extract.lines if ln < line and extract.lines[ln] is not None]
    data = row[1:] if extract.path.suffix == ".xlsx" else row  # a pasted row keeps its 序号
    if defect == "duplicate_row":
        previous = extract.row(max(earlier))
        return (previous[1:] if extract.path.suffix == ".xlsx" else previous) == data
    assert defect == "conflicting_duplicate", defect
    twins = [ln for ln in earlier if len(extract.row(ln)) == extract.width and extract.key(ln) == extract.key(line)]
    return bool(twins) and all(extract.row(ln) != row for ln in twins)


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    inbox = tmp_path_factory.mktemp("truth") / "inbox"
    summary = generate(inbox, defects=0.05, **WINDOW)
    assert summary.truth is not None
    with summary.truth.open(encoding="utf-8", newline="") as fh:
        return inbox, list(csv.DictReader(fh))


def test_every_file_level_defect_is_in_the_bytes(spoiled: tuple[Path, list[dict[str, str]]]) -> None:
    inbox, truth = spoiled
    whole = [t for t in truth if t["line"] in ("0", "1")]
    assert {t["defect"] for t in whole} >= {"truncated_file", "wrong_delimiter", "missing_column",
                                            "undecodable_bytes", "encoding_variant", "refused_name",
                                            "corrected_redelivery", "extra_column"}
    for t in whole:
        path = inbox / t["file"]
        data = path.read_bytes()
        department = t["file"].split("/")[0].removesuffix("_backup")
        encoding = FORMATS[department].encoding if department in FORMATS else "utf-8-sig"
        defect = t["defect"]
        if defect == "truncated_file":
            assert not data.endswith(b"\n") and data.decode(encoding).splitlines()[-1].count(",") < (
                data.decode(encoding).splitlines()[0].count(",")), t
        elif defect == "wrong_delimiter":
            header = data.decode(encoding).lstrip("\ufeff").splitlines()[0]
            assert ";" in header and "," not in header, t
        elif defect == "missing_column":
            header = next(csv.reader([data.decode(encoding).lstrip("\ufeff").splitlines()[0]]))
            assert t["column"] not in header and len(header) == len(CONTRACT.tables[path.stem].columns) - 1, t
        elif defect == "undecodable_bytes":
            assert data.startswith(b"\xef\xbb\xbf")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8-sig")
        elif defect == "encoding_variant":
            if t["expected_reason_code"] == "gb18030":
                with pytest.raises(UnicodeDecodeError):
                    data.decode("utf-8")
                data.decode("gb18030")
            else:
                assert t["expected_reason_code"] == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf")
                data.decode("utf-8-sig")
        elif defect == "refused_name":
            assert path.is_file() and path.is_relative_to(inbox)
        elif defect == "corrected_redelivery":
            later = later_dir(inbox) / t["file"]
            assert later.is_file() and later.read_bytes() != data
        elif defect == "extra_column":
            header = next(csv.reader([data.decode(encoding).lstrip("\ufeff").splitlines()[0]]))
            assert header[-1] == t["column"] == "备注"
        else:
            pytest.fail(f"unexpected whole-file defect {t}")


def _extracts(inbox: Path, truth: list[dict[str, str]]) -> dict[str, Extract]:
    failed = {t["file"] for t in truth if t["line"] == "0" and t["expected_reason_code"] == "FAILED"}
    encodings = {t["file"]: t["expected_reason_code"] for t in truth if t["column"] == "encoding"}
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.*"))
    contract_files = [f for f in files if f.split("/")[0] in FORMATS and Path(f).stem in CONTRACT.tables
                      and re.fullmatch(r"\d{4}-\d{2}", f.split("/")[1]) and f not in failed
                      and (f.endswith(".csv") or Path(f).stem in LAYOUTS)]
    return {f: Extract(inbox, f, encodings.get(f)) for f in contract_files}


def test_every_row_level_defect_is_in_the_line_and_column_named(spoiled: tuple[Path, list[dict[str, str]]]) -> None:
    inbox, truth = spoiled
    extracts = _extracts(inbox, truth)
    rows = [t for t in truth if int(t["line"]) >= 2 and t["file"] in extracts]
    assert len({t["defect"] for t in rows}) >= 20  # the mix: most row defects occur in a window this size
    for t in rows:
        extract, line = extracts[t["file"]], int(t["line"])
        if t["defect"] in WHOLE_ROW:
            assert t["column"] == "", t
            assert whole_row_holds(extract, line, t["defect"]), (t, extract.lines[line])
        else:
            column = extract.table.headers[t["column"]]
            assert holds(inbox, extract, line, column, t["defect"]), (t, extract.cell(line, column.name))


def test_lines_the_truth_file_does_not_name_are_clean_rows(spoiled: tuple[Path, list[dict[str, str]]]) -> None:
    inbox, truth = spoiled
    named: dict[str, set[int]] = defaultdict(set)
    for t in truth:
        named[t["file"]].add(int(t["line"]))
    for rel, extract in _extracts(inbox, truth).items():
        ids = [c.name for c in extract.table.columns if c.is_resident_id]
        for line, row in extract.lines.items():
            if line in named[rel]:
                continue
            assert row is not None and len(row) == extract.width, (rel, line)
            assert not text(row[0]).startswith("合计"), (rel, line)
            for name in ids:
                value = extract.cell(line, name)
                assert value in (None, "") or valid_id(value), (rel, line, name)
