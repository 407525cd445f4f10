"""dbt build on a handcrafted warehouse: indicator values, disclosure control, contract, docs."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from dagster_project.lib.paths import DBT_PROJECT_DIR
from .dataset import (
    CITY,
    DISTRICTS,
    EMPTY,
    MIDDLE,
    SMALL,
    Dataset,
    area_level,
    build_dataset,
    expected_indicator_values,
    is_suppressed,
    write_warehouse,
)

DBT = str(Path(sys.executable).parent / "dbt")

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


@dataclass(frozen=True)
class BuiltWarehouse:
    home: Path
    dataset: Dataset

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()


def run_dbt(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DBT, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(home / "dbt_target"), "--log-path", str(home / "dbt_logs")],
        env={**os.environ, "GOVWH_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    home = tmp_path_factory.mktemp("govwh_home")
    dataset = build_dataset()
    write_warehouse(home, dataset)
    result = run_dbt(home, "build")
    assert result.returncode == 0, result.stdout[-4000:]
    return BuiltWarehouse(home=home, dataset=dataset)


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


def test_published_values_equal_those_worked_out_from_the_rows(built: BuiltWarehouse) -> None:
    expected = expected_indicator_values(built.dataset)
    cells = published(built)
    assert set(cells) == set(expected)
    for key, (value, numerator, denominator) in expected.items():
        cell = cells[key]
        assert cell.area_level == area_level(key[1]), key
        assert cell.unit == ("户/社区" if key[0] == "A05" else "%"), key
        assert cell.suppressed == is_suppressed(key[0], numerator, denominator), key
        if cell.suppressed:
            assert (cell.value, cell.numerator, cell.denominator) == (None, None, None), key
        else:
            assert (cell.numerator, cell.denominator) == (numerator, denominator), key
            assert cell.value == pytest.approx(value), key


def test_every_grain_and_period_is_published(built: BuiltWarehouse) -> None:
    rows = built.query(
        "select distinct indicator_code, area_level, period from marts.fct_indicator_values"
    )
    for indicator in ("A05", "A08"):
        for level in ("community", "street", "district", "city"):
            for period in ("2024-03", "2024-06", "2024"):
                assert (indicator, level, period) in rows
    assert ("J11", "city", "2024-06") not in rows  # no social-security delivery for June


def test_a_year_is_its_last_snapshot_for_each_indicator(built: BuiltWarehouse) -> None:
    cells = published(built)
    assert cells[("A08", CITY, "2024")] == cells[("A08", CITY, "2024-06")]
    assert cells[("J11", CITY, "2024")] == cells[("J11", CITY, "2024-03")]


def test_small_cells_are_suppressed_and_zero_is_shown(built: BuiltWarehouse) -> None:
    cells = published(built)
    # 5 residents, 1 of them floating, in 2 households.
    assert cells[("A08", SMALL, "2024-03")] == Cell("community", None, None, None, "%", True)
    assert cells[("A05", SMALL, "2024-03")] == Cell("community", None, None, None, "户/社区", True)
    # 3 of 27 residents floating: the numerator alone gives the cell away.
    assert cells[("A08", MIDDLE, "2024-03")].suppressed
    # No residents at all: no households is a publishable 0; a share of nobody is not.
    assert cells[("A05", EMPTY, "2024-03")] == Cell("community", 0.0, 0.0, 1.0, "户/社区", False)
    assert cells[("A08", EMPTY, "2024-03")].suppressed
    # The district holding only those two communities is small too.
    small_district = next(code for code in DISTRICTS if SMALL.startswith(code[:6]))
    assert cells[("A05", small_district, "2024-06")].suppressed
    assert not cells[("A05", CITY, "2024-06")].suppressed


def test_adulthood_is_reached_in_the_birth_month(built: BuiltWarehouse) -> None:
    ages = dict(built.query(
        "select person_pid, age_at_period_end from intermediate.int_residents__linked_insurance "
        "where period = '2024-03' and person_pid like 'pid-edge-%'"
    ))
    assert ages == {"pid-edge-2024-03-18": 18, "pid-edge-2024-03-17": 17}


def test_no_published_cell_rests_on_a_count_of_one_to_nine(built: BuiltWarehouse) -> None:
    leaks = built.query(
        "select * from marts.fct_indicator_values where not suppressed "
        "and ((numerator > 0 and numerator < 10) or (indicator_code <> 'A05' and denominator < 10))"
    )
    assert leaks == []


def test_fct_indicator_values_has_exactly_the_contracted_columns(built: BuiltWarehouse) -> None:
    columns = built.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'fct_indicator_values' order by ordinal_position"
    )
    assert columns == FCT_CONTRACT
    manifest = json.loads((built.home / "dbt_target" / "manifest.json").read_text())
    for name in ("fct_indicator_values", "dim_area", "dim_indicator"):
        node = manifest["nodes"][f"model.govwh.{name}"]
        assert node["config"]["contract"]["enforced"] is True
        assert all(column["description"] for column in node["columns"].values()), name


def test_rows_of_superseded_files_are_ignored(built: BuiltWarehouse) -> None:
    superseded = {r.pid for r in built.dataset.superseded_residents}
    raw_pids = {pid for (pid,) in built.query("select person_pid from raw.ps_resident")}
    staged_pids = {pid for (pid,) in built.query("select person_pid from staging.stg_public_security__residents")}
    assert superseded <= raw_pids
    assert not superseded & staged_pids
    current = {r.pid for rows in built.dataset.residents.values() for r in rows}
    assert staged_pids == current


def test_docs_generate_documents_every_column_in_the_warehouse(built: BuiltWarehouse) -> None:
    result = run_dbt(built.home, "docs", "generate")
    assert result.returncode == 0, result.stdout[-4000:]
    catalog = json.loads((built.home / "dbt_target" / "catalog.json").read_text())
    manifest = json.loads((built.home / "dbt_target" / "manifest.json").read_text())
    assert [c.lower() for c in catalog["nodes"]["model.govwh.fct_indicator_values"]["columns"]] == [
        name for name, _ in FCT_CONTRACT
    ]
    for section in ("nodes", "sources"):
        for unique_id, entry in catalog[section].items():
            node = manifest[section][unique_id]
            assert node["description"], unique_id
            documented = {name.lower() for name, column in node["columns"].items() if column["description"]}
            assert {c.lower() for c in entry["columns"]} == documented, unique_id
