"""Ingestion entry points shared by the Dagster assets, the sensor and the CLI."""

from dataclasses import dataclass
from pathlib import Path

from dagster_project.ingest.inbox import Delivery, scan
from dagster_project.ingest.load import FileLoader, FileOutcome
from dagster_project.lib.contract import Contract, load_contract
from dagster_project.lib.pseudonym import Pseudonymiser
from dagster_project.lib.settings import Settings, pii_key
from dagster_project.lib.warehouse import Warehouse


@dataclass(frozen=True)
class PartitionWork:
    """A (table, period) partition with files in the inbox, and a key that changes when its bytes do."""

    table: str
    period: str
    run_key: str


def make_loader(settings: Settings, run_id: str | None = None, contract: Contract | None = None) -> FileLoader:
    contract = contract or load_contract()
    return FileLoader(Warehouse(settings.warehouse_path, contract), contract,
                      Pseudonymiser(pii_key(settings)), run_id)


DIVISION_TABLE = "ca_division"


def ingest_partition(loader: FileLoader, inbox: Path, table: str, period: str) -> list[FileOutcome]:
    """Load every new delivery of one table and period; already recorded files write nothing.

    Codes are checked against the period's division master, so a new master delivered for the same
    period is loaded first, whichever run gets there first (loading is idempotent).
    """
    deliveries = [d for d in scan(inbox, loader.contract) if d.accepted and d.period == period]
    department = loader.contract.tables[table].department
    with loader.session():  # one writer connection for the partition
        loader.record_manifests(d for d in deliveries if d.department == department)
        if table != DIVISION_TABLE:
            for d in deliveries:
                if d.table == DIVISION_TABLE:
                    loader.load(d)
        outcomes = [loader.load(d) for d in deliveries if d.table == table]
    return [o for o in outcomes if o is not None]


def record_receipts(loader: FileLoader, inbox: Path) -> list[FileOutcome]:
    """Ledger rows for what is not a table extract: refused deliveries and batch manifests."""
    deliveries = scan(inbox, loader.contract)
    with loader.session():
        return loader.record_refusals(deliveries) + loader.record_manifests(deliveries)


def pending_partitions(inbox: Path, contract: Contract) -> list[PartitionWork]:
    """Partitions of the inbox keyed by their files' path, size and mtime (cheap: no hashing).

    A run keyed this way is requested once per distinct delivery state; the loader itself decides,
    by content hash, what is actually new.
    """
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for d in scan(inbox, contract):
        if d.accepted and d.table in contract.tables and d.period:
            groups.setdefault((d.table, d.period), []).append(d)
    work = []
    for (table, period), deliveries in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        stamps = []
        for d in deliveries:
            st = d.path.lstat()
            stamps.append(f"{d.rel_path}:{st.st_size}:{st.st_mtime_ns}")
        work.append(PartitionWork(table, period, f"{table}|{period}|" + "|".join(stamps)))
    return work


def receipts(inbox: Path, contract: Contract) -> list[Delivery]:
    """Deliveries recorded outside the table partitions: refusals and manifests."""
    return [d for d in scan(inbox, contract) if not d.accepted or d.table not in contract.tables]

