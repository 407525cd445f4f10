"""Everything this project needs to know about Great Expectations' quirks, in one place.

* GX reads GX_ANALYTICS_ENABLED when it is imported, so the variable is set before the first import,
  and the import itself (several seconds) happens only when a suite is first validated or built.
* An ephemeral context prints a progress bar per validation unless told not to.
* ExpectationSuite(**json) logs and silently drops an expectation it cannot parse; a suite that loses
  an expectation on the way in must fail loudly instead.
* A failed metric surfaces as exception_info, either flat or keyed by metric ID depending on where
  it failed; exception_message reads both.
* With pandas 3, DuckDB dates arrive as datetime64[us]; GX only compares datetime64[ns] columns
  vectorised (and about 7x faster), so date columns are cast before validation.
* GX coerces a bare ISO date bound ('1900-01-01') to datetime.date, which pandas refuses to compare
  with a datetime64 column: the expectation then errors out instead of judging. Date bounds are
  therefore written as midnight datetimes, in suite files and in suite parameters alike.
"""

import copy
import functools
import os
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext


@functools.cache
def import_gx() -> ModuleType:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage reports leave a warehouse holding personal data
    import great_expectations

    return great_expectations


def ephemeral_context() -> "AbstractDataContext":
    """An in-memory GX context with progress bars off: nothing is written to disk or sent anywhere."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def suite_from_json(data: dict[str, Any]) -> "ExpectationSuite":
    gx = import_gx()
    suite = gx.ExpectationSuite(**copy.deepcopy(data))
    if len(suite.expectations) != len(data["expectations"]):
        raise ValueError(
            f"suite {data['name']}: GX accepted {len(suite.expectations)} of "
            f"{len(data['expectations'])} expectations; the suite file holds an invalid expectation"
        )
    return suite


def exception_message(result: "ExpectationValidationResult") -> str | None:
    """The message of the exception that stopped an expectation, or None if it ran to a verdict."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None


def frame_for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast date columns to datetime64[ns], the only datetime unit GX compares vectorised."""
    casts = {
        name: "datetime64[ns]"
        for name, dtype in frame.dtypes.items()
        if pd.api.types.is_datetime64_dtype(dtype) and dtype != "datetime64[ns]"
    }
    return frame.astype(casts) if casts else frame


def date_bound(day: date) -> pd.Timestamp:
    """A date as a bound GX can compare with a datetime64[ns] column (its midnight)."""
    return pd.Timestamp(day)


def date_bound_literal(day: date) -> str:
    """The same bound as written in a suite file: '1900-01-01T00:00:00', never '1900-01-01'."""
    return date_bound(day).isoformat()
