"""Every suite on the generator's clean extracts, loaded by the real loader: nothing fails, all is recorded."""

from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.service import ingest_partition, make_loader, pending_partitions
from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings
from dagster_project.quality.gx_runner import record_outcome, validate_partition
from sources.generator import generate
from tests.conftest import TEST_PII_KEY


def test_clean_generated_extracts_pass_every_suite_and_each_run_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVWH_PII_KEY", TEST_PII_KEY)
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    settings.home.mkdir()
    # March: every table, the quarterly ones included, so every reconciliation has both sides
    generate(settings.inbox, scale="tiny", start="2025-03", months=1, seed=1)
    partitions = pending_partitions(settings.inbox, load_contract())
    loader = make_loader(settings, "run-load")
    for p in partitions:
        ingest_partition(loader, settings.inbox, p.table, p.period)

    con = duckdb.connect(str(settings.warehouse_path))
    try:
        outcomes = [validate_partition(con, p.table, p.period, "run-a") for p in partitions]
        for outcome in outcomes:
            record_outcome(con, outcome)
        again = validate_partition(con, "ca_community", "2025-03", "run-b")
        record_outcome(con, again)
        recorded = con.execute(
            "select run_id, suite, period, count(*), count(distinct expectation), count(distinct checked_at) "
            "from audit.validation_results group by all"
        ).fetchall()
        # workers with an active employee-scheme enrolment: what the employer reconciliation compares
        enrolled_workers = con.execute(
            "select count(distinct w.person_pid) from raw.ca_worker w join raw.ss_insurance i using (person_pid) "
            "where i.status = '参保缴费' and i.insurance_type = '城镇职工养老'"
        ).fetchone()[0]
    finally:
        con.close()

    assert {o.suite for o in outcomes} == set(load_contract().tables)
    assert [(o.suite, o.period, f.expectation, f.observed) for o in outcomes for f in o.failures] == []
    reconciled = {
        f.expectation: f.observed for o in outcomes for f in o.outcomes
        if f.expectation_type == "unexpected_rows_expectation"
    }
    assert reconciled == {
        "unexpected_rows_expectation[households_vs_ps_register]": "0 unexpected rows",
        "unexpected_rows_expectation[workers_in_ps_register]": "0 unexpected rows",
        "unexpected_rows_expectation[worker_employers_are_committees]": "0 unexpected rows",
    }
    assert enrolled_workers > 0

    expected = {("run-a", o.suite, o.period): len(o.outcomes) for o in outcomes}
    expected[("run-b", "ca_community", "2025-03")] = len(again.outcomes)
    assert {(run, suite, period): n for run, suite, period, n, _, _ in recorded} == expected
    assert all(n == distinct and stamps == 1 for *_, n, distinct, stamps in recorded)
