"""A late batch for an old month - a table whose file was missing when the month was first loaded - rebuilds
only that month.

A tiny city of two months is generated, January's police-room extract held back, and the pipeline run through
the real runner: everything is ingested and published without it. The file then arrives, and the next run
ingests that table alone for January, records it LOADED, and builds the models for January only. Every
published cell of a period that does not contain January is exactly what it was; January's police-room
coverage changes, since the first publication counted no community of the month as served by a room.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.settings import Settings
from dagster_project.runner import PipelineResult, run_pipeline
from sources.generator import generate
from tests.conftest import TEST_PII_KEY, environment
from tests.test_rebuild_window import Cell, published

OLD_MONTH = "2025-01"
LATE = Path("public_security") / OLD_MONTH / "ps_police_room.csv"
COVERAGE = "C20"  # communities served by a police room, from ps_police_room (dbt/seeds/indicator_definitions.csv)


def covers(period: str, month: str) -> bool:
    """Whether a published period (a month, a quarter, a half or a year) contains `month` (YYYY-MM)."""
    year, number = month[:4], int(month[5:])
    if period == year or period == month:
        return True
    if period.startswith((f"{year}Q", f"{year}-Q")):
        return int(period[-1]) == (number - 1) // 3 + 1
    if period.startswith((f"{year}H", f"{year}-H")):
        return int(period[-1]) == (number - 1) // 6 + 1
    return False


@dataclass(frozen=True)
class LateBatch:
    settings: Settings
    first: PipelineResult
    result: PipelineResult
    progress: list[str]
    before: dict[Cell, tuple]
    after: dict[Cell, tuple]


@pytest.fixture(scope="module")
def late_batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LateBatch]:
    root = tmp_path_factory.mktemp("late")
    env = {"GOVWH_HOME": str(root / "home"), "GOVWH_INBOX": str(root / "inbox"),
           "GOVWH_PII_KEY": TEST_PII_KEY, "DAGSTER_HOME": str(root / "home" / "dagster")}
    with environment(env):
        settings = Settings.from_env()
        generate(settings.inbox, scale="tiny", start=OLD_MONTH, months=2, seed=20251, defects=0.0, jobs=None)
        held = root / "held" / LATE.name
        held.parent.mkdir()
        shutil.move(settings.inbox / LATE, held)
        first = run_pipeline(settings, progress=lambda line: None, years=[])
        assert first.ok and first.model_build == "all", first
        before = published(settings.snapshot_path)
        shutil.move(held, settings.inbox / LATE)
        progress: list[str] = []
        result = run_pipeline(settings, progress=progress.append, years=[])
        yield LateBatch(settings, first, result, progress, before, published(settings.snapshot_path))


def test_only_the_late_table_is_ingested(late_batch: LateBatch) -> None:
    assert f"ps_police_room {OLD_MONTH}" not in late_batch.first.ingested
    assert late_batch.result.ok, late_batch.progress
    assert late_batch.result.ingested == [f"ps_police_room {OLD_MONTH}"]


def test_the_ledger_shows_the_late_file_loaded(late_batch: LateBatch) -> None:
    con = duckdb.connect(str(late_batch.settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select period, status, rows_loaded from audit.load_ledger where original_name = ?",
                           [LATE.as_posix()]).fetchall()
    finally:
        con.close()
    assert [(period, status) for period, status, _ in rows] == [(OLD_MONTH, "LOADED")]
    assert rows[0][2] > 0


def test_the_model_build_covers_the_old_month_only(late_batch: LateBatch) -> None:
    assert late_batch.result.model_build == f"{OLD_MONTH}..{OLD_MONTH}"
    assert f"· dbt build (months {OLD_MONTH} to {OLD_MONTH}) and reporting snapshot" in late_batch.progress


def test_periods_without_the_old_month_are_unchanged(late_batch: LateBatch) -> None:
    before, after = late_batch.before, late_batch.after
    others = {key for key in before.keys() | after.keys() if not covers(key[2], OLD_MONTH)}
    assert others, "no published period outside the old month to compare"
    changed = {key for key in others if before.get(key) != after.get(key)}
    assert not changed, sorted(changed)[:10]


def test_the_old_month_changes(late_batch: LateBatch) -> None:
    before, after = late_batch.before, late_batch.after
    changed = {key for key in before.keys() | after.keys()
               if key[2] == OLD_MONTH and before.get(key) != after.get(key)}
    assert changed
    [city] = [key for key, cell in after.items() if key[0] == COVERAGE and key[2] == OLD_MONTH and cell[0] == "city"]
    served_before = before[city][2] if city in before else 0
    assert not after[city][5] and after[city][2] > (served_before or 0), (before.get(city), after[city])
