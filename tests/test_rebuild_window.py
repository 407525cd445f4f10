"""A corrected file for an old month, delivered after later months were published, rebuilds only that month.

On a copy of the shared tiny demo city (three months, published), January's police-room extract is
delivered again with one community dropped from a room's service area. `govwh run` loads it (superseding
the first delivery) and launches the model build for January alone, as a single-run backfill of that
partition would. The published cells of every other period are byte for byte what they were, and January's
changed cells are exactly those the correction moves, with the values the corrected files give.
"""

import csv
import hashlib
import io
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.ingest.decode import decode
from dagster_project.lib.settings import Settings
from dagster_project.runner import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, PipelineResult, run_pipeline
from tests.conftest import DemoCity, environment
from tests.recompute import INDICATORS, expected_cells, read_month

OLD_MONTH = "2025-01"
ROOMS = Path("public_security") / OLD_MONTH / "ps_police_room.csv"
FCT = dg.AssetKey(["marts", "fct_indicator_values"])
Cell = tuple[str, str, str]  # indicator, area, period


def published(snapshot: Path) -> dict[Cell, tuple]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute("select indicator_code, area_code, period, area_level, value, numerator, denominator, "
                           "unit, suppressed from marts.fct_indicator_values").fetchall()
    finally:
        con.close()
    return {row[:3]: row[3:] for row in rows}


def digest_by_period(cells: dict[Cell, tuple]) -> dict[str, str]:
    lines: dict[str, list[str]] = defaultdict(list)
    for key, cell in cells.items():
        lines[key[2]].append(repr((key, cell)))
    return {period: hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest() for period, rows in lines.items()}


def correct_rooms(path: Path) -> str:
    """Drop the last community from the first room serving several; returns that community's code."""
    text = decode(path.read_bytes()).text
    rows = list(csv.DictReader(io.StringIO(text)))
    room = next(row for row in rows if ";" in row["社区代码"])
    served = room["社区代码"].split(";")
    room["社区代码"] = ";".join(served[:-1])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return served[-1]


@dataclass(frozen=True)
class Rebuild:
    settings: Settings
    result: PipelineResult
    progress: list[str]
    dropped: str
    before: dict[Cell, tuple]
    after: dict[Cell, tuple]
    model_run: dg.DagsterRun
    materialized: set[str | None]


@pytest.fixture(scope="module")
def rebuild(demo_city: DemoCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rebuild]:
    root = tmp_path_factory.mktemp("rebuild")
    shutil.copytree(demo_city.home, root / "home", symlinks=True)  # copies keep mtimes: nothing else looks new
    shutil.copytree(demo_city.inbox, root / "inbox", symlinks=True)
    env = {**demo_city.env, "GOVWH_HOME": str(root / "home"), "GOVWH_INBOX": str(root / "inbox"),
           "DAGSTER_HOME": str(root / "home" / "dagster")}
    with environment(env):
        settings = Settings.from_env()
        before = published(settings.snapshot_path)
        dropped = correct_rooms(settings.inbox / ROOMS)
        progress: list[str] = []
        result = run_pipeline(settings, progress=progress.append, years=[])
        instance = dg.DagsterInstance.get()
        [record] = instance.get_run_records(filters=dg.RunsFilter(job_name="model_job"), limit=1)
        events = instance.fetch_materializations(FCT, limit=100).records
        yield Rebuild(settings, result, progress, dropped, before, published(settings.snapshot_path),
                      record.dagster_run, {e.partition_key for e in events if e.run_id == record.dagster_run.run_id})


def test_the_corrected_file_supersedes_the_first(rebuild: Rebuild) -> None:
    assert rebuild.result.ok, rebuild.progress
    assert rebuild.result.ingested and all(line.endswith(OLD_MONTH) for line in rebuild.result.ingested)
    con = duckdb.connect(str(rebuild.settings.warehouse_path), read_only=True)
    try:
        statuses = sorted(r[0] for r in con.execute(
            "select status from audit.load_ledger where original_name = ?", [ROOMS.as_posix()]).fetchall())
    finally:
        con.close()
    assert statuses == ["LOADED", "SUPERSEDED"]


def test_the_model_build_is_one_run_for_the_old_month(rebuild: Rebuild) -> None:
    assert rebuild.result.model_build == f"{OLD_MONTH}..{OLD_MONTH}"
    assert f"· dbt build (months {OLD_MONTH} to {OLD_MONTH}) and reporting snapshot" in rebuild.progress
    tags = rebuild.model_run.tags
    assert (tags[PARTITION_RANGE_START_TAG], tags[PARTITION_RANGE_END_TAG]) == (OLD_MONTH, OLD_MONTH)
    assert rebuild.model_run.status == dg.DagsterRunStatus.SUCCESS
    assert rebuild.materialized == {OLD_MONTH}


def test_other_periods_are_unchanged(rebuild: Rebuild) -> None:
    before, after = digest_by_period(rebuild.before), digest_by_period(rebuild.after)
    assert set(after) == set(before)
    assert {period for period in before if before[period] != after[period]} == {OLD_MONTH}


def test_the_old_month_changes_where_the_correction_reaches(rebuild: Rebuild) -> None:
    changed = {key for key in rebuild.before if rebuild.before[key] != rebuild.after.get(key)}
    month = read_month(rebuild.settings.inbox, OLD_MONTH)
    chain = set(month.areas_of(rebuild.dropped))  # the community, its street, its district and the city
    assert changed == {("C20", area, OLD_MONTH) for area in chain}
    coverage = next(i for i in INDICATORS if i.code == "C20")
    for area, (numerator, denominator, value) in expected_cells(month, coverage).items():
        level, published_value, published_numerator, published_denominator, _, suppressed = rebuild.after[
            ("C20", area, OLD_MONTH)]
        assert suppressed or (published_numerator, published_denominator) == (numerator, denominator), area
        assert suppressed or published_value == pytest.approx(value, abs=1e-6), area
    assert rebuild.after[("C20", rebuild.dropped, OLD_MONTH)][1] == 0
