"""Indicators recomputed from the delivered files themselves and compared with the published marts.

The generated extracts in the inbox of the shared tiny demo city are read and every indicator below is
recomputed in plain Python (tests/recompute.py), without the warehouse or the dbt models. Each published,
unsuppressed cell of marts.fct_indicator_values for those indicators, at every area level and month, must
carry the same numerator, denominator and value.
"""

import math
from collections import defaultdict
from collections.abc import Callable

import duckdb
import pytest

from tests.conftest import DemoCity
from tests.recompute import INDICATORS, Indicator, Month, expected_cells, read_month

MONTHS = ("2025-01", "2025-02", "2025-03")


@pytest.fixture(scope="module")
def published(demo_city: DemoCity) -> Callable[[str, str], dict[str, tuple]]:
    """The published, unsuppressed cells of one indicator and period, by area, from the reporting snapshot."""
    con = duckdb.connect(str(demo_city.home / "snapshot.duckdb"), read_only=True)
    try:
        rows = con.execute("select indicator_code, period, area_code, area_level, numerator, denominator, value "
                           "from marts.fct_indicator_values where not suppressed").fetchall()
    finally:
        con.close()
    cells: dict[tuple[str, str], dict[str, tuple]] = defaultdict(dict)
    for code, period, area, level, numerator, denominator, value in rows:
        cells[(code, period)][area] = (level, numerator, denominator, value)
    return lambda code, period: cells.get((code, period), {})


@pytest.fixture(scope="module")
def months(demo_city: DemoCity) -> dict[str, Month]:
    return {period: read_month(demo_city.inbox, period) for period in MONTHS}


def test_at_least_ten_indicators_are_recomputed() -> None:
    assert len({i.code for i in INDICATORS}) >= 10


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.code)
def test_published_cells_match_the_files(indicator: Indicator, months: dict[str, Month], published) -> None:
    compared_levels: set[str] = set()
    for period, month in months.items():
        expected = expected_cells(month, indicator)
        cells = published(indicator.code, period)
        if not expected:  # no file behind the indicator this month (residents are quarterly)
            assert not cells, (indicator.code, period)
            continue
        city = next(area for area in month.parents if not month.parents[area])
        assert city in cells, f"{indicator.code} {period}: the city cell is not published"
        for area, (level, numerator, denominator, value) in cells.items():
            where = f"{indicator.code} {period} {level} {area}"
            assert area in expected, f"{where}: published, but not defined by the files"
            want_numerator, want_denominator, want_value = expected[area]
            assert numerator == pytest.approx(want_numerator, abs=1e-6), where
            if want_denominator is None:
                assert denominator is None, where
            else:
                assert denominator == pytest.approx(want_denominator, abs=1e-6), where
            assert math.isclose(value, want_value, rel_tol=1e-9, abs_tol=1e-6), (where, value, want_value)
            compared_levels.add(level)
    assert {"city", "district"} <= compared_levels
