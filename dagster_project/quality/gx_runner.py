"""Validates one loaded (table, period) partition with its expectation suite and records the outcome.

Runs inside the ingest step on the caller's DuckDB connection: the caller holds the warehouse's single
writer lock, so this module never opens the warehouse file itself. The GX context, data assets and
suites are built once per process, because importing GX and parsing suites costs seconds.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from dagster_project.lib.contract import load_contract
from dagster_project.lib.periods import month_bounds
from dagster_project.lib.warehouse import CURRENT_STATUSES
from dagster_project.quality import gx_compat
from dagster_project.quality.suites import (
    ERROR,
    PERIOD_END,
    PERIOD_START,
    PERIOD_YEAR,
    expectation_columns,
    expectation_label,
    expectation_severity,
    load_suite_json,
)

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.datasource.fluent import PandasDatasource

DATASOURCE = "raw"
BATCH_DEFINITION = "current_rows"
# Counts are all an outcome keeps; BASIC is the cheapest result format that still reports them.
RESULT_FORMAT = "BASIC"
OBSERVED_MAX_CHARS = 300


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    expectation_type: str
    column: str | None
    success: bool
    severity: str
    observed: str


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    period: str
    run_id: str
    row_count: int
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def blocking_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == ERROR)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success)

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


def current_rows(con: duckdb.DuckDBPyConnection, table: str, period: str) -> pd.DataFrame:
    """The rows of raw.<table> for a period whose file is current (loaded or partly loaded).

    Selects r.* rather than the contract's column list so that a raw table which has drifted from the
    contract is reported by the column-set expectation instead of failing the query.
    """
    if table not in load_contract().tables:
        raise KeyError(f"{table} is not a contract table")
    statuses = ", ".join(f"'{s}'" for s in CURRENT_STATUSES)
    return con.execute(
        f"select r.* from raw.{table} r join audit.load_ledger l using (file_id) "
        f"where r.period = ? and l.status in ({statuses})",
        [period],
    ).fetchdf()


@functools.cache
def _datasource() -> "PandasDatasource":
    return gx_compat.ephemeral_context().data_sources.add_pandas(DATASOURCE)


@functools.cache
def _batch_definition(table: str) -> "BatchDefinition":
    return _datasource().add_dataframe_asset(table).add_batch_definition_whole_dataframe(BATCH_DEFINITION)


@functools.cache
def _suite(table: str) -> "ExpectationSuite":
    return gx_compat.suite_from_json(load_suite_json(table))


def _period_parameters(period: str) -> dict[str, Any]:
    start, end = month_bounds(period)
    return {
        PERIOD_START: gx_compat.date_bound(start),
        PERIOD_END: gx_compat.date_bound(end),
        PERIOD_YEAR: end.year,
    }


def _observed(result: "ExpectationValidationResult") -> str:
    error = gx_compat.exception_message(result)
    details = result.result or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    if error is not None:
        text = f"error: {error}"
    elif "unexpected_count" in details:
        text = f"unexpected {details['unexpected_count']} of {details['element_count']}"
    elif mismatched:
        text = "; ".join(
            f"{kind}: {', '.join(map(str, names))}" for kind, names in mismatched.items() if names
        )
    elif isinstance(details.get("observed_value"), list):
        # the column-set expectation observes the whole column list; its size is the short answer
        text = f"{len(details['observed_value'])} columns"
    else:
        text = str(details.get("observed_value"))
    return text[:OBSERVED_MAX_CHARS]


def validate_partition(
    con: duckdb.DuckDBPyConnection, table: str, period: str, run_id: str
) -> SuiteOutcome:
    """Run the table's suite on the period's current rows; outcomes follow the suite file's order."""
    frame = gx_compat.frame_for_gx(current_rows(con, table, period))
    suite_json = load_suite_json(table)
    batch = _batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
    results = batch.validate(
        _suite(table), result_format=RESULT_FORMAT, expectation_parameters=_period_parameters(period)
    ).results
    by_label = {expectation_label(r.expectation_config.to_json_dict()): r for r in results}
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
                observed=_observed(result),
            )
        )
    return SuiteOutcome(
        suite=table, period=period, run_id=run_id, row_count=len(frame), outcomes=tuple(outcomes)
    )


def record_outcome(con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome) -> None:
    """Append one audit.validation_results row per expectation, all stamped with the same time.

    A single INSERT keeps the rows of one validation together even when the caller runs without an
    explicit transaction.
    """
    if not outcome.outcomes:
        return
    checked_at = datetime.now()
    parameters: list[object] = []
    for o in outcome.outcomes:
        parameters += [outcome.run_id, outcome.period, outcome.suite, o.expectation]
        parameters += [o.success, o.severity, o.observed, checked_at]
    placeholders = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(outcome.outcomes))
    con.execute(
        "insert into audit.validation_results "
        "(run_id, period, suite, expectation, success, severity, observed, checked_at) "
        f"values {placeholders}",
        parameters,
    )
