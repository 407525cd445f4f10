"""Ingestion jobs: one per partitions definition (a run holds assets of one partitioning only)."""

import dagster as dg

from dagster_project.ingest.assets import RECEIPTS_KEY, ingest_key
from dagster_project.lib.contract import load_contract
from dagster_project.partitions import monthly_partitions, quarterly_partitions


def _ingest_selection(cadence: str) -> dg.AssetSelection:
    tables = load_contract().tables.values()
    return dg.AssetSelection.assets(*[ingest_key(t.name) for t in tables if t.cadence == cadence])


ingest_monthly_job = dg.define_asset_job(
    "ingest_monthly_job", selection=_ingest_selection("monthly"), partitions_def=monthly_partitions,
    description="Load and validate the monthly extracts of one month.")
ingest_quarterly_job = dg.define_asset_job(
    "ingest_quarterly_job", selection=_ingest_selection("quarterly"), partitions_def=quarterly_partitions,
    description="Load and validate the quarterly extracts delivered in one quarter-end month.")
receipts_job = dg.define_asset_job(
    "receipts_job", selection=dg.AssetSelection.assets(RECEIPTS_KEY),
    description="Record refused deliveries and batch manifests.")

INGEST_JOBS = {"monthly": ingest_monthly_job, "quarterly": ingest_quarterly_job}
