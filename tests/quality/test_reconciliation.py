"""Cross-department reconciliations: each suite lists its own rows that another department contradicts."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality.gx_runner import ExpectationOutcome, SuiteOutcome, validate_partition
from tests.quality.conftest import insert_delivery, new_warehouse

COMMUNITY_A, COMMUNITY_B, COMMUNITY_C, COMMUNITY_D = (f"110105001{n:03d}" for n in range(1, 5))
OTHER_DISTRICT_COMMUNITY = "110106001001"
COMMITTEE_110105 = "52110105MJ0000000X"  # civil affairs (5), registered in district 110105
COMMITTEE_110105_OTHER = "52110105MJ0000001X"
COMPANY = "91110000MA0000000X"


def pid(n: int) -> str:
    return f"{n:032x}"


def check(outcome: SuiteOutcome, name: str) -> ExpectationOutcome:
    [found] = [o for o in outcome.outcomes if o.expectation == f"unexpected_rows_expectation[{name}]"]
    return found


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = new_warehouse(tmp_path / "warehouse.duckdb")
    try:
        yield connection
    finally:
        connection.close()


def ps_register(con: duckdb.DuckDBPyConnection, period: str, people: list[tuple[int, str, str]]) -> None:
    """A public-security delivery of (person, household, community) rows."""
    insert_delivery(con, "ps_resident", period, [
        {"person_pid": pid(n), "household_no": household, "community_code": community}
        for n, household, community in people
    ])


def test_households_reported_by_civil_affairs_against_the_ps_register(con: duckdb.DuckDBPyConnection) -> None:
    # A: 10 households of 2 people; B: 100 households of 1 person; C and D are unknown to the register
    people = [(n, f"A{n // 2}", COMMUNITY_A) for n in range(20)]
    people += [(100 + n, f"B{n}", COMMUNITY_B) for n in range(100)]
    ps_register(con, "2026-06", people)
    reported = {COMMUNITY_A: 12, COMMUNITY_B: 80, COMMUNITY_C: 4, COMMUNITY_D: 30}

    def community_delivery(period: str, households: dict[str, int]) -> SuiteOutcome:
        insert_delivery(con, "ca_community", period, [
            {"community_code": code, "households_reported": n} for code, n in households.items()
        ])
        return validate_partition(con, "ca_community", period, f"run-{period}")

    before_any_register = community_delivery("2026-05", reported)
    same_month = community_delivery("2026-06", reported)
    next_month = community_delivery("2026-07", {**reported, COMMUNITY_B: 104, COMMUNITY_D: 5})

    assert check(before_any_register, "households_vs_ps_register").success
    disagreement = check(same_month, "households_vs_ps_register")
    # A is off by 2 (within 5), C by 4 (within 5); B is off by 20 (over 10%), D by 30
    assert not disagreement.success and disagreement.severity == "warning"
    assert disagreement.observed == "2 unexpected rows"
    assert same_month.passed  # a disagreement between departments is recorded, not blocked
    assert check(next_month, "households_vs_ps_register").success  # the June register still applies


def test_community_workers_are_found_in_the_resident_register(con: duckdb.DuckDBPyConnection) -> None:
    ps_register(con, "2026-06", [(1, "H1", COMMUNITY_A), (2, "H2", COMMUNITY_A)])
    insert_delivery(con, "ca_worker", "2026-07", [
        {"person_pid": pid(1), "community_code": COMMUNITY_A},
        {"person_pid": pid(2), "community_code": COMMUNITY_B},
        {"person_pid": pid(3), "community_code": COMMUNITY_B},
    ])

    outcome = validate_partition(con, "ca_worker", "2026-07", "run-workers")

    missing = check(outcome, "workers_in_ps_register")
    assert not missing.success and missing.severity == "warning"
    assert missing.observed == "1 unexpected row"


def test_workers_enrolments_are_paid_by_a_committee_of_their_district(con: duckdb.DuckDBPyConnection) -> None:
    insert_delivery(con, "ca_worker", "2026-06", [
        {"person_pid": pid(1), "community_code": COMMUNITY_A},
        {"person_pid": pid(2), "community_code": COMMUNITY_B},
        {"person_pid": pid(3), "community_code": OTHER_DISTRICT_COMMUNITY},
    ])
    enrolments = [
        (1, "职工医疗", "参保缴费", COMMITTEE_110105),  # the committee: as it should be
        (2, "城镇职工养老", "参保缴费", COMPANY),  # a worker paid by a company
        (2, "居民医疗", "参保缴费", None),  # a residents' scheme has no employer
        (3, "失业", "参保缴费", COMMITTEE_110105_OTHER),  # a committee, but of another district
        (3, "工伤", "暂停缴费", COMPANY),  # lapsed: nobody pays it any more
        (9, "职工医疗", "参保缴费", COMPANY),  # not a community worker
    ]
    insert_delivery(con, "ss_insurance", "2026-06", [
        {"person_pid": pid(n), "insurance_type": scheme, "status": status, "employer_uscc": employer}
        for n, scheme, status, employer in enrolments
    ])

    outcome = validate_partition(con, "ss_insurance", "2026-06", "run-employers")

    employers = check(outcome, "worker_employers_are_committees")
    assert not employers.success and employers.severity == "warning"
    assert employers.observed == "2 unexpected rows"
    assert outcome.passed


def test_no_roster_means_nothing_to_reconcile(con: duckdb.DuckDBPyConnection) -> None:
    insert_delivery(con, "ss_insurance", "2026-06", [{"person_pid": pid(1), "employer_uscc": COMPANY}])

    outcome = validate_partition(con, "ss_insurance", "2026-06", "run-no-roster")

    assert check(outcome, "worker_employers_are_committees").success
    assert outcome.failures == ()
