"""The dbt models as Dagster assets: keys tied to the ingest assets, dbt tests as checks, monthly partitions
whose range reaches dbt as its window in one run, a run for a month after a corrected file that changes only
that month's rows, and a window build that gives what a build of everything gives."""

import math
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.contract import load_contract
from dagster_project.partitions import monthly_partitions, quarterly_partitions
from dagster_project.transform.assets import (
    BuildWindow,
    build_window,
    dbt_window_env,
    dbt_resource,
    govwh_dbt_models,
)
from dagster_project.transform.project import govwh_dbt_project, manifest_is_current
from tests.conftest import TEST_PII_KEY

from .conftest import BuiltWarehouse
from .dataset import C1, C2, File, write_files

PERIOD = "2024-05"
FCT = dg.AssetKey(["marts", "fct_indicator_values"])
SUPPRESSION = dg.AssetKey(["intermediate", "int_disclosure__suppressed_cells"])


def upstream_keys() -> set[dg.AssetKey]:
    return {dep.asset_key for spec in govwh_dbt_models.specs for dep in spec.deps} - set(govwh_dbt_models.keys)


def test_manifest_is_in_place() -> None:
    assert govwh_dbt_project.manifest_path.exists()


def test_models_depend_on_every_ingest_asset_and_nothing_else() -> None:
    assert upstream_keys() == {dg.AssetKey(["raw", table]) for table in load_contract().tables}


def test_models_form_the_transform_group() -> None:
    assert {spec.group_name for spec in govwh_dbt_models.specs} == {"transform"}
    assert {dg.AssetKey(["marts", name]) for name in (
        "fct_indicator_values", "fct_indicator_comparisons", "fct_suppression_log", "dim_area", "dim_indicator",
        "dim_indicator_standard")} <= set(govwh_dbt_models.keys)


def test_dbt_tests_are_asset_checks_and_errors_block() -> None:
    checks = {(spec.asset_key, spec.name): spec for spec in govwh_dbt_models.check_specs}
    for key, name in ((FCT, "assert_published_cells_pass_disclosure_control"),
                      (FCT, "assert_published_cells_follow_their_measures"),
                      (SUPPRESSION, "assert_no_suppressed_cell_is_recoverable")):
        assert checks[(key, name)].blocking, name
    warning = dg.AssetKey(["intermediate", "int_measures__community_periods"])
    assert not checks[(warning, "assert_measured_communities_are_in_the_hierarchy")].blocking


def test_models_are_monthly_partitions_backfilled_in_one_run() -> None:
    assert govwh_dbt_models.partitions_def == monthly_partitions
    assert govwh_dbt_models.backfill_policy == dg.BackfillPolicy.single_run()


def test_a_partition_range_reaches_dbt_as_its_window() -> None:
    window = build_window(dg.PartitionKeyRange("2024-03", "2024-06"))
    assert window == BuildWindow("2024-03", "2024-06")
    assert dbt_window_env(window) == {"GOVWH_PERIOD_FROM": "2024-03", "GOVWH_PERIOD_TO": "2024-06"}
    assert dbt_window_env(build_window(dg.PartitionKeyRange("2024-05", "2024-05"))) == {
        "GOVWH_PERIOD_FROM": "2024-05", "GOVWH_PERIOD_TO": "2024-05"}


def test_every_partition_or_a_full_rebuild_republishes_everything() -> None:
    first, last = monthly_partitions.get_first_partition_key(), monthly_partitions.get_last_partition_key()
    everything = {"GOVWH_PERIOD_FROM": "", "GOVWH_PERIOD_TO": ""}
    assert dbt_window_env(build_window(dg.PartitionKeyRange(first, last))) == everything
    assert dbt_window_env(build_window(dg.PartitionKeyRange("2025-01", "2025-03"), full_rebuild=True)) == everything
    assert build_window(dg.PartitionKeyRange(first, "2024-06")) == BuildWindow(first, "2024-06")


def test_a_month_depends_on_its_months_extracts_and_its_quarters_delivery() -> None:
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    residents = dg.AssetKey(["staging", "stg_public_security__residents"])
    quarterly = dg.AssetKey(["raw", "ps_resident"])
    monthly = dg.AssetKey(["raw", "ca_worker"])
    workers = next(key for key in govwh_dbt_models.keys
                   if any(dep.asset_key == monthly for dep in govwh_dbt_models.specs_by_key[key].deps))

    def upstream(child: dg.AssetKey, parent: dg.AssetKey, month: str) -> list[str]:
        mapping = graph.get_partition_mapping(child, parent)
        subset = monthly_partitions.empty_subset().with_partition_keys([month])
        parent_def = graph.get(parent).partitions_def
        mapped = mapping.get_upstream_mapped_partitions_result_for_partitions(subset, monthly_partitions, parent_def)
        return sorted(mapped.partitions_subset.get_partition_keys())

    for month in ("2025-01", "2025-02", "2025-03"):
        assert upstream(residents, quarterly, month) == ["2025-03"]
        assert upstream(workers, monthly, month) == [month]
    assert upstream(residents, quarterly, "2025-04") == ["2025-06"]
    mapping = graph.get_partition_mapping(residents, quarterly)
    delivered = quarterly_partitions.empty_subset().with_partition_keys(["2025-12"])
    months = mapping.get_downstream_partitions_for_partitions(delivered, quarterly_partitions, monthly_partitions)
    assert sorted(months.get_partition_keys()) == ["2025-10", "2025-11", "2025-12"]


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


def published(warehouse: Path) -> dict[tuple[str, str, str], tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select indicator_code, area_code, period, value, numerator, denominator, unit, suppressed "
                           "from marts.fct_indicator_values").fetchall()
    return {r[:3]: r[3:] for r in rows}


def same(cell: tuple, other: tuple) -> bool:
    """Equal, numbers to a relative 1e-9 (published figures are rounded, not exact)."""
    return all(
        math.isclose(a, b, rel_tol=1e-9) if isinstance(a, float) and isinstance(b, float) else a == b
        for a, b in zip(cell, other, strict=True)
    )


def correct_roster(warehouse: Path, built: BuiltWarehouse) -> None:
    """The May roster again with the pay of C1 and C2 corrected upwards, superseding the first one."""
    first = next(f for f in built.dataset.files if f.table == "ca_worker" and f.period == PERIOD)
    rows = tuple({**row, "monthly_pay_yuan": row["monthly_pay_yuan"] + 250.0} if row["community_code"] in (C1, C2)
                 else row for row in first.rows)
    corrected = File("ca_worker", PERIOD, rows, suffix="-corrected")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update audit.load_ledger set status = 'SUPERSEDED', superseded_by = ? where file_id = ?",
                    [corrected.file_id, first.file_id])
        write_files(con, [corrected])


def supersede_roster(warehouse: Path, built: BuiltWarehouse) -> None:
    """correct_roster, and a mark on a 2023 cell, which a run for May must leave alone."""
    correct_roster(warehouse, built)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.fct_indicator_values set unit = 'untouched' "
                    "where indicator_code = 'A01' and period = '2023-06'")


@pytest.fixture
def month_run(built: BuiltWarehouse, monkeypatch: pytest.MonkeyPatch):
    """A copy of the built warehouse with May's roster superseded, and the models materialised for May."""
    before = published(built.data_dir / "warehouse.duckdb")
    rebuilt = built.copy_to(built.data_dir.parent / "build-month")
    try:
        supersede_roster(rebuilt.data_dir / "warehouse.duckdb", built)
        (rebuilt.data_dir / "warehouse.lock").unlink(missing_ok=True)
        monkeypatch.setenv("GOVWH_HOME", str(rebuilt.data_dir))
        monkeypatch.setenv("GOVWH_PII_KEY", TEST_PII_KEY)
        result = dg.materialize([govwh_dbt_models], resources={"dbt": dbt_resource()}, raise_on_error=False,
                                partition_key=PERIOD)
    finally:
        built.home.unlink()
        built.home.symlink_to(built.data_dir, target_is_directory=True)
    return result, before, published(rebuilt.data_dir / "warehouse.duckdb"), rebuilt.data_dir


def test_a_run_for_a_month_after_a_corrected_file_changes_only_that_months_rows(month_run) -> None:
    result, before, after, data_dir = month_run
    assert result.success
    assert (data_dir / "warehouse.lock").exists()  # dbt ran under the warehouse writer lock
    assert {e.partition for e in result.get_asset_materialization_events()} == {PERIOD}
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations if e.severity == dg.AssetCheckSeverity.ERROR)
    assert set(after) == set(before)
    changed = {key for key in before if not same(before[key], after[key])}
    # The 2023 cells were not republished (the mark stays); of 2024, pay enters average pay (B19) and pay
    # against the minimum wage (B21) of May only - May is not the last month of its quarter or year.
    assert {key for key in changed if key[2].startswith("2023")} == {
        key for key in before if key[0] == "A01" and key[2] == "2023-06"}
    assert {key for key in changed if not key[2].startswith("2023")}
    assert {period for _, _, period in changed if not period.startswith("2023")} == {PERIOD}
    assert {code for code, _, period in changed if not period.startswith("2023")} == {"B19", "B21"}


# Every table a window run replaces only in part, against what a build of everything gives.
WINDOWED_TABLES = ("marts.fct_indicator_values", "marts.fct_suppression_log", "intermediate.int_residents__linked",
                   "intermediate.int_households__from_residents", "intermediate.int_workers__linked")


def table_rows(warehouse: Path, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(repr(row) for row in con.execute(f"select * from {table}").fetchall())


@pytest.fixture(scope="module")
def window_then_full(built: BuiltWarehouse):
    """On a copy of the built warehouse, May's roster corrected, then dbt for the window May..May (the
    environment the assets set), then dbt for everything over the same data. Returns both runs' output
    and the windowed tables after each."""
    rebuilt = built.copy_to(built.data_dir.parent / "build-window-then-full")
    warehouse = rebuilt.data_dir / "warehouse.duckdb"
    try:
        correct_roster(warehouse, built)
        window = rebuilt.dbt("build", env=dbt_window_env(BuildWindow(PERIOD, PERIOD)))
        after_window = {table: table_rows(warehouse, table) for table in WINDOWED_TABLES}
        full = rebuilt.dbt("build", env=dbt_window_env(BuildWindow()))
        after_full = {table: table_rows(warehouse, table) for table in WINDOWED_TABLES}
    finally:
        built.home.unlink()
        built.home.symlink_to(built.data_dir, target_is_directory=True)
    return window, full, after_window, after_full


def test_a_window_build_after_a_full_build_equals_a_full_rebuild(window_then_full) -> None:
    window, full, after_window, after_full = window_then_full
    assert window.returncode == 0, window.stdout[-6000:]
    assert full.returncode == 0, full.stdout[-6000:]
    assert "incremental model" in window.stdout  # the window run did replace only its periods
    assert after_window["marts.fct_indicator_values"] != [] and after_window["intermediate.int_workers__linked"]
    for table in WINDOWED_TABLES:
        assert after_window[table] == after_full[table], table


def test_a_window_build_reuses_the_saved_parse(window_then_full) -> None:
    """The window changes the environment, not dbt's vars: the parse saved by the previous build of the same
    home stays valid and only the files reading the window are parsed again."""
    window, full, _, _ = window_then_full
    for run in (window, full):
        assert "Starting full parse" not in run.stdout, run.stdout[:2000]
