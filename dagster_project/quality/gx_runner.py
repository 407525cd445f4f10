"""Validates one loaded (table, period) partition with its expectation suite and records the outcome.

How GX reaches DuckDB: through SQLAlchemy (duckdb-engine), as a query asset selecting the partition's
current rows, so every metric is a DuckDB query and no row leaves the database. Measured on a
2-core machine with bench/validation_bench.py (ps_resident, 20 expectations, the loader's own output):
1 M rows validate in 4.4 s and 2.5 M rows in 4.7 s, audit rows and Data Docs included, against 157 s
and 352 s to ingest them (3% and 1% added; the target is 50%). GX on a pandas frame of the same rows
took 43 s and 51 s and the process 3.7 GB. Of the hybrids, exporting the partition to a temporary
DuckDB file for duckdb-engine doubled the time, and a pandas frame registered in DuckDB was as fast
but holds the partition in memory and cannot see the other departments' tables, which the
reconciliations (UnexpectedRowsExpectations joining the batch with other tables) need.

Runs on the caller's DuckDB connection: the caller holds the warehouse's single writer lock, so GX
gets a cursor of that connection (gx_compat.duckdb_datasource) and never opens the file itself. A
query asset rather than a table asset, because GX reflects a schema-qualified table's columns without
the schema and would silently check a same-named table in `main`. The GX context, its datasource
with one query asset per suite (gx_compat.WarehouseDatasource) and the parsed suites are kept per
process: importing GX and parsing suites costs seconds, and registering a datasource and its assets
anew cost half a second per validation.
"""

import functools
import json
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.lib.contract import load_contract
from dagster_project.lib.periods import is_month, month_bounds
from dagster_project.lib.warehouse import CURRENT_STATUSES
from dagster_project.quality import gx_compat
from dagster_project.quality.suites import (
    ERROR,
    PERIOD_END,
    PERIOD_YEAR,
    PREVIOUS_ROWS_MAX,
    PREVIOUS_ROWS_MIN,
    ROW_COUNT_CHANGE_KEY,
    RowCountChange,
    expectation_columns,
    expectation_label,
    expectation_severity,
    load_suite_json,
)

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext

BATCH_DEFINITION = "current_rows"
# Counts without samples: the cheapest format that still reports them, and no personal value (not
# even a pseudonym, nor a clear ID that slipped through) reaches the results or the Data Docs.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
OBSERVED_MAX_CHARS = 300
PRESCRIPTIVE_RENDERER = "atomic.prescriptive.summary"
_CURRENT = ", ".join(f"'{s}'" for s in CURRENT_STATUSES)


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    expectation_type: str
    column: str | None
    success: bool
    severity: str
    observed: str
    # GX's own wording of the rule with its parameters filled in, and the suite's reason for it.
    description: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Delivery:
    period: str
    rows: int


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    period: str
    run_id: str
    row_count: int
    outcomes: tuple[ExpectationOutcome, ...]
    checked_at: datetime = field(default_factory=datetime.now)
    # The GX validation result as GX serialises it, kept for the auditors' Data Docs.
    gx_result: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def blocking_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == ERROR)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success)

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


def current_rows_query(table: str, period: str) -> str:
    """SQL for the rows of raw.<table> for a period whose file is current (loaded or partly loaded).

    Selects r.* rather than the contract's column list so that a raw table which has drifted from the
    contract is reported by the column-set expectation instead of failing the query. The table must
    be a contract table and the period a month: both are spliced into SQL.
    """
    if table not in load_contract().tables:
        raise KeyError(f"{table} is not a contract table")
    if not is_month(period):
        raise ValueError(f"not a month period: {period!r}")
    return (
        f"select r.* from raw.{table} r join audit.load_ledger l on l.file_id = r.file_id "
        f"where r.period = '{period}' and l.status in ({_CURRENT})"
    )


def previous_delivery(con: duckdb.DuckDBPyConnection, table: str, period: str) -> Delivery | None:
    """The latest earlier period with a current delivery of `table`, and its current row count."""
    found = con.execute(
        f"select r.period, count(*) from raw.{table} r join audit.load_ledger l on l.file_id = r.file_id "
        f"where l.status in ({_CURRENT}) and r.period = ("
        f"  select max(period) from audit.load_ledger "
        f"  where table_name = ? and status in ({_CURRENT}) and period < ?) "
        "group by r.period",
        [table, period],
    ).fetchone()
    return Delivery(found[0], int(found[1])) if found else None


def suite_parameters(
    period: str, suite_json: dict[str, Any], previous: Delivery | None
) -> dict[str, Any]:
    """Values for the suite's $PARAMETERs: the period's dates and the previous delivery's bounds.

    Without a previous delivery both row bounds are None, which GX reads as "any number of rows".
    """
    _, end = month_bounds(period)
    low: int | None = None
    high: int | None = None
    policies = [e["meta"] for e in suite_json["expectations"] if ROW_COUNT_CHANGE_KEY in e["meta"]]
    if previous is not None and policies:
        [meta] = policies
        low, high = RowCountChange.from_meta(meta).bounds(previous.rows)
    return {
        PERIOD_END: end,
        PERIOD_YEAR: end.year,
        PREVIOUS_ROWS_MIN: low,
        PREVIOUS_ROWS_MAX: high,
    }


@functools.cache
def _context() -> "AbstractDataContext":
    return gx_compat.ephemeral_context()


@functools.cache
def _warehouse() -> gx_compat.WarehouseDatasource:
    """The process's one GX datasource: its engines and the suites' query assets are built once."""
    return gx_compat.WarehouseDatasource(_context())


@functools.cache
def _suite(table: str) -> "ExpectationSuite":
    return gx_compat.suite_from_json(load_suite_json(table))


def _observed(
    config: dict[str, Any], result: "ExpectationValidationResult", previous: Delivery | None
) -> str:
    error = gx_compat.exception_message(result)
    details = result.result or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    observed = details.get("observed_value")
    if error is not None:
        text = f"error: {error}"
    elif "unexpected_count" in details:
        text = f"unexpected {details['unexpected_count']} of {details['element_count']}"
    elif mismatched:
        text = "; ".join(
            f"{kind}: {', '.join(map(str, names))}" for kind, names in mismatched.items() if names
        )
    elif isinstance(observed, list):
        # the column-set expectation observes the whole column list; its size is the short answer
        text = f"{len(observed)} columns"
    elif ROW_COUNT_CHANGE_KEY in config["meta"]:
        against = (
            f"previous delivery {previous.period}: {previous.rows} rows" if previous else "no previous delivery"
        )
        text = f"{observed} rows; {against}"
    elif config["type"] == "unexpected_rows_expectation":
        text = f"{observed} unexpected row{'' if observed == 1 else 's'}"
    else:
        text = str(observed)
    return text[:OBSERVED_MAX_CHARS]


def _description(result: "ExpectationValidationResult") -> str:
    """GX's prescriptive sentence for the expectation, as its Data Docs would print it."""
    config = result.expectation_config.to_json_dict()
    # the batch ID names this validation's own datasource, and the sentence never mentions it
    rule = {"type": config["type"], "kwargs": {k: v for k, v in config["kwargs"].items() if k != "batch_id"}}
    return _prescriptive_sentence(json.dumps(rule, sort_keys=True, default=str))


@functools.lru_cache(maxsize=4096)
def _prescriptive_sentence(config_json: str) -> str:
    """Cached by configuration: GX's renderers are slow, and most rules read the same every period."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectation = ExpectationConfiguration(**json.loads(config_json)).to_domain_obj()
    expectation.render()
    for content in expectation.rendered_content or []:
        if content.name != PRESCRIPTIVE_RENDERER:
            continue
        value = content.value.to_json_dict()
        if value.get("template"):
            parameters = {k: p.get("value") for k, p in (value.get("params") or {}).items()}
            return string.Template(value["template"]).safe_substitute(parameters)
    return ""


def validate_partition(
    con: duckdb.DuckDBPyConnection, table: str, period: str, run_id: str
) -> SuiteOutcome:
    """Run the table's suite on the period's current rows; outcomes follow the suite file's order."""
    query = current_rows_query(table, period)
    suite_json = load_suite_json(table)
    previous = previous_delivery(con, table, period)
    checked_at = datetime.now()
    with _warehouse().bound(con) as warehouse:
        batch = warehouse.batch(table, query, BATCH_DEFINITION)
        validation = batch.validate(
            _suite(table),
            result_format=RESULT_FORMAT,
            expectation_parameters=suite_parameters(period, suite_json, previous),
        )
    row_count = con.execute(f"select count(*) from ({query})").fetchone()[0]
    by_label = {expectation_label(r.expectation_config.to_json_dict()): r for r in validation.results}
    outcomes = []
    for config in suite_json["expectations"]:
        label = expectation_label(config)
        result = by_label[label]
        outcomes.append(
            ExpectationOutcome(
                expectation=label,
                expectation_type=config["type"],
                column=expectation_columns(config),
                success=bool(result.success),
                severity=expectation_severity(config),
                observed=_observed(config, result, previous),
                description=_description(result),
                notes=config["meta"]["notes"],
            )
        )
    return SuiteOutcome(
        suite=table,
        period=period,
        run_id=run_id,
        row_count=int(row_count),
        outcomes=tuple(outcomes),
        checked_at=checked_at,
        gx_result=validation.to_json_dict(),
    )


def record_outcome(con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome) -> None:
    """Append one audit.validation_results row per expectation, all stamped with the validation's time.

    A single INSERT keeps the rows of one validation together even when the caller runs without an
    explicit transaction.
    """
    if not outcome.outcomes:
        return
    parameters: list[object] = []
    for o in outcome.outcomes:
        parameters += [outcome.run_id, outcome.period, outcome.suite, o.expectation]
        parameters += [o.success, o.severity, o.observed, outcome.checked_at]
    placeholders = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(outcome.outcomes))
    con.execute(
        "insert into audit.validation_results "
        "(run_id, period, suite, expectation, success, severity, observed, checked_at) "
        f"values {placeholders}",
        parameters,
    )
