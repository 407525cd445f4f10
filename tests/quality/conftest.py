from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.contract import ID_DERIVED_COLUMNS, Table, load_contract
from dagster_project.lib.pseudonym import Pseudonymiser
from dagster_project.lib.warehouse import Warehouse
from tests.conftest import TEST_PII_KEY

PERIOD = "2026-06"
FILE_ID = "f-ps-resident-2026-06"

RESIDENT_COLUMNS = (
    "file_id, period, line_number, person_pid, person_birth_year, person_birth_month, person_sex, "
    "person_area_code, household_no, community_code, residence_kind, registered_date"
)


def resident_rows(count: int, file_id: str = FILE_ID, period: str = PERIOD) -> list[tuple]:
    """Clean raw.ps_resident rows, as ingestion stores them."""
    pseudonymiser = Pseudonymiser(bytes.fromhex(TEST_PII_KEY))
    return [
        (
            file_id,
            period,
            i + 2,  # line 1 is the header
            pseudonymiser.pid(f"11010519800101{i:03d}X"),
            1950 + i,
            1 + i % 12,
            "男" if i % 2 else "女",
            "110105",
            f"H{i // 3:05d}",
            f"110105001{i % 4:03d}",
            "流动人口" if i % 5 == 0 else "户籍人口",
            date(2010, 1, 1 + i % 28),
        )
        for i in range(count)
    ]


def insert_residents(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    con.executemany(f"insert into raw.ps_resident ({RESIDENT_COLUMNS}) values ({', '.join('?' * 12)})", rows)


def insert_ledger(
    con: duckdb.DuckDBPyConnection,
    file_id: str,
    status: str,
    rows: int,
    period: str = PERIOD,
    table: str = "ps_resident",
) -> None:
    department = load_contract().tables[table].department
    con.execute(
        "insert into audit.load_ledger (file_id, department, table_name, period, status, rows_physical, "
        "rows_loaded, received_at) values (?, ?, ?, ?, ?, ?, ?, now())",
        [file_id, department, table, period, status, rows, rows],
    )


CLEAN_BY_TYPE: dict[str, object] = {
    "division": "110105001001",
    "district": "110105",
    "uscc": "91110000MA0000000X",
    "text": "x",
    "decimal": 1.5,
    "date": date(2026, 6, 1),
    "bool": True,
}
CLEAN_ID_ATTRIBUTES = {
    "pid": "ab" * 16,
    "birth_year": 1980,
    "birth_month": 5,
    "sex": "女",
    "area_code": "110105",
}


def clean_row(table: Table) -> dict[str, object]:
    """One row that satisfies every rule of the contract (enums take their first value)."""
    row: dict[str, object] = {}
    for column in table.columns:
        if column.is_resident_id:
            for (suffix, _), (name, _) in zip(ID_DERIVED_COLUMNS, column.storage_columns()):
                row[name] = CLEAN_ID_ATTRIBUTES[suffix]
        elif column.type == "int":
            row[column.name] = max(int(column.min or 0), 1)
        elif column.type in ("enum", "list"):
            row[column.name] = column.values[0]
        elif not column.is_pii_dropped:
            row[column.name] = CLEAN_BY_TYPE[column.type]
    return row


def insert_delivery(
    con: duckdb.DuckDBPyConnection, table: str, period: str, rows: list[dict[str, object]], file_id: str = ""
) -> str:
    """A LOADED file of `table` for `period` holding `rows` (clean values where a row is silent)."""
    file_id = file_id or f"f-{table}-{period}"
    insert_ledger(con, file_id, "LOADED", len(rows), period=period, table=table)
    base = clean_row(load_contract().tables[table])
    for line, overrides in enumerate(rows, start=2):
        row = {**base, **overrides}
        con.execute(
            f"insert into raw.{table} (file_id, period, line_number, {', '.join(row)}) "
            f"values (?, ?, ?, {', '.join('?' * len(row))})",
            [file_id, period, line, *row.values()],
        )
    return file_id


def new_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    Warehouse(path).initialise()
    return duckdb.connect(str(path))


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An initialised warehouse holding one LOADED ps_resident file of 30 clean rows."""
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    try:
        insert_ledger(con, FILE_ID, "LOADED", 30)
        insert_residents(con, resident_rows(30))
        yield con
    finally:
        con.close()
