"""Publication assets: the read-only reporting snapshot and the reports rendered from it."""

import hashlib
import subprocess

import dagster as dg

from dagster_project.lib.paths import PROJECT_ROOT
from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse, read_snapshot
from dagster_project.partitions import yearly_partitions
from dagster_project.reporting.render import ReproStamp, render_annual_report

SNAPSHOT_KEY = dg.AssetKey(["publish", "reporting_snapshot"])
PUBLISHED_MARTS = ("fct_indicator_values", "dim_indicator", "dim_area")


def code_version() -> str:
    """The commit the code runs from (with '+dirty' for local changes), or the package version."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"govwh {version('govwh')}"


def data_fingerprint(settings: Settings, year: str) -> str:
    """A digest of exactly which delivered files the year's numbers rest on."""
    with read_snapshot(settings.snapshot_path) as con:
        rows = con.execute(
            "select sha256 from audit.load_ledger where status in ('LOADED', 'PARTIAL') "
            "and substr(period, 1, 4) = ? order by sha256",
            [year],
        ).fetchall()
    digest = hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()
    return digest[:16]


def build_publication_assets(mart_keys: list[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    @dg.asset(key=SNAPSHOT_KEY, group_name="reporting", deps=mart_keys, pool="warehouse_writer",
              kinds={"duckdb"},
              description="Read-only copy of the marts and audit schemas, swapped in atomically after a "
                          "successful model build. Reports read this file, never the live warehouse.")
    def reporting_snapshot() -> dg.MaterializeResult:
        settings = Settings.from_env()
        path = Warehouse(settings.warehouse_path).publish_snapshot(settings.snapshot_path)
        with read_snapshot(path) as con:
            cells = con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]
        return dg.MaterializeResult(metadata={"path": str(path), "indicator_cells": cells})

    @dg.asset(key=dg.AssetKey(["reports", "annual_report"]), group_name="reporting", deps=[SNAPSHOT_KEY],
              partitions_def=yearly_partitions, kinds={"pdf"},
              description="年度社区治理调研报告: one PDF for the city and one per district, "
                          "rendered from the reporting snapshot.")
    def annual_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = Settings.from_env()
        year = context.partition_key
        stamp = ReproStamp(run_id=context.run_id, data_fingerprint=data_fingerprint(settings, year),
                           code_version=code_version())
        with read_snapshot(settings.snapshot_path) as con:
            districts = [r[0] for r in con.execute(
                "select area_code from marts.dim_area where area_level = 'district' order by area_code").fetchall()]
        paths = [render_annual_report(settings.snapshot_path, year, settings.reports_dir, stamp=stamp)]
        for district in districts:
            paths.append(render_annual_report(settings.snapshot_path, year, settings.reports_dir,
                                              area_code=district, stamp=stamp))
        for p in paths:
            context.log.info(f"rendered {p}")
        return dg.MaterializeResult(metadata={
            "pdfs": dg.MetadataValue.json([str(p) for p in paths]),
            "data_fingerprint": stamp.data_fingerprint,
            "code_version": stamp.code_version,
        })

    return [reporting_snapshot, annual_report]
