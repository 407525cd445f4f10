import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from dagster_project.ingest.decode import DecodeError, decode
from dagster_project.ingest.inbox import classify
from dagster_project.ingest.parse import TextLines
from dagster_project.ingest.service import ingest_partition, make_loader
from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings
from tests.ingest.extracts import headers, resident_id, write_divisions


@pytest.mark.parametrize(("data", "encoding"), [
    ("社区代码\r\n".encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + "社区代码".encode("utf-8"), "utf-8-sig"),
    ("社区代码".encode("gb18030"), "gb18030"),
    # Valid UTF-8 that also decodes as GB18030 (to mojibake): must be read as UTF-8.
    ("张三".encode("utf-8"), "utf-8"),
])
def test_decode_order(data: bytes, encoding: str) -> None:
    assert decode(data).encoding == encoding


@pytest.mark.parametrize("data", ["社区".encode("utf-16"), b"a\x00b", b"\x81\x20\xff"])
def test_decode_refuses_other_encodings(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_classify_accepts_only_exact_names(tmp_path: Path) -> None:
    contract = load_contract()
    ok = classify(tmp_path, tmp_path / "civil_affairs" / "2025-01" / "ca_community.xlsx", contract)
    assert ok.accepted and ok.fmt == "xlsx"
    for rel in ["civil_affairs/2025-01/ca_division.xlsx", "civil_affairs/2025-01/../x.csv",
                "civil_affairs/2025-1/ca_division.csv", "civil_affairs/2025-01/sub/ca_division.csv",
                "social_security/2025-01/ca_division.csv"]:
        assert not classify(tmp_path, tmp_path / rel, contract).accepted, rel


def _community_workbook(path: Path) -> None:
    """A civil-affairs workbook as departments export it: title row, two-row merged header, totals."""
    cols = headers("ca_community")
    wb = Workbook()
    ws = wb.active
    ws.append(["东区社区基本信息台账（2025年3月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    top = ["基本情况"] * 4 + ["办公用房"] * 2 + cols[6:]
    bottom = cols[:4] + ["面积(㎡)", "用房性质"] + [None] * (len(cols) - 6)
    top[4], top[5] = "办公用房", None
    ws.append(top)
    ws.append(bottom)
    ws.merge_cells(start_row=2, start_column=5, end_row=2, end_column=6)
    for col in range(7, len(cols) + 1):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    row = ["330102001001", "桂花社区", "纯居型", 2400, 350.5, "自有", "是", 800, "否", 30.5, 0,
           "党委", "是", 160, "是", "公安;民政"]
    ws.append(row)
    ws.append(["330102001002", "荷花社区", "村改居", "1,200户", "200㎡", "租赁", "否", 0, "是", 12, 1.5,
               "党支部", "否", 40, "否", ""])
    ws.append(["合计", None, None, 3600])
    wb.save(path)


def test_xlsx_with_title_rows_merged_header_and_totals(govwh_env: Path) -> None:
    settings = Settings.from_env()
    write_divisions(settings.inbox, "2025-03")
    target = settings.inbox / "civil_affairs" / "2025-03" / "ca_community.xlsx"
    _community_workbook(target)
    [outcome] = ingest_partition(make_loader(settings), settings.inbox, "ca_community", "2025-03")
    assert outcome.status == "LOADED", (outcome.message, outcome.rejects)
    assert (outcome.rows_loaded, outcome.rows_skipped) == (2, 1)
    assert [r.reason for r in outcome.rejects] == ["TOTALS_ROW"]


def test_numeric_id_cell_in_xlsx_is_rejected(govwh_env: Path) -> None:
    settings = Settings.from_env()
    write_divisions(settings.inbox, "2025-03")
    wb = Workbook()
    ws = wb.active
    ws.append(headers("ca_worker"))
    good = resident_id("33010219800101001")
    base = ["王五", "男", "330102001001", "委员", "公开招聘", "大专", "无", "2021-05-01", 4800, "否",
            "13900139000"]
    ws.append([good, *base])
    ws.append([int(resident_id("33010219810101003")), *base])
    for i in range(3):
        ws.append([resident_id(f"330102198201010{i:02d}"), *base])
    wb.save(settings.inbox / "civil_affairs" / "2025-03" / "ca_worker.xlsx")
    [outcome] = ingest_partition(make_loader(settings), settings.inbox, "ca_worker", "2025-03")
    assert [(r.line_number, r.reason) for r in outcome.rejects] == [(3, "ID_NUMERIC_CELL")]
    assert outcome.rows_loaded == 4


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-07-01", "2025-07-01"), ("2025/7/1", "2025-07-01"), ("2025年7月1日", "2025-07-01"),
    ("20250701", "2025-07-01"), ("２０２５-０７-０１", "2025-07-01"), ("2025.7.1", "2025-07-01"),
    ("2025-02-30", None), ("07/01/2025", None), ("2025-7", None), ("2025-07-01 12:00", None),
])
def test_dates_parse_only_in_contract_formats(text: str, expected: str | None) -> None:
    from datetime import date

    from dagster_project.ingest.validate import RowValidator
    from dagster_project.lib.pseudonym import Pseudonymiser

    contract = load_contract()
    validator = RowValidator(contract, contract.tables["ps_case"], date(2025, 7, 1), date(2025, 7, 31),
                             Pseudonymiser(b"k" * 32), None, from_xlsx=False)
    parsed = validator.parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


# -- reading a text line by line without copying it whole ---------------------------------------------

_LINE_TEXT = st.lists(st.sampled_from(["a", "社", ",", '"', "\n", "\r", "\r\n", "\r\r\n", "\n\r", " "]),
                      max_size=60).map("".join)


@given(text=_LINE_TEXT, block=st.integers(1, 12))
def test_text_lines_are_those_of_a_stringio(text: str, block: int) -> None:
    assert list(TextLines(text, block_chars=block)) == list(io.StringIO(text, newline=""))


@given(text=_LINE_TEXT, block=st.integers(1, 12), data=st.data())
def test_text_lines_tell_and_seek_as_a_stringio(text: str, block: int, data: st.DataObject) -> None:
    """Positions taken between lines lead back to the same lines, whichever block they fall in."""
    lines, reference = TextLines(text, block_chars=block), io.StringIO(text, newline="")
    positions = []
    for line in reference:
        positions.append(lines.tell())
        assert lines.tell() == reference.tell() - len(line)
        assert next(lines) == line
    assert next(lines, None) is None
    if positions:
        position = data.draw(st.sampled_from(positions))
        lines.seek(position)
        reference.seek(position)
        assert list(lines) == list(reference)


@given(rows=st.lists(st.lists(st.sampled_from(["a", "社区", "", "x\ny", "q\"q", "r\rs", " , "]),
                              min_size=1, max_size=4), max_size=15),
       terminator=st.sampled_from(["\r\n", "\n"]), block=st.integers(1, 40))
def test_csv_records_read_through_text_lines_match_a_stringio(rows: list[list[str]], terminator: str,
                                                              block: int) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerows(rows)
    text = out.getvalue()
    fast = csv.reader(TextLines(text, block_chars=block), strict=True)
    slow = csv.reader(io.StringIO(text, newline=""), strict=True)
    assert [(r, fast.line_num) for r in fast] == [(r, slow.line_num) for r in slow]
