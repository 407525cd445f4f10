"""Generated extracts go through the real loader: clean ones load whole, spoiled ones are caught
exactly where and why the truth file says."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.inbox import scan
from dagster_project.ingest.load import FileLoader, FileOutcome
from dagster_project.ingest.service import ingest_partition, make_loader, record_receipts
from dagster_project.lib.settings import Settings
from sources.generator import generate
from sources.generator.defects import later_dir, truth_path

# A quarter end delivers every table. Defects get two months, for more files to spoil whole.
QUARTER_END = {"scale": "tiny", "start": "2025-03", "months": 1, "seed": 7}
WINDOW = {"scale": "tiny", "start": "2025-02", "months": 2, "seed": 7}
WARNINGS_ONLY = {"ID_FULLWIDTH_NORMALISED", "ID_CASE_NORMALISED", "PHONE_FORMAT",
                 "NAME_UNREPRESENTABLE", "SEX_MISMATCH", "EXTRA_COLUMN"}


def _ingest(loader: FileLoader, inbox: Path) -> dict[str, FileOutcome]:
    deliveries = [d for d in scan(inbox, loader.contract) if d.accepted]
    outcomes = []
    for period, table in sorted({(d.period, d.table) for d in deliveries}):
        outcomes += ingest_partition(loader, inbox, table, period)
    outcomes += record_receipts(loader, inbox)
    return {o.rel_path: o for o in outcomes}


def _ledger(sql: str, parameters: list[str] | None = None) -> list[tuple]:
    con = duckdb.connect(str(Settings.from_env().warehouse_path), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def loader(govwh_env: Path) -> tuple[FileLoader, Path]:
    settings = Settings.from_env()
    return make_loader(settings, "generator-test"), settings.inbox


def test_clean_extracts_load_whole(loader: tuple[FileLoader, Path]) -> None:
    file_loader, inbox = loader
    summary = generate(inbox, **QUARTER_END)
    outcomes = _ingest(file_loader, inbox)
    for path, outcome in outcomes.items():
        assert outcome.status == "LOADED" and outcome.rows_rejected == 0, (path, outcome.message)
        assert {r.reason for r in outcome.rejects} <= {"TOTALS_ROW"}  # a workbook's 合计 row
    # Division masters load inside other tables' partitions: the ledger has every file.
    ledger = _ledger("select original_name, status, rows_rejected from audit.load_ledger")
    assert sorted(name for name, _, _ in ledger) == sorted(
        p.relative_to(inbox).as_posix() for p in summary.files)
    assert {(status, rejected) for _, status, rejected in ledger} == {("LOADED", 0)}


def _truth(inbox: Path) -> list[dict[str, str]]:
    with truth_path(inbox).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_injected_defect_is_caught_as_the_truth_file_says(loader: tuple[FileLoader, Path]) -> None:
    file_loader, inbox = loader
    summary = generate(inbox, defects=0.05, **WINDOW)
    assert summary.truth == truth_path(inbox) and not summary.truth.is_relative_to(inbox)
    truth = _truth(inbox)
    assert summary.defects == len(truth)
    outcomes = _ingest(file_loader, inbox)

    rejects = {(path, i.line_number, i.column or "", i.reason)
               for path, o in outcomes.items() for i in o.rejects}
    warnings = {(path, i.line_number, i.column or "", i.reason)
                for path, o in outcomes.items() for i in o.warnings}
    failed = {t["file"] for t in truth if t["line"] == "0" and t["expected_reason_code"] == "FAILED"}
    expected_rejects = set()
    for t in truth:
        key = (t["file"], int(t["line"]), t["column"], t["expected_reason_code"])
        outcome = outcomes[t["file"]]
        if t["line"] == "0":
            if t["column"] == "encoding":
                assert outcome.encoding == t["expected_reason_code"], t
            elif t["expected_reason_code"] != "SUPERSEDED":
                assert outcome.status == t["expected_reason_code"], (t, outcome.message)
        elif t["expected_reason_code"] in WARNINGS_ONLY:
            assert key in warnings, t
        elif t["expected_reason_code"]:
            assert key in rejects, t
            expected_rejects.add(key)
    # Nothing else is rejected: the rest of every file is clean.
    assert {r for r in rejects if r[0] not in failed} == expected_rejects
    blank_lines = Counter(t["file"] for t in truth if t["defect"] == "blank_line")
    for path, outcome in outcomes.items():
        if path in failed or outcome.status == "REFUSED":
            continue
        skipped = sum(r.reason in ("TOTALS_ROW", "DUPLICATE_ROW") for r in outcome.rejects)
        assert outcome.rows_skipped == skipped + blank_lines.get(path, 0), path
    kinds = {t["defect"] for t in truth}
    assert {"id_checksum", "impossible_date", "value_outside_enum", "truncated_file",
            "refused_name", "corrected_redelivery", "encoding_variant"} <= kinds

    [redelivered] = [t["file"] for t in truth if t["expected_reason_code"] == "SUPERSEDED"]
    first = outcomes[redelivered]
    shutil.copyfile(later_dir(inbox) / redelivered, inbox / redelivered)
    _, period, name = redelivered.split("/")
    [corrected] = ingest_partition(file_loader, inbox, name.split(".")[0], period)
    assert corrected.rel_path == redelivered and corrected.status == "LOADED"
    status = _ledger("select status, superseded_by from audit.load_ledger where file_id = ?",
                     [first.file_id])
    assert status == [("SUPERSEDED", corrected.file_id)]


def test_defects_are_reproducible(tmp_path: Path) -> None:
    for run in ("a", "b"):
        generate(tmp_path / run / "inbox", defects=0.05, **WINDOW)
    assert (tmp_path / "a" / "inbox_truth.csv").read_bytes() == (tmp_path / "b" / "inbox_truth.csv").read_bytes()
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert first == second
