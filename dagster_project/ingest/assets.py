"""Ingest assets: one per contract table, partitioned by the period folder it is delivered in.

Each materialisation loads the new deliveries of its (table, period) and reports what happened to
every file; the table's GX suite then runs as the asset's blocking check (quality stage).
"""

import dagster as dg

from dagster_project.ingest.load import FileOutcome
from dagster_project.ingest.service import ingest_partition, make_loader, record_receipts
from dagster_project.lib.contract import Table, load_contract
from dagster_project.lib.settings import Settings
from dagster_project.partitions import partitions_for

WAREHOUSE_POOL = "warehouse_writer"
DIVISION_KEY = dg.AssetKey(["raw", "ca_division"])
RECEIPTS_KEY = dg.AssetKey(["audit", "inbox_receipts"])


def ingest_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _outcome_table(outcomes: list[FileOutcome]) -> str:
    lines = ["| file | status | physical | loaded | rejected | skipped |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.rel_path} | {o.status} | {o.rows_physical} | {o.rows_loaded} | "
                     f"{o.rows_rejected} | {o.rows_skipped} |")
    return "\n".join(lines)


def build_ingest_asset(table: Table) -> dg.AssetsDefinition:
    key = ingest_key(table.name)
    department = load_contract().departments[table.department]["name_zh"]
    deps = []
    if table.name != "ca_division" and table.cadence == "monthly":
        deps.append(dg.AssetDep(DIVISION_KEY))  # codes are checked against the same month's master

    @dg.asset(
        key=key,
        partitions_def=partitions_for(table),
        group_name="ingest",
        deps=deps,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "python"},
        description=f"{department}《{table.title_zh}》({table.name}): decoded, validated row by row, "
                    f"pseudonymised and loaded into raw.{table.name}; rejects quarantined with reasons.",
        metadata={"department": table.department, "cadence": table.cadence, "kind": table.kind},
    )
    def _ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = Settings.from_env()
        period = context.partition_key
        loader = make_loader(settings, context.run_id)
        with loader.session() as con:  # the partition's loads and the summary on one connection
            outcomes = ingest_partition(loader, settings.inbox, table.name, period)
            rows = con.execute(
                "select count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) "
                "from audit.load_ledger where table_name = ? and period = ? and status in ('LOADED', 'PARTIAL')",
                [table.name, period],
            ).fetchone()
        for o in outcomes:
            log = context.log.warning if o.status in ("FAILED", "PARTIAL") else context.log.info
            log(f"{o.rel_path}: {o.status} — {o.message}")
        return dg.MaterializeResult(
            metadata={
                "new_files": len(outcomes),
                "current_files": rows[0],
                "rows_loaded": dg.MetadataValue.int(int(rows[1])),
                "rows_rejected": dg.MetadataValue.int(int(rows[2])),
                "deliveries": dg.MetadataValue.md(_outcome_table(outcomes)) if outcomes else "no new delivery",
            },
        )

    return _ingest


@dg.asset(key=RECEIPTS_KEY, group_name="ingest", pool=WAREHOUSE_POOL, kinds={"duckdb"},
          description="Ledger rows for what is not a table extract: deliveries whose name, folder or format "
                      "is not in the contract (REFUSED, nothing loaded) and batch manifests.")
def inbox_receipts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    outcomes = record_receipts(make_loader(settings, context.run_id), settings.inbox)
    for o in outcomes:
        log = context.log.info if o.status == "LOADED" else context.log.warning
        log(f"{o.rel_path}: {o.status} — {o.message}")
    return dg.MaterializeResult(metadata={
        "new_refusals": sum(o.status == "REFUSED" for o in outcomes),
        "new_manifests": sum(o.status != "REFUSED" for o in outcomes),
    })


def ingest_assets() -> list[dg.AssetsDefinition]:
    return [build_ingest_asset(t) for t in load_contract().tables.values()]
