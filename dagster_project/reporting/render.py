"""Reports: snapshot -> figures -> HTML (Jinja) -> PDF (WeasyPrint in a time-limited child).

The machinery here is shared by every report kind (the annual report below, the quarterly
public-safety analysis in safety.py, the monthly data-quality audit in audit.py): the Jinja
environment, the context every template gets (title, issuer, stamp, edition), safe file names, the
time-limited renderer and the editions logic (editions.py) that turns a re-issue on changed data into
a 修订版 and keeps the earlier PDF.
"""

import atexit
import json
import logging
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dagster_project.lib.contract import load_contract
from dagster_project.lib.paths import REPORT_TEMPLATES_DIR
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting import formatting
from dagster_project.reporting.charts import BarChart, horizontal_bar_chart
from dagster_project.reporting.data import FLOATING_SHARE, AnnualReport, load_annual_report
from dagster_project.reporting.editions import (
    FIRST_EDITION,
    Edition,
    content_digest,
    install,
    is_current,
    plan_edition,
    with_content_digest,
)

logger = logging.getLogger(__name__)

REPORT_TITLE = "年度社区治理调研报告"
ISSUER_PLACEHOLDER = "（发布单位）"
DEFAULT_TIME_LIMIT_S = 120.0
# Long-lived PDF workers (render_pdf): how many wait between renders, and how many PDFs one renders.
MAX_IDLE_PDF_WORKERS = 2
PDF_WORKER_MAX_RENDERS = 50
WORKER_EXIT_WAIT_S = 5.0
# Reports of one run rendered at once (render_each): one per core, and never more PDF workers than that.
REPORT_PARALLELISM = min(MAX_IDLE_PDF_WORKERS, os.cpu_count() or 1)
MAX_FILENAME_PART = 60

# How the report refers to its own area and to the units it compares.
SCOPE_WORDS = {"city": "全市", "district": "全区"}
SUB_AREA_NOUNS = {"city": "区", "district": "社区"}

T = TypeVar("T")
# The issue date a report's HTML is digested with (issue_report's stable_html_for): any fixed day.
STABLE_ISSUE_DATE = date(2000, 1, 1)

_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w-]+")


@dataclass(frozen=True)
class ReproStamp:
    """What is needed to reproduce a report: the pipeline run, the data it saw and the code version."""

    run_id: str
    data_fingerprint: str
    code_version: str


class ReportRenderError(RuntimeError):
    """The PDF could not be produced; no file was written at the target path."""


class ReportRenderTimeout(ReportRenderError, TimeoutError):
    """Rendering took longer than the report's time limit and was stopped."""


FILTERS = {
    "fmt_count": formatting.fmt_count,
    "fmt_average": formatting.fmt_average,
    "fmt_pct": formatting.fmt_pct,
    "fmt_value": formatting.fmt_value,
    "fmt_pp": formatting.fmt_pp,
    "fmt_norm": formatting.fmt_norm,
    "fmt_change_pct": formatting.fmt_change_pct,
    "fmt_wanyuan": formatting.fmt_wanyuan,
    "fmt_period": formatting.fmt_period,
    "fmt_date": formatting.fmt_date,
    "cn_list": formatting.cn_list,
}


def template_environment() -> Environment:
    """Jinja environment for reports: everything escaped, and an unknown name is an error, not a blank."""
    env = Environment(
        loader=FileSystemLoader(REPORT_TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render_template(name: str, **context: Any) -> str:
    return template_environment().get_template(name).render(**context)


def safe_filename_part(text: str, fallback: str) -> str:
    """Letters (Chinese included), digits, '_' and '-' only, so a name can never leave its directory."""
    cleaned = _UNSAFE_FILENAME_CHARS.sub("_", unicodedata.normalize("NFKC", text)).strip("_-")
    return cleaned[:MAX_FILENAME_PART] or fallback


def report_path(out_dir: Path, period: str, area_name: str, title: str = REPORT_TITLE) -> Path:
    """out_dir/<period>/<title>_<area name>_<period>.pdf, whatever the area is called."""
    return out_dir / period / f"{title}_{safe_filename_part(area_name, 'area')}_{period}.pdf"


def common_context(report_title: str, stamp: ReproStamp, issued_on: date, edition: Edition) -> dict[str, Any]:
    """What every report template needs besides its figures: cover furniture, stamp and edition."""
    return {
        "report_title": report_title,
        "issuer": ISSUER_PLACEHOLDER,
        "stamp": stamp,
        "issued_on": issued_on,
        "edition": edition,
        "suppression_threshold": formatting.SUPPRESSION_THRESHOLD,
    }


ReportHtml = Callable[[ReproStamp, date, Edition], str]


def issue_stamped(
    target: Path,
    stamp: ReproStamp,
    html_for: ReportHtml,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    issued_on: date | None = None,
) -> Path:
    """Issue a report of any kind at `target` under its reproducibility stamp.

    The stamp's data fingerprint decides the edition (a changed one makes a 修订版); a PDF already
    there that a new rendering would change only in run id and issue date is kept as issued;
    `issued_on` (default: today) is printed on the cover and recorded as the PDF creation date.
    """
    day = issued_on or date.today()
    return issue_report(
        target,
        stamp.data_fingerprint,
        lambda edition: html_for(stamp, day, edition),
        time_limit_s,
        stable_html_for=lambda edition: html_for(replace(stamp, run_id=""), STABLE_ISSUE_DATE, edition),
    )


def floating_share_chart(report: AnnualReport) -> BarChart:
    """Floating-population share by sub-area, highest first, with the whole area as a dashed line."""
    name = report.indicators[FLOATING_SHARE].name_zh
    figures = [(row.name, row.figures[FLOATING_SHARE]) for row in report.children]
    # Published values from highest to lowest; withheld or missing ones after them in table order.
    figures.sort(key=lambda item: (not item[1].shown, -(item[1].value or 0.0) if item[1].shown else 0.0))
    items = [
        (
            area_name,
            figure.value if figure.shown else None,
            formatting.fmt_pct(figure.value, suppressed=figure.suppressed),
        )
        for area_name, figure in figures
    ]
    whole = report.current[FLOATING_SHARE]
    reference = None
    if whole.shown and whole.value is not None:
        reference = (f"{SCOPE_WORDS[report.area_level]}{formatting.fmt_pct(whole.value)}", whole.value)
    return horizontal_bar_chart(
        title=f"{report.year}年各{SUB_AREA_NOUNS[report.area_level]}{name}",
        axis_label=f"{name}（%）",
        items=items,
        reference=reference,
    )


def annual_report_html(
    report: AnnualReport, stamp: ReproStamp, issued_on: date, edition: Edition = FIRST_EDITION
) -> str:
    return render_template(
        "annual_report.html.j2",
        **common_context(REPORT_TITLE, stamp, issued_on, edition),
        report=report,
        title=f"{report.area_name}{report.year}{REPORT_TITLE}",
        scope=SCOPE_WORDS[report.area_level],
        sub_area=SUB_AREA_NOUNS[report.area_level],
        chart=floating_share_chart(report),
    )


class _PdfWorker:
    """One long-lived pdf_worker child (--serve): WeasyPrint imported and fonts loaded once, many PDFs.

    The time limit is enforced per render: a render that has not answered in time gets its worker
    killed, and the next render starts a fresh one.
    """

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dagster_project.reporting.pdf_worker", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.renders = 0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def render(self, html: str, target: Path, time_limit_s: float) -> dict[str, Any]:
        """Send one request and wait for its reply; TimeoutError past the limit, EOFError if the child died."""
        deadline = time.monotonic() + time_limit_s
        body = html.encode("utf-8")
        header = json.dumps({"target": str(target), "length": len(body)}).encode("utf-8") + b"\n"
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(header + body)
        except BrokenPipeError:
            raise EOFError("the PDF worker is gone") from None
        self.renders += 1
        return json.loads(self._reply_line(deadline))

    def _reply_line(self, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        reply = bytearray()
        while not reply.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError(f"the PDF worker stopped (exit status {self.process.wait()})")
            reply += chunk
        return bytes(reply)

    def close(self) -> None:
        """Let the child finish on end of input; kill it if it does not."""
        try:
            self.process.communicate(timeout=WORKER_EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate()


class _PdfWorkerPool:
    """Idle workers of this process. Concurrent renders (threads) each take one, starting more as needed.

    At most MAX_IDLE_PDF_WORKERS are kept between renders; a worker is retired after
    PDF_WORKER_MAX_RENDERS renders so that memory WeasyPrint does not give back cannot pile up.
    A forked process never uses its parent's workers (their pipes belong to the parent).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_PdfWorker] = []
        self._pid = os.getpid()

    def take(self) -> _PdfWorker:
        with self._lock:
            if self._pid != os.getpid():
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
        return _PdfWorker()

    def give_back(self, worker: _PdfWorker) -> None:
        with self._lock:
            keep = (self._pid == os.getpid() and worker.alive and worker.renders < PDF_WORKER_MAX_RENDERS
                    and len(self._idle) < MAX_IDLE_PDF_WORKERS)
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.close()

    def close(self) -> None:
        """Stop the idle workers (at exit; a later render starts new ones)."""
        with self._lock:
            idle, self._idle = (self._idle, []) if self._pid == os.getpid() else ([], [])
        for worker in idle:
            worker.close()


_PDF_WORKERS = _PdfWorkerPool()
atexit.register(_PDF_WORKERS.close)


def render_pdf(html: str, target: Path, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> None:
    """Render in a worker process that is killed after `time_limit_s`; the target appears only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".pdf.part", dir=target.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        worker = _PDF_WORKERS.take()
        try:
            reply = worker.render(html, partial, time_limit_s)
        except BaseException as exc:
            # Whatever stopped the exchange (the limit, a dead child, an interrupt), the worker may be
            # mid-render: it is killed, never reused.
            worker.kill()
            if isinstance(exc, TimeoutError):
                raise ReportRenderTimeout(
                    f"rendering {target.name} exceeded the {time_limit_s:g} s limit and was stopped; "
                    "no PDF was written"
                ) from None
            if isinstance(exc, EOFError):
                raise ReportRenderError(f"rendering {target.name} failed: {exc}") from None
            raise
        _PDF_WORKERS.give_back(worker)
        if not reply["ok"]:
            raise ReportRenderError(f"rendering {target.name} failed: {reply['error']}")
        for line in reply["warnings"]:
            logger.warning("%s: %s", target.name, line)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def issue_report(
    target: Path,
    fingerprint: str,
    html_for: Callable[[Edition], str],
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    *,
    stable_html_for: Callable[[Edition], str] | None = None,
) -> Path:
    """Render the HTML of the right edition and put the PDF at `target`, keeping a superseded edition.

    The PDF is rendered beside the target first; the earlier edition is moved aside and the new one
    moved in only when rendering succeeded. `stable_html_for` renders the same HTML with a blank run
    id and a fixed issue date: its digest is recorded in the PDF, and a PDF already at `target` with
    the same digest is kept as it is, without rendering (editions.is_current).
    """
    edition = plan_edition(target, fingerprint)
    digest = None
    if stable_html_for is not None:
        digest = content_digest(stable_html_for(edition))
        if is_current(target, digest):
            logger.info("%s is up to date (only run id and issue date would change); kept as issued",
                        target.name)
            return target
    html = html_for(edition)
    if digest is not None:
        html = with_content_digest(html, digest)
    staged = target.with_name(f".{target.stem}.staged{target.suffix}")
    try:
        render_pdf(html, staged, time_limit_s)
        kept = install(staged, target, edition)
    finally:
        staged.unlink(missing_ok=True)
    if kept is not None:
        logger.info("%s is a revised edition (%d); the earlier one is kept as %s",
                    target.name, edition.number, kept.name)
    return target


def render_each(render_one: Callable[[T], Path], items: Sequence[T]) -> list[Path]:
    """Render independent reports (one per area) REPORT_PARALLELISM at a time; paths in `items` order.

    Each thread spends its time waiting on its own PDF worker process, so the reports really render in
    parallel. Each report has its own target, edition and staged file, so they cannot interfere. The
    first failure is raised once the reports already started have finished.
    """
    if len(items) <= 1 or REPORT_PARALLELISM <= 1:
        return [render_one(item) for item in items]
    with ThreadPoolExecutor(max_workers=REPORT_PARALLELISM, thread_name_prefix="report") as pool:
        return list(pool.map(render_one, items))


def render_annual_report(
    snapshot_path: Path,
    year: str,
    out_dir: Path,
    *,
    area_code: str | None = None,
    stamp: ReproStamp,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    issued_on: date | None = None,
) -> Path:
    """Write the annual community-governance report for the city (or one district) and return its path.

    The PDF lands at out_dir/<year>/年度社区治理调研报告_<area name>_<year>.pdf. `issued_on` (default:
    today) is the date printed on the cover and recorded as the PDF creation date. A report already
    there from other data is kept as an earlier edition and the new one is marked 修订版.
    """
    with read_snapshot(snapshot_path) as con:
        report = load_annual_report(con, year, load_contract(), area_code)
    return issue_stamped(
        report_path(out_dir, year, report.area_name),
        stamp,
        lambda *issue: annual_report_html(report, *issue),
        time_limit_s,
        issued_on,
    )
