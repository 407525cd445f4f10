"""Headless runs of the asset graph, for the CLI: the same jobs the UI and the sensor launch.

Order: refused deliveries and manifests, then one ingest run per period and cadence over the tables whose
files are new or changed (the division master of a period first; a corrected file re-ingests its own table
only), then the dbt build and the snapshot, then the annual reports of every year touched, the quarterly
public-safety analyses of the complete quarters touched and the audit reports of the months touched.
A failed blocking check stops the model build and the reports: nothing downstream runs on failed data.

The dbt build is one run over the months whose files changed - the first to the last month touched, with
a quarterly delivery standing for the three months of its quarter - as a single-run backfill of those
partitions would be; a model build that failed is retried with its months added. The first build, or one
without a published snapshot, runs over every month delivered with full_rebuild: everything is rebuilt.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.ingest.service import PartitionWork, pending_partitions
from dagster_project.instance import ensure_dagster_home
from dagster_project.lib.contract import Contract, load_contract
from dagster_project.lib.settings import Settings
from dagster_project.partitions import months_of_delivery, monthly_partitions

RUN_KEY_TAG = "govwh/run_key"
# One tag per table an ingest run loads, valued with the digest of that table's files as the run saw them:
# a later run skips every table whose files are in a state a successful run of the partition already saw.
INGESTED_TAG_PREFIX = "govwh/ingested/"
# The tags a single-run backfill of a partition range puts on its run (and a run of one partition).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
MODEL_JOB = "model_job"
MODEL_STEP = "govwh_dbt_models"  # the op of the dbt assets, for their run config
# The CLI prints its own progress lines; Dagster's event log stays in the instance (and the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class PipelineResult:
    ingested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    # The model build this run launched: "" none, "all" every period, or "YYYY-MM..YYYY-MM" its months.
    model_build: str = ""

    @property
    def ok(self) -> bool:
        return not self.blocked and not self.failed_runs


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _blocking_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    failures = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failures.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name} failed")
    return failures


@dataclass(frozen=True)
class IngestRun:
    """One ingest job run: the tables of one period and cadence whose files are new or changed."""

    period: str
    cadence: str
    items: tuple[PartitionWork, ...]

    @property
    def job_name(self) -> str:
        return f"ingest_{self.cadence}_job"

    @property
    def tables(self) -> list[str]:
        return sorted(i.table for i in self.items)

    @property
    def tags(self) -> dict[str, str]:
        tags = {RUN_KEY_TAG: _digest("||".join(sorted(i.run_key for i in self.items)))}
        tags.update({INGESTED_TAG_PREFIX + i.table: _digest(i.run_key) for i in self.items})
        return tags


def _ingested_states(instance: dg.DagsterInstance, job_name: str, period: str) -> set[tuple[str, str]]:
    """(tag, value) pairs of the successful runs of `job_name` over the partition `period`."""
    records = instance.get_run_records(filters=dg.RunsFilter(
        job_name=job_name, tags={PARTITION_TAG: period}, statuses=[dg.DagsterRunStatus.SUCCESS]))
    return {(k, v) for r in records for k, v in r.dagster_run.tags.items()
            if k == RUN_KEY_TAG or k.startswith(INGESTED_TAG_PREFIX)}


def plan_ingest_runs(instance: dg.DagsterInstance, work: list[PartitionWork], contract: Contract) -> list[IngestRun]:
    """The ingest runs still to launch: per period and cadence, the tables whose files changed.

    One run per period and cadence, as a backfill would launch it, months before the quarterly run of
    the same month. A table is left out when a successful run of its partition already saw its files
    in the same state (path, size, mtime), so a corrected file of one table re-ingests that table only.
    A period loaded before runs carried per-table tags is recognised by the key of all its tables.
    """
    groups: dict[tuple[str, str], list[PartitionWork]] = {}
    for item in work:
        groups.setdefault((item.period, contract.tables[item.table].cadence), []).append(item)
    runs = []
    for (period, cadence), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != "monthly")):
        whole = IngestRun(period, cadence, tuple(items))
        seen = _ingested_states(instance, whole.job_name, period)
        if (RUN_KEY_TAG, whole.tags[RUN_KEY_TAG]) in seen:
            continue
        changed = tuple(i for i in items if (INGESTED_TAG_PREFIX + i.table, _digest(i.run_key)) not in seen)
        if changed:
            runs.append(IngestRun(period, cadence, changed))
    return runs


@dataclass(frozen=True)
class ModelBuild:
    """A model_job run over the months first..last; with full_rebuild every period is republished."""

    months: tuple[str, str]
    full_rebuild: bool = False

    @property
    def tags(self) -> dict[str, str]:
        return {PARTITION_RANGE_START_TAG: self.months[0], PARTITION_RANGE_END_TAG: self.months[1]}

    @property
    def run_config(self) -> dict:
        return {**QUIET, "ops": {MODEL_STEP: {"config": {"full_rebuild": self.full_rebuild}}}}

    @property
    def label(self) -> str:
        return "all" if self.full_rebuild else f"{self.months[0]}..{self.months[1]}"


def _run_build(run: dg.DagsterRun) -> ModelBuild | None:
    """What a model_job run was launched for (None: no months on it)."""
    tags = run.tags
    full = bool(run.run_config.get("ops", {}).get(MODEL_STEP, {}).get("config", {}).get("full_rebuild"))
    if PARTITION_RANGE_START_TAG in tags and PARTITION_RANGE_END_TAG in tags:
        return ModelBuild((tags[PARTITION_RANGE_START_TAG], tags[PARTITION_RANGE_END_TAG]), full)
    if PARTITION_TAG in tags:
        return ModelBuild((tags[PARTITION_TAG], tags[PARTITION_TAG]), full)
    return None


def plan_model_build(instance: dg.DagsterInstance, snapshot_exists: bool, touched_months: set[str],
                     delivered_months: set[str]) -> ModelBuild | None:
    """What model_job has to rebuild after ingesting `touched_months`, or None when nothing.

    Everything (over every month delivered) when nothing was published yet; otherwise the first to the
    last touched month, widened by the previous model build when that one did not succeed.
    """
    months = set(touched_months)
    full = not snapshot_exists or not instance.get_run_records(
        filters=dg.RunsFilter(job_name=MODEL_JOB, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1)
    latest = instance.get_run_records(filters=dg.RunsFilter(job_name=MODEL_JOB), limit=1)
    if latest and latest[0].dagster_run.status != dg.DagsterRunStatus.SUCCESS:
        previous = _run_build(latest[0].dagster_run)
        full = full or previous is None or previous.full_rebuild
        if previous is not None:
            months.update(previous.months)
    if full:
        months |= delivered_months
    if not months:
        return None
    first, last = monthly_partitions.get_first_partition_key(), monthly_partitions.get_last_partition_key()
    return ModelBuild((max(min(months), first), min(max(months), last)), full)


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
    touched_months: set[str] = set()
    delivered_months = {m for w in work for m in months_of_delivery(w.period, contract.tables[w.table].cadence)}
    # The division master of a period is loaded first by whichever ingest step needs it.
    for planned in plan_ingest_runs(instance, work, contract):
        period, cadence, tables = planned.period, planned.cadence, planned.tables
        progress(f"· ingest {period}: {', '.join(tables)}")
        run = defs.resolve_job_def(planned.job_name).execute_in_process(
            instance=instance, partition_key=period, raise_on_error=False, run_config=QUIET,
            asset_selection=[dg.AssetKey(["raw", t]) for t in tables], tags=planned.tags)
        result.ingested.extend(f"{t} {period}" for t in tables)
        touched_months.update(months_of_delivery(period, cadence))
        blocked = _blocking_failures(run)
        result.blocked.extend(f"{period} {b}" for b in blocked)
        if not run.success and not blocked:
            result.failed_runs.append(f"ingest {period} {', '.join(tables)} (run {run.run_id})")

    if result.blocked or result.failed_runs:
        for line in result.blocked + result.failed_runs:
            progress(f"✗ {line}")
        progress("✗ models and reports not built: fix the failed data and run again")
        return result

    build = plan_model_build(instance, settings.snapshot_path.exists(), touched_months, delivered_months)
    if build is not None:
        scope = "every period" if build.full_rebuild else f"months {build.months[0]} to {build.months[1]}"
        progress(f"· dbt build ({scope}) and reporting snapshot")
        run = defs.resolve_job_def(MODEL_JOB).execute_in_process(instance=instance, raise_on_error=False,
                                                                 run_config=build.run_config, tags=build.tags)
        result.model_build = build.label
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
        _render_reports(defs, instance, "annual_report_job", year, result)

    # Then the quarterly public-safety analyses of the complete quarters touched (keyed by their last
    # month) and the audit reports of the months touched; a re-issue on changed data becomes a 修订版.
    from dagster_project.partitions import quarterly_partitions

    in_years = [m for m in sorted(touched_months) if years is None or m[:4] in years]
    for job_name, label, keys in (
        ("safety_report_job", "public-safety analyses",
         [m for m in in_years if m[5:] in ("03", "06", "09", "12") and quarterly_partitions.has_partition_key(m)]),
        ("audit_report_job", "data-quality audit report",
         [m for m in in_years if monthly_partitions.has_partition_key(m)]),
    ):
        for key in keys:
            progress(f"· {label} {key}")
            _render_reports(defs, instance, job_name, key, result)
    return result


def _render_reports(defs: dg.Definitions, instance: dg.DagsterInstance, job_name: str, partition_key: str,
                    result: PipelineResult) -> None:
    """One report job for one period; the PDFs it rendered (none for a period without data) join the result."""
    run = defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False, run_config=QUIET)
    if not run.success:
        result.failed_runs.append(f"{job_name} {partition_key} (run {run.run_id})")
        return
    for event in run.get_asset_materialization_events():
        pdfs = event.materialization.metadata.get("pdfs")
        if pdfs is not None:
            result.pdfs.extend(Path(p) for p in pdfs.value)
