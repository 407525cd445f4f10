"""The whole graph on a generated tiny city: pull → validate → model → report."""

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.decode import decode
from dagster_project.lib.settings import Settings
from dagster_project.runner import run_pipeline
from sources.generator import generate
from tests.conftest import TEST_PII_KEY

YEAR = "2025"
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("e2e")
    env = {"GOVWH_HOME": str(root / "home"), "GOVWH_INBOX": str(root / "inbox"),
           "GOVWH_PII_KEY": TEST_PII_KEY, "DAGSTER_HOME": str(root / "home" / "dagster")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = Settings.from_env()
        generate(settings.inbox, scale="tiny", start=f"{YEAR}-01", months=12, seed=7)
        result = run_pipeline(settings, progress=lambda line: None)
        yield settings, result
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pipeline_runs_and_renders_reports(pipeline) -> None:
    settings, result = pipeline
    assert result.ok, (result.blocked, result.failed_runs)
    assert result.pdfs, "no report rendered"
    assert all(p.exists() and p.parent == settings.reports_dir / YEAR for p in result.pdfs)


def test_every_file_reconciles_in_the_ledger(pipeline) -> None:
    settings, _ = pipeline
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
    assert results[0] > 0 and results[1] == 4


def _read_extract(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(decode(path.read_bytes()).text)))


def test_floating_share_recomputed_from_the_extracts(pipeline) -> None:
    settings, _ = pipeline
    rows = _read_extract(settings.inbox / "public_security" / f"{YEAR}-12" / "ps_resident.csv")
    floating = sum(1 for r in rows if r["人口类型"] == "流动人口")
    expected = round(100 * floating / len(rows), 6)
    con = duckdb.connect(str(settings.snapshot_path), read_only=True)
    try:
        value, numerator, denominator = con.execute(
            "select value, numerator, denominator from marts.fct_indicator_values "
            "where indicator_code = 'A08' and area_level = 'city' and period = ?", [f"{YEAR}-12"]).fetchone()
    finally:
        con.close()
    assert (numerator, denominator) == (floating, len(rows))
    assert round(value, 6) == expected


def test_no_raw_identifier_anywhere_in_the_warehouse(pipeline) -> None:
    settings, _ = pipeline
    for db in (settings.warehouse_path, settings.snapshot_path):
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            for schema, table in tables:
                for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                    text = " ".join("" if v is None else str(v) for v in row)
                    assert not ID_PATTERN.search(text), f"ID-like value in {db.name} {schema}.{table}"
        finally:
            con.close()


def test_report_pdf_text_and_embedded_cjk_font(pipeline) -> None:
    settings, result = pipeline
    city_pdf = next(p for p in result.pdfs if "市" in p.name)
    text = _pdf_text(city_pdf)
    for title in ("导语", "基本情况", "第 1 页"):
        assert title in text
    con = duckdb.connect(str(settings.snapshot_path), read_only=True)
    try:
        districts = [r[0] for r in con.execute(
            "select area_name from marts.dim_area where area_level = 'district'").fetchall()]
    finally:
        con.close()
    assert districts and all(name in text for name in districts)
    fonts = subprocess.run(["pdffonts", str(city_pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_second_run_finds_nothing_new(pipeline) -> None:
    settings, _ = pipeline
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

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw/ps_resident", "raw/ss_insurance", "publish/reporting_snapshot", "reports/annual_report"} <= keys
    assert repo.get_sensor_def("inbox_sensor") and repo.get_schedule_def("annual_report_schedule")


def test_govwh_demo_cli_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "GOVWH_HOME": str(tmp_path / "home"), "GOVWH_INBOX": str(tmp_path / "inbox"),
           "GOVWH_PII_KEY": TEST_PII_KEY}
    env.pop("DAGSTER_HOME", None)
    govwh = Path(sys.executable).with_name("govwh")
    done = subprocess.run([str(govwh), "demo", "--scale", "tiny"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    pdfs = [Path(line) for line in done.stdout.splitlines() if line.endswith(".pdf")]
    assert pdfs and all(p.exists() for p in pdfs)
