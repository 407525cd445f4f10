"""Which ingest runs `govwh run` launches: per period and cadence, only the tables whose files changed."""

import os
import uuid
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.ingest.service import pending_partitions
from dagster_project.lib.contract import load_contract
from dagster_project.runner import PARTITION_TAG, RUN_KEY_TAG, IngestRun, plan_ingest_runs

MONTHLY = ("ca_division", "ca_worker", "ps_case")


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def deliver(inbox: Path, table: str, period: str, content: str, mtime_ns: int = 1_700_000_000_000_000_000) -> Path:
    department = load_contract().tables[table].department
    path = inbox / department / period / f"{table}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def plan(instance: dg.DagsterInstance, inbox: Path) -> list[IngestRun]:
    contract = load_contract()
    return plan_ingest_runs(instance, pending_partitions(inbox, contract), contract)


def record(instance: dg.DagsterInstance, run: IngestRun, status: dg.DagsterRunStatus,
           tags: dict[str, str] | None = None) -> None:
    """The run as execute_in_process leaves it: the runner's tags plus the partition Dagster adds."""
    instance.add_run(dg.DagsterRun(
        job_name=run.job_name, run_id=str(uuid.uuid4()), status=status,
        tags={**(run.tags if tags is None else tags), PARTITION_TAG: run.period}))


def test_a_new_period_is_one_run_over_all_its_tables(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    for table in MONTHLY:
        deliver(tmp_path, table, "2025-01", "a\n")
        deliver(tmp_path, table, "2025-02", "a\n")

    runs = plan(instance, tmp_path)

    assert [(r.period, r.cadence, r.tables) for r in runs] == [
        ("2025-01", "monthly", sorted(MONTHLY)), ("2025-02", "monthly", sorted(MONTHLY))]


def test_a_corrected_file_reingests_only_its_table(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    for table in MONTHLY:
        deliver(tmp_path, table, "2025-01", "a\n")
    [first] = plan(instance, tmp_path)
    record(instance, first, dg.DagsterRunStatus.SUCCESS)
    assert plan(instance, tmp_path) == []

    deliver(tmp_path, "ca_worker", "2025-01", "a corrected extract\n", mtime_ns=1_800_000_000_000_000_000)
    [again] = plan(instance, tmp_path)

    assert (again.period, again.tables) == ("2025-01", ["ca_worker"])
    record(instance, again, dg.DagsterRunStatus.SUCCESS)
    assert plan(instance, tmp_path) == []


def test_tables_of_a_failed_run_are_planned_again(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    for table in MONTHLY:
        deliver(tmp_path, table, "2025-01", "a\n")
    [first] = plan(instance, tmp_path)
    record(instance, first, dg.DagsterRunStatus.FAILURE)

    [again] = plan(instance, tmp_path)

    assert again.tables == sorted(MONTHLY)


def test_runs_of_another_partition_do_not_count(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    deliver(tmp_path, "ps_case", "2025-01", "a\n")
    [january] = plan(instance, tmp_path)
    # the same tags on a run of another month: only the partition's own runs say what it has seen
    instance.add_run(dg.DagsterRun(job_name=january.job_name, run_id=str(uuid.uuid4()),
                                   status=dg.DagsterRunStatus.SUCCESS,
                                   tags={**january.tags, PARTITION_TAG: "2025-02"}))

    assert [r.tables for r in plan(instance, tmp_path)] == [["ps_case"]]


def test_a_period_loaded_under_the_whole_period_key_is_not_reloaded(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    for table in MONTHLY:
        deliver(tmp_path, table, "2025-01", "a\n")
    [first] = plan(instance, tmp_path)
    record(instance, first, dg.DagsterRunStatus.SUCCESS, tags={RUN_KEY_TAG: first.tags[RUN_KEY_TAG]})

    assert plan(instance, tmp_path) == []


def test_monthly_tables_run_before_the_quarterly_ones_of_the_same_month(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    deliver(tmp_path, "ps_resident", "2025-03", "a\n")
    deliver(tmp_path, "ss_insurance", "2025-03", "a\n")
    deliver(tmp_path, "ps_case", "2025-03", "a\n")

    runs = plan(instance, tmp_path)

    assert [(r.job_name, r.tables) for r in runs] == [
        ("ingest_monthly_job", ["ps_case"]), ("ingest_quarterly_job", ["ps_resident", "ss_insurance"])]
    assert {k for k in runs[1].tags if k != RUN_KEY_TAG} == {
        "govwh/ingested/ps_resident", "govwh/ingested/ss_insurance"}
