"""Validation against ingestion for one synthetic ps_resident partition of 1 M and of 2.5 M rows.

    uv run python bench/validation_bench.py [--rows 1e6 2.5e6] [--pandas] [--workdir /tmp/govwh-vbench]

For each size, in a fresh warehouse: the generator's city division master is loaded, then a
ps_resident extract written by DuckDB from range() (checksummed IDs, real community codes) is loaded
by govwh's own loader (ingest s). The table's GX suite then runs the way its asset check runs it:
validate_partition on the writer connection, the audit rows and the Data Docs page (validation s).
GX is imported and warmed up on the division master first, as it is by the run's first check.
--pandas also times GX on a pandas frame of the same rows, the route not taken (it needs ~6 GB at
2.5 M rows). Target: validation adds at most 50% to ingestion. Prints one table; asserts nothing.
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

PERIOD = "2025-03"
TARGET = 0.5
ID_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"

# One resident per row: the ID is the community's county, a birth date and an order code that are
# unique per row (the birth day steps through 29,000 days by a stride coprime to it), and the GB 11643
# check character computed in SQL.
RESIDENTS_SQL = f"""
copy (
    with communities as (
        select code, row_number() over (order by code) - 1 as k, count(*) over () as n from codes
    ),
    people as (
        select i, c.code,
            left(c.code, 6)
                || strftime(date '1940-01-01' + cast(((i // 1000) * 7919) % 29000 as integer), '%Y%m%d')
                || lpad(cast(i % 1000 as varchar), 3, '0') as body
        from range($rows) t(i)
        join communities c on c.k = i % c.n
    )
    select
        body || substr('10X98765432', 1 + cast(list_sum(list_transform(range(17),
            lambda k: cast(substr(body, k + 1, 1) as integer) * {ID_WEIGHTS}[k + 1])) % 11 as bigint), 1)
            as 身份证号,
        '张伟' as 姓名,
        'H' || cast(i // 3 as varchar) as 户号,
        code as 社区代码,
        case when i % 7 = 0 then '流动人口' else '户籍人口' end as 人口类型,
        strftime(date '2010-01-01' + cast(i % 5000 as integer), '%Y-%m-%d') as 登记日期,
        '' as 联系电话
    from people
) to '$path' (header, delimiter ',')
"""


def write_residents(path: Path, communities: list[str], rows: int) -> None:
    con = duckdb.connect()
    con.execute("create table codes (code varchar)")
    con.executemany("insert into codes values (?)", [[c] for c in communities])
    con.execute(RESIDENTS_SQL.replace("$rows", str(rows)).replace("$path", str(path)))
    con.close()


def pandas_seconds(con: duckdb.DuckDBPyConnection) -> float:
    """GX on a pandas frame of the partition's current rows, with the date cast GX needs to be fast."""
    from dagster_project.quality import gx_compat
    from dagster_project.quality.gx_runner import RESULT_FORMAT, current_rows_query, suite_parameters
    from dagster_project.quality.suites import load_suite_json

    suite_json = load_suite_json("ps_resident")
    suite = gx_compat.suite_from_json(suite_json)
    context = gx_compat.ephemeral_context()
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("ps_resident")
    definition = asset.add_batch_definition_whole_dataframe("all")
    started = time.perf_counter()
    frame = con.execute(current_rows_query("ps_resident", PERIOD)).fetchdf()
    frame["registered_date"] = frame["registered_date"].astype("datetime64[ns]")
    definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format=RESULT_FORMAT, expectation_parameters=suite_parameters(PERIOD, suite_json, None)
    )
    return time.perf_counter() - started


def measure(rows: int, workdir: Path, with_pandas: bool) -> dict[str, float]:
    from dagster_project.ingest.service import ingest_partition, make_loader
    from dagster_project.lib.settings import Settings
    from dagster_project.lib.warehouse import Warehouse
    from dagster_project.quality.data_docs import publish_validation
    from dagster_project.quality.gx_runner import record_outcome, validate_partition
    from sources.generator import generate

    home, inbox = workdir / f"home-{rows}", workdir / f"inbox-{rows}"
    if home.exists():
        shutil.rmtree(home)
    if inbox.exists():
        shutil.rmtree(inbox)
    generate(inbox, scale="city", start=PERIOD, months=1, tables=["ca_division"])
    settings = Settings(home=home, inbox=inbox)
    home.mkdir(parents=True)
    loader = make_loader(settings, "bench")
    ingest_partition(loader, inbox, "ca_division", PERIOD)
    warehouse = Warehouse(settings.warehouse_path)
    with warehouse.writer() as con:
        communities = [r[0] for r in con.execute(
            "select division_code from raw.ca_division where level = '社区'").fetchall()]
        validate_partition(con, "ca_division", PERIOD, "warm-up")
    extract = inbox / "public_security" / PERIOD / "ps_resident.csv"
    extract.parent.mkdir(parents=True, exist_ok=True)
    write_residents(extract, communities, rows)

    started = time.perf_counter()
    [outcome] = ingest_partition(loader, inbox, "ps_resident", PERIOD)
    ingest = time.perf_counter() - started
    if outcome.rows_loaded != rows:
        raise RuntimeError(f"loaded {outcome.rows_loaded} of {rows} rows: {outcome.message}")

    started = time.perf_counter()
    with warehouse.writer() as con:
        result = validate_partition(con, "ps_resident", PERIOD, "bench")
        record_outcome(con, result)
        publish_validation(workdir / "data_docs", result)
    validation = time.perf_counter() - started
    if result.failures:
        raise RuntimeError(f"the synthetic partition fails {[f.expectation for f in result.failures]}")

    measured = {"rows": rows, "ingest": ingest, "validation": validation}
    if with_pandas:
        with warehouse.writer() as con:
            measured["pandas"] = pandas_seconds(con)
    shutil.rmtree(home)
    shutil.rmtree(inbox)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", type=float, default=[1e6, 2.5e6])
    parser.add_argument("--pandas", action="store_true", help="also time GX on a pandas frame")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/govwh-vbench"))
    args = parser.parse_args()
    os.environ["GOVWH_PII_KEY"] = os.environ.get("GOVWH_PII_KEY") or secrets.token_hex(32)

    results = [measure(int(n), args.workdir, args.pandas) for n in args.rows]
    pandas_header = f"{'GX pandas s':>13}" if args.pandas else ""
    print(f"\n{'rows':>10}{'ingest s':>10}{'validation s':>14}{'added':>8}{'target':>8}{pandas_header}")
    for r in results:
        added = r["validation"] / r["ingest"]
        pandas_cell = f"{r['pandas']:>13.1f}" if args.pandas else ""
        print(f"{int(r['rows']):>10}{r['ingest']:>10.1f}{r['validation']:>14.1f}{added:>8.0%}"
              f"{'met' if added <= TARGET else 'MISSED':>8}{pandas_cell}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
