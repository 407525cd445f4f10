"""Disclosure control on the handcrafted warehouse: the planted small community, secondary suppression,
the suppression log, and the singular tests catching a published small cell or a recoverable one."""

import csv
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.paths import DBT_PROJECT_DIR

from .conftest import BuiltWarehouse
from .dataset import C3, C4, EMPTY, SDC_MIN_CELL, parent_of

PROTECTED_KINDS = {"person", "household", "event"}
PLANTED = ("A06", C4, "2024-03")  # six residents
SIBLING = ("A06", C3, "2024-03")


def _seed(name: str) -> list[dict[str, str]]:
    with open(DBT_PROJECT_DIR / "seeds" / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def protected_indicators() -> dict[str, dict[str, str]]:
    """Indicators whose numerator and denominator (if any) are protected counts, and whether both are
    events (which add up from months to quarters and years)."""
    kinds = {m["measure_code"]: m for m in _seed("measure_definitions")}
    def aggregation(indicator: dict[str, str]) -> str:
        measures = [indicator["numerator_measure"], indicator["denominator_measure"] or indicator["numerator_measure"]]
        return "flow" if all(kinds[m]["time_aggregation"] == "flow" for m in measures) else "other"

    return {
        i["indicator_code"]: {**i, "aggregation": aggregation(i)}
        for i in _seed("indicator_definitions")
        if kinds[i["numerator_measure"]]["count_kind"] in PROTECTED_KINDS
        and (not i["denominator_measure"] or kinds[i["denominator_measure"]]["count_kind"] in PROTECTED_KINDS)
    }


def published_rows(built: BuiltWarehouse) -> dict[tuple[str, str, str], tuple]:
    rows = built.query("select indicator_code, area_code, period, numerator, denominator, suppressed "
                       "from marts.fct_indicator_values")
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_the_planted_small_cell_is_withheld_and_logged(built: BuiltWarehouse) -> None:
    cells = published_rows(built)
    assert cells[PLANTED] == (None, None, True)
    (residents,) = built.query("select numerator from intermediate.int_indicator_values__computed "
                               "where indicator_code = ? and area_code = ? and period = ?", list(PLANTED))[0]
    assert 0 < residents < SDC_MIN_CELL
    log = built.query("select suppression_kind, reason_code, suppressed_measure, reason_zh "
                      "from marts.fct_suppression_log "
                      "where indicator_code = ? and area_code = ? and period = ?", list(PLANTED))
    assert log == [("primary", "small_count", "residents", log[0][3])] and "1至9" in log[0][3]
    # Every rate over those residents is withheld with it.
    for code in ("A08", "A10", "A07"):
        assert cells[(code, C4, "2024-03")][2] is True, code


def test_its_only_sibling_is_withheld_so_the_street_total_gives_nothing_away(built: BuiltWarehouse) -> None:
    cells = published_rows(built)
    street = parent_of(C4)
    assert cells[SIBLING] == (None, None, True)
    assert cells[("A06", street, "2024-03")][2] is False  # the street total stays published
    log = built.query("select suppression_kind, reason_code, pass_number from marts.fct_suppression_log "
                      "where indicator_code = ? and area_code = ? and period = ?", list(SIBLING))
    assert log == [("secondary", "protects_area", 1)]


def test_zero_is_published(built: BuiltWarehouse) -> None:
    cells = published_rows(built)
    assert cells[("A06", EMPTY, "2024-03")] == (0.0, None, False)
    assert cells[("A01", EMPTY, "2024-03")] == (1.0, None, False)  # communities are not people


def test_a_share_with_a_small_remainder_is_withheld(built: BuiltWarehouse) -> None:
    rows = built.query(
        "select log.indicator_code, computed.numerator, computed.denominator from marts.fct_suppression_log as log "
        "inner join intermediate.int_indicator_values__computed as computed using (indicator_code, area_code, period) "
        "where log.reason_code = 'small_complement'")
    assert rows
    for code, numerator, denominator in rows:
        assert 0 < denominator - numerator < SDC_MIN_CELL or numerator is None, code


def test_no_published_cell_rests_on_a_small_count(built: BuiltWarehouse) -> None:
    indicators = protected_indicators()
    for (code, area, period), (numerator, denominator, suppressed) in published_rows(built).items():
        if suppressed or code not in indicators:
            continue
        assert not 0 < numerator < SDC_MIN_CELL, (code, area, period)
        if denominator is not None:
            assert not 0 < denominator < SDC_MIN_CELL, (code, area, period)
            if indicators[code]["is_share"] == "true":
                assert not 0 < denominator - numerator < SDC_MIN_CELL, (code, area, period)


def test_no_withheld_cell_is_the_only_one_of_a_total_and_its_parts(built: BuiltWarehouse) -> None:
    """Worked out in Python on the published marts: areas under their parent, months and quarters under
    their quarter and year (events), for indicators resting on protected counts only."""
    indicators = protected_indicators()
    cells = published_rows(built)
    groups: dict[tuple, list[bool]] = defaultdict(list)
    for (code, area, period), (_, _, suppressed) in cells.items():
        if code not in indicators:
            continue
        groups[("area", code, area, period)].append(suppressed)  # the parent itself
        parent = parent_of(area)
        if parent is not None:
            groups[("area", code, parent, period)].append(suppressed)
        if indicators[code]["aggregation"] == "flow":
            groups[("time", code, area, period)].append(suppressed)
            if "-" in period:
                groups[("time", code, area, f"{period[:4]}Q{(int(period[5:]) - 1) // 3 + 1}")].append(suppressed)
            elif "Q" in period:
                groups[("time", code, area, period[:4])].append(suppressed)
    exposed = [key for key, members in groups.items() if len(members) > 1 and sum(members) == 1]
    assert exposed == []
    assert any(sum(members) >= 2 for members in groups.values())


def test_the_log_names_cells_never_values(built: BuiltWarehouse) -> None:
    columns = {c for (c,) in built.query("select column_name from information_schema.columns "
                                         "where table_schema = 'marts' and table_name = 'fct_suppression_log'")}
    assert not columns & {"value", "numerator", "denominator", "measure_value"}


@pytest.fixture
def tampered(built: BuiltWarehouse, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A writable copy of the built warehouse, keeping the file name the compiled SQL refers to."""
    shutil.copy(built.data_dir / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield con
    con.close()


def singular_test(built: BuiltWarehouse, name: str) -> str:
    return (built.target / "compiled" / "govwh" / "tests" / f"{name}.sql").read_text()


def test_the_build_fails_on_a_published_small_cell(built: BuiltWarehouse, tampered) -> None:
    for name in ("assert_published_cells_pass_disclosure_control", "assert_published_cells_follow_their_measures"):
        assert tampered.execute(singular_test(built, name)).fetchall() == [], name
    tampered.execute(
        "update marts.fct_indicator_values as published set suppressed = false, value = computed.value, "
        "numerator = computed.numerator from intermediate.int_indicator_values__computed as computed "
        "where published.indicator_code = computed.indicator_code and published.area_code = computed.area_code "
        "and published.period = computed.period and published.indicator_code = ? and published.area_code = ? "
        "and published.period = ?", list(PLANTED))
    failures = tampered.execute(singular_test(built, "assert_published_cells_pass_disclosure_control")).fetchall()
    assert [row[:3] for row in failures] == [PLANTED]
    failures = tampered.execute(singular_test(built, "assert_published_cells_follow_their_measures")).fetchall()
    assert PLANTED in [row[:3] for row in failures]  # and the first quarter, which repeats March


def test_the_build_fails_on_a_recoverable_withheld_cell(built: BuiltWarehouse, tampered) -> None:
    check = singular_test(built, "assert_no_suppressed_cell_is_recoverable")
    assert tampered.execute(check).fetchall() == []
    # Show the sibling again: the planted community is then the street total minus the sibling.
    tampered.execute("update intermediate.int_disclosure__suppressed_cells set is_suppressed = false "
                     "where measure_code = 'residents' and area_code = ? and period = '2024-03'", [C3])
    failures = tampered.execute(check).fetchall()
    assert ("area", "residents", parent_of(C4), "2024-03") in [row[:4] for row in failures]
