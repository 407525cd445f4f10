"""Reports: snapshot -> figures -> HTML (Jinja) -> PDF (WeasyPrint in a time-limited child).

The machinery here is shared by every report kind (the annual report below, the quarterly
public-safety analysis in safety.py, the monthly data-quality audit in audit.py): the Jinja
environment, the context every template gets (title, issuer, stamp, edition), safe file names, the
time-limited renderer and the editions logic (editions.py) that turns a re-issue on changed data into
a 修订版 and keeps the earlier PDF.
"""

import logging
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dagster_project.lib.contract import load_contract
from dagster_project.lib.paths import REPORT_TEMPLATES_DIR
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting import formatting
from dagster_project.reporting.charts import BarChart, horizontal_bar_chart
from dagster_project.reporting.data import FLOATING_SHARE, AnnualReport, load_annual_report
from dagster_project.reporting.editions import FIRST_EDITION, Edition, install, plan_edition

logger = logging.getLogger(__name__)

REPORT_TITLE = "年度社区治理调研报告"
ISSUER_PLACEHOLDER = "（发布单位）"
DEFAULT_TIME_LIMIT_S = 120.0
MAX_FILENAME_PART = 60

# How the report refers to its own area and to the units it compares.
SCOPE_WORDS = {"city": "全市", "district": "全区"}
SUB_AREA_NOUNS = {"city": "区", "district": "社区"}

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


def render_pdf(html: str, target: Path, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> None:
    """Render in a child process that is killed after `time_limit_s`; the target appears only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".pdf.part", dir=target.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        try:
            result = subprocess.run(
                [sys.executable, "-m", "dagster_project.reporting.pdf_worker", str(partial)],
                input=html.encode("utf-8"),
                capture_output=True,
                timeout=time_limit_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ReportRenderTimeout(
                f"rendering {target.name} exceeded the {time_limit_s:g} s limit and was stopped; "
                "no PDF was written"
            ) from None
        messages = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        if result.returncode != 0:
            reason = messages[-1] if messages else f"exit status {result.returncode}"
            raise ReportRenderError(f"rendering {target.name} failed: {reason}")
        for line in messages:
            logger.warning("%s: %s", target.name, line)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def issue_report(
    target: Path,
    fingerprint: str,
    html_for: Callable[[Edition], str],
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> Path:
    """Render the HTML of the right edition and put the PDF at `target`, keeping a superseded edition.

    The PDF is rendered beside the target first; the earlier edition is moved aside and the new one
    moved in only when rendering succeeded.
    """
    edition = plan_edition(target, fingerprint)
    html = html_for(edition)
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
    day = issued_on or date.today()
    return issue_report(
        report_path(out_dir, year, report.area_name),
        stamp.data_fingerprint,
        lambda edition: annual_report_html(report, stamp, day, edition),
        time_limit_s,
    )
