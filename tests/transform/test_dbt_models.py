"""dbt build on the handcrafted warehouse: indicator values, periods, comparisons, contracts, docs."""

import json
from typing import NamedTuple

import pytest

from .conftest import BuiltWarehouse
from .dataset import C1, C3, C4, CITY, DISTRICTS, EMPTY, STREETS, area_level
from .expected import expected_cells

FCT_CONTRACT = [
    ("indicator_code", "VARCHAR"),
    ("area_code", "VARCHAR"),
    ("area_level", "VARCHAR"),
    ("period", "VARCHAR"),
    ("value", "DOUBLE"),
    ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"),
    ("unit", "VARCHAR"),
    ("suppressed", "BOOLEAN"),
]
MARTS = ("fct_indicator_values", "fct_indicator_comparisons", "fct_suppression_log", "dim_area", "dim_indicator",
         "dim_indicator_standard")


class Cell(NamedTuple):
    area_level: str
    value: float | None
    numerator: float | None
    denominator: float | None
    unit: str
    suppressed: bool


def published(built: BuiltWarehouse) -> dict[tuple[str, str, str], Cell]:
    """(indicator_code, area_code, period) -> the published cell."""
    rows = built.query(
        "select indicator_code, area_code, period, area_level, value, numerator, denominator, unit, suppressed "
        "from marts.fct_indicator_values"
    )
    return {(r[0], r[1], r[2]): Cell(*r[3:]) for r in rows}


def computed(built: BuiltWarehouse) -> dict[tuple[str, str, str], tuple[float | None, float, float | None]]:
    """(indicator_code, area_code, period) -> (value, numerator, denominator) before disclosure control."""
    rows = built.query(
        "select indicator_code, area_code, period, value, numerator, denominator "
        "from intermediate.int_indicator_values__computed"
    )
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in rows}


def assert_cell_equal(actual: tuple, expected: tuple, key: tuple) -> None:
    value, numerator, denominator = expected
    assert actual[1] == pytest.approx(numerator), key
    assert actual[2] == pytest.approx(denominator), key
    assert actual[0] == pytest.approx(value), key


def test_indicators_worked_out_in_python_match_the_models(built: BuiltWarehouse) -> None:
    expected = expected_cells(built.dataset)
    codes = {code for code, _, _ in expected}
    assert len(codes) >= 10
    cells = computed(built)
    assert {k for k in cells if k[0] in codes} == set(expected)
    for key, cell in expected.items():
        assert_cell_equal(cells[key], cell, key)


def test_published_cells_are_the_worked_out_values_or_withheld(built: BuiltWarehouse) -> None:
    expected = expected_cells(built.dataset)
    cells = published(built)
    shown = 0
    for key, cell in expected.items():
        published_cell = cells[key]
        assert published_cell.area_level == area_level(key[1]), key
        if published_cell.suppressed:
            assert published_cell[1:4] == (None, None, None), key
        else:
            shown += 1
            assert_cell_equal(published_cell[1:4], cell, key)
    assert shown > len(expected) / 3


def test_the_catalogue_is_published_at_every_grain_and_period(built: BuiltWarehouse) -> None:
    codes = {code for (code,) in built.query("select distinct indicator_code from marts.fct_indicator_values")}
    assert len(codes) >= 45
    assert codes == {code for (code,) in built.query("select indicator_code from marts.dim_indicator")}
    grains = set(built.query("select distinct indicator_code, area_level, period from marts.fct_indicator_values"))
    for code in ("A05", "B01", "E01", "I06", "J01"):
        for level in ("community", "street", "district", "city"):
            for period in ("2024-03", "2024Q1", "2024Q2", "2024"):
                assert (code, level, period) in grains, (code, level, period)
    assert ("J11", "city", "2024-06") not in grains  # no social-security delivery for June


def test_a_quarter_or_year_of_counts_is_its_last_month_with_data(built: BuiltWarehouse) -> None:
    cells = published(built)
    assert cells[("A08", CITY, "2024")] == cells[("A08", CITY, "2024-06")]
    assert cells[("J11", CITY, "2024")] == cells[("J11", CITY, "2024-03")]
    assert cells[("B01", CITY, "2024Q1")] == cells[("B01", CITY, "2024-03")]


def test_events_of_a_period_add_up_from_its_months(built: BuiltWarehouse) -> None:
    cells = published(built)
    months = [cells[("I06", CITY, f"2024-0{m}")].numerator for m in range(1, 7)]
    assert cells[("I06", CITY, "2024Q1")].numerator == sum(months[:3])
    assert cells[("I06", CITY, "2024")].numerator == sum(months)


def test_the_latest_delivery_of_an_event_wins(built: BuiltWarehouse) -> None:
    resent = [row for f in built.dataset.files if f.table == "ps_dispute" for row in f.rows]
    statuses: dict[str, list[str]] = {}
    for row in resent:
        statuses.setdefault(row["dispute_no"], []).append(row["status"])
    dispute_no = next(no for no, seen in statuses.items() if seen == ["在办", "调解成功"])
    assert built.query("select dispute_status from intermediate.int_disputes__latest where dispute_no = ?",
                       [dispute_no]) == [("调解成功",)]


def test_adulthood_is_reached_in_the_birth_month(built: BuiltWarehouse) -> None:
    ages = dict(built.query(
        "select person_pid, age_at_period_end from intermediate.int_residents__linked "
        "where period = '2024-03' and person_pid like 'res-edge-%'"
    ))
    assert ages == {"res-edge-18": 18, "res-edge-17": 17}


def test_rows_of_superseded_files_are_ignored(built: BuiltWarehouse) -> None:
    staged_tables = (("ps_resident", "stg_public_security__residents"), ("ca_worker", "stg_civil_affairs__workers"))
    for table, model in staged_tables:
        superseded = {r["person_pid"] for r in built.dataset.superseded(table)}
        raw = {pid for (pid,) in built.query(f"select person_pid from raw.{table}")}
        staged = {pid for (pid,) in built.query(f"select person_pid from staging.{model}")}
        assert superseded and superseded <= raw
        assert not superseded & staged
        current = {r["person_pid"] for rows in built.dataset.current(table).values() for r in rows}
        assert staged == current


def test_comparisons_with_the_previous_period_and_last_year(built: BuiltWarehouse) -> None:
    cells = published(built)
    row = built.query(
        "select value, previous_period, previous_value, change_vs_previous, change_pct_vs_previous, "
        "change_pp_vs_previous, same_period_last_year, last_year_value, change_pp_vs_last_year "
        "from marts.fct_indicator_comparisons where indicator_code = 'A08' and area_code = ? and period = '2024Q2'",
        [CITY])[0]
    now, before, year_ago = (cells[("A08", CITY, p)].value for p in ("2024Q2", "2024Q1", "2023Q2"))
    assert row[:3] == (pytest.approx(now), "2024Q1", pytest.approx(before))
    assert row[3] == pytest.approx(now - before) and row[5] == pytest.approx(now - before)
    assert row[4] == pytest.approx(100 * (now - before) / before)
    assert row[6:] == ("2023Q2", pytest.approx(year_ago), pytest.approx(now - year_ago))
    # A count is compared in its own unit; percentage points are for rates only.
    pp, pct = built.query(
        "select change_pp_vs_last_year, change_pct_vs_last_year from marts.fct_indicator_comparisons "
        "where indicator_code = 'B01' and area_code = ? and period = '2024-06'", [CITY])[0]
    b01_now, b01_then = cells[("B01", CITY, "2024-06")].value, cells[("B01", CITY, "2023-06")].value
    assert pp is None and pct == pytest.approx(100 * (b01_now - b01_then) / b01_then)


def test_standards_apply_by_region_and_date(built: BuiltWarehouse) -> None:
    rows = dict(
        ((code, period), rest) for code, period, *rest in built.query(
            "select indicator_code, period, value, standard_id, meets_standard, standard_gap, target_id, "
            "target_value, meets_target, target_gap, target_attainment_pct "
            "from marts.fct_indicator_comparisons where area_code = ? and indicator_code in ('B06', 'B21', 'J11')",
            [CITY]))
    value, standard, meets, gap = rows[("B06", "2024-06")][:4]
    assert standard == "STD-B06-2019" and meets is False  # 300-400 households per worker
    assert gap == pytest.approx(300 - value)
    # Beijing is not under Fujian's 150% rule: the nationwide 2.5 times applies.
    value, standard, meets, gap = rows[("B21", "2024-06")][:4]
    assert standard == "STD-B21-2020" and meets == (value >= 2.5)
    assert gap == pytest.approx(max(2.5 - value, 0))
    # The 14th five-year-plan target, in force from 2021.
    value, *_, target, target_value, meets_target, target_gap, attainment = rows[("J11", "2024")]
    assert (target, target_value, meets_target) == ("TGT-J11-2025", 95.0, value >= 95)
    assert target_gap == pytest.approx(max(95 - value, 0))
    assert attainment == pytest.approx(100 * value / 95)


def test_areas_are_ranked_among_their_siblings(built: BuiltWarehouse) -> None:
    rows = built.query(
        "select area_code, value, sibling_rank, siblings_ranked from marts.fct_indicator_comparisons "
        "where indicator_code = 'I06' and period = '2024' and area_level = 'district'")
    ranked = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1])  # fewer cases is better
    assert [r[2] for r in ranked] == sorted(r[2] for r in ranked)
    assert {r[3] for r in ranked} == {len(ranked)}
    assert {r[0] for r in rows} == set(DISTRICTS)


def test_dim_indicator_quotes_the_nationwide_standard(built: BuiltWarehouse) -> None:
    rows = {r[0]: r[1:] for r in built.query(
        "select indicator_code, standard_value, standard_text, target_value from marts.dim_indicator")}
    assert rows["B06"][0] == 400.0 and "300—400户" in rows["B06"][1]
    assert rows["J11"] == (95.0, rows["J11"][1], 95.0) and "95%" in rows["J11"][1]
    assert rows["A06"] == (None, None, None)


def test_marts_have_their_contracted_columns(built: BuiltWarehouse) -> None:
    columns = built.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'fct_indicator_values' order by ordinal_position"
    )
    assert columns == FCT_CONTRACT
    manifest = json.loads((built.target / "manifest.json").read_text())
    for name in MARTS:
        node = manifest["nodes"][f"model.govwh.{name}"]
        assert node["config"]["contract"]["enforced"] is True, name
        assert all(column["description"] for column in node["columns"].values()), name
    dim_area = [c for (c,) in built.query(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = 'dim_area'")]
    assert dim_area[:6] == ["area_code", "area_name", "area_level", "parent_code", "street_code", "district_code"]
    assert "city_code" in dim_area


def test_hierarchy_is_the_one_of_the_dataset(built: BuiltWarehouse) -> None:
    parents = dict(built.query("select area_code, parent_code from marts.dim_area"))
    assert parents[C1] in STREETS and parents[C3] == parents[C4]
    assert parents[EMPTY] is not None and parents[CITY] is None


def test_docs_generate_documents_every_column_in_the_warehouse(built: BuiltWarehouse) -> None:
    result = built.dbt("docs", "generate", "--no-compile")
    assert result.returncode == 0, result.stdout[-4000:]
    catalog = json.loads((built.target / "catalog.json").read_text())
    manifest = json.loads((built.target / "manifest.json").read_text())
    assert [c.lower() for c in catalog["nodes"]["model.govwh.fct_indicator_values"]["columns"]] == [
        name for name, _ in FCT_CONTRACT
    ]
    for section in ("nodes", "sources"):
        for unique_id, entry in catalog[section].items():
            node = manifest[section][unique_id]
            assert node["description"], unique_id
            documented = {name.lower() for name, column in node["columns"].items() if column["description"]}
            assert {c.lower() for c in entry["columns"]} == documented, unique_id
