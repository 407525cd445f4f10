"""PDF report rendering: pages, wall and CPU seconds, before (one child per PDF) and after (long-lived worker).

    uv run python -m bench.report_bench [--communities 1000] [--repeat 2] [--workdir DIR]

Builds a reporting snapshot with the test suite's fixture (tests/reporting/report_fixtures.py: one city,
three districts), with --communities synthetic communities added to 临江区 so that the district's annual
report (a table row and a chart bar per community) runs to about 40 pages; the city report and the other
districts stay a few pages long. The HTML of each report is rendered once with Jinja, then the same HTML
is turned into a PDF by:

- before: a fresh `python -m dagster_project.reporting.pdf_worker TARGET` child per PDF, which is what
  render_pdf did before it kept a worker: interpreter start, `import weasyprint`, fonts loaded, render;
- after:  render.render_pdf, whose long-lived worker (started before the clock; its start is shown on a
  row of its own) keeps WeasyPrint imported and its fonts loaded between PDFs.

Rows: the large district report alone, and the whole annual job (the city and every district, one after
the other, then REPORT_PARALLELISM at a time as catalogue.render_kind issues them, the second worker's
start included). A last row times issue_report on a report already issued that a new rendering would
change only in run id and issue date, which is kept without rendering. CPU s is user + system time of
this process and of its children (the worker included), so it is comparable between the two paths on
a loaded machine where wall time stretches.
Prints a table; asserts nothing.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "reporting"
for path in (ROOT, FIXTURES):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import report_fixtures  # noqa: E402  (test fixture, found through FIXTURES on sys.path)
from pypdf import PdfReader  # noqa: E402

from bench.pipeline_bench import format_table  # noqa: E402
from dagster_project.lib.contract import load_contract  # noqa: E402
from dagster_project.lib.warehouse import read_snapshot  # noqa: E402
from dagster_project.reporting import render  # noqa: E402
from dagster_project.reporting.data import load_annual_report  # noqa: E402

YEAR = "2024"
BIG_DISTRICT = "330102000000"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
COMMUNITY_WORDS = (
    "江滨 望江 渡口 松林 竹园 石桥 塔下 新村 东门 西湖 南山 北岸 金沙 银杏 翠苑 和平 长乐 永安"
).split()


def add_communities(count: int) -> None:
    """Synthetic communities of the big district, with varied counts (so bars and values differ)."""
    for i in range(count):
        code = f"{BIG_DISTRICT[:6]}{900 + i // 999:03d}{i % 999 + 1:03d}"
        name = f"{COMMUNITY_WORDS[i % len(COMMUNITY_WORDS)]}{i + 1}社区"
        base = report_fixtures.Base(
            households=900 + 37 * i % 2100,
            residents=2600 + 113 * i % 5200,
            floating=120 + 59 * i % 1500,
            adults=2100 + 97 * i % 4300,
            insured=1900 + 83 * i % 3900,
        )
        report_fixtures.COMMUNITIES[code] = (BIG_DISTRICT, name, base)


def report_html(snapshot: Path, area_code: str | None) -> str:
    with read_snapshot(snapshot) as con:
        report = load_annual_report(con, YEAR, load_contract(), area_code)
    return render.annual_report_html(report, report_fixtures.STAMP, report_fixtures.ISSUED_ON)


def _children() -> list[int]:
    """Live children of every thread (render_each starts workers from its own threads)."""
    tasks = Path(f"/proc/{os.getpid()}/task").glob("*/children")
    return sorted({int(c) for task in tasks for c in task.read_text().split()})


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds() -> float:
    """This process, its waited-for children and its live children (the PDF worker)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(_cpu_of(pid) for pid in _children())
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime + live


def one_child_per_pdf(html: str, target: Path) -> None:
    """The former render_pdf: a fresh interpreter per PDF."""
    result = subprocess.run([sys.executable, "-m", "dagster_project.reporting.pdf_worker", str(target)],
                            input=html.encode("utf-8"), capture_output=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode("utf-8", errors="replace"))


def timed(action: Callable[[], None], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `repeat` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, wall = cpu_seconds(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def pages(paths: list[Path]) -> int:
    return sum(len(PdfReader(p).pages) for p in paths)


def row(label: str, n_pages: int, wall: float, cpu: float) -> list[object]:
    per_page = f"{wall / n_pages:.2f}" if n_pages else "–"
    return [label, n_pages, f"{wall:.2f}", f"{cpu:.2f}", per_page, f"{cpu / n_pages:.2f}" if n_pages else "–"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=1000,
                        help="synthetic communities added to the big district (1000: about 40 pages)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the median is printed")
    parser.add_argument("--workdir", type=Path,
                        help="keep the snapshot (reused by the next run) and the PDFs here (default: a temp dir)")
    args = parser.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="report_bench."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        add_communities(args.communities)
        # Building takes minutes (row-by-row inserts of the fixture): one kept in --workdir is reused.
        snapshot = work / f"snapshot_{args.communities}.duckdb"
        if args.workdir is None or not snapshot.exists():
            partial = snapshot.with_suffix(".part")
            partial.unlink(missing_ok=True)
            started = time.perf_counter()
            report_fixtures.build_snapshot(partial)
            partial.rename(snapshot)
            print(f"snapshot with {len(report_fixtures.COMMUNITIES)} communities built in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        areas = [None, *report_fixtures.DISTRICTS]
        htmls = {area: report_html(snapshot, area) for area in areas}
        out = work / "pdf"
        out.mkdir(exist_ok=True)

        def targets(tag: str, chosen: list[str | None]) -> list[tuple[str, Path]]:
            return [(htmls[a], out / f"{tag}_{a or 'city'}.pdf") for a in chosen]

        def run_all(renderer: Callable[[str, Path], None], jobs: list[tuple[str, Path]]) -> Callable[[], None]:
            def run() -> None:
                for html, target in jobs:
                    renderer(html, target)
            return run

        # The worker's start, paid once per process: on a row of its own, outside the rows after it.
        wall, cpu = timed(lambda: render.render_pdf("<p>x</p>", out / "start.pdf"), 1)
        rows = [row("worker start + a first 1-page render (once per process)", 1, wall, cpu)]
        for label, chosen in [(f"district report ({args.communities} communities)", [BIG_DISTRICT]),
                              ("annual job: city + every district", areas)]:
            for tag, renderer in [("before: a child per PDF", one_child_per_pdf),
                                  ("after: long-lived worker", render.render_pdf)]:
                jobs = targets(tag.split(":")[0], chosen)
                wall, cpu = timed(run_all(renderer, jobs), args.repeat)
                rows.append(row(f"{label}, {tag}", pages([t for _, t in jobs]), wall, cpu))

        def render_job(job: tuple[str, Path]) -> Path:
            render.render_pdf(*job)
            return job[1]

        jobs = targets("parallel", areas)
        wall, cpu = timed(lambda: render.render_each(render_job, jobs), args.repeat)
        rows.append(row(f"annual job, after: {render.REPORT_PARALLELISM} at a time (render_each)",
                        pages([t for _, t in jobs]), wall, cpu))

        issued = out / "issued.pdf"

        def issue_big() -> None:
            html = htmls[BIG_DISTRICT]
            render.issue_report(issued, report_fixtures.STAMP.data_fingerprint, lambda edition: html,
                                stable_html_for=lambda edition: html)

        issue_big()
        wall, cpu = timed(issue_big, args.repeat)
        rows.append(row("re-issue that would change only run id and date: kept", 0, wall, cpu))

        print(format_table(["what", "pages", "wall s", "CPU s", "wall s/page", "CPU s/page"], rows))
        print(f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; median of {args.repeat} runs; "
              f"target: a 40-page report in ≤ 15 s")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
