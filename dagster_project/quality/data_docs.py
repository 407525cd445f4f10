"""Data Docs for auditors: a static, offline HTML rendering of every GX validation result.

    $GOVWH_HOME/audit/data_docs/index.html                                every validation, newest period first
    $GOVWH_HOME/audit/data_docs/validations/<suite>/<period>/<run>.html   one suite run on one partition
    $GOVWH_HOME/audit/data_docs/validations/<suite>/<period>/<run>.json   GX's own validation result

GX's site builder needs a file-backed context and its pages pull scripts and styles from CDNs; these
pages fetch nothing and open from a file on a machine without network. They are faithful to GX: the
rule of each expectation is GX's own prescriptive sentence, and GX's serialised result sits next to
the page. Each check writes its own page (and a one-line summary) as it reports, so a run's pages exist
as soon as its checks do and earlier runs' pages are never rewritten. The index is built from the
summaries once per run, when the run's `data_docs` resource is torn down (see `data_docs_site`).
"""

import functools
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse
from dagster_project.quality.gx_runner import SuiteOutcome
from dagster_project.quality.suites import load_suite_json

DATA_DOCS_DIR = "data_docs"
INDEX = "index.html"
VALIDATIONS_DIR = "validations"
SUMMARY_SUFFIX = ".summary.json"
TEMPLATES_DIR = Path(__file__).parent / "templates"
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class ValidationSummary:
    """One line of the index, kept next to its page so the index is rebuilt without GX or the warehouse."""

    suite: str
    period: str
    run_id: str
    checked_at: str
    row_count: int
    passed: bool
    failed_errors: int
    failed_warnings: int
    expectations: int
    page: str


def data_docs_dir(audit_dir: Path) -> Path:
    return audit_dir / DATA_DOCS_DIR


@functools.cache
def _environment() -> Environment:
    """One per process: Jinja compiles each template once per environment, not once per page."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_atomically(path: Path, text: str) -> None:
    """Readers (a browser, `govwh status`) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _page_stem(docs_dir: Path, outcome: SuiteOutcome) -> Path:
    """Suite and period are validated upstream; the run ID comes from outside and is made path-safe."""
    run = _UNSAFE_NAME_CHARS.sub("_", outcome.run_id) or "run"
    return docs_dir / VALIDATIONS_DIR / outcome.suite / outcome.period / run


def index_path(docs_dir: Path) -> Path:
    return docs_dir / INDEX


def publish_validation(docs_dir: Path, outcome: SuiteOutcome) -> Path:
    """Write the page, GX result and summary of one validation, and return the page.

    The index is not touched: it is built once per run from every summary (`build_index`).
    """
    stem = _page_stem(docs_dir, outcome)
    page, result_json = stem.with_suffix(".html"), stem.with_suffix(".json")
    suite_json = load_suite_json(outcome.suite)
    _write_atomically(result_json, json.dumps(outcome.gx_result, ensure_ascii=False, indent=1, default=str))
    html = _environment().get_template("validation.html.j2").render(
        outcome=outcome,
        suite_notes=suite_json["notes"],
        queries=[e["kwargs"].get("unexpected_rows_query") for e in suite_json["expectations"]],
        checked_at=f"{outcome.checked_at:%Y-%m-%d %H:%M:%S}",
        gx_version=outcome.gx_result.get("meta", {}).get("great_expectations_version", "unknown"),
        index=os.path.relpath(docs_dir / INDEX, page.parent),
        result_json=result_json.name,
    )
    _write_atomically(page, html)
    summary = ValidationSummary(
        suite=outcome.suite,
        period=outcome.period,
        run_id=outcome.run_id,
        checked_at=f"{outcome.checked_at:%Y-%m-%d %H:%M:%S}",
        row_count=outcome.row_count,
        passed=outcome.passed,
        failed_errors=len(outcome.blocking_failures),
        failed_warnings=len(outcome.failures) - len(outcome.blocking_failures),
        expectations=len(outcome.outcomes),
        page=page.relative_to(docs_dir).as_posix(),
    )
    _write_atomically(
        stem.with_name(stem.name + SUMMARY_SUFFIX), json.dumps(asdict(summary), ensure_ascii=False)
    )
    return page


def _summaries(docs_dir: Path) -> list[ValidationSummary]:
    """Every page's summary: newest period first, then by suite, then newest run first."""
    found = [
        ValidationSummary(**json.loads(path.read_text(encoding="utf-8")))
        for path in (docs_dir / VALIDATIONS_DIR).glob(f"*/*/*{SUMMARY_SUFFIX}")
    ]
    found.sort(key=lambda s: s.checked_at, reverse=True)
    found.sort(key=lambda s: s.suite)
    found.sort(key=lambda s: s.period, reverse=True)
    return found


def build_index(docs_dir: Path) -> Path:
    index = index_path(docs_dir)
    html = _environment().get_template("index.html.j2").render(validations=_summaries(docs_dir))
    _write_atomically(index, html)
    return index


class DataDocsRun:
    """The Data Docs of one run: pages as checks report, the index once when the run is done.

    `lock` is held while the index is written, so that two runs finishing together never interleave it.
    """

    def __init__(self, docs_dir: Path, lock: Callable[[], AbstractContextManager[object]]) -> None:
        self.docs_dir = docs_dir
        self.lock = lock
        self.pages: list[Path] = []

    @property
    def index(self) -> Path:
        return index_path(self.docs_dir)

    def publish(self, outcome: SuiteOutcome) -> Path:
        page = publish_validation(self.docs_dir, outcome)
        self.pages.append(page)
        return page

    def close(self) -> Path | None:
        """Build the index if this run wrote a page; returns it, or None when there was nothing new."""
        if not self.pages:
            return None
        with self.lock():
            return build_index(self.docs_dir)


@dg.resource(description="Data Docs of the run under $GOVWH_HOME/audit/data_docs/: each gx_suite check "
                         "writes its page; the index is built once, when the run's steps are done.")
def data_docs_site(_: dg.InitResourceContext) -> Iterator[DataDocsRun]:
    # The in-process executor (the code location's executor) sets resources up once per run and tears
    # them down after its last step, whether the steps succeeded or not: the index is built once per
    # run. An executor that runs steps in separate processes tears down per step, which rebuilds the
    # index per check: still correct, only slower.
    settings = Settings.from_env()
    site = DataDocsRun(data_docs_dir(settings.audit_dir), Warehouse(settings.warehouse_path).write_lock)
    try:
        yield site
    finally:
        site.close()
