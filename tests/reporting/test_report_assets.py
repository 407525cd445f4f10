"""The report catalogue in Dagster and on the command line: assets, jobs, schedules, `govwh report`."""

from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest
from catalogue_fixtures import AUDIT_MONTH, build_catalogue_snapshot
from pypdf import PdfReader
from report_fixtures import DISTRICTS

from dagster_project.cli import main
from dagster_project.partitions import monthly_partitions, quarterly_partitions
from dagster_project.reporting.assets import build_publication_assets
from dagster_project.reporting.catalogue import normalise_period
from dagster_project.reporting.data import ReportDataError


@pytest.fixture
def govwh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    build_catalogue_snapshot(home / "snapshot.duckdb")
    monkeypatch.setenv("GOVWH_HOME", str(home))
    monkeypatch.setenv("GOVWH_INBOX", str(tmp_path / "inbox"))
    return home


def test_definitions_hold_report_jobs_and_schedules():
    from dagster_project.definitions import defs

    dg.Definitions.validate_loadable(defs)
    for job in ("annual_report_job", "safety_report_job", "audit_report_job"):
        assert defs.resolve_job_def(job) is not None
    assert defs.resolve_job_def("safety_report_job").partitions_def == quarterly_partitions
    assert defs.resolve_job_def("audit_report_job").partitions_def == monthly_partitions

    safety = defs.resolve_schedule_def("safety_report_schedule")
    with dg.build_schedule_context(scheduled_execution_time=datetime(2025, 7, 20, 6, 0),
                                   repository_def=defs.get_repository_def()) as context:
        request = safety.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2025-06"
    audit = defs.resolve_schedule_def("audit_report_schedule")
    with dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 10, 7, 0),
                                   repository_def=defs.get_repository_def()) as context:
        request = audit.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2025-12"


def test_report_assets_render_every_area_of_their_partition(govwh_home):
    _, _, safety, audit = build_publication_assets([])
    result = dg.materialize([safety], partition_key="2025-06", raise_on_error=True)
    (event,) = result.get_asset_materialization_events()
    paths = [Path(p) for p in event.materialization.metadata["pdfs"].value]
    assert len(paths) == 1 + len(DISTRICTS)
    assert all(p.parent == govwh_home / "reports" / "2025Q2" and p.exists() for p in paths)
    assert event.materialization.metadata["period"].value == "2025Q2"

    result = dg.materialize([audit], partition_key=AUDIT_MONTH, raise_on_error=True)
    (event,) = result.get_asset_materialization_events()
    (path,) = [Path(p) for p in event.materialization.metadata["pdfs"].value]
    assert path == govwh_home / "audit" / "reports" / AUDIT_MONTH / "数据质量审计报告_云川市_2025-06.pdf"
    assert PdfReader(path).metadata["/govwhrunid"] == result.run_id


def test_govwh_report_renders_each_kind_for_a_period_and_area(govwh_home, capsys):
    assert main(["report", "--kind", "safety", "--period", "2025Q2", "--area", "330103"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(govwh_home / "reports" / "2025Q2" / "平安建设季度分析_青山区_2025Q2.pdf")
    assert main(["report", "--kind", "audit", "--period", AUDIT_MONTH]) == 0
    assert Path(capsys.readouterr().out.strip()).exists()
    assert main(["report", "--kind", "safety", "--period", "2025-03", "--all-areas"]) == 0
    assert len(capsys.readouterr().out.split()) == 1 + len(DISTRICTS)
    assert main(["report", "--kind", "safety", "--period", "2025"]) == 2
    assert "2025Q2" in capsys.readouterr().err
    assert main(["report", "--kind", "audit", "--period", AUDIT_MONTH, "--area", "330103"]) == 2


@pytest.mark.parametrize(
    ("grain", "text", "expected"),
    [("quarter", "2025q2", "2025Q2"), ("quarter", "2025-06", "2025Q2"), ("month", "2025-03", "2025-03"),
     ("year", "2025", "2025")],
)
def test_periods_are_normalised(grain, text, expected):
    assert normalise_period(grain, text) == expected


@pytest.mark.parametrize(("grain", "text"), [("quarter", "2025-05"), ("month", "2025-13"), ("year", "25")])
def test_bad_periods_are_refused(grain, text):
    with pytest.raises(ReportDataError):
        normalise_period(grain, text)
