"""Publication assets: the read-only reporting snapshot and the reports rendered from it.

One report asset per kind of the catalogue (catalogue.py), partitioned by the kind's period: years
for the annual report, quarters (keyed by their last month, like the quarterly deliveries) for the
public-safety analysis, months for the audit report. A run renders the city's report and, where the
kind has them, each district's.
"""

import subprocess
from collections.abc import Iterator

import dagster as dg

from dagster_project.lib.paths import PROJECT_ROOT
from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse, read_snapshot
from dagster_project.partitions import monthly_partitions, quarterly_partitions, yearly_partitions
from dagster_project.reporting.catalogue import KINDS, ReportKind, normalise_period, render_kind
from dagster_project.reporting.data import NoDataForPeriod

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


def _report_asset(
    kind: ReportKind, partitions_def: dg.PartitionsDefinition, description: str
) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["reports", f"{kind.key}_report"]), group_name="reporting", deps=[SNAPSHOT_KEY],
              partitions_def=partitions_def, kinds={"pdf"}, description=description, output_required=False)
    def report_asset(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        settings = Settings.from_env()
        period = normalise_period(kind.grain, context.partition_key)
        try:
            paths, stamp = render_kind(kind, settings, period, context.run_id, code_version(), every_area=True)
        except NoDataForPeriod as exc:
            # A period the departments sent nothing for (e.g. a quarter without public-security
            # events yet): no report, and no materialisation claiming one.
            context.log.warning(f"no {kind.title} for {period}: {exc}")
            return
        for p in paths:
            context.log.info(f"rendered {p}")
        yield dg.MaterializeResult(metadata={
            "period": period,
            "pdfs": dg.MetadataValue.json([str(p) for p in paths]),
            "data_fingerprint": stamp.data_fingerprint,
            "code_version": stamp.code_version,
        })

    return report_asset


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

    annual_report = _report_asset(
        KINDS["annual"], yearly_partitions,
        "年度社区治理调研报告: one PDF for the city and one per district, rendered from the reporting snapshot.")
    safety_report = _report_asset(
        KINDS["safety"], quarterly_partitions,
        "平安建设季度分析: one PDF for the city and one per district for the quarter ending in the partition's "
        "month, with the same quarter last year, the previous quarter and, at Q2, the first half.")
    audit_report = _report_asset(
        KINDS["audit"], monthly_partitions,
        "数据质量审计报告: the month's files, ledger, rejects by reason with masked examples, warnings, "
        "validation results and reconciliations, for auditors (under $GOVWH_HOME/audit/reports).")
    return [reporting_snapshot, annual_report, safety_report, audit_report]
