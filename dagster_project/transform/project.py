"""The dbt project as Dagster sees it, and the manifest @dbt_assets needs at import time.

Kept in its own module so that `dagster-dbt project prepare-and-package --file` can load it alone.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.lib.paths import DBT_PROJECT_DIR

govwh_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
govwh_dbt_project.prepare_if_dev()

# What the manifest is parsed from; a change to any of these makes it stale.
PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def dbt_executable() -> Path:
    """The dbt of the environment this code runs in, whether or not that environment is on PATH."""
    return Path(sys.executable).parent / "dbt"


def _project_source_files(project_dir: Path) -> Iterator[Path]:
    for name in PROJECT_SOURCES:
        path = project_dir / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file())


def manifest_is_current(manifest_path: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    if not manifest_path.exists():
        return False
    parsed_at = manifest_path.stat().st_mtime
    return all(p.stat().st_mtime <= parsed_at for p in _project_source_files(project_dir))


def ensure_manifest() -> Path:
    """Parse the project when its manifest is missing (a fresh clone: it is not committed) or older
    than the project's files.

    prepare_if_dev() only acts under `dagster dev`; every other entry point (the CLI, tests, a
    webserver) needs a current manifest too before the dbt assets can be defined.
    """
    manifest_path = govwh_dbt_project.manifest_path
    if not manifest_is_current(manifest_path):
        subprocess.run(
            [
                str(dbt_executable()),
                "parse",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--quiet",
            ],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )
    return manifest_path


if __name__ == "__main__":
    print(ensure_manifest())
