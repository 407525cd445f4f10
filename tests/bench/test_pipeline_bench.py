"""The benchmark's pure helpers: table layout, stage accounting, inbox splitting. No timing is asserted."""

import argparse
from pathlib import Path

from bench.pipeline_bench import (
    STAGES,
    Step,
    cpu_at,
    format_table,
    link_periods,
    months,
    report,
    stage_cpu,
    stage_of,
    stage_peaks,
    stage_seconds,
)


def test_format_table_aligns_columns_under_a_rule():
    text = format_table(["stage", "wall s"], [["ingest", "12.5"], ["dbt build", "3.0"]])
    assert text.splitlines() == [
        "stage      wall s",
        "---------  ------",
        "ingest       12.5",
        "dbt build     3.0",
    ]


def test_format_table_prints_missing_cells_empty():
    assert format_table(["a", "b"], [["x", None]]).splitlines()[-1] == "x"


def test_steps_are_assigned_to_stages_by_job_and_step():
    assert stage_of("ingest_monthly_job", "raw__ca_worker") == "ingest"
    assert stage_of("ingest_quarterly_job", "raw__ps_resident_gx_suite") == "validation"
    assert stage_of("receipts_job", "audit__inbox_receipts") == "ingest"
    assert stage_of("model_job", "govwh_dbt_models") == "dbt build"
    assert stage_of("model_job", "publish__reporting_snapshot") == "snapshot"
    assert stage_of("annual_report_job", "reports__annual_report") == "reports"
    assert stage_of("safety_report_job", "reports__safety_report") == "reports"
    assert stage_of("some_other_job", "x") is None


def test_orchestration_is_what_the_steps_leave_of_the_total():
    steps = [Step("ingest", 0.0, 2.0), Step("validation", 2.5, 3.0), Step("ingest", 4.0, 5.0)]
    seconds = stage_seconds(steps, total=10.0)
    assert seconds["ingest"] == 3.0
    assert seconds["validation"] == 0.5
    assert seconds["orchestration"] == 6.5
    assert set(seconds) == set(STAGES)


def test_memory_peaks_follow_the_step_windows():
    steps = [Step("dbt build", 10.0, 20.0), Step("reports", 30.0, 40.0)]
    samples = [(5.0, 100), (12.0, 900), (19.0, 700), (25.0, 300), (35.0, 400)]
    peaks = stage_peaks(samples, steps)
    assert peaks["dbt build"] == 900
    assert peaks["reports"] == 400
    assert peaks["orchestration"] == 300
    assert peaks["ingest"] == 0


def test_months_cross_the_year_end():
    assert months("2025-11", 3) == ["2025-11", "2025-12", "2026-01"]


def test_link_periods_takes_only_the_named_period_folders(tmp_path: Path):
    source, target = tmp_path / "inbox", tmp_path / "partial"
    for rel in ("civil_affairs/2025-01/ca_worker.csv", "civil_affairs/2025-02/ca_worker.csv",
                "public_security/2025-02/ps_case.csv"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(rel)
    assert link_periods(source, target, ["2025-01"]) == 1
    assert link_periods(source, target, ["2025-02"]) == 2
    assert (target / "public_security/2025-02/ps_case.csv").read_text() == "public_security/2025-02/ps_case.csv"
    assert link_periods(source, target, ["2025-01", "2025-02"]) == 0


def test_cpu_per_stage_is_the_growth_of_the_cumulative_series_over_each_step():
    series = [(0.0, 0.0), (1.0, 0.5), (2.0, 1.5), (3.0, 2.0), (4.0, 3.5)]
    assert cpu_at(series, 2.5) == 1.5
    assert cpu_at(series, -1.0) == 0.0
    cpu = stage_cpu(series, [Step("ingest", 1.0, 3.0)], total=3.5)
    assert cpu["ingest"] == 1.5
    assert cpu["orchestration"] == 2.0


def _run(seconds: float) -> dict:
    stages = dict.fromkeys(STAGES, seconds)
    return {"ok": True, "problems": [], "total": seconds * 6, "total_cpu": seconds * 3, "seconds": stages,
            "cpu": dict.fromkeys(STAGES, seconds / 2), "peak_kb": dict.fromkeys(STAGES, 2048),
            "tree_peak_kb": 4096, "rows": 1000, "raw_rows": 990, "cells": 50, "pdfs": 2, "pages": 10,
            "bytes": 10**6}


def test_report_prints_every_table_and_ratio():
    args = argparse.Namespace(scale="tiny", months=3, start="2025-01")
    results = {
        "load": [1.0, 2.0],
        "generate": {"seconds": 1.0, "cpu": 1.0, "rows": 1000, "peak_kb": 1024},
        "floor": {"csv_seconds": 0.5, "xlsx_seconds": 0.5, "cpu": 1.0, "csv_files": 3, "xlsx_files": 1,
                  "bytes": 10**6, "peak_kb": 1024},
        "pipeline": _run(10.0),
        "peer": {"seconds": {"read": 1.0, "normalise": 1.0, "validate": 1.0, "indicators": 1.0},
                 "cpu": {"read": 1.0, "normalise": 1.0, "validate": 1.0, "indicators": 1.0},
                 "rows_read": 1000, "rows_kept": 1000, "expectations_run": 10, "expectations_failed": 0,
                 "expectations_skipped": 1, "peak_kb": 1024, "cells_peer": 20, "cells_compared": 8,
                 "cells_agree": 8, "city_cells_compared": 2, "differing": []},
        "incremental": {"month": "2025-03", "base": _run(5.0), "plus": _run(2.0)},
    }
    text = report(args, results)
    ratios = dict(line.split("  ", 1) for line in text.splitlines()[-4:])
    assert ratios["end to end / floor"].split() == ["60", "30"]
    assert ratios["pandas peer / govwh (ingest + validation + indicators)"].split() == ["0.13", "0.27"]
    assert ratios["one more month / full rebuild"].split() == ["20%", "20%"]
    assert "1.00 s per page" in text
