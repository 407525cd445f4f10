"""The GX suites as Dagster asset checks: one blocking check per ingest asset and partition.

Partitioned asset checks are a preview feature of Dagster 1.13; they are what lets a check validate
exactly the partition just loaded, so the preview warning is acknowledged here rather than repeated
on every load of the code location.
"""

import warnings

import dagster as dg

from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse
from dagster_project.quality.checks import CHECK_NAME, to_check_result
from dagster_project.quality.data_docs import DataDocsRun, data_docs_site
from dagster_project.quality.gx_runner import record_outcome, validate_partition
from dagster_project.quality.suites import ERROR, suite_description

DATA_DOCS = "data_docs"


def build_gx_asset_check(table: str, asset_key: dg.AssetKey,
                         partitions_def: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _gx_check(table, asset_key, partitions_def)


def _gx_check(table: str, asset_key: dg.AssetKey,
              partitions_def: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key,
        name=CHECK_NAME,
        blocking=True,
        partitions_def=partitions_def,
        pool="warehouse_writer",
        required_resource_keys={DATA_DOCS},
        resource_defs={DATA_DOCS: data_docs_site},
        description=f"{suite_description(table)} Suite expectations/{table}.json; an error-severity "
                    "failure stops everything downstream.",
    )
    def _gx_suite(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = Settings.from_env()
        period = context.partition_key
        docs: DataDocsRun = getattr(context.resources, DATA_DOCS)
        with Warehouse(settings.warehouse_path).writer() as con:
            outcome = validate_partition(con, table, period, context.run.run_id)
            record_outcome(con, outcome)
        # This validation's page now; the index that lists it once the run is done.
        page = docs.publish(outcome)
        for failure in outcome.failures:
            log = context.log.error if failure.severity == ERROR else context.log.warning
            log(f"{table} {period}: {failure.expectation} failed ({failure.severity}): {failure.observed}")
        return to_check_result(outcome, asset_key, data_docs_url=page.as_uri(),
                               data_docs_index_url=docs.index.as_uri())

    return _gx_suite
