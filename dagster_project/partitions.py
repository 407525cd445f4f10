"""Partitions of the asset graph: extract months, quarter-end months and report years.

Partition keys are the inbox's own period names, so a key is also the folder a delivery sits in
('2025-03' is both the March extract and the first-quarter delivery of a quarterly table).
"""

import os

import dagster as dg

from dagster_project.lib.contract import Table

PARTITION_START = os.environ.get("GOVWH_PARTITION_START", "2024-01")

monthly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 * *", start=PARTITION_START, fmt="%Y-%m", end_offset=1
)
# Quarterly tables arrive in the folders of months 03, 06, 09 and 12; the key is that month.
quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 3,6,9,12 *", start=PARTITION_START, fmt="%Y-%m", end_offset=1
)
yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=PARTITION_START[:4], fmt="%Y", end_offset=1
)


def partitions_for(table: Table) -> dg.TimeWindowPartitionsDefinition:
    return monthly_partitions if table.cadence == "monthly" else quarterly_partitions
