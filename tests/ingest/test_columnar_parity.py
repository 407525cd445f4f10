"""The columnar loader against the row-by-row reference: the same rows, rejects, warnings and counts.

Two ways in: the generator's spoiled extracts (every documented defect class) loaded end to end by
both paths into two warehouses, and random files built from valid, borderline and invalid cells,
validated by both paths with chunks small enough that duplicates and keys span chunk boundaries.
"""

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingest.inbox import Delivery, scan
from dagster_project.ingest.load import FileLoader, FileOutcome, _reference
from dagster_project.ingest.parse import read_csv
from dagster_project.ingest.service import ingest_partition, record_receipts
from dagster_project.ingest.validate import RowValidator
from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import KNOWN_EXAMPLE_IDS, USCC_ALPHABET, orgcode_check_char, uscc_check_char
from dagster_project.lib.pseudonym import Pseudonymiser
from dagster_project.lib.warehouse import Warehouse
from sources.generator import generate
from tests.conftest import TEST_PII_KEY
from tests.ingest.extracts import DIVISIONS, resident_id

KEY = bytes.fromhex(TEST_PII_KEY)


def _loader(home: Path, row_by_row: bool) -> FileLoader:
    contract = load_contract()
    return FileLoader(Warehouse(home / "warehouse.duckdb", contract), contract, Pseudonymiser(KEY),
                      "parity", row_by_row=row_by_row)


def _ingest_all(loader: FileLoader, inbox: Path) -> dict[str, FileOutcome]:
    deliveries = [d for d in scan(inbox, loader.contract) if d.accepted]
    outcomes = []
    for period, table in sorted({(d.period, d.table) for d in deliveries},
                                key=lambda p: (p[0], p[1] != "ca_division", p[1])):
        outcomes += ingest_partition(loader, inbox, table, period)
    outcomes += record_receipts(loader, inbox)
    return {o.rel_path: o for o in outcomes}


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'audit') order by 1").fetchall()]
        out = {}
        for name in names:
            columns = [r[0] for r in con.execute(f"describe {name}").fetchall()
                       if r[0] not in ("received_at", "run_id")]
            out[name] = con.execute(f"select {', '.join(columns)} from {name} order by all").fetchall()
        return out
    finally:
        con.close()


def _summary(o: FileOutcome) -> tuple:
    return (o.file_id, o.status, o.rows_physical, o.rows_loaded, o.rows_rejected, o.rows_skipped,
            o.encoding, o.message, o.rejects, o.warnings)


def test_spoiled_extracts_give_the_same_warehouse_by_both_paths(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    generate(inbox, scale="tiny", start="2025-02", months=2, seed=11, defects=0.08)
    columnar, rows = _loader(tmp_path / "columnar", False), _loader(tmp_path / "rows", True)
    columnar.chunk_rows = 97  # many chunks per file: state carried across chunk boundaries
    fast = _ingest_all(columnar, inbox)
    reference = _ingest_all(rows, inbox)
    assert fast.keys() == reference.keys()
    for path in reference:
        assert _summary(fast[path]) == _summary(reference[path]), path
    assert {o.status for o in reference.values()} >= {"LOADED", "PARTIAL", "FAILED", "REFUSED"}
    assert sum(len(o.rejects) for o in reference.values()) > 50
    fast_tables = _tables(tmp_path / "columnar" / "warehouse.duckdb")
    reference_tables = _tables(tmp_path / "rows" / "warehouse.duckdb")
    assert fast_tables.keys() == reference_tables.keys()
    for name, content in reference_tables.items():
        assert fast_tables[name] == content, name
    assert len(reference_tables["raw.ps_resident"]) > 100


# -- random files ----------------------------------------------------------------------------------

PERIOD = "2025-03"
_VALID_IDS = [resident_id(f"33010219{80 + i:02d}0{1 + i % 9}1{i % 3}{i:03d}") for i in range(12)]
_COMMUNITY = [r[0] for r in DIVISIONS if r[2] == "社区"]


def _id_variants() -> list[str]:
    good = _VALID_IDS[0]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    legacy = good[:6] + good[8:17]
    return [*_VALID_IDS, good.lower(), f" {good} ", good[:6] + " " + good[6:], good.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")), wrong_check, legacy, good[:17], "0" * 18,
        resident_id("33010220300101001"), resident_id("00010219800101001"), resident_id("91010219800101001"),
        resident_id("33010218800101001"), resident_id("33010219800230001"), *sorted(KNOWN_EXAMPLE_IDS),
        "3.30102E+17", "33010219800101000" + "0", "", "—", "***", "XX", "无"]


_POOLS: dict[str, list[str]] = {
    "resident_id": _id_variants(),
    "name": ["张三", "李四", "欧阳小明", "王?", "赵\ue000", "", "XX", "张\n三", " 钱五 "],
    "phone": ["13800138000", "13900139000", "+86 138 0013 8000", "0086-13800138000", "12345", "", "-",
              "１３８００１３８０００", "138001380001"],
    "division": [*_COMMUNITY, "330102001000", "330102009009", "33010200100", "330102001001;330102001002",
                 " 330102001001", "３３０１０２００１００１", "", "abc"],
    "date": ["2025-03-01", "2025/3/1", "2025年3月1日", "20250301", "2025.03.01", "2024-12-31", "2025-02-30",
             "2025-04-01", "2025-03-31", "２０２５-03-01", " 2025-03-02 ", "", "abc", "1900-01-01"],
    "int": ["0", "1", "12", "1,200", "30人", "-1", "1.5", "abc", "１２", "", "21", "2.0"],
    "decimal": ["0", "1.5", "300㎡", "300m2", "1,200.50", "-0.5", "abc", "", "12万元", ".5", "3."],
    "bool": ["是", "否", " 是 ", "Y", "", "是否"],
    "text": ["A001", "A002", " A003 ", "B-1", "", "—", "名称\n换行", "X"],
}


def _uscc_pool() -> list[str]:
    body = "91330102" + "MA2B3C4D"
    good = body[:8] + body[8:16]
    org = good[8:15] + orgcode_check_char(good[8:15] + "0")
    body17 = good[:8] + org + "X"
    valid = body17 + uscc_check_char(body17)
    bad_org = body17[:16] + ("0" if body17[16] != "0" else "1")
    return [valid, valid.lower(), valid[:17] + ("0" if valid[17] != "0" else "1"),
            bad_org + uscc_check_char(bad_org), valid[:10], valid[:17] + "I", "", f" {valid} "]


def _cells(column) -> st.SearchStrategy[str]:
    if column.type == "enum" or column.type == "list":
        pool = [*column.values, *column.synonyms, "其它值", "", " " + column.values[0], "无"]
        if column.multi:
            pool.append(column.multi.join(column.values[:2]))
        if column.type == "list":
            pool += [";".join(column.values), "公安、民政", "公安;其他"]
        return st.sampled_from(pool)
    if column.type == "uscc":
        return st.sampled_from(_uscc_pool())
    return st.sampled_from(_POOLS[column.type])


@st.composite
def _extract(draw: st.DrawFn, table_name: str) -> list[list[str]]:
    table = load_contract().tables[table_name]
    width = len(table.columns)
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["data"] * 8 + ["blank", "totals", "repeat", "short", "noise"]))
        if kind == "blank":
            rows.append(draw(st.sampled_from([[], [""] * width, ["  "] * width])))
        elif kind == "totals":
            rows.append(["合计"] + [""] * (width - 1))
        elif kind == "repeat" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
        elif kind == "short":
            rows.append([draw(_cells(c)) for c in table.columns][: draw(st.integers(1, width - 1))])
        elif kind == "noise":
            rows.append([draw(st.text(max_size=6)) for _ in range(width)])
        else:
            rows.append([draw(_cells(c)) for c in table.columns])
    return rows


def _csv(table_name: str, rows: list[list[str]], order: list[int], extra: bool) -> str:
    """The extract with its columns in ``order`` (a contract column left out of it is absent), and
    optionally a column the contract does not know."""
    headers = [c.header for c in load_contract().tables[table_name].columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([headers[i] for i in order] + (["备注"] if extra else []))
    for row in rows:
        if len(row) == len(headers):
            row = [row[i] for i in order] + (["x"] if extra else [])
        writer.writerow(row)
    return out.getvalue()


def _validate(loader: FileLoader, table_name: str, text: str, chunk: int) -> tuple[FileOutcome, list[tuple]]:
    contract = loader.contract
    table = contract.tables[table_name]
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(table.create_table_sql())
    parsed = read_csv(text, table, contract.settings.header_search_rows)
    reference = _reference([(r[0], r[2]) for r in DIVISIONS])
    validator = RowValidator(contract, table, date(2025, 3, 1), date(2025, 3, 31), loader.pseudonymiser,
                             reference, from_xlsx=False)
    delivery = Delivery(Path("x.csv"), f"{table.department}/{PERIOD}/{table_name}.csv", table.department,
                        PERIOD, table_name, "csv", None)
    outcome = FileOutcome("f", delivery.rel_path, "FAILED")
    if loader.row_by_row:
        records = (r for r in parsed.records)
        loader._validate_and_insert_rows(con, table, delivery, "f", parsed.header, records, validator, outcome)
    else:
        loader._validate_and_insert(con, table, delivery, "f", parsed.header, parsed.chunks(chunk), validator,
                                    outcome)
    rows = con.execute(f"select * from raw.{table_name} order by line_number").fetchall()
    con.close()
    return outcome, rows


@pytest.mark.parametrize("table_name", ["ca_worker", "ca_social_org", "ps_dispute", "ss_unemployment",
                                        "ca_election", "ps_police_room", "ca_community", "ss_insurance"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_files_give_the_same_outcome_by_both_paths(tmp_path: Path, table_name: str, data: st.DataObject) -> None:
    rows = data.draw(_extract(table_name))
    chunk = data.draw(st.integers(1, 12))
    width = len(load_contract().tables[table_name].columns)
    order = data.draw(st.permutations(range(width)))
    if data.draw(st.integers(0, 4)) == 0:
        order = order[:-1]  # a required column missing: the rows are still validated, then the file fails
    text = _csv(table_name, rows, order, extra=data.draw(st.booleans()))
    fast, fast_rows = _validate(_loader(tmp_path, False), table_name, text, chunk)
    slow, slow_rows = _validate(_loader(tmp_path, True), table_name, text, chunk)
    assert _summary(fast) == _summary(slow)
    assert fast_rows == slow_rows
