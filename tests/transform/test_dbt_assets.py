"""The dbt models as Dagster assets: keys tied to the ingest assets, and a build run through Dagster."""

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.contract import load_contract
from dagster_project.transform.assets import dbt_resource, govwh_dbt_models
from dagster_project.transform.project import govwh_dbt_project, manifest_is_current

from .dataset import build_dataset, write_warehouse

STAGED_TABLES = ("ca_division", "ca_community", "ps_resident", "ss_insurance")


def upstream_keys() -> set[dg.AssetKey]:
    return {dep.asset_key for spec in govwh_dbt_models.specs for dep in spec.deps} - set(govwh_dbt_models.keys)


def test_manifest_is_in_place() -> None:
    assert govwh_dbt_project.manifest_path.exists()


def test_models_depend_on_the_ingest_assets_and_nothing_else() -> None:
    assert upstream_keys() == {dg.AssetKey(["raw", table]) for table in STAGED_TABLES}
    assert set(STAGED_TABLES) <= set(load_contract().tables)


def test_models_form_the_transform_group() -> None:
    assert {spec.group_name for spec in govwh_dbt_models.specs} == {"transform"}
    assert {
        dg.AssetKey(["marts", "fct_indicator_values"]),
        dg.AssetKey(["marts", "dim_area"]),
        dg.AssetKey(["marts", "dim_indicator"]),
    } <= set(govwh_dbt_models.keys)


def test_materialising_a_model_builds_it_in_the_warehouse_under_govwh_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = build_dataset()
    write_warehouse(tmp_path, dataset)
    monkeypatch.setenv("GOVWH_HOME", str(tmp_path))
    residents = dg.AssetKey(["staging", "stg_public_security__residents"])
    result = dg.materialize([govwh_dbt_models], selection=[residents], resources={"dbt": dbt_resource()})
    assert result.success
    assert (tmp_path / "warehouse.lock").exists()  # dbt ran under the warehouse writer lock
    assert [m.asset_key for m in result.get_asset_materialization_events()] == [residents]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        staged = con.execute("select count(*) from staging.stg_public_security__residents").fetchone()[0]
    assert staged == sum(len(rows) for rows in dataset.residents.values())


def test_a_manifest_is_current_until_a_project_file_changes(tmp_path: Path) -> None:
    model = tmp_path / "models" / "staging" / "stg_example.sql"
    model.parent.mkdir(parents=True)
    model.write_text("select 1 as example")
    manifest = tmp_path / "target" / "manifest.json"
    assert not manifest_is_current(manifest, tmp_path)
    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, (1_000_000_000, 1_000_000_000))
    assert manifest_is_current(manifest, tmp_path)
    os.utime(model, (4_000_000_000, 4_000_000_000))
    assert not manifest_is_current(manifest, tmp_path)
