"""The dbt models as Dagster assets, downstream of the ingest assets that load raw.<table>.

The models are partitioned by month, and a backfill of any range of months is one run (a single-run
backfill policy) whose first and last month reach dbt as the vars period_from / period_to: the upstream
models are still recomputed whole - cheap on DuckDB, and the only way to be right about events re-sent
in later files - but the published cell marts replace just the periods those months can have changed and
keep the rest. A run over every partition, or one with run config full_rebuild, rebuilds everything.

Every run names its months: Dagster cannot run these assets without a partition once their partitioned
upstream assets have been materialised (it resolves the upstream partitions of the run's partitions), so
a full rebuild is a backfill of every partition, or - what `govwh run` does for a first build - a run
over the months delivered with full_rebuild set. dbt tests are asset checks; those of error severity block
what is downstream.
"""

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_project.lib.contract import load_contract
from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse
from dagster_project.partitions import QUARTER_DELIVERY_TO_MONTHS, monthly_partitions
from dagster_project.transform.project import dbt_executable, ensure_manifest, govwh_dbt_project

WAREHOUSE_POOL = "warehouse_writer"
TRANSFORM_GROUP = "transform"

# The ledger is written in the same transaction as each file's raw rows, so a model's dependency on
# raw/<table> already covers it; as an asset of its own it would only add a node nothing materialises.
LEDGER_KEY = dg.AssetKey(["audit", "load_ledger"])


def _quarterly_ingest_keys() -> frozenset[dg.AssetKey]:
    return frozenset(dg.AssetKey(["raw", t.name]) for t in load_contract().tables.values() if t.cadence == "quarterly")


class GovwhDbtTranslator(DagsterDbtTranslator):
    """dbt sources become the ingest assets' keys (raw/<table>); a month of the models depends on that
    month's monthly extracts and on its quarter's quarterly ones; models form the transform group; tests
    of error severity become blocking checks."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return TRANSFORM_GROUP

    def get_asset_spec(
        self,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        quarterly = _quarterly_ingest_keys()
        deps = [
            dg.AssetDep(dep.asset_key, partition_mapping=QUARTER_DELIVERY_TO_MONTHS)
            if dep.asset_key in quarterly else dep
            for dep in spec.deps if dep.asset_key != LEDGER_KEY
        ]
        return spec if deps == list(spec.deps) else spec.replace_attributes(deps=deps)

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        severity = str(manifest["nodes"][unique_id]["config"].get("severity", "error")).lower()
        return spec._replace(blocking=severity == "error")


@dataclass(frozen=True)
class BuildWindow:
    """The months a model run republishes, 'YYYY-MM'. Both empty: everything."""

    period_from: str = ""
    period_to: str = ""

    @property
    def is_full(self) -> bool:
        return not (self.period_from or self.period_to)


class DbtBuildConfig(dg.Config):
    """full_rebuild: republish every period, whichever months the run's partitions are (a first build, or
    a build after the models changed)."""

    full_rebuild: bool = False


def build_window(keys: dg.PartitionKeyRange | None, full_rebuild: bool = False,
                 partitions_def: dg.TimeWindowPartitionsDefinition = monthly_partitions) -> BuildWindow:
    """The window of a run over the partition range `keys`: its first and last month, or everything for
    a run over every partition, with full_rebuild, or without partitions."""
    if keys is None or full_rebuild:
        return BuildWindow()
    if (keys.start, keys.end) == (partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()):
        return BuildWindow()
    return BuildWindow(period_from=keys.start, period_to=keys.end)


def dbt_build_args(window: BuildWindow) -> list[str]:
    """`dbt build`, with the window of months as vars when there is one."""
    if window.is_full:
        return ["build"]
    return ["build", "--vars", json.dumps({"period_from": window.period_from, "period_to": window.period_to})]


def partition_range(context: dg.AssetExecutionContext) -> dg.PartitionKeyRange | None:
    """The run's months: one partition, a range (a single-run backfill), or None when unpartitioned."""
    if context.has_partition_key or context.has_partition_key_range:
        return context.partition_key_range
    return None


@contextlib.contextmanager
def govwh_home_for_dbt(settings: Settings) -> Iterator[None]:
    """GOVWH_HOME as an absolute path while dbt starts: dbt resolves a relative one against its own
    working directory (the dbt project), not ours."""
    previous = os.environ.get("GOVWH_HOME")
    os.environ["GOVWH_HOME"] = str(settings.home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("GOVWH_HOME", None)
        else:
            os.environ["GOVWH_HOME"] = previous


@dbt_assets(
    manifest=ensure_manifest(),
    project=govwh_dbt_project,
    dagster_dbt_translator=GovwhDbtTranslator(),
    name="govwh_dbt_models",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def govwh_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    settings = Settings.from_env()
    window = build_window(partition_range(context), config.full_rebuild)
    context.log.info("dbt build: every period" if window.is_full else
                     f"dbt build: months {window.period_from} to {window.period_to}")
    # DuckDB has one writer per file: dbt waits for the warehouse lock like every other writer.
    with Warehouse(settings.warehouse_path).write_lock(), govwh_home_for_dbt(settings):
        yield from dbt.cli(dbt_build_args(window), context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=govwh_dbt_project, dbt_executable=str(dbt_executable()))
