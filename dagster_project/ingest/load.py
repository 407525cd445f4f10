"""Loading one delivered file: ledger row, good rows and quarantined rows commit together or not at all.

Outcomes per file (audit.load_ledger.status):
- LOADED / PARTIAL: rows loaded, none / some rejected; a previous current file of the same department,
  table and period becomes SUPERSEDED (its rows stay on record, staging ignores them);
- FAILED: nothing loaded (undecodable, malformed, header or required columns missing, too many rejects);
- DUPLICATE: the same bytes were already received for this department, table and period;
- REFUSED: the name, folder or format is not in the contract.
A file already recorded with the same path, bytes and modification time is not new: nothing is written.
"""

import contextlib
import gc
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.ingest.columnar import ChunkResult, FileValidator
from dagster_project.ingest.decode import DecodeError, decode
from dagster_project.ingest.inbox import MANIFEST_TABLE, Delivery, Fingerprint, fingerprint, read_bytes_nofollow
from dagster_project.ingest.manifest import ManifestEntry, ManifestError, mismatch, parse_manifest, read_manifest
from dagster_project.ingest.parse import Chunk, Header, ParsedFile, ParseError, Record, read_csv, read_xlsx
from dagster_project.ingest.validate import Issue, Reference, RowValidator
from dagster_project.lib.contract import LINEAGE_COLUMNS, Contract, Table
from dagster_project.lib.periods import month_bounds
from dagster_project.lib.pseudonym import Pseudonymiser
from dagster_project.lib.warehouse import CURRENT_STATUSES, Warehouse

INSERT_CHUNK_ROWS = 100_000  # also the number of records validated together on the columnar path


@dataclass
class FileOutcome:
    file_id: str
    rel_path: str
    status: str
    rows_physical: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    encoding: str | None = None
    message: str = ""
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


class CountMismatch(RuntimeError):
    """The loader's counts do not add up to the independent physical count: stop loudly."""


def file_id_for(rel_path: str, fp: Fingerprint) -> str:
    return hashlib.sha256(f"{rel_path}|{fp.sha256}|{fp.mtime_ns}".encode()).hexdigest()[:20]


def _ledger_rows(con: duckdb.DuckDBPyConnection, department: str, table: str) -> list[tuple]:
    return con.execute(
        "select file_id, original_name, sha256, status, source_mtime_ns, period, received_at "
        "from audit.load_ledger where department = ? and table_name = ? order by received_at",
        [department, table],
    ).fetchall()


def already_recorded(con: duckdb.DuckDBPyConnection, rel_path: str, fp: Fingerprint) -> bool:
    return con.execute(
        "select count(*) from audit.load_ledger where original_name = ? "
        "and coalesce(sha256, '') = ? and source_mtime_ns = ?",
        [rel_path, fp.sha256, fp.mtime_ns],
    ).fetchone()[0] > 0


def division_reference(con: duckdb.DuckDBPyConnection, period: str) -> tuple[Reference | None, str]:
    """Division codes of the master delivered for the period (or, failing that, the latest before it)."""
    row = con.execute(
        "select max(r.period) from raw.ca_division r join audit.load_ledger l using (file_id) "
        f"where l.status in {CURRENT_STATUSES} and r.period <= ?",
        [period],
    ).fetchone()
    source_period = row[0] if row else None
    if source_period is None:
        return None, "no division master (ca_division) loaded for or before this period"
    rows = con.execute(
        "select r.division_code, r.level from raw.ca_division r join audit.load_ledger l using (file_id) "
        f"where l.status in {CURRENT_STATUSES} and r.period = ?",
        [source_period],
    ).fetchall()
    note = "" if source_period == period else f"division codes checked against the {source_period} master"
    return _reference(rows), note


def _reference(rows: Iterable[tuple[str, str]]) -> Reference:
    codes = {code: level for code, level in rows}
    return Reference(
        codes=frozenset(codes),
        communities=frozenset(c for c, lvl in codes.items() if lvl == "社区"),
        districts=frozenset(c[:6] for c, lvl in codes.items() if lvl == "区"),
    )


class FileLoader:
    def __init__(self, warehouse: Warehouse, contract: Contract, pseudonymiser: Pseudonymiser,
                 run_id: str | None = None, row_by_row: bool = False) -> None:
        self.warehouse = warehouse
        self.contract = contract
        self.pseudonymiser = pseudonymiser
        self.run_id = run_id
        # Validate record by record (the reference path) instead of column by column. Both record
        # exactly the same rows, rejects, warnings and counts; the columnar path is the fast one.
        self.row_by_row = row_by_row
        self.chunk_rows = INSERT_CHUNK_ROWS
        self._con: duckdb.DuckDBPyConnection | None = None

    @contextlib.contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer connection for everything loaded inside it (a partition's files, its manifests).

        Opening the warehouse, taking the writer lock and closing (which checkpoints) cost far more
        than loading a small file, so a partition pays them once. Each file still commits on its own.
        Nested sessions share the outer connection (a second lock in the same process would wait on
        the first for ever).
        """
        if self._con is not None:
            yield self._con
            return
        with self.warehouse.writer() as con:
            self._con = con
            try:
                yield con
            finally:
                self._con = None

    # -- refusals -----------------------------------------------------------------------------------

    def record_refusals(self, deliveries: Iterable[Delivery]) -> list[FileOutcome]:
        outcomes: list[FileOutcome] = []
        refused = [d for d in deliveries if not d.accepted]
        if not refused and self.warehouse.path.exists():
            return outcomes  # nothing to record, and the schema is in place: no need for the writer
        with self.session() as con:
            for d in refused:
                fp = _fingerprint_unfollowed(d.path)
                if already_recorded(con, d.rel_path, fp):
                    continue
                outcome = FileOutcome(file_id_for(d.rel_path, fp), d.rel_path, "REFUSED", message=d.refusal or "")
                con.begin()
                self._insert_ledger(con, d, fp, outcome)
                con.commit()
                outcomes.append(outcome)
        return outcomes

    def record_manifests(self, deliveries: Iterable[Delivery]) -> list[FileOutcome]:
        """One ledger row per new manifest: LOADED when every listed file is present, else FAILED."""
        outcomes: list[FileOutcome] = []
        manifests = [d for d in deliveries if d.accepted and d.table == MANIFEST_TABLE]
        if not manifests and self.warehouse.path.exists():
            return outcomes  # nothing to record, and the schema is in place: no need for the writer
        with self.session() as con:
            for d in manifests:
                data = read_bytes_nofollow(d.path)
                fp = fingerprint(d.path, data)
                if already_recorded(con, d.rel_path, fp):
                    continue
                outcome = FileOutcome(file_id_for(d.rel_path, fp), d.rel_path, "FAILED")
                try:
                    entries = parse_manifest(data, self.contract.settings)
                except ManifestError as exc:
                    outcome.message = str(exc)
                else:
                    absent = [e.file_name for e in entries if not (d.path.parent / e.file_name).is_file()]
                    outcome.rows_physical = len(entries)
                    if absent:
                        outcome.rows_rejected = len(entries)
                        outcome.message = "listed file(s) missing: " + "、".join(absent)
                    else:
                        outcome.status, outcome.rows_loaded = "LOADED", len(entries)
                        outcome.message = f"{len(entries)} files listed, all present"
                con.begin()
                self._insert_ledger(con, d, fp, outcome)
                con.commit()
                outcomes.append(outcome)
        return outcomes

    # -- one accepted delivery ----------------------------------------------------------------------

    def load(self, delivery: Delivery) -> FileOutcome | None:
        assert delivery.accepted and delivery.table and delivery.period and delivery.department
        data = read_bytes_nofollow(delivery.path)
        fp = fingerprint(delivery.path, data)
        payload = [data]  # handed to the parser, which lets the bytes go as soon as they are decoded
        del data
        table = self.contract.tables[delivery.table]
        try:
            manifest = read_manifest(delivery.path.parent, self.contract.settings)
        except ManifestError:
            manifest = None  # the manifest's own ledger row records why it is unusable
        entry = next((e for e in manifest or [] if e.file_name == delivery.path.name), None)
        with self.session() as con:
            if already_recorded(con, delivery.rel_path, fp):
                return None
            file_id = file_id_for(delivery.rel_path, fp)
            history = _ledger_rows(con, delivery.department, table.name)
            same_period = [r for r in history if r[5] == delivery.period]
            earlier = next((r for r in same_period if r[2] == fp.sha256), None)
            con.begin()
            try:
                if earlier is not None:
                    outcome = FileOutcome(file_id, delivery.rel_path, "DUPLICATE",
                                          message=f"same bytes as file {earlier[0]} received {earlier[6]:%Y-%m-%d %H:%M}")
                else:
                    outcome = self._load_rows(con, delivery, table, file_id, payload, fp, entry)
                    if outcome.status in CURRENT_STATUSES:
                        self._supersede(con, same_period, file_id)
                        other = next((r for r in history if r[2] == fp.sha256 and r[5] != delivery.period), None)
                        if other is not None:
                            outcome.message = _join(outcome.message,
                                                    f"same bytes as the {other[5]} file (unchanged snapshot)")
                self._insert_ledger(con, delivery, fp, outcome)
                con.commit()
            except BaseException:
                con.rollback()
                raise
        return outcome

    def _supersede(self, con: duckdb.DuckDBPyConnection, same_period: list[tuple], new_file_id: str) -> None:
        for row in same_period:
            if row[3] in CURRENT_STATUSES:
                con.execute(
                    "update audit.load_ledger set status = 'SUPERSEDED', superseded_by = ? where file_id = ?",
                    [new_file_id, row[0]],
                )

    def _parse(self, delivery: Delivery, table: Table, payload: list[bytes]) -> tuple[ParsedFile, str]:
        """Parse the file whose bytes are the one item of ``payload``; the bytes are taken out of it,
        so a large file is held once as text rather than as bytes and text for the whole load."""
        search = self.contract.settings.header_search_rows
        data = payload.pop()
        if delivery.fmt == "xlsx":
            return read_xlsx(delivery.path, table, search), "xlsx"
        decoded = decode(data)
        del data
        return read_csv(decoded.text, table, search), decoded.encoding

    def _load_rows(self, con: duckdb.DuckDBPyConnection, delivery: Delivery, table: Table,
                   file_id: str, payload: list[bytes], fp: Fingerprint, entry: ManifestEntry | None) -> FileOutcome:
        outcome = FileOutcome(file_id, delivery.rel_path, "FAILED")
        try:
            parsed, outcome.encoding = self._parse(delivery, table, payload)
        except DecodeError as exc:
            outcome.message = f"cannot decode the file: {exc}"
            return outcome
        except ParseError as exc:
            outcome.message = str(exc)
            return outcome
        header = parsed.header
        header_warnings = [Issue(header.line_number, name, "EXTRA_COLUMN", None,
                                 "column not in the contract: ignored") for name in header.extra]
        period_start, period_end = month_bounds(delivery.period)
        reference, reference_note = (None, "")
        if table.name != "ca_division":
            reference, reference_note = division_reference(con, delivery.period)
        try:
            chunks: Iterable[Chunk] = parsed.chunks(self.chunk_rows)
            if table.name == "ca_division":
                chunks = list(chunks)
                reference = _self_reference([cells for _, rows in chunks for cells in rows], header.columns, table)
            validator = RowValidator(self.contract, table, period_start, period_end, self.pseudonymiser,
                                     reference, delivery.fmt == "xlsx")
            if self.row_by_row:
                records = (Record(line, cells) for lines, rows in chunks for line, cells in zip(lines, rows))
                self._validate_and_insert_rows(con, table, delivery, file_id, header, records, validator, outcome)
            else:
                self._validate_and_insert(con, table, delivery, file_id, header, chunks, validator, outcome)
            physical = parsed.count_records()
        except ParseError as exc:
            con.execute(f"delete from raw.{table.name} where file_id = ?", [file_id])
            outcome.rows_loaded = outcome.rows_skipped = 0
            outcome.rows_rejected = outcome.rows_physical
            outcome.rejects, outcome.warnings = [], []
            outcome.status, outcome.message = "FAILED", str(exc)
            return outcome
        if physical != outcome.rows_physical:
            raise CountMismatch(f"{delivery.rel_path}: loader read {outcome.rows_physical} records, "
                                f"independent count is {physical}")
        outcome.warnings = header_warnings + outcome.warnings
        if header.missing:
            self._fail_whole_file(con, table, outcome, keep_rejects=False,
                                  message="missing required columns: " + "、".join(header.missing))
        elif reference is None and any(c.references for c in table.columns):
            self._fail_whole_file(con, table, outcome, keep_rejects=False, message=reference_note)
        else:
            data_rows = outcome.rows_physical - outcome.rows_skipped
            limit = self.contract.settings.max_reject_share
            if data_rows and outcome.rows_rejected / data_rows > limit:
                self._fail_whole_file(
                    con, table, outcome, keep_rejects=True,
                    message=f"{outcome.rows_rejected} of {data_rows} data rows rejected "
                            f"({outcome.rows_rejected / data_rows:.1%}), above the {limit:.0%} limit")
            else:
                outcome.status = "PARTIAL" if outcome.rows_rejected else "LOADED"
                outcome.message = _join(
                    f"{outcome.rows_loaded} rows loaded, {outcome.rows_rejected} rejected, "
                    f"{outcome.rows_skipped} skipped", reference_note)
        disagreement = mismatch(entry, fp.sha256, outcome.rows_physical) if entry else None
        if disagreement and outcome.status in CURRENT_STATUSES:
            self._fail_whole_file(con, table, outcome, keep_rejects=False, message=disagreement)
        if header.extra:
            outcome.message = _join(outcome.message, "extra columns ignored: " + "、".join(header.extra))
        self._insert_issues(con, file_id, outcome)
        return outcome

    def _fail_whole_file(self, con: duckdb.DuckDBPyConnection, table: Table, outcome: FileOutcome,
                         keep_rejects: bool, message: str) -> None:
        con.execute(f"delete from raw.{table.name} where file_id = ?", [outcome.file_id])
        outcome.rows_rejected += outcome.rows_loaded
        outcome.rows_loaded = 0
        outcome.status = "FAILED"
        outcome.message = message
        if not keep_rejects:
            outcome.rejects = [r for r in outcome.rejects if r.reason in ("TOTALS_ROW", "DUPLICATE_ROW")]

    def _validate_and_insert(self, con: duckdb.DuckDBPyConnection, table: Table, delivery: Delivery,
                             file_id: str, header: Header, chunks: Iterable[Chunk], validator: RowValidator,
                             outcome: FileOutcome) -> None:
        """The columnar path: each chunk of records validated column by column, loaded as columns."""
        files = FileValidator(validator, table, header, check_width=delivery.fmt == "csv",
                              totals_tokens=self.contract.settings.totals_tokens,
                              key_columns=_key_storage_columns(table))
        with _collector_paused():
            for lines, rows in chunks:
                result = files.chunk(lines, rows)
                outcome.rows_physical += result.physical
                outcome.rows_loaded += result.loaded
                outcome.rows_rejected += result.rejected
                outcome.rows_skipped += result.skipped
                outcome.rejects.extend(result.rejects)
                outcome.warnings.extend(result.warnings)
                if result.loaded:
                    _insert_columns(con, table, file_id, delivery.period, result)

    def _validate_and_insert_rows(self, con: duckdb.DuckDBPyConnection, table: Table, delivery: Delivery,
                                  file_id: str, header: Header, records: Iterable[Record],
                                  validator: RowValidator, outcome: FileOutcome) -> None:
        """The reference path: one record at a time through ``RowValidator.validate``."""
        storage = [name for name, _ in table.storage_columns()]
        key_columns = _key_storage_columns(table)
        totals = self.contract.settings.totals_tokens
        seen_rows: set[int] = set()
        seen_keys: dict[tuple, int] = {}
        batch: list[tuple] = []
        positions = [(table.headers[h].name, pos) for h, pos in header.columns.items()]
        for record in records:
            outcome.rows_physical += 1
            cells = record.cells
            texts = ["" if c is None else str(c).strip() for c in cells]
            if not any(texts):
                outcome.rows_skipped += 1
                continue
            first = next(t for t in texts if t)
            if first.startswith(totals):
                outcome.rows_skipped += 1
                outcome.rejects.append(Issue(record.line_number, None, "TOTALS_ROW", first[:20],
                                             "totals row skipped"))
                continue
            if delivery.fmt == "csv" and len(cells) != header.width:
                outcome.rows_rejected += 1
                outcome.rejects.append(Issue(record.line_number, None, "COLUMN_COUNT", None,
                                             f"{len(cells)} fields, the header has {header.width}"))
                continue
            row_hash = hash(tuple(texts))
            if row_hash in seen_rows:
                outcome.rows_skipped += 1
                outcome.rejects.append(Issue(record.line_number, None, "DUPLICATE_ROW", None,
                                             "exact duplicate of an earlier row: skipped"))
                continue
            seen_rows.add(row_hash)
            raw = {name: (cells[pos] if pos < len(cells) else None) for name, pos in positions}
            result = validator.validate(record.line_number, raw)
            outcome.warnings.extend(result.warnings)
            if result.rejects:
                outcome.rows_rejected += 1
                outcome.rejects.extend(result.rejects)
                continue
            key = tuple(result.values.get(c) for c in key_columns)
            if key in seen_keys:
                outcome.rows_rejected += 1
                outcome.rejects.append(Issue(record.line_number, None, "DUPLICATE_KEY", None,
                                             f"same key as line {seen_keys[key]} with different values"))
                continue
            seen_keys[key] = record.line_number
            values = result.values
            values.update(file_id=file_id, period=delivery.period, line_number=record.line_number)
            batch.append(tuple(values.get(c) for c in storage))
            outcome.rows_loaded += 1
            if len(batch) >= INSERT_CHUNK_ROWS:
                _insert_rows(con, table, storage, batch)
                batch = []
        if batch:
            _insert_rows(con, table, storage, batch)

    def _insert_issues(self, con: duckdb.DuckDBPyConnection, file_id: str, outcome: FileOutcome) -> None:
        # Masked values are kept for rejected rows only: a warning's row is loaded, so the auditor
        # needs the line and the reason, and personal data stays in exactly one audited column.
        frames = {
            "rejected_rows": pd.DataFrame(
                [(file_id, i.line_number, i.column, i.reason, i.masked_value, i.message) for i in outcome.rejects],
                columns=["file_id", "line_number", "column_name", "reason_code", "masked_value", "message"]),
            "row_warnings": pd.DataFrame(
                [(file_id, i.line_number, i.column, i.reason, i.message) for i in outcome.warnings],
                columns=["file_id", "line_number", "column_name", "reason_code", "message"]),
        }
        for target, frame in frames.items():
            if len(frame):
                con.register("issues_frame", frame)
                con.execute(f"insert into audit.{target} by name select * from issues_frame")
                con.unregister("issues_frame")

    def _insert_ledger(self, con: duckdb.DuckDBPyConnection, d: Delivery, fp: Fingerprint,
                       outcome: FileOutcome) -> None:
        con.execute(
            "insert into audit.load_ledger (file_id, department, table_name, period, original_name, sha256, "
            "encoding, status, rows_physical, rows_loaded, rows_rejected, rows_skipped, superseded_by, "
            "received_at, message, size_bytes, source_mtime_ns, run_id) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?)",
            [outcome.file_id, d.department, d.table, d.period, d.rel_path, fp.sha256 or None, outcome.encoding,
             outcome.status, outcome.rows_physical, outcome.rows_loaded, outcome.rows_rejected,
             outcome.rows_skipped, datetime.now(timezone.utc).replace(tzinfo=None), outcome.message,
             fp.size, fp.mtime_ns, self.run_id],
        )


def _insert_rows(con: duckdb.DuckDBPyConnection, table: Table, storage: list[str], rows: list[tuple]) -> None:
    frame = pd.DataFrame.from_records(rows, columns=storage)
    con.register("rows_frame", frame)
    casts = ", ".join(f"cast({name} as {sql_type}) as {name}" for name, sql_type in table.storage_columns())
    con.execute(f"insert into raw.{table.name} select {casts} from rows_frame")
    con.unregister("rows_frame")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is parsed and validated.

    Each chunk allocates hundreds of thousands of small lists and tuples that hold no cycles; with the
    collector on, its passes walk every live object again and again, which costs as much as the
    validation itself. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_PANDAS_TYPES = {"bigint": "Int64", "integer": "Int64", "double": "Float64", "boolean": "boolean"}


def _nullable_ints(values: list) -> pd.api.extensions.ExtensionArray:
    """``pd.array(values, dtype="Int64")``, several times faster when every value is a plain int
    (line numbers always, birth years and months of loaded rows nearly always)."""
    if values and set(map(type, values)) == {int}:
        try:
            return pd.arrays.IntegerArray(np.array(values, dtype=np.int64), np.zeros(len(values), dtype=bool))
        except OverflowError:
            pass  # beyond 64 bits: pandas says so in its own words
    return pd.array(values, dtype="Int64")


def _insert_columns(con: duckdb.DuckDBPyConnection, table: Table, file_id: str, period: str,
                    result: ChunkResult) -> None:
    data: dict[str, object] = {"line_number": _nullable_ints(result.lines)}
    selects = ["cast(? as varchar) as file_id", "cast(? as varchar) as period",
               "cast(line_number as integer) as line_number"]
    for name, sql_type in table.storage_columns()[len(LINEAGE_COLUMNS):]:
        values = result.columns[name]
        if _PANDAS_TYPES.get(sql_type) == "Int64":
            data[name] = _nullable_ints(values)
        elif sql_type in _PANDAS_TYPES:
            data[name] = pd.array(values, dtype=_PANDAS_TYPES[sql_type])
        else:
            data[name] = pd.Series(values, dtype=object)
        selects.append(f"cast({name} as {sql_type}) as {name}")
    frame = pd.DataFrame(data)
    con.register("columns_frame", frame)
    try:
        con.execute(f"insert into raw.{table.name} select {', '.join(selects)} from columns_frame",
                    [file_id, period])
    finally:
        con.unregister("columns_frame")


def _key_storage_columns(table: Table) -> list[str]:
    out = []
    for name in table.key:
        column = table.column(name)
        out.append(f"{column.pseudonym or column.name}_pid" if column.is_resident_id else column.name)
    return out


def _self_reference(records: list[list], columns: dict[str, int], table: Table) -> Reference:
    """ca_division is its own reference: parent codes must exist in the same delivery."""
    code_pos = columns.get(table.column("division_code").header)
    level_pos = columns.get(table.column("level").header)
    rows = []
    for cells in records:
        if code_pos is not None and code_pos < len(cells) and cells[code_pos] is not None:
            level = cells[level_pos] if level_pos is not None and level_pos < len(cells) else None
            rows.append((str(cells[code_pos]).strip(), str(level or "").strip()))
    return _reference(rows)


def _fingerprint_unfollowed(path: Path) -> Fingerprint:
    st = path.lstat()
    if path.is_symlink():
        return Fingerprint("", st.st_size, st.st_mtime_ns)
    return fingerprint(path)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
