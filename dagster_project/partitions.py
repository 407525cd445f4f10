"""Partitions of the asset graph: extract months, quarter-end months and report years.

Partition keys are the inbox's own period names, so a key is also the folder a delivery sits in
('2025-03' is both the March extract and the first-quarter delivery of a quarterly table).
"""

import os
import warnings

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

# A month depends on the quarterly delivery of its own quarter. A quarterly key is the quarter-end month,
# but its time window starts there (2025-03 spans March to May), so each month is shifted two months
# forward before the overlap is taken: 2025-01, 2025-02 and 2025-03 all map to delivery 2025-03, and
# delivery 2025-03 maps back to exactly those three months. The current quarter's delivery does not exist
# until its last month, hence allow_nonexistent_upstream_partitions.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # allow_nonexistent_upstream_partitions is a beta parameter
    QUARTER_DELIVERY_TO_MONTHS = dg.TimeWindowPartitionMapping(
        start_offset=2, end_offset=2, allow_nonexistent_upstream_partitions=True)


def partitions_for(table: Table) -> dg.TimeWindowPartitionsDefinition:
    return monthly_partitions if table.cadence == "monthly" else quarterly_partitions


def months_of_delivery(period: str, cadence: str) -> list[str]:
    """The months a delivery of `cadence` in folder `period` covers, as monthly partition keys."""
    if cadence == "monthly":
        return [period]
    delivered = quarterly_partitions.empty_subset().with_partition_keys([period])
    months = QUARTER_DELIVERY_TO_MONTHS.get_downstream_partitions_for_partitions(
        delivered, quarterly_partitions, monthly_partitions)
    return sorted(months.get_partition_keys())
