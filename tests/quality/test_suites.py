import dataclasses
import json
import re
import subprocess
import sys

import pytest

from dagster_project.lib.contract import Check, load_contract
from dagster_project.lib.paths import EXPECTATIONS_DIR
from dagster_project.quality import gx_compat
from dagster_project.quality.suite_builder import build_suite, suite_document
from dagster_project.quality.suites import (
    GX_SEVERITY,
    PREVIOUS_ROWS_MAX,
    PREVIOUS_ROWS_MIN,
    ROW_COUNT_CHANGE_KEY,
    RowCountChange,
    expectation_label,
    expectation_severity,
    load_suite_json,
    suite_path,
)

CONTRACT = load_contract()
TABLES = sorted(CONTRACT.tables)


def expectations_of(table: str, kind: str) -> list[dict]:
    return [e for e in load_suite_json(table)["expectations"] if e["type"] == kind]


def test_one_suite_file_per_contract_table() -> None:
    assert sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")) == TABLES
    assert len(TABLES) == 14


@pytest.mark.parametrize("table", TABLES)
def test_committed_suite_is_what_the_builder_produces(table: str) -> None:
    committed = json.loads(suite_path(table).read_text(encoding="utf-8"))
    assert committed == suite_document(CONTRACT.tables[table], CONTRACT), (
        f"expectations/{table}.json has drifted from the contract: rerun "
        "`python -m dagster_project.quality.suite_builder` and review the diff"
    )


@pytest.mark.parametrize("table", TABLES)
def test_suite_loads_with_gx_without_losing_expectations(table: str) -> None:
    data = load_suite_json(table)
    suite = gx_compat.suite_from_json(data)
    assert suite.name == table
    assert [e.expectation_type for e in suite.expectations] == [e["type"] for e in data["expectations"]]


@pytest.mark.parametrize("table", TABLES)
def test_every_expectation_has_severity_notes_and_a_unique_label(table: str) -> None:
    expectations = load_suite_json(table)["expectations"]
    for e in expectations:
        assert e["severity"] == GX_SEVERITY[expectation_severity(e)]
        assert len(e["meta"]["notes"]) > 20
    labels = [expectation_label(e) for e in expectations]
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("table", TABLES)
def test_schema_row_count_and_key_are_errors(table: str) -> None:
    contract_table = CONTRACT.tables[table]
    [columns] = expectations_of(table, "expect_table_columns_to_match_set")
    assert columns["kwargs"]["column_set"] == [n for n, _ in contract_table.storage_columns()]
    personal = {c.name for c in contract_table.columns if c.is_pii_dropped or c.is_resident_id}
    assert not personal & set(columns["kwargs"]["column_set"])
    non_empty = [
        e for e in expectations_of(table, "expect_table_row_count_to_be_between")
        if ROW_COUNT_CHANGE_KEY not in e["meta"]
    ]
    if contract_table.kind == "events":
        assert non_empty == []  # a quiet month may be empty; the change against last month still counts
    else:
        assert [e["kwargs"] for e in non_empty] == [{"min_value": 1}]
    key_kind = "expect_column_values_to_be_unique" if len(contract_table.key) == 1 else (
        "expect_compound_columns_to_be_unique"
    )
    lineage = ["file_id", "line_number"]
    key_checks = [e for e in expectations_of(table, key_kind) if e["kwargs"].get("column_list") != lineage]
    assert len(key_checks) == 1
    for e in (columns, *non_empty, *key_checks):
        assert expectation_severity(e) == "error"


def test_resident_id_key_is_checked_on_its_pseudonym() -> None:
    [unique] = expectations_of("ps_resident", "expect_column_values_to_be_unique")
    assert unique["kwargs"]["column"] == "person_pid"
    [worker_key] = [
        e for e in expectations_of("ca_worker", "expect_compound_columns_to_be_unique")
        if "person_pid" in e["kwargs"]["column_list"]
    ]
    assert worker_key["kwargs"]["column_list"] == ["person_pid", "community_code", "position"]


def regex_for(table: str, column: str) -> re.Pattern[str]:
    regexes = expectations_of(table, "expect_column_values_to_match_regex")
    [e] = [e for e in regexes if e["kwargs"]["column"] == column]
    return re.compile(e["kwargs"]["regex"])


def test_multi_valued_enum_accepts_joined_values_only() -> None:
    position = regex_for("ca_worker", "position")
    assert position.match("书记、主任") and position.match("网格员")
    for wrong in ("书记,主任", "书记、", "队长"):
        assert not position.match(wrong)


def test_code_formats() -> None:
    police_room = regex_for("ps_police_room", "community_code")
    assert police_room.match("110105001001;110105001002")
    assert not police_room.match("110105001001;11010500100")
    assert regex_for("ps_resident", "person_pid").match("0123456789abcdef" * 2)
    assert not regex_for("ps_resident", "person_pid").match("11010519491231002X")
    assert regex_for("ss_min_wage", "district_code").match("110105")
    assert not regex_for("ca_social_org", "uscc").match("91110000I00000000X")


def test_conditional_requirements_follow_the_contract() -> None:
    [required] = [
        e for e in expectations_of("ca_division", "expect_column_values_to_not_be_null")
        if e["kwargs"]["column"] == "parent_code"
    ]
    assert required["kwargs"]["row_condition"]["column"]["name"] == "level"
    assert required["kwargs"]["row_condition"]["parameter"] == ["区", "街道", "社区"]
    assert expectation_label(required) == (
        "expect_column_values_to_not_be_null(parent_code) where level IN [区, 街道, 社区]"
    )
    [empty] = expectations_of("ca_social_org", "expect_column_values_to_be_null")
    assert empty["kwargs"]["column"] == "uscc"


def test_unknown_contract_check_kind_stops_the_builder() -> None:
    table = CONTRACT.tables["ca_election"]
    odd = dataclasses.replace(table, checks=(Check(kind="sum_equals", column="seats", other="ballots_cast"),))
    with pytest.raises(ValueError, match="sum_equals"):
        build_suite(odd, CONTRACT)


def test_suite_with_an_unknown_expectation_fails_loudly() -> None:
    # GX itself only logs an unknown expectation type and drops it from the suite
    data = json.loads(json.dumps(load_suite_json("ps_case")))
    data["expectations"][-1]["type"] = "expect_column_values_to_be_purple"
    total = len(data["expectations"])
    with pytest.raises(ValueError, match=f"{total - 1} of {total}"):
        gx_compat.suite_from_json(data)


def test_check_definitions_do_not_import_gx() -> None:
    code = "import sys, dagster_project.quality.checks; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("table", TABLES)
def test_row_count_against_the_previous_delivery(table: str) -> None:
    [change] = [e for e in load_suite_json(table)["expectations"] if ROW_COUNT_CHANGE_KEY in e["meta"]]
    assert change["type"] == "expect_table_row_count_to_be_between"
    assert change["kwargs"] == {
        "min_value": {"$PARAMETER": PREVIOUS_ROWS_MIN},
        "max_value": {"$PARAMETER": PREVIOUS_ROWS_MAX},
    }
    assert expectation_label(change) == "expect_table_row_count_to_be_between[vs_previous_delivery]"
    policy = RowCountChange.from_meta(change["meta"])
    halved = policy.bounds(1000)[0] > 500
    if CONTRACT.tables[table].kind == "snapshot":
        assert expectation_severity(change) == "error" and halved
    else:
        assert expectation_severity(change) == "warning" and policy.noise_sigmas > 0


def test_row_count_bounds() -> None:
    snapshot = RowCountChange(min_ratio=0.8, max_ratio=1.5)
    assert snapshot.bounds(12) == (9, 18)
    assert snapshot.bounds(2_500_000) == (2_000_000, 3_750_000)
    events = RowCountChange(min_ratio=0.6, max_ratio=1.8, noise_sigmas=3.0)
    assert events.bounds(9) == (0, 18)  # a handful of events a month may halve by chance
    assert events.bounds(100) == (60, 180)
    assert events.bounds(10_000) == (6000, 18000)
    assert RowCountChange(min_ratio=0.8, max_ratio=None).bounds(50) == (40, None)


RECONCILED = {
    "ca_community": ("households_vs_ps_register", ["raw.ps_resident"]),
    "ca_worker": ("workers_in_ps_register", ["raw.ps_resident"]),
    "ss_insurance": ("worker_employers_are_committees", ["raw.ca_worker"]),
}


@pytest.mark.parametrize("table", TABLES)
def test_cross_department_reconciliations_are_warnings_on_the_listing_suite(table: str) -> None:
    reconciliations = expectations_of(table, "unexpected_rows_expectation")
    if table not in RECONCILED:
        assert reconciliations == []
        return
    check, other_tables = RECONCILED[table]
    [reconciliation] = reconciliations
    assert reconciliation["meta"]["check"] == check
    assert expectation_severity(reconciliation) == "warning"
    query = reconciliation["kwargs"]["unexpected_rows_query"]
    assert "{batch} b" in query and " join " in query  # GX leaves the aliasing to queries that join
    assert all(other in query for other in other_tables)
    assert "audit.load_ledger" in query  # only the other department's current delivery counts


def test_reconciliation_refuses_a_contract_without_its_values() -> None:
    insurance = CONTRACT.tables["ss_insurance"]
    without_injury = tuple(v for v in insurance.column("insurance_type").values if v != "工伤")
    columns = tuple(
        dataclasses.replace(c, values=without_injury) if c.name == "insurance_type" else c
        for c in insurance.columns
    )
    tables = {**CONTRACT.tables, "ss_insurance": dataclasses.replace(insurance, columns=columns)}
    with pytest.raises(ValueError, match="工伤"):
        build_suite(tables["ss_insurance"], dataclasses.replace(CONTRACT, tables=tables))
