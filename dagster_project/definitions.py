"""The code location: every asset, check, job, schedule, sensor and resource, assembled. No logic here."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.ingest.assets import inbox_receipts, ingest_assets, ingest_key
from dagster_project.ingest.sensors import inbox_sensor
from dagster_project.lib.contract import load_contract
from dagster_project.ingest.jobs import ingest_monthly_job, ingest_quarterly_job, receipts_job
from dagster_project.partitions import partitions_for
from dagster_project.quality.assets import build_gx_asset_check
from dagster_project.reporting.assets import PUBLISHED_MARTS, build_publication_assets
from dagster_project.transform.assets import dbt_resource, govwh_dbt_models

contract = load_contract()

ingest = ingest_assets()
gx_checks = [build_gx_asset_check(t.name, ingest_key(t.name), partitions_for(t)) for t in contract.tables.values()]
mart_keys = [get_asset_key_for_model([govwh_dbt_models], name) for name in PUBLISHED_MARTS]
reporting_snapshot, annual_report, safety_report, audit_report = build_publication_assets(mart_keys)

model_job = dg.define_asset_job(
    "model_job", selection=dg.AssetSelection.assets(govwh_dbt_models, reporting_snapshot),
    description="Build and test the dbt models, then publish the read-only reporting snapshot.")
annual_report_job = dg.define_asset_job(
    "annual_report_job", selection=dg.AssetSelection.assets(annual_report),
    description="Render the annual community-governance research reports for one year.")
safety_report_job = dg.define_asset_job(
    "safety_report_job", selection=dg.AssetSelection.assets(safety_report),
    description="Render the quarterly public-safety analyses (city and districts) for one quarter.")
audit_report_job = dg.define_asset_job(
    "audit_report_job", selection=dg.AssetSelection.assets(audit_report),
    description="Render the monthly data-quality audit report for auditors.")



@dg.schedule(job=annual_report_job, cron_schedule="0 6 15 1 *", name="annual_report_schedule",
             description="Each 15 January, once December's extracts are in: the previous year's reports.")
def annual_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    year = str(context.scheduled_execution_time.year - 1)
    return dg.RunRequest(run_key=f"annual-{year}", partition_key=year)


@dg.schedule(job=safety_report_job, cron_schedule="0 6 20 1,4,7,10 *", name="safety_report_schedule",
             description="On the 20th of the month after a quarter, once its extracts are in: that quarter's "
                         "public-safety analyses (the partition key is the quarter's last month).")
def safety_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = context.scheduled_execution_time
    year, month = (when.year, when.month - 1) if when.month > 1 else (when.year - 1, 12)
    return dg.RunRequest(run_key=f"safety-{year}-{month:02d}", partition_key=f"{year}-{month:02d}")


@dg.schedule(job=audit_report_job, cron_schedule="0 7 10 * *", name="audit_report_schedule",
             description="On the 10th of each month: the previous month's data-quality audit report.")
def audit_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = context.scheduled_execution_time
    year, month = (when.year, when.month - 1) if when.month > 1 else (when.year - 1, 12)
    return dg.RunRequest(run_key=f"audit-{year}-{month:02d}", partition_key=f"{year}-{month:02d}")

defs = dg.Definitions(
    assets=[*ingest, inbox_receipts, govwh_dbt_models, reporting_snapshot, annual_report, safety_report,
            audit_report],
    asset_checks=gx_checks,
    jobs=[ingest_monthly_job, ingest_quarterly_job, receipts_job, model_job, annual_report_job,
          safety_report_job, audit_report_job],
    schedules=[annual_report_schedule, safety_report_schedule, audit_report_schedule],
    sensors=[inbox_sensor],
    resources={"dbt": dbt_resource()},
    executor=dg.in_process_executor,
)
