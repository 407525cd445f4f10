from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.contract import load_contract
from dagster_project.quality.checks import to_check_result
from dagster_project.quality.gx_runner import (
    ExpectationOutcome,
    SuiteOutcome,
    record_outcome,
    validate_partition,
)
from dagster_project.quality.suites import expectation_label, load_suite_json
from tests.quality.conftest import (
    FILE_ID,
    PERIOD,
    clean_row,
    insert_delivery,
    insert_ledger,
    insert_residents,
    new_warehouse,
    resident_rows,
)

ASSET_KEY = dg.AssetKey(["raw", "ps_resident"])


def outcome_of(outcome: SuiteOutcome, expectation: str) -> ExpectationOutcome:
    [found] = [o for o in outcome.outcomes if o.expectation == expectation]
    return found


def test_clean_partition_passes_and_is_recorded_once_per_expectation(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-clean")

    assert outcome.row_count == 30
    assert [o.expectation for o in outcome.outcomes] == [
        expectation_label(e) for e in load_suite_json("ps_resident")["expectations"]
    ]
    assert [o for o in outcome.outcomes if not o.success] == []
    assert outcome.passed
    key = outcome_of(outcome, "expect_column_values_to_be_unique(person_pid)")
    assert key.observed == "unexpected 0 of 30"
    assert outcome_of(outcome, "expect_table_row_count_to_be_between").observed == "30"
    change = outcome_of(outcome, "expect_table_row_count_to_be_between[vs_previous_delivery]")
    assert change.observed == "30 rows; no previous delivery"
    assert key.description == "person_pid values must be unique."  # GX's own wording
    assert key.notes.startswith("id_number identifies one 实有人口登记 record")

    record_outcome(warehouse, outcome)
    rows = warehouse.execute(
        "select run_id, period, suite, expectation, success, severity, observed, checked_at "
        "from audit.validation_results"
    ).fetchall()
    assert len(rows) == len(outcome.outcomes)
    assert {(r[0], r[1], r[2]) for r in rows} == {("run-clean", PERIOD, "ps_resident")}
    assert {r[3] for r in rows} == {o.expectation for o in outcome.outcomes}
    assert all(r[4] for r in rows)
    assert len({r[7] for r in rows}) == 1


def test_duplicate_pseudonym_is_a_blocking_failure(warehouse: duckdb.DuckDBPyConnection) -> None:
    duplicate = list(resident_rows(30)[4])
    duplicate[2] = 99  # another line of the same file carrying the same person
    insert_residents(warehouse, [tuple(duplicate)])
    insert_ledger(warehouse, "unrelated-file", "SUPERSEDED", 0)

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-dup")

    key = outcome_of(outcome, "expect_column_values_to_be_unique(person_pid)")
    assert not key.success and key.severity == "error"
    assert key.observed == "unexpected 2 of 31"
    assert outcome.blocking_failures == (key,)
    assert not outcome.passed
    result = to_check_result(outcome, ASSET_KEY)
    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.ERROR


def test_halved_extract_against_the_previous_delivery_blocks(warehouse: duckdb.DuckDBPyConnection) -> None:
    insert_ledger(warehouse, "f-2026-05", "LOADED", 60, period="2026-05")
    insert_residents(warehouse, resident_rows(60, file_id="f-2026-05", period="2026-05"))

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-halved")

    change = outcome_of(outcome, "expect_table_row_count_to_be_between[vs_previous_delivery]")
    assert not change.success and change.severity == "error"
    assert change.observed == "30 rows; previous delivery 2026-05: 60 rows"
    assert "48" in change.description and "90" in change.description  # 80% and 150% of 60
    assert outcome.blocking_failures == (change,)
    assert to_check_result(outcome, ASSET_KEY).severity == dg.AssetCheckSeverity.ERROR


def test_row_count_is_compared_with_the_latest_earlier_current_delivery(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    deliveries = [("f-old", "2026-03", "LOADED", 100), ("f-replaced", "2026-05", "SUPERSEDED", 100),
                  ("f-corrected", "2026-05", "PARTIAL", 27), ("f-later", "2026-09", "LOADED", 100)]
    for file_id, period, status, rows in deliveries:
        insert_ledger(warehouse, file_id, status, rows, period=period)
        insert_residents(warehouse, resident_rows(rows, file_id=file_id, period=period))

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-steady")

    change = outcome_of(outcome, "expect_table_row_count_to_be_between[vs_previous_delivery]")
    assert change.success
    assert change.observed == "30 rows; previous delivery 2026-05: 27 rows"


def test_a_halved_month_of_events_only_warns(tmp_path: Path) -> None:
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    try:
        insert_delivery(con, "ps_case", "2026-05", [{"case_no": f"A{i}", "occurred_date": date(2026, 5, 3)}
                                                    for i in range(100)])
        insert_delivery(con, "ps_case", PERIOD, [{"case_no": f"B{i}"} for i in range(50)])
        outcome = validate_partition(con, "ps_case", PERIOD, "run-events")
    finally:
        con.close()

    change = outcome_of(outcome, "expect_table_row_count_to_be_between[vs_previous_delivery]")
    assert not change.success and change.severity == "warning"
    assert outcome.failures == (change,) and outcome.passed


def test_value_outside_its_set_only_warns(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute("update raw.ps_resident set residence_kind = '暂住人口' where line_number = 5")

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-enum")

    kind = outcome_of(outcome, "expect_column_values_to_be_in_set(residence_kind)")
    assert not kind.success and kind.severity == "warning"
    assert kind.observed == "unexpected 1 of 30"
    assert outcome.blocking_failures == ()
    assert outcome.passed
    result = to_check_result(outcome, ASSET_KEY)
    assert result.passed is True
    assert result.severity == dg.AssetCheckSeverity.WARN


def test_dates_are_checked_against_the_partition_period(warehouse: duckdb.DuckDBPyConnection) -> None:
    update = "update raw.ps_resident set registered_date = ? where line_number = ?"
    warehouse.execute(update, [date(2026, 7, 1), 3])
    warehouse.execute(update, [date(2026, 6, 30), 4])

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-date")

    registered = outcome_of(outcome, "expect_column_values_to_be_between(registered_date)")
    assert registered.observed == "unexpected 1 of 30"  # the day after the period end, not the last day
    assert outcome_of(outcome, "expect_column_values_to_be_between(person_birth_year)").success


def test_only_rows_of_current_files_are_validated(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute("update audit.load_ledger set status = 'SUPERSEDED' where file_id = ?", [FILE_ID])
    insert_ledger(warehouse, "f-failed", "FAILED", 0)
    insert_residents(warehouse, resident_rows(3, file_id="f-failed"))

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-empty")

    assert outcome.row_count == 0
    assert [o.expectation for o in outcome.blocking_failures] == ["expect_table_row_count_to_be_between"]


def test_schema_drift_is_reported_not_raised(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute("alter table raw.ps_resident add column name varchar")

    outcome = validate_partition(warehouse, "ps_resident", PERIOD, "run-drift")

    columns = outcome_of(outcome, "expect_table_columns_to_match_set")
    assert not columns.success and columns.severity == "error"
    assert columns.observed == "unexpected: name"


def test_unknown_table_is_refused(warehouse: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(KeyError):
        validate_partition(warehouse, "ps_resident; drop table audit.load_ledger", PERIOD, "run-x")


@pytest.mark.parametrize("table", sorted(load_contract().tables))
def test_every_suite_reaches_a_verdict_on_its_table(tmp_path: Path, table: str) -> None:
    """A clean row passes everything; a row of nothing but lineage fails only the not-null rules."""
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    try:
        insert_ledger(con, "f1", "LOADED", 2, table=table)
        row = clean_row(load_contract().tables[table])
        con.execute(
            f"insert into raw.{table} (file_id, period, line_number, {', '.join(row)}) "
            f"values ('f1', ?, 2, {', '.join('?' * len(row))})",
            [PERIOD, *row.values()],
        )
        con.execute(f"insert into raw.{table} (file_id, period, line_number) values ('f1', ?, 3)", [PERIOD])

        outcome = validate_partition(con, table, PERIOD, "run-all")
    finally:
        con.close()

    failed = [o for o in outcome.outcomes if not o.success]
    assert failed, "the empty row must fail something"
    for o in failed:
        assert o.expectation_type == "expect_column_values_to_not_be_null", o
        assert o.observed == "unexpected 1 of 2", o
