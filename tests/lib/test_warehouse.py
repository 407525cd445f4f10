"""The writer's schema check: the DDL runs when the file lacks this schema's marker, and only then."""

from pathlib import Path

import duckdb

from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import MARKER_SCHEMA, MARKER_TABLE, Warehouse


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ('raw', 'audit')").fetchall()}
    finally:
        con.close()


def _drop_and_mark(path: Path, marker: str | None) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("drop table raw.ps_resident")
        if marker is not None:
            con.execute(f"comment on table {MARKER_SCHEMA}.{MARKER_TABLE} is '{marker}'")
    finally:
        con.close()


def test_first_writer_creates_every_table(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb", load_contract())
    warehouse.initialise()
    expected = {f"raw.{name}" for name in load_contract().tables}
    expected |= {"audit.load_ledger", "audit.rejected_rows", "audit.row_warnings", "audit.validation_results"}
    assert _tables(warehouse.path) == expected


def test_a_marked_file_is_not_checked_table_by_table(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb", load_contract())
    warehouse.initialise()
    _drop_and_mark(warehouse.path, marker=None)  # the marker still says the schema is in place
    with warehouse.writer() as con:
        assert con.execute("select count(*) from audit.load_ledger").fetchone() == (0,)
    assert "raw.ps_resident" not in _tables(warehouse.path)


def test_another_marker_runs_the_ddl_again_and_marks_the_file(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb", load_contract())
    warehouse.initialise()
    _drop_and_mark(warehouse.path, marker="govwh schema from an older contract")
    warehouse.initialise()
    assert "raw.ps_resident" in _tables(warehouse.path)
    _drop_and_mark(warehouse.path, marker=None)
    warehouse.initialise()  # marked again: the table dropped after that stays dropped
    assert "raw.ps_resident" not in _tables(warehouse.path)
