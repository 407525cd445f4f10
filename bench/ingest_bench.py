"""Ingestion against its floor: one quarter of extracts, loaded by govwh vs read by DuckDB alone.

    uv run python bench/ingest_bench.py --scale demo [--start 2025-01] [--workdir /tmp/govwh-bench]
                                        [--row-by-row] [--no-gx]

Generates the scale's first quarter (unless the inbox is already there), then in the same run:
- floor: DuckDB `read_csv(all_varchar)` of every CSV extract (GB18030 files are transcoded to UTF-8
  beforehand, outside the timing: DuckDB cannot read GB18030 itself; the few small XLSX files are
  left out of the floor, which favours the floor);
- govwh: the full ingestion (decode, parse, validate, pseudonymise, load, ledger) into a fresh
  warehouse (columnar validation, or with --row-by-row the record-by-record reference path), then the
  GX validation of each loaded partition (unless --no-gx).
Prints one table; nothing is asserted.
"""

import argparse
import os
import resource
import secrets
import shutil
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster_project.ingest.decode import decode  # noqa: E402
from dagster_project.ingest.inbox import scan  # noqa: E402
from dagster_project.lib.contract import load_contract  # noqa: E402
from dagster_project.lib.periods import months_between  # noqa: E402


def _months(start: str, count: int) -> list[str]:
    year, month = map(int, start.split("-"))
    month += count - 1
    last = f"{year + (month - 1) // 12:04d}-{(month - 1) % 12 + 1:02d}"
    return months_between(start, last)


def floor_seconds(files: list[Path], scratch: Path) -> float:
    utf8 = []
    for i, path in enumerate(files):
        target = scratch / f"{i}.csv"
        target.write_text(decode(path.read_bytes()).text, encoding="utf-8")
        utf8.append(target)
    con = duckdb.connect()
    started = time.perf_counter()
    for path in utf8:
        con.execute(f"create or replace table t as select * from read_csv('{path}', all_varchar = true)")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--start", default="2025-01")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/govwh-bench"))
    parser.add_argument("--row-by-row", action="store_true",
                        help="validate record by record (the reference path) instead of column by column")
    parser.add_argument("--no-gx", action="store_true", help="leave out the GX validation stage")
    args = parser.parse_args()

    inbox = args.workdir / f"inbox-{args.scale}"
    home = args.workdir / "home"
    if home.exists():
        shutil.rmtree(home)
    os.environ.update(GOVWH_HOME=str(home), GOVWH_INBOX=str(inbox),
                      GOVWH_PII_KEY=os.environ.get("GOVWH_PII_KEY") or secrets.token_hex(32))
    from dagster_project.ingest.service import ingest_partition, make_loader
    from dagster_project.lib.settings import Settings
    from dagster_project.lib.warehouse import Warehouse
    from dagster_project.quality.gx_runner import validate_partition

    periods = _months(args.start, 3)
    if not inbox.exists():
        from sources.generator import generate

        started = time.perf_counter()
        generate(inbox, scale=args.scale, start=args.start, months=3)
        print(f"generated {args.scale} quarter in {time.perf_counter() - started:.1f} s")
    contract = load_contract()
    deliveries = [d for d in scan(inbox, contract) if d.accepted and d.table in contract.tables
                  and d.period in periods]
    files = [d.path for d in deliveries]
    size_mb = sum(p.stat().st_size for p in files) / 1e6

    scratch = args.workdir / "utf8"
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    floor = floor_seconds([p for p in files if p.suffix == ".csv"], scratch)

    settings = Settings.from_env()
    loader = make_loader(settings)
    loader.row_by_row = args.row_by_row
    partitions = sorted({(d.period, d.table) for d in deliveries}, key=lambda p: (p[0], p[1] != "ca_division"))
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    per_table: dict[str, float] = {}
    for period, table in partitions:
        began = time.perf_counter()
        rows += sum(o.rows_physical for o in ingest_partition(loader, inbox, table, period))
        per_table[table] = per_table.get(table, 0.0) + time.perf_counter() - began
    ingest = time.perf_counter() - started
    ingest_cpu = time.process_time() - cpu_started

    validation = float("nan")
    if not args.no_gx:
        started = time.perf_counter()
        with Warehouse(settings.warehouse_path).writer() as con:
            for period, table in partitions:
                validate_partition(con, table, period, "bench")
        validation = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\ningest path: {'row by row (reference)' if args.row_by_row else 'columnar'}; "
          f"wall seconds per table: " + ", ".join(f"{t} {s:.2f}" for t, s in
                                                  sorted(per_table.items(), key=lambda kv: -kv[1])[:4]))
    print(f"\n{'scale':<8}{'files':>6}{'rows':>11}{'MB':>8}{'floor s':>9}{'ingest s':>10}{'ratio':>7}"
          f"{'ms/row':>8}{'CPU s':>8}{'rows/s':>10}{'GX s':>8}{'GX/ingest':>10}{'peak RSS MB':>13}")
    print(f"{args.scale:<8}{len(files):>6}{rows:>11}{size_mb:>8.1f}{floor:>9.2f}{ingest:>10.2f}"
          f"{ingest / floor:>7.1f}{ingest / rows * 1e3:>8.3f}{ingest_cpu:>8.2f}{rows / ingest:>10.0f}"
          f"{validation:>8.2f}{validation / ingest:>10.2f}{rss_mb:>13.0f}")


if __name__ == "__main__":
    main()
