from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

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
    con: duckdb.DuckDBPyConnection, file_id: str, status: str, rows: int, period: str = PERIOD
) -> None:
    con.execute(
        "insert into audit.load_ledger (file_id, department, table_name, period, status, rows_physical, "
        "rows_loaded, received_at) values (?, 'public_security', 'ps_resident', ?, ?, ?, ?, now())",
        [file_id, period, status, rows, rows],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An initialised warehouse holding one LOADED ps_resident file of 30 clean rows."""
    path = tmp_path / "warehouse.duckdb"
    Warehouse(path).initialise()
    con = duckdb.connect(str(path))
    try:
        insert_ledger(con, FILE_ID, "LOADED", 30)
        insert_residents(con, resident_rows(30))
        yield con
    finally:
        con.close()
