"""The dbt models as Dagster assets, downstream of the ingest assets that load raw.<table>.

One run builds and tests every model. A run may name a window of months (run config period_from /
period_to, passed to dbt as vars): the upstream models are still recomputed whole - cheap on DuckDB, and
the only way to be right about events re-sent in later files - but the published cell marts replace just
the periods those months can have changed and keep the rest. Without a window - the headless model_job
after ingestion - everything is rebuilt. dbt tests are asset checks; those of error severity block what
is downstream.
"""

import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from pydantic import field_validator

from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse
from dagster_project.transform.project import dbt_executable, ensure_manifest, govwh_dbt_project

WAREHOUSE_POOL = "warehouse_writer"
TRANSFORM_GROUP = "transform"

# The ledger is written in the same transaction as each file's raw rows, so a model's dependency on
# raw/<table> already covers it; as an asset of its own it would only add a node nothing materialises.
LEDGER_KEY = dg.AssetKey(["audit", "load_ledger"])


class GovwhDbtTranslator(DagsterDbtTranslator):
    """dbt sources become the ingest assets' keys (raw/<table>); models form the transform group; tests
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
        deps = [dep for dep in spec.deps if dep.asset_key != LEDGER_KEY]
        return spec if len(deps) == len(spec.deps) else spec.replace_attributes(deps=deps)

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


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class DbtBuildConfig(dg.Config):
    """The months whose files changed, 'YYYY-MM' (either may be left empty for an open end); both empty
    rebuilds everything."""

    period_from: str = ""
    period_to: str = ""

    @field_validator("period_from", "period_to")
    @classmethod
    def _is_a_month(cls, value: str) -> str:
        if value and not MONTH.match(value):
            raise ValueError(f"{value!r} is not a month 'YYYY-MM'")
        return value


def dbt_build_args(config: DbtBuildConfig) -> list[str]:
    """`dbt build`, with the window of months as vars when there is one."""
    if not (config.period_from or config.period_to):
        return ["build"]
    return ["build", "--vars", json.dumps({"period_from": config.period_from, "period_to": config.period_to})]


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
    pool=WAREHOUSE_POOL,
)
def govwh_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    settings = Settings.from_env()
    # DuckDB has one writer per file: dbt waits for the warehouse lock like every other writer.
    with Warehouse(settings.warehouse_path).write_lock(), govwh_home_for_dbt(settings):
        yield from dbt.cli(dbt_build_args(config), context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=govwh_dbt_project, dbt_executable=str(dbt_executable()))
