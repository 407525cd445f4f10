"""The whole pipeline per stage, against its physical floor and against the pandas peer, in one run.

    uv run python -m bench.pipeline_bench --scale demo --months 3 [--start 2025-01] [--inbox DIR]
                                          [--workdir DIR] [--no-peer] [--no-incremental] [--json FILE]

In a temporary GOVWH_HOME (or --workdir), each step runs in a child process of its own, one after the
other, so that its wall time and memory are its own:

1. generate  the scale's extracts for --months months (skipped with --inbox, which reuses an inbox);
2. floor     DuckDB read_csv (all_varchar) of every CSV extract and openpyxl (read-only) of every XLSX
             extract: every delivered byte read once. GB18030 files are transcoded to UTF-8 before the
             clock starts (DuckDB reads UTF-8 only), which favours the floor;
3. pipeline  run_pipeline exactly as `govwh run` calls it, headless. Stages come from the Dagster event
             log: ingest (receipts and ingest asset steps), validation (the gx_suite asset checks), dbt
             build, snapshot and reports; what lies outside any step (imports, loading the definitions,
             launching runs) is orchestration. Report pages are counted with pypdf;
4. peer      bench/pandas_peer.py: pandas read + normalise + the same GX suites on DataFrames + ten
             indicators, its indicator values checked against marts.fct_indicator_values;
5. increment the first months - 1 into a fresh home, then the last month added to the inbox and the
             pipeline run again, compared with the full rebuild of step 3.

Peak RSS is the largest sum of the resident sets of a child process and all its descendants (dbt
runs as a subprocess of the pipeline), sampled every 0.1 s while each stage runs; the kernel's own
peak (ru_maxrss) of the child is the floor of that figure. CPU s is the processor time of the same
process tree over the stage (user + system, all threads): on a machine shared with other work the wall
time stretches with the load, the CPU time much less, so the ratios are printed for both.
Prints tables; asserts nothing.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE_SECONDS = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STAGES = ("ingest", "validation", "dbt build", "snapshot", "reports", "orchestration")
CHECK_STEP_SUFFIX = "_gx_suite"
RESULT_PREFIX = "BENCH-RESULT "


# ---------------------------------------------------------------------------------------------------
# pure helpers

def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def rate(count: float | None, seconds: float | None) -> float | None:
    return count / seconds if count and seconds else None


def stage_of(job_name: str, step_key: str) -> str | None:
    """The stage a Dagster step belongs to, or None for a step this harness does not know."""
    if job_name.startswith("ingest_") or job_name == "receipts_job":
        return "validation" if step_key.endswith(CHECK_STEP_SUFFIX) else "ingest"
    if job_name == "model_job":
        return "snapshot" if "reporting_snapshot" in step_key else "dbt build"
    if job_name.endswith("_report_job"):
        return "reports"
    return None


@dataclass(frozen=True)
class Step:
    stage: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def stage_seconds(steps: Iterable[Step], total: float) -> dict[str, float]:
    """Seconds per stage; orchestration is what the total leaves outside every step."""
    seconds = dict.fromkeys(STAGES, 0.0)
    for step in steps:
        seconds[step.stage] += step.seconds
    seconds["orchestration"] = max(0.0, total - sum(seconds.values()))
    return seconds


def stage_peaks(samples: Sequence[tuple[float, int]], steps: Sequence[Step]) -> dict[str, int]:
    """Largest sampled RSS (kB) per stage; samples outside every step count for orchestration."""
    peaks = dict.fromkeys(STAGES, 0)
    ordered = sorted(steps, key=lambda s: s.start)
    for t, kb in samples:
        stage = next((s.stage for s in ordered if s.start <= t <= s.end), "orchestration")
        peaks[stage] = max(peaks[stage], kb)
    return peaks


def cpu_at(series: Sequence[tuple[float, float]], t: float) -> float:
    """The cumulative CPU seconds of a sampled series at time t (the last sample not after t)."""
    value = series[0][1] if series else 0.0
    for when, cpu in series:
        if when > t:
            break
        value = cpu
    return value


def stage_cpu(series: Sequence[tuple[float, float]], steps: Iterable[Step], total: float) -> dict[str, float]:
    """CPU seconds per stage from a cumulative series; orchestration is what the total leaves."""
    cpu = dict.fromkeys(STAGES, 0.0)
    for step in steps:
        cpu[step.stage] += max(0.0, cpu_at(series, step.end) - cpu_at(series, step.start))
    cpu["orchestration"] = max(0.0, total - sum(cpu.values()))
    return cpu


def months(start: str, count: int) -> list[str]:
    year, month = map(int, start.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def link_periods(source: Path, target: Path, periods: Iterable[str]) -> int:
    """Hard-link the files of `source`'s <department>/<period>/ folders for `periods` into `target`."""
    wanted = set(periods)
    linked = 0
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and len(rel.parts) >= 3 and rel.parts[1] in wanted:
            dest = target / rel
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                shutil.copy2(path, dest)
            linked += 1
    return linked


# ---------------------------------------------------------------------------------------------------
# memory of a process tree

def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.extend(int(p) for p in fh.read().split())
        except OSError:
            continue
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system time of a process and of its children it has already reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command name: state is field 3, utime/stime/cutime/cstime are fields 14-17
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS


def tree_usage(pid: int) -> tuple[int, float]:
    """(RSS kB, CPU s) of a process and all its live descendants; reaped ones count in their parent's CPU."""
    rss, cpu, todo, seen = 0, 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        rss += _rss_kb(current)
        cpu += _cpu_seconds(current)
        todo.extend(_children(current))
    return rss, cpu


class TreeSampler:
    """Samples RSS and CPU time of this process and its descendants in a background thread."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.cpu: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = time.time()
        rss, cpu = tree_usage(os.getpid())
        self.samples.append((now, rss))
        self.cpu.append((now, cpu))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeSampler":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_kb(self) -> int:
        import resource

        kernel = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return max([kb for _, kb in self.samples] + [kernel])

    @property
    def cpu_seconds(self) -> float:
        return self.cpu[-1][1] - self.cpu[0][1]


def _emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def _deliveries(inbox: Path) -> list:
    from dagster_project.ingest.inbox import scan
    from dagster_project.lib.contract import load_contract

    contract = load_contract()
    return [d for d in scan(inbox, contract) if d.accepted and d.table in contract.tables]


# ---------------------------------------------------------------------------------------------------
# children

def child_generate(args: argparse.Namespace) -> None:
    from sources.generator import generate

    with TreeSampler() as sampler:
        started = time.perf_counter()
        summary = generate(args.inbox, scale=args.scale, start=args.start, months=args.months)
        seconds = time.perf_counter() - started
    _emit({"seconds": seconds, "cpu": sampler.cpu_seconds, "rows": sum(summary.rows.values()),
           "files": len(summary.files),
           "bytes": sum(p.stat().st_size for p in summary.files), "peak_kb": sampler.peak_kb})


def child_floor(args: argparse.Namespace) -> None:
    import duckdb
    import openpyxl

    deliveries = _deliveries(args.inbox)
    scratch = Path(tempfile.mkdtemp(prefix="govwh-floor-"))
    csvs, xlsxs = [], [d.path for d in deliveries if d.path.suffix == ".xlsx"]
    for i, d in enumerate(x for x in deliveries if x.path.suffix == ".csv"):
        data = d.path.read_bytes()
        try:
            data.decode("utf-8")
            csvs.append(d.path)
        except UnicodeDecodeError:
            target = scratch / f"{i}.csv"
            target.write_text(data.decode("gb18030"), encoding="utf-8")
            csvs.append(target)
    with TreeSampler() as sampler:
        con = duckdb.connect()
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = 0
        for path in csvs:
            con.execute("create or replace table t as select * from read_csv(?, all_varchar = true)", [str(path)])
            rows += con.execute("select count(*) from t").fetchone()[0]
        csv_seconds, csv_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        con.close()
        started, cpu_started = time.perf_counter(), time.process_time()
        for path in xlsxs:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                rows += sum(1 for _ in sheet.iter_rows(values_only=True))
            book.close()
        xlsx_seconds, xlsx_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    shutil.rmtree(scratch)
    _emit({"csv_seconds": csv_seconds, "xlsx_seconds": xlsx_seconds, "cpu": csv_cpu + xlsx_cpu, "csv_files": len(csvs),
           "xlsx_files": len(xlsxs), "rows": rows, "bytes": sum(d.path.stat().st_size for d in deliveries),
           "peak_kb": sampler.peak_kb})


def child_pipeline(args: argparse.Namespace) -> None:
    import dagster as dg
    import duckdb
    from pypdf import PdfReader

    from dagster_project.lib.settings import Settings
    from dagster_project.runner import run_pipeline

    settings = Settings.from_env()
    with TreeSampler() as sampler:
        began = time.time()
        result = run_pipeline(settings, progress=lambda line: print(line, file=sys.stderr, flush=True))
        ended = time.time()
    instance = dg.DagsterInstance.get()
    steps: list[Step] = []
    run_ids = []
    for record in instance.get_run_records():
        run = record.dagster_run
        if record.create_timestamp.timestamp() < began - 1:
            continue
        run_ids.append(run.run_id)
        starts: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or entry.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                starts[entry.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in starts:
                stage = stage_of(run.job_name, entry.step_key)
                if stage is not None:
                    steps.append(Step(stage, starts.pop(entry.step_key), entry.timestamp))
    total = ended - began
    seconds = stage_seconds(steps, total)
    peaks = stage_peaks(sampler.samples, steps)
    cpu = stage_cpu(sampler.cpu, steps, sampler.cpu_seconds)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        placeholders = ", ".join("?" * len(run_ids)) or "null"
        files, rows, size = con.execute(
            "select count(*), coalesce(sum(rows_physical), 0), coalesce(sum(size_bytes), 0) from audit.load_ledger "
            f"where status in ('LOADED', 'PARTIAL') and run_id in ({placeholders})", run_ids).fetchone()
        raw_rows = con.execute(
            "select coalesce(sum(rows_loaded), 0) from audit.load_ledger where status in ('LOADED', 'PARTIAL')"
        ).fetchone()[0]
    cells = 0
    if settings.snapshot_path.exists():
        with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
            cells = con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]
    pages = sum(len(PdfReader(p).pages) for p in result.pdfs)
    _emit({"ok": result.ok, "problems": result.blocked + result.failed_runs, "total": total,
           "seconds": seconds, "cpu": cpu, "total_cpu": sampler.cpu_seconds, "peak_kb": peaks,
           "tree_peak_kb": sampler.peak_kb,
           "files": files, "rows": rows, "bytes": size, "raw_rows": raw_rows, "cells": cells,
           "pdfs": len(result.pdfs), "pages": pages, "steps": len(steps)})


def child_peer(args: argparse.Namespace) -> None:
    import duckdb

    from bench.pandas_peer import PEER_INDICATORS, run_peer
    from dagster_project.lib.settings import Settings, pii_key

    settings = Settings.from_env()
    deliveries = [(d.path, d.table, d.period) for d in _deliveries(args.inbox)]
    with TreeSampler() as sampler:
        result = run_peer(deliveries, pii_key(settings))
    peer = result.indicators
    codes = ", ".join(f"'{c}'" for c in PEER_INDICATORS)
    query = ("select indicator_code, area_code, area_level, period, numerator, denominator, value "
             f"from marts.fct_indicator_values where indicator_code in ({codes}) and not suppressed "
             "and area_level in ('city', 'community')")
    if settings.snapshot_path.exists():  # the pipeline's published cells, to check the peer against
        with duckdb.connect(str(settings.snapshot_path), read_only=True) as con:
            published = con.execute(query).fetchdf()
    else:
        published = peer.iloc[0:0][["indicator_code", "area_code", "area_level", "period", "numerator",
                                    "denominator", "value"]]
    merged = published.merge(peer, on=["indicator_code", "area_code", "area_level", "period"],
                             suffixes=("_ours", "_peer"))
    agree = merged.apply(lambda r: _close(r["value_ours"], r["value_peer"])
                         and _close(r["numerator_ours"], r["numerator_peer"]), axis=1).astype(bool)
    differing = merged[~agree].head(5)
    _emit({"seconds": result.seconds, "cpu": result.cpu, "files": result.files, "rows_read": result.rows_read,
           "rows_kept": result.rows_kept, "expectations_run": result.expectations_run,
           "expectations_failed": result.expectations_failed,
           "expectations_skipped": result.expectations_skipped, "peak_kb": sampler.peak_kb,
           "cells_peer": len(peer), "cells_compared": len(merged), "cells_agree": int(agree.sum()),
           "city_cells_compared": int((merged["area_level"] == "city").sum()),
           "differing": differing.to_dict("records")})


def _close(a: float | None, b: float | None) -> bool:
    import math

    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) <= 1e-6 * max(1.0, abs(a))


CHILDREN = {"generate": child_generate, "floor": child_floor, "pipeline": child_pipeline, "peer": child_peer}


# ---------------------------------------------------------------------------------------------------
# the parent

def run_child(kind: str, inbox: Path, home: Path | None, args: argparse.Namespace, key: str) -> dict:
    command = [sys.executable, "-m", "bench.pipeline_bench", "--child", kind, "--inbox", str(inbox),
               "--scale", args.scale, "--start", args.start, "--months", str(args.months)]
    env = dict(os.environ, GOVWH_INBOX=str(inbox), GOVWH_PII_KEY=key, GX_ANALYTICS_ENABLED="false")
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env.update(GOVWH_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    print(f"· {kind} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed with exit code {done.returncode}")
    return {**json.loads(lines[-1][len(RESULT_PREFIX):]), "wall": wall}


def mb(kb: float | None) -> str:
    return fmt(kb / 1024, 0) if kb else "–"


def report(args: argparse.Namespace, r: dict) -> str:
    """The measurements as tables. CPU s is the processor time of the process tree: on a machine shared
    with other work, wall time stretches with the load and CPU time much less."""
    pipe, floor, gen = r["pipeline"], r["floor"], r.get("generate")
    load = r["load"]
    out = [f"scale {args.scale}, {args.months} months from {args.start}: {floor['csv_files']} CSV + "
           f"{floor['xlsx_files']} XLSX extracts, {pipe['rows']:,} rows, {floor['bytes'] / 1e6:.1f} MB; "
           f"{os.cpu_count()} cores, load average {load[0]:.1f} before / {load[1]:.1f} after"]
    rows = []
    if gen:
        rows.append(["generate", fmt(gen["seconds"]), fmt(gen["cpu"]), f"{gen['rows']:,}",
                     fmt(rate(gen["rows"], gen["seconds"]), 0), mb(gen["peak_kb"])])
    counted = {"ingest": pipe["rows"], "validation": pipe["rows"], "dbt build": pipe["raw_rows"],
               "snapshot": pipe["cells"], "reports": pipe["pages"]}
    for stage in STAGES:
        seconds, count = pipe["seconds"][stage], counted.get(stage)
        rows.append([stage, fmt(seconds), fmt(pipe["cpu"][stage]), f"{count:,}" if count is not None else "",
                     fmt(rate(count, seconds), 0 if stage != "reports" else 2), mb(pipe["peak_kb"][stage])])
    rows.append(["pipeline end to end", fmt(pipe["total"]), fmt(pipe["total_cpu"]), f"{pipe['rows']:,}",
                 fmt(rate(pipe["rows"], pipe["total"]), 0), mb(pipe["tree_peak_kb"])])
    out += ["", "Pipeline (run_pipeline, headless) per stage", format_table(
        ["stage", "wall s", "CPU s", "rows", "rows/s", "peak RSS MB"], rows)]
    out.append(f"rows: ingest and validation count delivered rows, dbt build the raw rows it reads, snapshot the "
               f"indicator cells it publishes, reports the pages (per second). Reports: {pipe['pdfs']} PDFs, "
               f"{pipe['pages']} pages, {fmt(rate(pipe['seconds']['reports'], pipe['pages']), 2)} s per page")
    if not pipe["ok"]:
        out.append("pipeline problems: " + "; ".join(pipe["problems"]))

    floor_total = floor["csv_seconds"] + floor["xlsx_seconds"]
    out += ["", "Floor: every extract byte read once", format_table(
        ["reader", "files", "wall s", "CPU s", "MB/s", "peak RSS MB"],
        [["DuckDB read_csv", floor["csv_files"], fmt(floor["csv_seconds"], 2), "", "", ""],
         ["openpyxl (XLSX)", floor["xlsx_files"], fmt(floor["xlsx_seconds"], 2), "", "", ""],
         ["floor", floor["csv_files"] + floor["xlsx_files"], fmt(floor_total, 2), fmt(floor["cpu"], 2),
          fmt(rate(floor["bytes"] / 1e6, floor_total), 1), mb(floor["peak_kb"])]])]

    ours_stages = ("ingest", "validation", "dbt build")
    ours = sum(pipe["seconds"][s] for s in ours_stages)
    ours_cpu = sum(pipe["cpu"][s] for s in ours_stages)
    ratios = [["end to end / floor", fmt(pipe["total"] / floor_total, 0), fmt(pipe["total_cpu"] / floor["cpu"], 0)],
              ["ingest + validation / floor",
               fmt((pipe["seconds"]["ingest"] + pipe["seconds"]["validation"]) / floor_total, 0),
               fmt((pipe["cpu"]["ingest"] + pipe["cpu"]["validation"]) / floor["cpu"], 0)]]
    peer = r.get("peer")
    if peer:
        s, c = peer["seconds"], peer["cpu"]
        out += ["", "pandas peer (bench/pandas_peer.py) against govwh", format_table(
            ["step", "peer wall s", "peer CPU s", "govwh wall s", "govwh CPU s", "govwh stage"],
            [["read + normalise", fmt(s["read"] + s["normalise"]), fmt(c["read"] + c["normalise"]),
              fmt(pipe["seconds"]["ingest"]), fmt(pipe["cpu"]["ingest"]), "ingest"],
             ["GX validation", fmt(s["validate"]), fmt(c["validate"]), fmt(pipe["seconds"]["validation"]),
              fmt(pipe["cpu"]["validation"]), "validation"],
             ["indicators", fmt(s["indicators"]), fmt(c["indicators"]), fmt(pipe["seconds"]["dbt build"]),
              fmt(pipe["cpu"]["dbt build"]), "dbt build"],
             ["total", fmt(sum(s.values())), fmt(sum(c.values())), fmt(ours), fmt(ours_cpu), ""]])]
        out.append(f"peer: {peer['rows_read']:,} rows read, {peer['rows_kept']:,} kept; "
                   f"{peer['expectations_run']:,} expectations run ({peer['expectations_failed']} failed, "
                   f"{peer['expectations_skipped']} SQL-only skipped); peak RSS {mb(peer['peak_kb'])} MB; "
                   f"10 indicators, {peer['cells_peer']:,} cells (months, communities and city); agreement with "
                   f"marts.fct_indicator_values: {peer['cells_agree']:,} of {peer['cells_compared']:,} published "
                   f"cells ({peer['city_cells_compared']} city-level)")
        for d in peer["differing"]:
            out.append(f"  differs: {d['indicator_code']} {d['area_code']} {d['period']}: "
                       f"ours {d['value_ours']} ({d['numerator_ours']}/{d['denominator_ours']}), "
                       f"peer {d['value_peer']} ({d['numerator_peer']}/{d['denominator_peer']})")
        ratios.append(["pandas peer / govwh (ingest + validation + indicators)", fmt(sum(s.values()) / ours, 2),
                       fmt(sum(c.values()) / ours_cpu, 2)])
    inc = r.get("incremental")
    if inc:
        base, plus = inc["base"], inc["plus"]
        shown = ("ingest", "validation", "dbt build", "reports")

        def line(label: str, run: dict) -> list[str]:
            return [label, fmt(run["total"]), fmt(run["total_cpu"]), f"{run['rows']:,}",
                    *(fmt(run["seconds"][k]) for k in shown), mb(run["tree_peak_kb"])]

        out += ["", f"Incremental: {args.months - 1} months loaded, then month {inc['month']} added", format_table(
            ["run", "wall s", "CPU s", "rows", *(f"{k} s" for k in shown), "peak RSS MB"],
            [line(f"first {args.months - 1} months", base), line(f"+ {inc['month']}", plus),
             line(f"full rebuild, {args.months} months", pipe)])]
        ratios.append(["one more month / full rebuild", f"{plus['total'] / pipe['total']:.0%}",
                       f"{plus['total_cpu'] / pipe['total_cpu']:.0%}"])
    out += ["", format_table(["ratio", "wall", "CPU"], ratios)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="demo", choices=["tiny", "demo", "city", "province"])
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--start", default="2025-01")
    parser.add_argument("--inbox", type=Path, help="reuse this inbox instead of generating one")
    parser.add_argument("--workdir", type=Path, help="keep homes and inboxes here (default: a temporary folder)")
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    parser.add_argument("--no-incremental", action="store_true", help="skip the one-more-month measurement")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args)
        return

    key = os.environ.get("GOVWH_PII_KEY") or secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="govwh-pbench-") as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        results: dict = {"load": [os.getloadavg()[0]]}
        inbox = args.inbox.resolve() if args.inbox else workdir / "inbox"
        if args.inbox is None:
            if inbox.exists():
                shutil.rmtree(inbox)
            results["generate"] = run_child("generate", inbox, None, args, key)
        results["floor"] = run_child("floor", inbox, None, args, key)
        home = workdir / "home"
        if home.exists():
            shutil.rmtree(home)
        results["pipeline"] = run_child("pipeline", inbox, home, args, key)
        if not args.no_peer:
            results["peer"] = run_child("peer", inbox, home, args, key)
        periods = sorted({p.name for p in inbox.glob("*/*") if p.is_dir()})
        if not args.no_incremental and len(periods) >= 2:
            partial, home_inc = workdir / "inbox-incremental", workdir / "home-incremental"
            for path in (partial, home_inc):
                if path.exists():
                    shutil.rmtree(path)
            link_periods(inbox, partial, periods[:-1])
            base = run_child("pipeline", partial, home_inc, args, key)
            link_periods(inbox, partial, periods[-1:])
            plus = run_child("pipeline", partial, home_inc, args, key)
            results["incremental"] = {"month": periods[-1], "base": base, "plus": plus}
        results["load"].append(os.getloadavg()[0])
        print(report(args, results))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
