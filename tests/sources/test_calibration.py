"""Calibration to seed-reports §4.3, district by district, read back from the extracts.

A city of 36 communities of realistic size over one year (social-security enrolments left out for
speed): the ranges hold per district or city-wide, each district's weak themes show up as the worst
values among its peers, and the year moves some indicators up and others down.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import check_resident_id
from sources.generator import Scale, generate
from sources.generator.city import City, build_city
from sources.generator.window import Window, period_end
from tests.sources.extracts import extract, number, read

SCALE = Scale(residents=72_000, districts=6, streets=6, communities=36)
SEED, START, MONTHS = 11, "2025-01", 12
MONTHLY = [f"2025-{m:02d}" for m in range(1, 13)]
COLLEGE = {"大专", "本科", "研究生", "专科", "大学本科", "硕士研究生"}
THEFT = {"盗窃", "入室盗窃", "电动车盗窃"}


@dataclass(frozen=True)
class Calibrated:
    inbox: Path
    city: City

    def rows(self, table: str, period: str = "2025-12") -> list[dict]:
        return read(extract(self.inbox, table, period))

    def events(self, table: str, key: str) -> list[dict]:
        """Latest delivery of each event over the year."""
        latest = {}
        for period in MONTHLY:
            for row in self.rows(table, period):
                latest[row[key]] = row
        return list(latest.values())

    def weak_district(self, theme: str) -> str:
        [code] = [d.code[:6] for d in self.city.districts if theme in d.traits.weak]
        return code


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Calibrated:
    inbox = tmp_path_factory.mktemp("calibration") / "inbox"
    tables = [t for t in load_contract().tables if t != "ss_insurance"]
    generate(inbox, scale=SCALE, start=START, months=MONTHS, seed=SEED, tables=tables)
    return Calibrated(inbox, build_city(SCALE, SEED, Window.of(START, MONTHS)))


def _district(row: dict) -> str:
    return str(row["community_code"])[:6]


def _by_district(rows: list[dict]) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[_district(row)].append(row)
    return grouped


def _residents_by_district(city: Calibrated) -> Counter[str]:
    return Counter(_district(r) for r in city.rows("ps_resident"))


def test_population_ranges_per_district(city: Calibrated) -> None:
    as_at = period_end("2025-12")
    for district, rows in _by_district(city.rows("ps_resident")).items():
        households = {r["household_no"] for r in rows}
        assert 2.0 <= len(rows) / len(households) <= 3.6
        assert 0.02 <= sum(r["residence_kind"] == "流动人口" for r in rows) / len(rows) <= 0.35
        births = [check_resident_id(r["id_number"], as_at).birth_date for r in rows]
        elderly = sum((as_at - b).days >= 60 * 365.25 for b in births) / len(rows)
        assert 0.08 <= elderly <= 0.32, district


def test_workforce_matches_the_seed_profile(city: Calibrated) -> None:
    as_at = period_end("2025-12")
    workers = city.rows("ca_worker")
    ages = [(as_at - check_resident_id(w["id_number"], as_at).birth_date).days / 365.25 for w in workers]
    assert 40 <= statistics.mean(ages) <= 50
    assert 0.55 <= sum(w["gender"] == "女" for w in workers) / len(workers) <= 0.85
    assert 0.4 <= sum(w["education"] in COLLEGE for w in workers) / len(workers) <= 0.85
    assert 0.15 <= sum(w["sw_cert"] != "无" for w in workers) / len(workers) <= 0.7
    households = defaultdict(set)
    for r in city.rows("ps_resident"):
        households[r["community_code"]].add(r["household_no"])
    staff = Counter(w["community_code"] for w in workers)
    over = sum(not staff[c] or len(households[c]) / staff[c] > 400 for c in households) / len(households)
    assert 0.2 <= over <= 0.8  # seed: 40–60% of communities breach the 400-households norm


def test_event_rates_per_district(city: Calibrated) -> None:
    residents = _residents_by_district(city)
    disputes = _by_district(city.events("ps_dispute", "dispute_no"))
    cases = _by_district(city.events("ps_case", "case_no"))
    for district, people in residents.items():
        per_1000 = people / 1000
        assert 0.5 <= len(disputes[district]) / per_1000 <= 12, district
        criminal = sum(c["case_class"] == "刑事" for c in cases[district]) / per_1000
        public_order = sum(c["case_class"] == "治安" for c in cases[district]) / per_1000
        assert 0.3 <= criminal <= 8 and 1.5 <= public_order <= 15, district
    every_case = [c for rows in cases.values() for c in rows]
    assert 0.4 <= sum(c["case_type"] in THEFT for c in every_case) / len(every_case) <= 0.7
    closed = [d for rows in disputes.values() for d in rows if d["status"] != "在办"]
    assert 0.9 <= sum(d["status"] == "调解成功" for d in closed) / len(closed) <= 1.0
    spells = city.events("ss_unemployment", "registration_no")
    reemployed = sum(bool(s["reemployed_date"]) for s in spells) / len(spells)
    assert 0.7 <= reemployed <= 0.9


def test_welfare_links_and_resettlement(city: Calibrated) -> None:
    released = city.rows("ps_released_person")
    per_1000 = len(released) / (sum(_residents_by_district(city).values()) / 1000)
    assert 0.1 <= per_1000 <= 1.5
    assert sum(r["resettled"] == "是" for r in released) / len(released) >= 0.88
    on_assistance = {a["head_id_number"] for a in city.rows("ca_assistance")
                     if a["assistance_type"] in ("城市低保", "农村低保")}
    share = sum(r["id_number"] in on_assistance for r in released) / len(released)
    assert 0.08 <= share <= 0.45  # the PS × CA link: released persons receiving 低保


def test_organisations_per_community(city: Calibrated) -> None:
    orgs = Counter(o["community_code"] for o in city.rows("ca_social_org") if o["status"] == "正常")
    communities = [c.code for c in city.city.communities]
    counts = [orgs[c] for c in communities]
    assert 3 <= statistics.mean(counts) <= 9
    assert 0.1 <= sum(n < 3 for n in counts) / len(counts) <= 0.6


def _indicators(city: Calibrated, period: str) -> dict[str, dict[str, float]]:
    """Per district, indicators oriented so that higher is worse (events: over the whole year)."""
    residents = _residents_by_district(city)
    households: Counter[str] = Counter()
    for c in city.rows("ca_community", period):
        households[_district(c)] += number(c["households_reported"])
    workers = _by_district(city.rows("ca_worker", period))
    wages = {r["district_code"]: number(r["monthly_min_wage_yuan"])
             for r in city.rows("ss_min_wage", period)}  # the latest standard comes last
    orgs = Counter(_district(o) for o in city.rows("ca_social_org", period) if o["status"] == "正常")
    communities = Counter(c.code[:6] for c in city.city.communities)
    elections = _by_district(city.rows("ca_election", period))
    cases = _by_district(city.events("ps_case", "case_no"))
    disputes = _by_district(city.events("ps_dispute", "dispute_no"))
    officers: Counter[str] = Counter()
    cameras: Counter[str] = Counter()
    for room in city.rows("ps_police_room", period):
        officers[_district(room)] += number(room["officers"])
        cameras[_district(room)] += number(room["cctv_points"])
    result = {}
    for d in residents:
        pay = statistics.mean(number(w["monthly_pay_yuan"]) for w in workers[d]) / wages[d]
        result[d] = {
            "staffing": households[d] / len(workers[d]),
            "pay": -pay,
            "social_orgs": -orgs[d] / communities[d],
            "participation": -sum(number(e["ballots_cast"]) for e in elections[d])
            / sum(number(e["registered_voters"]) for e in elections[d]),
            "safety": len(cases[d]) / residents[d],
            "disputes": len(disputes[d]) / residents[d],
            "policing": households[d] / max(1, officers[d]) - cameras[d] / households[d] * 1000,
        }
    return result


def test_each_district_trips_its_own_findings(city: Calibrated) -> None:
    """The district weak on a theme is among the two worst on it, and worse than the others' mean."""
    indicators = _indicators(city, "2025-12")
    for theme in ("staffing", "pay", "social_orgs", "participation", "safety", "disputes", "policing"):
        weak = city.weak_district(theme)
        ranking = sorted(indicators, key=lambda d: indicators[d][theme], reverse=True)
        others = [indicators[d][theme] for d in indicators if d != weak]
        assert weak in ranking[:2], theme
        assert indicators[weak][theme] > statistics.mean(others), theme


def test_the_year_moves_indicators_both_ways(city: Calibrated) -> None:
    january, december = _indicators(city, "2025-01"), _indicators(city, "2025-12")
    changes = [(december[d][t] - january[d][t]) / abs(january[d][t])
               for d in january for t in ("staffing", "pay", "social_orgs", "policing")]
    assert min(changes) < -0.05 and max(changes) > 0.05  # some improve, some worsen
