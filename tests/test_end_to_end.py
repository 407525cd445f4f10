"""The whole graph on a generated tiny city: pull → validate → model → report."""

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.ingest.decode import decode
from dagster_project.lib.settings import Settings
from dagster_project.runner import run_pipeline
from tests.conftest import DemoCity, environment

YEAR = "2025"
LAST_MONTH = "2025-03"  # the test city covers the first quarter: every table, every cadence
# Boundaries exclude hex characters: a pseudonym may contain any digit run.
ID_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX](?![0-9A-Za-z])")


@dataclass(frozen=True)
class DemoRun:
    settings: Settings
    pdfs: list[Path]
    stdout: str


@pytest.fixture(scope="module")
def pipeline(demo_city: DemoCity):
    """The shared `govwh demo` run, with its environment set for this module."""
    with environment(demo_city.env):
        pdfs = [Path(line) for line in demo_city.stdout.splitlines() if line.endswith(".pdf")]
        yield DemoRun(Settings.from_env(), pdfs, demo_city.stdout)


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_demo_runs_and_prints_the_report_paths(pipeline) -> None:
    assert "generating" in pipeline.stdout
    assert pipeline.pdfs, "no report rendered"
    assert all(p.exists() for p in pipeline.pdfs)
    settings, areas = pipeline.settings, 1 + len(_district_names(pipeline.settings))
    # The catalogue: the year's annual reports, the complete quarter's public-safety analyses (city and
    # districts) and one audit report per month, the last for auditors under audit/.
    by_folder: dict[Path, int] = {}
    for p in pipeline.pdfs:
        by_folder[p.parent] = by_folder.get(p.parent, 0) + 1
    months = [f"{YEAR}-{m:02d}" for m in range(1, int(LAST_MONTH[5:]) + 1)]
    assert by_folder == {
        settings.reports_dir / YEAR: areas,
        settings.reports_dir / f"{YEAR}Q1": areas,
        **{settings.audit_dir / "reports" / month: 1 for month in months},
    }


def test_every_file_reconciles_in_the_ledger(pipeline) -> None:
    settings = pipeline.settings
    files = sorted(p.relative_to(settings.inbox).as_posix() for p in settings.inbox.rglob("*") if p.is_file())
    con = _warehouse(settings)
    try:
        rows = con.execute("select original_name, status, rows_physical, rows_loaded, rows_rejected, "
                           "rows_skipped from audit.load_ledger").fetchall()
        results = con.execute("select count(*), count(distinct suite) from audit.validation_results").fetchone()
    finally:
        con.close()
    assert sorted(r[0] for r in rows) == files  # exactly one ledger row per delivered file
    for name, status, physical, loaded, rejected, skipped in rows:
        assert status == "LOADED", name
        assert physical == loaded + rejected + skipped
    delivered_tables = {name.rsplit("/", 1)[1].split(".")[0] for name in files} - {"_manifest"}
    assert results[0] > 0 and results[1] == len(delivered_tables)


def _read_extract(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(decode(path.read_bytes()).text)))


def test_floating_share_recomputed_from_the_extracts(pipeline) -> None:
    settings = pipeline.settings
    rows = _read_extract(settings.inbox / "public_security" / LAST_MONTH / "ps_resident.csv")
    floating = sum(1 for r in rows if r["人口类型"] == "流动人口")
    expected = round(100 * floating / len(rows), 6)
    con = duckdb.connect(str(settings.snapshot_path), read_only=True)
    try:
        value, numerator, denominator = con.execute(
            "select value, numerator, denominator from marts.fct_indicator_values "
            "where indicator_code = 'A08' and area_level = 'city' and period = ?", [LAST_MONTH]).fetchone()
    finally:
        con.close()
    assert (numerator, denominator) == (floating, len(rows))
    assert round(value, 6) == expected


MASKED_ID = re.compile(r"\d{6}\*{4,}[\dX*]{4}")
PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9}|1[3-9]\d\*{4}\d{4})(?![0-9A-Za-z])")


def _personal_values(inbox: Path) -> tuple[set[str], set[str]]:
    names, phones = set(), set()
    for path in inbox.rglob("*.csv"):
        for row in _read_extract(path):
            names.update(v for k, v in row.items() if k == "姓名" and v)
            phones.update(v for k, v in row.items() if k == "联系电话" and v)
    return names, phones


def test_no_personal_data_outside_the_masked_reject_column(pipeline) -> None:
    settings = pipeline.settings
    names, phones = _personal_values(settings.inbox)
    assert names and phones
    for db in (settings.warehouse_path, settings.snapshot_path):
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            for schema, table in tables:
                cursor = con.execute(f'select * from "{schema}"."{table}"')
                columns = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    for column, value in zip(columns, row):
                        if (schema, table, column) == ("audit", "rejected_rows", "masked_value") or value is None:
                            continue
                        text = str(value)
                        where = f"{db.name} {schema}.{table}.{column}"
                        assert not ID_PATTERN.search(text) and not MASKED_ID.search(text), where
                        assert not PHONE.search(text) and text not in phones, where
                        assert text not in names, where
        finally:
            con.close()


def _district_names(settings: Settings) -> list[str]:
    con = duckdb.connect(str(settings.snapshot_path), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "select area_name from marts.dim_area where area_level = 'district'").fetchall()]
    finally:
        con.close()


def test_report_pdf_text_and_embedded_cjk_font(pipeline) -> None:
    settings = pipeline.settings
    city_pdf = next(p for p in pipeline.pdfs if "市" in p.name)
    text = _pdf_text(city_pdf)
    for title in ("导语", "基本情况"):
        assert title in text
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", text)
    districts = _district_names(settings)
    assert districts and all(name in text for name in districts)
    fonts = subprocess.run(["pdffonts", str(city_pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_second_run_finds_nothing_new(pipeline) -> None:
    settings = pipeline.settings
    con = _warehouse(settings)
    try:
        before = con.execute("select count(*) from audit.load_ledger").fetchone()[0]
    finally:
        con.close()
    again = run_pipeline(settings, progress=lambda line: None)
    assert again.ok and not again.ingested
    con = _warehouse(settings)
    try:
        assert con.execute("select count(*) from audit.load_ledger").fetchone()[0] == before
    finally:
        con.close()


def test_definitions_load() -> None:
    from dagster_project.definitions import defs

    dg.Definitions.validate_loadable(defs)  # resolves every job, sensor and schedule as the UI does
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw/ps_resident", "raw/ss_insurance", "publish/reporting_snapshot", "reports/annual_report"} <= keys
    assert repo.get_sensor_def("inbox_sensor") and repo.get_schedule_def("annual_report_schedule")


