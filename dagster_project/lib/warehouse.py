"""The DuckDB warehouse: one writer at a time, readers on a published read-only snapshot.

DuckDB allows a single read-write process per file, so every writer (ingestion, validation, the dbt
subprocess) takes an exclusive file lock first and waits its turn; nothing ever reads the live file for
reporting. After a successful model build the marts and audit schemas are copied into a snapshot file
that is swapped in atomically; reports open that snapshot read-only.
"""

import contextlib
import fcntl
import functools
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from dagster_project.lib.contract import Contract, load_contract

SCHEMAS = ("raw", "audit")

AUDIT_DDL = (
    """
    create table if not exists audit.load_ledger (
        file_id varchar primary key,
        department varchar,
        table_name varchar,
        period varchar,
        original_name varchar,
        sha256 varchar,
        encoding varchar,
        status varchar not null,
        rows_physical bigint not null default 0,
        rows_loaded bigint not null default 0,
        rows_rejected bigint not null default 0,
        rows_skipped bigint not null default 0,
        superseded_by varchar,
        received_at timestamp not null,
        message varchar,
        size_bytes bigint,
        source_mtime_ns bigint,
        run_id varchar,
        check (status in ('LOADED', 'PARTIAL', 'FAILED', 'DUPLICATE', 'SUPERSEDED', 'REFUSED')),
        check (rows_physical = rows_loaded + rows_rejected + rows_skipped)
    )
    """,
    """
    create table if not exists audit.rejected_rows (
        file_id varchar not null,
        line_number integer,
        column_name varchar,
        reason_code varchar not null,
        masked_value varchar,
        message varchar
    )
    """,
    """
    create table if not exists audit.row_warnings (
        file_id varchar not null,
        line_number integer,
        column_name varchar,
        reason_code varchar not null,
        message varchar
    )
    """,
    """
    create table if not exists audit.validation_results (
        run_id varchar not null,
        period varchar not null,
        suite varchar not null,
        expectation varchar not null,
        success boolean not null,
        severity varchar not null,
        observed varchar,
        checked_at timestamp not null
    )
    """,
)

# Files whose rows are the current truth for their department, table and period.
CURRENT_STATUSES = ("LOADED", "PARTIAL")

SNAPSHOT_SCHEMAS = ("marts", "audit")

# The schema's version is recorded as the comment of this table: a writer that finds the comment of
# its own DDL skips the DDL (some twenty statements, a noticeable share of loading a small file).
MARKER_SCHEMA, MARKER_TABLE = "audit", "load_ledger"
MARKER_PREFIX = "govwh schema "


class Warehouse:
    def __init__(self, path: Path, contract: Contract | None = None) -> None:
        self.path = path
        self.lock_path = path.with_suffix(".lock")
        self.contract = contract or load_contract()

    @contextlib.contextmanager
    def write_lock(self, timeout_s: float = 3600.0) -> Iterator[None]:
        """Exclusive writer lock, shared by every process that writes the warehouse file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"another writer holds {self.lock_path}") from None
                    time.sleep(0.2)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection held under the writer lock, with the raw and audit schemas in place."""
        with self.write_lock():
            con = duckdb.connect(str(self.path))
            try:
                self._ensure_schema(con)
                yield con
            finally:
                con.close()

    def _ddl(self) -> list[str]:
        return ([f"create schema if not exists {schema}" for schema in SCHEMAS] + list(AUDIT_DDL)
                + [table.create_table_sql() for table in self.contract.tables.values()])

    @functools.cached_property
    def _marker(self) -> str:
        """The comment that says the file's schema was created by exactly this DDL."""
        return MARKER_PREFIX + hashlib.sha256("\n;\n".join(self._ddl()).encode()).hexdigest()[:32]

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the raw and audit schemas unless the marker says this DDL already ran on the file.

        A changed contract changes the marker, so its DDL runs again (``if not exists``: nothing that
        exists is altered, as without the marker).
        """
        marker = self._marker
        row = con.execute(
            "select comment from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?", [MARKER_SCHEMA, MARKER_TABLE]).fetchone()
        if row is not None and row[0] == marker:
            return
        for ddl in self._ddl():
            con.execute(ddl)
        con.execute(f"comment on table {MARKER_SCHEMA}.{MARKER_TABLE} is '{marker}'")

    def initialise(self) -> None:
        with self.writer():
            pass

    def publish_snapshot(self, snapshot_path: Path) -> Path:
        """Copy the published schemas into a fresh file and swap it in atomically."""
        tmp = snapshot_path.with_name(snapshot_path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        with self.writer() as con:
            con.execute(f"attach '{tmp}' as snap")
            try:
                tables = con.execute(
                    "select table_schema, table_name from information_schema.tables "
                    "where table_catalog = current_database() and table_schema in "
                    f"({', '.join(repr(s) for s in SNAPSHOT_SCHEMAS)})"
                ).fetchall()
                for schema in {s for s, _ in tables}:
                    con.execute(f"create schema if not exists snap.{schema}")
                for schema, name in tables:
                    con.execute(f"create table snap.{schema}.{name} as select * from {schema}.{name}")
            finally:
                con.execute("detach snap")
        os.replace(tmp, snapshot_path)
        return snapshot_path


@contextlib.contextmanager
def read_snapshot(snapshot_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection to the published snapshot (never the file the pipeline writes)."""
    if not snapshot_path.exists():
        raise FileNotFoundError(f"no published snapshot at {snapshot_path}; run the pipeline first")
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        yield con
    finally:
        con.close()
