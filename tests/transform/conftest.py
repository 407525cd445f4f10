"""One dbt build of the handcrafted warehouse for all transform tests, and helpers to run dbt against it."""

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.paths import DBT_PROJECT_DIR

from .dataset import Dataset, build_dataset, write_warehouse

DBT = str(Path(sys.executable).parent / "dbt")


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse built by dbt under `home`. `home` is a symlink to `data_dir`: dbt's partial parsing
    keys on the warehouse path, so a copy of the build can be rebuilt under the same path cheaply."""

    home: Path
    data_dir: Path
    dataset: Dataset

    @property
    def target(self) -> Path:
        return self.home / "dbt_target"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.data_dir / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def dbt(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_dbt(self.home, *args, env=env)

    def copy_to(self, data_dir: Path) -> "BuiltWarehouse":
        """A copy of the warehouse and dbt artefacts, made the one `home` points to."""
        shutil.copytree(self.data_dir, data_dir)
        self.home.unlink()
        self.home.symlink_to(data_dir, target_is_directory=True)
        return BuiltWarehouse(home=self.home, data_dir=data_dir, dataset=self.dataset)


def run_dbt(home: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """dbt against the warehouse under `home`; `env` adds to the environment (a window of months)."""
    return subprocess.run(
        [DBT, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(home / "dbt_target"), "--log-path", str(home / "dbt_logs")],
        env={**os.environ, "GOVWH_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    root = tmp_path_factory.mktemp("govwh")
    data_dir = root / "build-1"
    data_dir.mkdir()
    home = root / "home"
    home.symlink_to(data_dir, target_is_directory=True)
    dataset = build_dataset()
    write_warehouse(data_dir, dataset)
    result = run_dbt(home, "build")
    assert result.returncode == 0, result.stdout[-6000:]
    return BuiltWarehouse(home=home, data_dir=data_dir, dataset=dataset)
