"""A writer killed with SIGKILL mid-load leaves nothing half-loaded, and a rerun finishes the job."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from dagster_project.ingest.service import ingest_partition, make_loader
from dagster_project.lib.settings import Settings
from tests.ingest.extracts import csv_text, headers, resident_id, write, write_divisions

PERIOD = "2025-03"
ROWS = 40_000

CHILD = """
from dagster_project.ingest.service import ingest_partition, make_loader
from dagster_project.lib.settings import Settings
settings = Settings.from_env()
ingest_partition(make_loader(settings), settings.inbox, "ps_resident", "2025-03")
"""


def _large_register() -> str:
    rows = []
    for i in range(ROWS):
        body = f"330102{1950 + (i // 1000) % 50}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        rows.append([resident_id(body), "王五", f"H{i // 3}", "330102001001", "户籍人口", "2020-01-01", ""])
    return csv_text(headers("ps_resident"), rows)


def _lock_held(lock: Path) -> bool:
    if not lock.exists():
        return False
    with open(lock, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _consistent(settings: Settings) -> list[tuple]:
    """Every ledger row's loaded count matches the raw rows carrying its file_id, and no orphans exist."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        orphans = con.execute("select count(*) from raw.ps_resident r anti join audit.load_ledger l "
                              "using (file_id)").fetchone()[0]
        assert orphans == 0
        rows = con.execute(
            "select l.table_name, l.status, l.rows_loaded, count(r.file_id) from audit.load_ledger l "
            "left join raw.ps_resident r using (file_id) where l.table_name = 'ps_resident' group by all"
        ).fetchall()
    finally:
        con.close()
    for _, _, loaded, present in rows:
        assert loaded == present
    return rows


def test_kill_during_load_leaves_nothing_half_loaded(govwh_env: Path) -> None:
    settings = Settings.from_env()
    write_divisions(settings.inbox, PERIOD)
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", _large_register())
    lock = settings.warehouse_path.with_suffix(".lock")

    child = subprocess.Popen([sys.executable, "-c", CHILD], env=os.environ.copy())
    deadline = time.monotonic() + 60
    while not _lock_held(lock) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.8)  # well into the register's load
    child.send_signal(signal.SIGKILL)
    child.wait()

    before = _consistent(settings)
    assert all(status != "LOADED" or loaded == ROWS for _, status, loaded, _ in before)

    ingest_partition(make_loader(settings), settings.inbox, "ps_resident", PERIOD)
    after = _consistent(settings)
    assert [(status, loaded) for _, status, loaded, _ in after] == [("LOADED", ROWS)]
