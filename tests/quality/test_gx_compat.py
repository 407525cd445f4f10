"""The GX internals gx_compat adjusts for DuckDB: each test fails loudly when a GX upgrade moves one."""

import importlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality import gx_compat


@pytest.fixture(scope="module")
def gx():  # noqa: ANN201 - the great_expectations module
    return gx_compat.import_gx()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "create table codes as select * from (values ('110105001001'), ('110105001002'), ('11010500100'), "
        "('X10105001001')) t(code)"
    )
    try:
        yield connection
    finally:
        connection.close()


def validate(gx, con: duckdb.DuckDBPyConnection, *expectations):  # noqa: ANN001, ANN201
    with gx_compat.duckdb_datasource(gx_compat.ephemeral_context(), con) as datasource:
        batch = datasource.add_query_asset("codes", query="select * from codes") \
            .add_batch_definition_whole_table("all").get_batch()
        return batch.validate(gx.ExpectationSuite(name="compat", expectations=list(expectations)),
                              result_format="BASIC").results


def test_duckdb_keeps_a_persisted_connection(gx) -> None:  # noqa: ANN001
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    assert gx_compat.DUCKDB_DIALECT in engine._PERSISTED_CONNECTION_DIALECTS
    assert engine._dialect_requires_persisted_connection(connection_string="duckdb://")


def test_every_regex_metric_module_builds_duckdb_regexes(gx) -> None:  # noqa: ANN001
    for name in gx_compat.REGEX_METRIC_MODULES:
        builder = getattr(importlib.import_module(name), gx_compat.REGEX_BUILDER)
        assert getattr(builder, "handles_duckdb", False), name


def test_metrics_and_regexes_reach_a_verdict_on_duckdb(gx, con: duckdb.DuckDBPyConnection) -> None:  # noqa: ANN001
    E = gx.expectations
    matching, not_matching, unique, rows = validate(
        gx, con,
        E.ExpectColumnValuesToMatchRegex(column="code", regex="^[0-9]{12}$"),
        E.ExpectColumnValuesToNotMatchRegex(column="code", regex="^X"),
        E.ExpectColumnValuesToBeUnique(column="code"),
        E.ExpectTableRowCountToBeBetween(min_value=4, max_value=4),
    )
    for result in (matching, not_matching, unique, rows):
        assert gx_compat.exception_message(result) is None, result
    assert matching.result["unexpected_count"] == 2  # 11 digits, and a letter
    assert not_matching.result["unexpected_count"] == 1
    assert unique.success and rows.success


def test_regex_searches_like_pandas_and_postgres(gx, con: duckdb.DuckDBPyConnection) -> None:  # noqa: ANN001
    [unanchored] = validate(gx, con, gx.expectations.ExpectColumnValuesToMatchRegex(column="code", regex="0010"))
    assert unanchored.result["unexpected_count"] == 0  # a search, not a full match


def test_a_validation_leaves_no_handle_on_the_file(gx, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select 1 as a")
    context = gx_compat.ephemeral_context()
    with gx_compat.duckdb_datasource(context, con) as datasource:
        batch = datasource.add_query_asset("t", query="select * from t").add_batch_definition_whole_table("all")
        assert batch.get_batch().validate(gx.expectations.ExpectColumnValuesToNotBeNull(column="a")).success
        assert datasource._execution_engine._connection is not None  # the persisted connection

    assert datasource._execution_engine._connection is None  # closed while the caller's stays open
    assert datasource.name not in [d.name for d in context.data_sources.all().values()]
    con.close()
    # DuckDB refuses to open a live file again with another configuration within one process, so a
    # read-only connection proves that no GX handle kept the database open after the writer closed.
    duckdb.connect(str(path), read_only=True).close()


def test_a_moved_internal_is_reported_not_ignored(gx, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    monkeypatch.delattr(engine, "_PERSISTED_CONNECTION_DIALECTS")
    with pytest.raises(gx_compat.GxCompatibilityError, match="_PERSISTED_CONNECTION_DIALECTS"):
        gx_compat._install_duckdb_workarounds()


def test_one_warehouse_datasource_serves_successive_connections(gx, tmp_path: Path) -> None:  # noqa: ANN001
    """Each validation reaches the connection bound for it, and leaves no handle on its file."""
    context = gx_compat.ephemeral_context()
    warehouse = gx_compat.WarehouseDatasource(context)
    expectation = gx.expectations.ExpectTableRowCountToBeBetween(min_value=0)
    for rows in (2, 5):
        path = tmp_path / f"warehouse_{rows}.duckdb"
        con = duckdb.connect(str(path))
        con.execute(f"create table t as select * from range({rows}) r(a)")
        with warehouse.bound(con) as bound:
            result = bound.batch("t", f"select * from t where a < {rows - 1}", "all").validate(expectation)
            assert bound.datasource._execution_engine._connection is not None
        assert result.result["observed_value"] == rows - 1  # this connection's rows, through this query
        assert warehouse.datasource._execution_engine._connection is None
        con.close()
        duckdb.connect(str(path), read_only=True).close()  # no GX handle outlived the writer

    assert [d.name for d in context.data_sources.all().values()] == [warehouse.name]
    assert [a.name for a in warehouse.datasource.assets] == ["t"]


def test_a_warehouse_datasource_refuses_to_connect_when_unbound(
    gx, con: duckdb.DuckDBPyConnection  # noqa: ANN001
) -> None:
    warehouse = gx_compat.WarehouseDatasource(gx_compat.ephemeral_context())
    with warehouse.bound(con) as bound:
        bound.batch("codes", "select * from codes", "all")
    with pytest.raises(RuntimeError, match="outside"):
        warehouse._connect()
    with warehouse.bound(con) as bound, pytest.raises(ValueError, match="SELECT"):
        bound.batch("codes", "delete from codes", "all")
