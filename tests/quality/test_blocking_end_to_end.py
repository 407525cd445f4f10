"""Blocking end to end: a halved extract fails an error-severity expectation and stops models and reports.

A clean March is loaded, validated, modelled and reported; then April arrives with half of
ca_election's rows. Its suite's row count against March fails at error severity, so the run stops
before dbt and the reports: no new PDF, March's reports untouched, and Dagster shows the failed check
and why. Four tables are enough for the annual report and keep the two runs short; every suite on
every table is run on clean generated data in test_generated_data.py.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.settings import Settings
from dagster_project.quality import data_docs
from dagster_project.runner import PipelineResult, run_pipeline
from dagster_project.status import print_status
from sources.generator import generate
from tests.conftest import TEST_PII_KEY

CLEAN_PERIOD, BAD_PERIOD = "2025-03", "2025-04"
TABLES = ["ca_division", "ca_community", "ca_election", "ps_resident"]
HALVED = ("civil_affairs", "ca_election.csv")
ROW_COUNT_CHANGE = "expect_table_row_count_to_be_between[vs_previous_delivery]"


@dataclass
class Runs:
    settings: Settings
    clean: PipelineResult
    blocked: PipelineResult
    blocked_progress: list[str]
    reports_before: dict[Path, tuple[bytes, int]]
    snapshot_before: int
    # Data Docs index builds during each pipeline run, and the ingest runs (with checks) it launched.
    index_builds: list[int]
    ingest_runs: list[int]


def deliver(generated: Path, inbox: Path, period: str) -> None:
    for folder in generated.glob(f"*/{period}"):
        shutil.copytree(folder, inbox / folder.parent.name / period)


def halve(csv: Path) -> int:
    """Keep the header and the first half of the data lines; returns the data lines kept."""
    lines = csv.read_bytes().splitlines(keepends=True)
    header, data = lines[0], lines[1:]
    kept = data[: len(data) // 2]
    csv.write_bytes(header + b"".join(kept))
    return len(kept)


def reports(settings: Settings) -> dict[Path, tuple[bytes, int]]:
    """Every PDF published so far: officials' reports and the auditors' data-quality reports."""
    pdfs = [*settings.reports_dir.rglob("*.pdf"), *(settings.audit_dir / "reports").rglob("*.pdf")]
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pdfs}


def ingest_run_count() -> int:
    runs = dg.DagsterInstance.get().get_runs()
    return sum(run.job_name.startswith("ingest_") for run in runs)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("blocking")
    env = {"GOVWH_HOME": str(root / "home"), "GOVWH_INBOX": str(root / "inbox"),
           "GOVWH_PII_KEY": TEST_PII_KEY, "DAGSTER_HOME": str(root / "home" / "dagster")}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings = Settings.from_env()
        builds: list[Path] = []
        real_build = data_docs.build_index
        patch.setattr(data_docs, "build_index", lambda docs: builds.append(docs) or real_build(docs))
        generated = root / "generated"
        generate(generated, scale="tiny", start=CLEAN_PERIOD, months=2, seed=1, tables=TABLES)

        deliver(generated, settings.inbox, CLEAN_PERIOD)
        clean = run_pipeline(settings, progress=lambda line: None)
        index_builds, ingest_runs = [len(builds)], [ingest_run_count()]
        reports_before = reports(settings)
        snapshot_before = settings.snapshot_path.stat().st_mtime_ns

        deliver(generated, settings.inbox, BAD_PERIOD)
        assert halve(settings.inbox.joinpath(HALVED[0], BAD_PERIOD, HALVED[1])) == 6
        progress: list[str] = []
        blocked = run_pipeline(settings, progress=progress.append)
        index_builds.append(len(builds) - index_builds[0])
        ingest_runs.append(ingest_run_count() - ingest_runs[0])
        yield Runs(settings, clean, blocked, progress, reports_before, snapshot_before, index_builds,
                   ingest_runs)


def test_clean_month_passes_every_suite_and_is_reported(runs: Runs) -> None:
    assert runs.clean.ok, (runs.clean.blocked, runs.clean.failed_runs)
    assert runs.clean.pdfs and set(runs.clean.pdfs) == set(runs.reports_before)
    con = duckdb.connect(str(runs.settings.warehouse_path), read_only=True)
    try:
        suites, failed = con.execute(
            "select count(distinct suite), count(*) filter (where not success) "
            "from audit.validation_results where period = ?", [CLEAN_PERIOD]).fetchone()
    finally:
        con.close()
    assert (suites, failed) == (len(TABLES), 0)


def test_halved_extract_stops_models_and_reports(runs: Runs) -> None:
    assert runs.blocked.blocked == [f"{BAD_PERIOD} raw/ca_election: gx_suite failed"]
    assert not runs.blocked.ok and runs.blocked.pdfs == []
    assert "✗ models and reports not built: fix the failed data and run again" in runs.blocked_progress
    assert reports(runs.settings) == runs.reports_before  # no new PDF, the previous ones byte for byte
    assert runs.settings.snapshot_path.stat().st_mtime_ns == runs.snapshot_before


def test_dagster_shows_the_failed_check_and_why(runs: Runs) -> None:
    instance = dg.DagsterInstance.get()  # the instance under the run's DAGSTER_HOME, as the UI reads it
    key = dg.AssetCheckKey(dg.AssetKey(["raw", "ca_election"]), "gx_suite")
    [record] = [r for r in instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
                if r.partition == BAD_PERIOD]
    evaluation = record.evaluation
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.ERROR
    [failure] = evaluation.metadata["failed_expectations"].value
    assert failure == {"expectation": ROW_COUNT_CHANGE, "severity": "error",
                       "observed": f"6 rows; previous delivery {CLEAN_PERIOD}: 12 rows"}
    page = Path(urlparse(evaluation.metadata["data_docs"].value).path)
    assert page.is_file() and "blocked" in page.read_text(encoding="utf-8")
    index = Path(urlparse(evaluation.metadata["data_docs_index"].value).path)
    assert index == runs.settings.audit_dir / "data_docs" / "index.html"
    assert page.relative_to(index.parent).as_posix() in index.read_text(encoding="utf-8")


def test_data_docs_index_is_built_once_per_run_not_per_check(runs: Runs) -> None:
    # March: one run of the monthly tables and one of the quarterly; April: the monthly ones only.
    assert runs.ingest_runs == [2, 1]
    assert runs.index_builds == runs.ingest_runs
    con = duckdb.connect(str(runs.settings.warehouse_path), read_only=True)
    try:
        checks = con.execute("select count(distinct (run_id, suite, period)) from audit.validation_results"
                             ).fetchone()[0]
    finally:
        con.close()
    assert checks == len(TABLES) + 3 > sum(runs.index_builds)  # a page per check, an index per run


def test_audit_trail_and_data_docs_record_the_failure(
    runs: Runs, capsys: pytest.CaptureFixture[str]
) -> None:
    con = duckdb.connect(str(runs.settings.warehouse_path), read_only=True)
    try:
        failed = con.execute(
            "select suite, expectation, severity, observed from audit.validation_results "
            "where period = ? and not success", [BAD_PERIOD]).fetchall()
        steady = con.execute(
            "select observed from audit.validation_results where period = ? and suite = 'ca_community' "
            "and expectation = ?", [BAD_PERIOD, ROW_COUNT_CHANGE]).fetchall()
    finally:
        con.close()
    halved = f"6 rows; previous delivery {CLEAN_PERIOD}: 12 rows"
    assert failed == [("ca_election", ROW_COUNT_CHANGE, "error", halved)]
    assert steady == [(f"12 rows; previous delivery {CLEAN_PERIOD}: 12 rows",)]  # the untouched extract

    assert print_status(runs.settings, BAD_PERIOD) == 0
    index = runs.settings.audit_dir / "data_docs" / "index.html"
    assert f"Data Docs: {index}" in capsys.readouterr().out
    assert "ca_election" in index.read_text(encoding="utf-8")
