"""Where the project's own files live (the package is installed in editable mode from the repository)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REPORT_TEMPLATES_DIR = PROJECT_ROOT / "report_templates"
