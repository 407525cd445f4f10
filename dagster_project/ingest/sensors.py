"""The inbox sensor: a run for every (table, period) whose files changed, one for refusals and manifests.

The sensor never opens the warehouse (the writer may hold it); it keys run requests by the files'
path, size and modification time, so each distinct delivery state is requested once and the loader
decides by content hash what is actually new.
"""

import hashlib

import dagster as dg

from dagster_project.ingest.assets import RECEIPTS_KEY, ingest_key
from dagster_project.ingest.jobs import INGEST_JOBS, receipts_job
from dagster_project.ingest.service import pending_partitions, receipts
from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dg.sensor(
    name="inbox_sensor",
    jobs=[*INGEST_JOBS.values(), receipts_job],
    minimum_interval_seconds=60,
    description="Watches GOVWH_INBOX for new or corrected departmental extracts.",
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    settings = Settings.from_env()
    contract = load_contract()
    requests = [
        dg.RunRequest(
            job_name=INGEST_JOBS[contract.tables[work.table].cadence].name,
            run_key=_digest(work.run_key),
            asset_selection=[ingest_key(work.table)],
            partition_key=work.period,
            tags={"govwh/table": work.table, "govwh/period": work.period},
        )
        for work in pending_partitions(settings.inbox, contract)
    ]
    other = receipts(settings.inbox, contract)
    if other:
        stamps = "|".join(f"{d.rel_path}:{d.path.lstat().st_mtime_ns}" for d in other)
        requests.append(dg.RunRequest(job_name=receipts_job.name, run_key=_digest("receipts|" + stamps),
                                      asset_selection=[RECEIPTS_KEY]))
    return dg.SensorResult(run_requests=requests)
