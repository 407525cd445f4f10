"""The reviewed expectation suites in expectations/, read as plain JSON.

Reading a suite must not import Great Expectations: the Dagster definitions describe every check at
start-up, and the GX import alone takes seconds. Only the runner hands a suite to GX.
"""

import functools
import json
import math
from dataclasses import dataclass
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
PERIOD_END = "period_end"
PERIOD_YEAR = "period_year"
# Row-count bounds derived from the previous current delivery of the same table.
PREVIOUS_ROWS_MIN = "previous_rows_min"
PREVIOUS_ROWS_MAX = "previous_rows_max"

# meta keys: `check` names a table-level expectation that a suite holds more than one of its type;
# `row_count_change` holds the policy the runner turns into the PREVIOUS_ROWS_* bounds.
CHECK_KEY = "check"
ROW_COUNT_CHANGE_KEY = "row_count_change"


@dataclass(frozen=True)
class RowCountChange:
    """How far a partition's row count may move from the previous delivery of the same table.

    `noise_sigmas` allows that many standard deviations of a Poisson count instead of the ratios where
    that is wider: a month of events is a random count, and a small one swings by more than any
    sensible ratio, while a large one halving is never chance.
    """

    min_ratio: float
    max_ratio: float | None
    noise_sigmas: float = 0.0

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> "RowCountChange":
        return cls(**meta[ROW_COUNT_CHANGE_KEY])

    def as_meta(self) -> dict[str, float | None]:
        return {"min_ratio": self.min_ratio, "max_ratio": self.max_ratio, "noise_sigmas": self.noise_sigmas}

    def bounds(self, previous_rows: int) -> tuple[int, int | None]:
        noise = self.noise_sigmas * math.sqrt(previous_rows)
        low = max(0, math.floor(min(previous_rows * self.min_ratio, previous_rows - noise)))
        if self.max_ratio is None:
            return low, None
        return low, math.ceil(max(previous_rows * self.max_ratio, previous_rows + noise))


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
    (the suite tests enforce that); a row condition or a named check is part of the name for that
    reason, as in 'unexpected_rows_expectation[households_vs_ps_register]'.
    """
    columns = expectation_columns(config)
    check = config["meta"].get(CHECK_KEY)
    label = f"{config['type']}({columns})" if columns else config["type"]
    if check:
        label = f"{label}[{check}]"
    condition = config["kwargs"].get("row_condition")
    return f"{label} where {_condition_text(condition)}" if condition else label


def expectation_severity(config: dict[str, Any]) -> Severity:
    severity = config["meta"]["severity"]
    if severity not in GX_SEVERITY:
        raise ValueError(f"{expectation_label(config)}: severity must be error or warning, not {severity!r}")
    return severity
