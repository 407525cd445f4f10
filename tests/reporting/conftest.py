from collections.abc import Callable
from pathlib import Path

import pytest
from report_fixtures import ISSUED_ON, STAMP, build_snapshot

from dagster_project.reporting.render import render_annual_report


@pytest.fixture
def make_snapshot(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**kwargs) -> Path:
        return build_snapshot(tmp_path / f"snapshot_{next(counter)}.duckdb", **kwargs)

    return make


@pytest.fixture(scope="session")
def shared_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(tmp_path_factory.mktemp("snapshot") / "snapshot.duckdb")


@pytest.fixture(scope="session")
def city_pdf(shared_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return render_annual_report(shared_snapshot, "2024", out, stamp=STAMP, issued_on=ISSUED_ON)


@pytest.fixture(scope="session")
def district_pdf(shared_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return render_annual_report(
        shared_snapshot, "2024", out, area_code="330104000000", stamp=STAMP, issued_on=ISSUED_ON
    )


@pytest.fixture(scope="session")
def rules_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared snapshot plus the indicators the findings rules judge (rules_fixtures)."""
    from rules_fixtures import add_rule_indicators

    return add_rule_indicators(build_snapshot(tmp_path_factory.mktemp("rules") / "snapshot.duckdb"))


@pytest.fixture(scope="session")
def rules_city_pdf(rules_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rules_reports")
    return render_annual_report(rules_snapshot, "2024", out, stamp=STAMP, issued_on=ISSUED_ON)


@pytest.fixture(scope="session")
def rules_district_pdf(rules_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rules_reports")
    return render_annual_report(
        rules_snapshot, "2024", out, area_code="330102000000", stamp=STAMP, issued_on=ISSUED_ON
    )
