"""The reviewed expectation suites in expectations/, read as plain JSON.

Reading a suite must not import Great Expectations: the Dagster definitions describe every check at
start-up, and the GX import alone takes seconds. Only the runner hands a suite to GX.
"""

import functools
import json
from pathlib import Path
from typing import Any, Literal

from dagster_project.lib.paths import EXPECTATIONS_DIR

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

# Our severities in GX's own vocabulary, so that Data Docs rank failures the same way the checks do.
GX_SEVERITY: dict[Severity, str] = {ERROR: "critical", WARNING: "warning"}

# Suite parameters ($PARAMETER) the runner fills in from the partition's period: date rules such as
# "not after the period end" cannot be written as constants in a suite shared by every period.
PERIOD_START = "period_start"
PERIOD_END = "period_end"
PERIOD_YEAR = "period_year"


def suite_path(table: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{table}.json"


@functools.cache
def load_suite_json(table: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    path = suite_path(table, directory)
    if not path.exists():
        raise FileNotFoundError(f"no expectation suite for {table} at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_description(table: str) -> str:
    return str(load_suite_json(table)["notes"])


def expectation_columns(config: dict[str, Any]) -> str | None:
    """The column(s) an expectation looks at, comma-joined; None for table-level expectations."""
    kwargs = config["kwargs"]
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    return None


def _condition_text(condition: dict[str, Any]) -> str:
    column = condition["column"]["name"]
    if condition["type"] == "nullity":
        return f"{column} is {'null' if condition['is_null'] else 'not null'}"
    parameter = condition["parameter"]
    shown = "[" + ", ".join(map(str, parameter)) + "]" if isinstance(parameter, list) else parameter
    return f"{column} {condition['operator']} {shown}"


def expectation_label(config: dict[str, Any]) -> str:
    """A stable, readable name for one expectation, e.g. 'expect_column_values_to_be_unique(person_pid)'.

    Audit rows and check metadata name expectations by this label, so it must be unique within a suite
    (the suite tests enforce that); a row condition is part of the name for that reason.
    """
    columns = expectation_columns(config)
    label = f"{config['type']}({columns})" if columns else config["type"]
    condition = config["kwargs"].get("row_condition")
    return f"{label} where {_condition_text(condition)}" if condition else label


def expectation_severity(config: dict[str, Any]) -> Severity:
    severity = config["meta"]["severity"]
    if severity not in GX_SEVERITY:
        raise ValueError(f"{expectation_label(config)}: severity must be error or warning, not {severity!r}")
    return severity
