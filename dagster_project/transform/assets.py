"""The dbt models as Dagster assets, downstream of the ingest assets that load raw.<table>.

The models are partitioned by month, and a backfill of any range of months is one run (a single-run
backfill policy) whose first and last month reach dbt as the environment variables GOVWH_PERIOD_FROM /
GOVWH_PERIOD_TO (dbt/macros/build_window.sql): the snapshot models of people replace the months from the
window on, the published cell marts the periods those months can have changed, and both keep the rest.
A run over every partition, or one with run config full_rebuild, rebuilds everything as from scratch.

dbt's fixed cost is mostly parsing. dbt keeps a parse (partial_parse.msgpack) in its target folder and
discards it when the command-line vars or the connection change, so each home gets one target folder of
its own, reused run after run, and the window goes through the environment: dbt then re-parses only the
few files that read it.

Every run names its months: Dagster cannot run these assets without a partition once their partitioned
upstream assets have been materialised (it resolves the upstream partitions of the run's partitions), so
a full rebuild is a backfill of every partition, or - what `govwh run` does for a first build - a run
over the months delivered with full_rebuild set. dbt tests are asset checks; those of error severity block
what is downstream.
"""

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
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


def dbt_window_env(window: BuildWindow) -> dict[str, str]:
    """The window as the environment dbt/macros/build_window.sql reads (`dbt build --vars` by hand does
    the same); both set, empty for everything, so that a full build does not inherit a window's months."""
    return {"GOVWH_PERIOD_FROM": window.period_from, "GOVWH_PERIOD_TO": window.period_to}


def dbt_target_path(settings: Settings) -> Path:
    """The dbt target folder of a home, kept between runs so that dbt's saved parse of the previous run
    (made with this home's warehouse path) is reused; a run holds the warehouse lock, so one at a time."""
    return settings.home / "dbt_target"


def partition_range(context: dg.AssetExecutionContext) -> dg.PartitionKeyRange | None:
    """The run's months: one partition, a range (a single-run backfill), or None when unpartitioned."""
    if context.has_partition_key or context.has_partition_key_range:
        return context.partition_key_range
    return None


@contextlib.contextmanager
def dbt_environment(settings: Settings, window: BuildWindow) -> Iterator[None]:
    """GOVWH_HOME as an absolute path while dbt starts (dbt resolves a relative one against its own
    working directory, the dbt project, not ours), and the run's window."""
    values = {"GOVWH_HOME": str(settings.home), **dbt_window_env(window)}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    with Warehouse(settings.warehouse_path).write_lock(), dbt_environment(settings, window):
        yield from dbt.cli(["build"], context=context, target_path=dbt_target_path(settings)).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=govwh_dbt_project, dbt_executable=str(dbt_executable()))
