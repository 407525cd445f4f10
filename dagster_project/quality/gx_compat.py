"""Everything this project needs to know about Great Expectations' quirks, in one place.

GX reaches DuckDB through SQLAlchemy (duckdb-engine). GX 1.x has no DuckDB dialect, so three of its
internals are adjusted here, and tests/quality/test_gx_compat.py fails loudly if an upgrade moves them:

* Persisted connection. GX runs a query, closes the pooled connection and only then fetches the rows;
  closing rolls the DuckDB connection back, which discards the pending result ("list index out of
  range" from every metric). GX keeps one connection open for the dialects listed in
  sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS, so duckdb joins that list. GX reads
  `.value` from each entry, hence the str subclass.
* Regex. GX builds regex conditions per dialect and gives up on unknown ones ("Regex is not supported
  for dialect duckdb"). Each metric module imports the builder by name, so every importer is patched
  to use DuckDB's regexp_matches, which searches like pandas' str.contains and PostgreSQL's `~`.
* Release. GX keeps that connection and a pooled engine on the datasource for the life of the
  context; both are closed when a validation ends (duckdb_datasource, WarehouseDatasource.bound).
  GX's connection is a cursor of the caller's, and DuckDB closes a connection's cursors with it, so GX
  can never hold the warehouse file (and lock out the dbt subprocess) beyond the writer's own
  connection.
* Fixed cost. Every datasource, asset or batch definition added to a context, and every one deleted,
  re-serialises the whole context configuration to YAML (a tenth of a second each), and a new
  datasource builds a new SQLAlchemy engine and execution engine. WarehouseDatasource therefore keeps
  one datasource and one query asset per suite for the life of the process and only swaps the
  asset's query and the connection it reaches per validation.

Other quirks:

* GX reads GX_ANALYTICS_ENABLED when it is imported, so the variable is set before the first import,
  and the import itself (several seconds) happens only when a suite is first validated or built.
* An ephemeral context prints a progress bar per validation unless told not to.
* ExpectationSuite(**json) logs and silently drops an expectation it cannot parse; a suite that loses
  an expectation on the way in must fail loudly instead.
* A failed metric surfaces as exception_info, either flat or keyed by metric ID depending on where
  it failed; exception_message reads both.
"""

import contextlib
import copy
import functools
import importlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy as sa

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.datasource.fluent import BatchDefinition, SQLDatasource
    from great_expectations.datasource.fluent.interfaces import Batch

DUCKDB_DIALECT = "duckdb"

# The GX metric modules that import get_dialect_regex_expression by name.
REGEX_METRIC_MODULES = (
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex_list",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex_list",
    "great_expectations.expectations.metrics.column_aggregate_metrics.column_values_match_regex_values",
    "great_expectations.expectations.metrics.column_aggregate_metrics.column_values_not_match_regex_values",
)
REGEX_BUILDER = "get_dialect_regex_expression"


class GxCompatibilityError(RuntimeError):
    """A GX internal this module adjusts has moved: the installed GX needs the workarounds revisited."""


class _DialectName(str):
    """A dialect name shaped like GX's GXSqlDialect members, which GX reads through `.value`."""

    @property
    def value(self) -> str:
        return str(self)


@functools.cache
def import_gx() -> ModuleType:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage reports leave a warehouse holding personal data
    import great_expectations

    _install_duckdb_workarounds()
    return great_expectations


def _install_duckdb_workarounds() -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    persisted = getattr(engine_module, "_PERSISTED_CONNECTION_DIALECTS", None)
    if not isinstance(persisted, tuple):
        raise GxCompatibilityError(
            "great_expectations.execution_engine.sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS "
            "is gone: GX would close DuckDB connections before fetching their results"
        )
    if DUCKDB_DIALECT not in persisted:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (*persisted, _DialectName(DUCKDB_DIALECT))

    for name in REGEX_METRIC_MODULES:
        module = importlib.import_module(name)
        builder = getattr(module, REGEX_BUILDER, None)
        if builder is None:
            raise GxCompatibilityError(f"{name}.{REGEX_BUILDER} is gone: regex expectations on DuckDB")
        if not getattr(builder, "handles_duckdb", False):
            setattr(module, REGEX_BUILDER, _with_duckdb_regex(builder))


def _with_duckdb_regex(builder: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(builder)
    def build(
        column: sa.ColumnClause[Any], regex: str, dialect: Any, positive: bool = True
    ) -> sa.ColumnElement[bool] | None:
        if getattr(dialect, "name", None) != DUCKDB_DIALECT:
            return builder(column, regex, dialect, positive)
        matches = sa.func.regexp_matches(column, sa.literal(regex))
        return matches if positive else sa.not_(matches)

    build.handles_duckdb = True  # type: ignore[attr-defined]
    return build


def ephemeral_context() -> "AbstractDataContext":
    """An in-memory GX context with progress bars off: nothing is written to disk or sent anywhere."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@contextlib.contextmanager
def duckdb_datasource(
    context: "AbstractDataContext", con: duckdb.DuckDBPyConnection
) -> Iterator["SQLDatasource"]:
    """A GX SQL datasource whose one connection is a cursor of `con`, removed again afterwards.

    A cursor shares `con`'s database instance, so GX sees the warehouse as the caller does without
    opening the file a second time: duckdb-engine's own `duckdb:///path` would open it with a
    different configuration, which DuckDB refuses within one process, and a second process is
    locked out by the writer anyway.
    """
    import_gx()
    from duckdb_engine import ConnectionWrapper

    name = f"warehouse_{uuid.uuid4().hex}"
    datasource = context.data_sources.add_sql(
        name,
        connection_string=f"{DUCKDB_DIALECT}://",
        kwargs={"creator": lambda: ConnectionWrapper(con.cursor())},
    )
    try:
        yield datasource
    finally:
        _release(datasource)
        context.data_sources.delete(name)


class WarehouseDatasource:
    """One GX SQL datasource for the life of a context, reaching whichever connection is bound to it.

    `bound(con)` lends GX cursors of `con` for one validation and releases them when it ends, exactly
    as duckdb_datasource does; what outlives the validation is only GX's configuration: the
    datasource, its engines (disposed, so holding no connection) and one query asset per name, whose
    query is replaced by each `batch` call. Validations through one instance take turns.
    """

    def __init__(self, context: "AbstractDataContext", name: str = "warehouse") -> None:
        self.context = context
        self.name = name
        self._con: duckdb.DuckDBPyConnection | None = None
        self._datasource: "SQLDatasource | None" = None
        self._definitions: dict[str, "BatchDefinition"] = {}
        self._turn = threading.Lock()

    def _connect(self) -> Any:
        from duckdb_engine import ConnectionWrapper

        if self._con is None:
            raise RuntimeError("GX asked for a warehouse connection outside WarehouseDatasource.bound")
        return ConnectionWrapper(self._con.cursor())

    @contextlib.contextmanager
    def bound(self, con: duckdb.DuckDBPyConnection) -> Iterator["WarehouseDatasource"]:
        import_gx()
        with self._turn:
            self._con = con
            try:
                if self._datasource is None:
                    # GX tests the connection when a datasource is added: only with a connection bound
                    self._datasource = self.context.data_sources.add_sql(
                        self.name, connection_string=f"{DUCKDB_DIALECT}://", kwargs={"creator": self._connect}
                    )
                yield self
            finally:
                if self._datasource is not None:
                    _release(self._datasource)
                self._con = None

    @property
    def datasource(self) -> "SQLDatasource":
        if self._datasource is None:
            raise RuntimeError("the datasource is created by the first WarehouseDatasource.bound")
        return self._datasource

    def batch(self, asset: str, query: str, batch_definition: str) -> "Batch":
        """The whole result of `query` as a batch of the query asset `asset`, made once per name."""
        key = f"{asset}/{batch_definition}"
        definition = self._definitions.get(key)
        if definition is None:
            existing = {a.name for a in self.datasource.assets}
            data_asset = (self.datasource.get_asset(asset) if asset in existing
                          else self.datasource.add_query_asset(asset, query=query))
            definition = data_asset.add_batch_definition_whole_table(batch_definition)
            self._definitions[key] = definition
        # The asset builds its batch spec from `query` on every get_batch: replacing it is all a new
        # partition needs. Assignment skips the asset's validators, hence the same check here.
        if not query.lstrip().lower().startswith("select "):
            raise ValueError("a query asset's query must start with SELECT")
        definition.data_asset.query = query
        return definition.get_batch()


def _release(datasource: "SQLDatasource") -> None:
    execution_engine = datasource._execution_engine  # created lazily by the first batch
    if execution_engine is not None:
        if execution_engine._connection is not None:
            execution_engine._connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
    if datasource._engine is not None:
        datasource._engine.dispose()


def suite_from_json(data: dict[str, Any]) -> "ExpectationSuite":
    gx = import_gx()
    suite = gx.ExpectationSuite(**copy.deepcopy(data))
    if len(suite.expectations) != len(data["expectations"]):
        raise ValueError(
            f"suite {data['name']}: GX accepted {len(suite.expectations)} of "
            f"{len(data['expectations'])} expectations; the suite file holds an invalid expectation"
        )
    return suite


def exception_message(result: "ExpectationValidationResult") -> str | None:
    """The message of the exception that stopped an expectation, or None if it ran to a verdict."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None
