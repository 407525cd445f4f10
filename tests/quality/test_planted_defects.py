"""The suites catch the generator's table-level defects: every row valid, the table wrong.

A tiny city's February and March are generated with defects, loaded by the real loader and validated
by every suite. Each defect the generator lists in `<inbox>_planted.csv` (a halved extract, a
household's assistance case listed twice, departments that disagree) must fail the expectation it
names, at the severity it names, on exactly its partition, and be recorded in
audit.validation_results; error-severity failures make the Dagster check fail and block. The same
partitions generated without defects pass those expectations.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.ingest.service import ingest_partition, make_loader, pending_partitions
from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings
from dagster_project.quality.checks import to_check_result
from dagster_project.quality.gx_runner import (
    ExpectationOutcome,
    SuiteOutcome,
    current_rows_query,
    record_outcome,
    validate_partition,
)
from dagster_project.quality.suites import expectation_label, expectation_severity, load_suite_json
from sources.generator import generate
from sources.generator.defects import planted_path, truth_path
from tests.conftest import TEST_PII_KEY

WINDOW = {"scale": "tiny", "start": "2025-02", "months": 2, "seed": 7}
RUN = "run-planted"
EXPECTED_DEFECTS = {"halved_extract", "duplicate_household_case", "households_disagree",
                    "worker_not_in_register", "employer_not_committee"}
ROW_MIN = "expect_table_row_count_to_be_between"


@dataclass
class Validated:
    inbox: Path
    con: duckdb.DuckDBPyConnection
    planted: list[dict[str, str]]
    truth: list[dict[str, str]]
    outcomes: dict[tuple[str, str], SuiteOutcome]

    def outcome(self, table: str, period: str, expectation: str) -> ExpectationOutcome:
        [found] = [o for o in self.outcomes[table, period].outcomes if o.expectation == expectation]
        return found


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _load(root: Path, defects: float, only: set[tuple[str, str]] | None = None) -> Validated:
    settings = Settings(home=root / "home", inbox=root / "inbox")
    settings.home.mkdir(parents=True)
    summary = generate(settings.inbox, defects=defects, **WINDOW)
    partitions = pending_partitions(settings.inbox, load_contract())
    loader = make_loader(settings, "run-load")
    for p in partitions:
        ingest_partition(loader, settings.inbox, p.table, p.period)
    con = duckdb.connect(str(settings.warehouse_path))
    outcomes = {}
    for p in partitions:
        if only is None or (p.table, p.period) in only:
            outcome = validate_partition(con, p.table, p.period, RUN)
            record_outcome(con, outcome)
            outcomes[p.table, p.period] = outcome
    planted = _read(summary.planted) if summary.planted else []
    truth = _read(summary.truth) if summary.truth else []
    return Validated(settings.inbox, con, planted, truth, outcomes)


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Validated]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOVWH_PII_KEY", TEST_PII_KEY)
        validated = _load(tmp_path_factory.mktemp("spoiled"), defects=0.05)
    try:
        yield validated
    finally:
        validated.con.close()


def test_the_generator_plants_each_table_level_defect_and_names_a_real_expectation(spoiled: Validated) -> None:
    assert planted_path(spoiled.inbox).is_file() and not planted_path(spoiled.inbox).is_relative_to(spoiled.inbox)
    assert {p["defect"] for p in spoiled.planted} == EXPECTED_DEFECTS
    for p in spoiled.planted:
        suite = {expectation_label(e): e for e in load_suite_json(p["table"])["expectations"]}
        assert p["expectation"] in suite, p
        assert expectation_severity(suite[p["expectation"]]) == p["severity"], p
    # Planted rows are valid rows: none of them is listed in the truth file as a row the loader rejects.
    flagged = {(t["file"], t["line"]) for t in spoiled.truth}
    assert not [p for p in spoiled.planted if (p["file"], p["line"]) in flagged]


def test_each_planted_defect_fails_its_expectation_at_its_severity_and_is_recorded(spoiled: Validated) -> None:
    for p in spoiled.planted:
        found = spoiled.outcome(p["table"], p["period"], p["expectation"])
        assert not found.success and found.severity == p["severity"], (p, found)
        recorded = spoiled.con.execute(
            "select success, severity, observed from audit.validation_results "
            "where run_id = ? and suite = ? and period = ? and expectation = ?",
            [RUN, p["table"], p["period"], p["expectation"]]).fetchall()
        assert recorded == [(False, p["severity"], found.observed)], p


def test_error_severity_plants_fail_the_dagster_check_and_block(spoiled: Validated) -> None:
    blocking = [p for p in spoiled.planted if p["severity"] == "error"]
    assert {p["defect"] for p in blocking} == {"halved_extract", "duplicate_household_case"}
    for p in blocking:
        outcome = spoiled.outcomes[p["table"], p["period"]]
        assert not outcome.passed
        result = to_check_result(outcome, dg.AssetKey(["raw", p["table"]]))
        assert result.passed is False and result.severity == dg.AssetCheckSeverity.ERROR
        failed = result.metadata["failed_expectations"].value
        assert {"expectation": p["expectation"], "severity": "error"}.items() <= next(
            f for f in failed if f["expectation"] == p["expectation"]).items()


def test_nothing_else_blocks_but_files_that_failed_to_load(spoiled: Validated) -> None:
    """Row-level defects are rejected at ingestion; a file that fails whole leaves its partition empty."""
    failed_files = {t["file"] for t in spoiled.truth if t["line"] == "0" and t["expected_reason_code"] == "FAILED"}
    tables = load_contract().tables
    emptied = {(f.split("/")[2].split(".")[0], f.split("/")[1]) for f in failed_files}
    expected = {(p["table"], p["period"], p["expectation"]) for p in spoiled.planted if p["severity"] == "error"}
    expected |= {(table, period, ROW_MIN) for table, period in emptied if tables[table].kind != "events"}
    blocking = {(table, period, o.expectation) for (table, period), outcome in spoiled.outcomes.items()
                for o in outcome.blocking_failures}
    assert blocking == expected


def test_the_halved_extract_is_compared_with_its_full_previous_delivery(spoiled: Validated) -> None:
    [p] = [p for p in spoiled.planted if p["defect"] == "halved_extract"]
    found = spoiled.outcome(p["table"], p["period"], p["expectation"])
    rows, previous = spoiled.con.execute(
        f"select (select count(*) from ({current_rows_query(p['table'], p['period'])})), "
        f"(select count(*) from raw.{p['table']} r join audit.load_ledger l using (file_id) "
        "where l.status in ('LOADED', 'PARTIAL') and l.period < ? and l.period = "
        "(select max(period) from audit.load_ledger where table_name = ? and period < ?))",
        [p["period"], p["table"], p["period"]]).fetchone()
    assert rows <= previous * 0.6
    assert found.observed.startswith(f"{rows} rows; previous delivery ") and found.observed.endswith(
        f": {previous} rows")


def _file_id(con: duckdb.DuckDBPyConnection, rel: str) -> str:
    [(file_id,)] = con.execute("select file_id from audit.load_ledger where original_name = ? "
                               "and status in ('LOADED', 'PARTIAL')", [rel]).fetchall()
    return file_id


def test_the_duplicate_case_is_the_planted_copy_of_another_household_case(spoiled: Validated) -> None:
    [p] = [p for p in spoiled.planted if p["defect"] == "duplicate_household_case"]
    duplicated = spoiled.con.execute(
        f"select line_number, case_id from ({current_rows_query(p['table'], p['period'])}) "
        "qualify count(*) over (partition by head_pid, assistance_type) > 1 order by line_number").fetchall()
    assert len(duplicated) == 2 and duplicated[1][0] == int(p["line"])
    assert duplicated[0][1] != duplicated[1][1]  # two case numbers: the record key stays unique
    assert spoiled.outcome(p["table"], p["period"], "expect_column_values_to_be_unique(case_id)").success


@pytest.mark.parametrize("defect", ["households_disagree", "worker_not_in_register", "employer_not_committee"])
def test_each_disagreement_is_among_the_rows_the_reconciliation_lists(spoiled: Validated, defect: str) -> None:
    planted = [p for p in spoiled.planted if p["defect"] == defect]
    assert planted
    table, period, expectation = planted[0]["table"], planted[0]["period"], planted[0]["expectation"]
    [config] = [e for e in load_suite_json(table)["expectations"] if expectation_label(e) == expectation]
    query = config["kwargs"]["unexpected_rows_query"].replace(
        "{batch}", f"({current_rows_query(table, period)})")
    listed = {(file_id, line) for file_id, line, *_ in spoiled.con.execute(query).fetchall()}
    file_id = _file_id(spoiled.con, planted[0]["file"])
    assert {(file_id, int(p["line"])) for p in planted} <= listed
    observed = spoiled.outcome(table, period, expectation).observed
    assert observed == f"{len(listed)} unexpected row{'' if len(listed) == 1 else 's'}"


def test_the_same_partitions_without_defects_pass(spoiled: Validated, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWH_PII_KEY", TEST_PII_KEY)
    partitions = {(p["table"], p["period"]) for p in spoiled.planted}
    clean = _load(tmp_path, defects=0.0, only=partitions)
    try:
        assert not planted_path(tmp_path / "inbox").exists() and not truth_path(tmp_path / "inbox").exists()
        assert set(clean.outcomes) == partitions
        failures = [(t, period, o.expectation, o.observed)
                    for (t, period), outcome in clean.outcomes.items() for o in outcome.failures]
        assert failures == []
        # one audit row per expectation of each suite run
        recorded = clean.con.execute(
            "select suite, period, count(*), count(distinct expectation) from audit.validation_results "
            "where run_id = ? group by all", [RUN]).fetchall()
        assert {(s, period): (n, d) for s, period, n, d in recorded} == {
            key: (len(o.outcomes), len(o.outcomes)) for key, o in clean.outcomes.items()}
    finally:
        clean.con.close()
