"""Headless runs of the asset graph, for the CLI: the same jobs the UI and the sensor launch.

Order: refused deliveries and manifests, then one ingest run per (table, period) with new files (the division master
of a period first), then the dbt build and the snapshot, then the annual reports of every year touched.
A failed blocking check stops the model build and the reports: nothing downstream runs on failed data.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.ingest.service import pending_partitions
from dagster_project.instance import ensure_dagster_home
from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings

RUN_KEY_TAG = "govwh/run_key"
# The CLI prints its own progress lines; Dagster's event log stays in the instance (and the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class PipelineResult:
    ingested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blocked and not self.failed_runs


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _already_succeeded(instance: dg.DagsterInstance, run_key: str) -> bool:
    runs = instance.get_run_records(
        filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key}, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1)
    return bool(runs)


def _blocking_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    failures = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failures.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name} failed")
    return failures


def run_pipeline(settings: Settings, progress: Callable[[str], None] = print,
                 years: list[str] | None = None) -> PipelineResult:
    ensure_dagster_home(settings)
    from dagster_project import definitions  # heavy: dbt manifest, every asset

    defs = definitions.defs
    instance = dg.DagsterInstance.get()
    contract = load_contract()
    result = PipelineResult()

    progress("· recording refused deliveries and manifests")
    defs.resolve_job_def("receipts_job").execute_in_process(instance=instance, run_config=QUIET)

    work = pending_partitions(settings.inbox, contract)
    touched_years = sorted({w.period[:4] for w in work})
    # One run per period and cadence, as a backfill would launch it; the division master of a
    # period is loaded first by whichever ingest step needs it.
    groups: dict[tuple[str, str], list] = {}
    for item in work:
        groups.setdefault((item.period, contract.tables[item.table].cadence), []).append(item)
    for (period, cadence), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != "monthly")):
        run_key = _digest("||".join(sorted(i.run_key for i in items)))
        if _already_succeeded(instance, run_key):
            continue
        tables = sorted(i.table for i in items)
        job = defs.resolve_job_def(f"ingest_{cadence}_job")
        progress(f"· ingest {period}: {', '.join(tables)}")
        run = job.execute_in_process(
            instance=instance, partition_key=period, raise_on_error=False, run_config=QUIET,
            asset_selection=[dg.AssetKey(["raw", t]) for t in tables], tags={RUN_KEY_TAG: run_key})
        result.ingested.extend(f"{t} {period}" for t in tables)
        blocked = _blocking_failures(run)
        result.blocked.extend(f"{period} {b}" for b in blocked)
        if not run.success and not blocked:
            result.failed_runs.append(f"ingest {period} {', '.join(tables)} (run {run.run_id})")

    if result.blocked or result.failed_runs:
        for line in result.blocked + result.failed_runs:
            progress(f"✗ {line}")
        progress("✗ models and reports not built: fix the failed data and run again")
        return result

    snapshot_missing = not settings.snapshot_path.exists()
    if result.ingested or snapshot_missing:
        progress("· dbt build and reporting snapshot")
        run = defs.resolve_job_def("model_job").execute_in_process(instance=instance, raise_on_error=False,
                                                               run_config=QUIET)
        if not run.success:
            result.failed_runs.append(f"model_job (run {run.run_id})")
            progress("✗ the model build failed; see the run in the Dagster UI (govwh ui)")
            return result

    report_years = years if years is not None else touched_years
    for year in report_years:
        existing = sorted((settings.reports_dir / year).glob("*.pdf"))
        if existing and not result.ingested:
            result.pdfs.extend(existing)
            continue
        progress(f"· annual reports {year}")
        run = defs.resolve_job_def("annual_report_job").execute_in_process(
            instance=instance, partition_key=year, raise_on_error=False, run_config=QUIET)
        if not run.success:
            result.failed_runs.append(f"annual_report_job {year} (run {run.run_id})")
            continue
        for event in run.get_asset_materialization_events():
            pdfs = event.materialization.metadata.get("pdfs")
            if pdfs is not None:
                result.pdfs.extend(Path(p) for p in pdfs.value)
    return result
