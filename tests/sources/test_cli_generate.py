from pathlib import Path

import pytest

from dagster_project.cli import GENERATOR_SCALES, main
from sources.generator import SCALES


def test_cli_offers_every_scale() -> None:
    assert GENERATOR_SCALES == tuple(SCALES)


def test_generate_with_defects_prints_a_summary(govwh_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--scale", "tiny", "--start", "2025-03", "--months", "1",
                 "--defects", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "generated 14 files" in out and "12 communities" in out
    truth = govwh_env / "inbox_truth.csv"
    assert f"listed in {truth}" in out and truth.exists()
    assert (govwh_env / "inbox" / "civil_affairs" / "2025-03" / "ca_worker.xlsx").exists()


def test_generate_refuses_a_defect_rate_above_ten_percent(govwh_env: Path) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--defects", "0.5"])
