"""The Dagster instance kept under GOVWH_HOME, shared by the CLI, the UI and the daemon."""

import os
from pathlib import Path

from dagster_project.lib.settings import Settings

DAGSTER_YAML = """\
# Written by govwh: the Dagster instance for this GOVWH_HOME.
telemetry:
  enabled: false
concurrency:
  pools:
    # DuckDB has a single writer: at most one step of the warehouse_writer pool runs at a time.
    default_limit: 1
"""


def ensure_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
