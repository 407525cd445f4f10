"""Indicators worked out in plain Python from the extract files in an inbox, for comparison with the marts.

The CSV and XLSX files are read with the csv module and openpyxl - the project's decoder only turns the
bytes into text - and every count, sum and ratio is computed here, without the warehouse or the dbt models,
following the formulas dbt/seeds/indicator_definitions.csv states in words.
"""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from dagster_project.ingest.decode import decode

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(decode(path.read_bytes()).text)))


def read_xlsx(path: Path) -> list[dict[str, object]]:
    """The data rows of a register sheet: title rows above the header are skipped, a two-row header whose
    upper cells are merged group titles is read from its lower row (falling back to the upper one where the
    header cell spans both rows), and the totals row (合计) at the bottom is dropped."""
    sheet = openpyxl.load_workbook(path, data_only=True).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    at = next(i for i, row in enumerate(rows) if "社区代码" in row)
    names = [cell if cell is not None else rows[at - 1][j] for j, cell in enumerate(rows[at])]
    records = []
    for row in rows[at + 1:]:
        if all(cell is None for cell in row) or str(row[0]).startswith("合计"):
            continue
        records.append({str(name): cell for name, cell in zip(names, row) if name is not None})
    return records


def number(cell: object) -> float | None:
    """A count or amount as delivered: a number, or text with a unit ('288人', '287.9m²', '2万元'); None
    for an empty cell or a null token ('—', '无', ...)."""
    if isinstance(cell, int | float):
        return float(cell)
    found = NUMBER.search(str(cell or "").replace(",", ""))
    return float(found.group()) if found else None


def age_at_month_end(id_number: str, period: str) -> int:
    """Whole years between the birth month in the resident ID and the period's month."""
    year, month = int(period[:4]), int(period[5:7])
    return (year * 12 + month - int(id_number[6:10]) * 12 - int(id_number[10:12])) // 12


@dataclass
class Month:
    """One month of the city as its files describe it: the hierarchy and each community's measures."""

    parents: dict[str, str]
    communities: list[str]
    measures: dict[str, dict[str, float]]  # measure -> community -> value

    def add(self, measure: str, community: str, value: float = 1.0) -> None:
        self.measures.setdefault(measure, defaultdict(float))[community] += value

    def areas_of(self, community: str) -> Iterable[str]:
        area = community
        while area:
            yield area
            area = self.parents.get(area, "")

    def total(self, measure: str) -> dict[str, float]:
        """The measure summed over the communities of each area (community, street, district, city); a
        measure the month has no file for is absent."""
        if measure not in self.measures:
            return {}
        by_community = self.measures[measure]
        totals: dict[str, float] = defaultdict(float)
        for community in self.communities:
            for area in self.areas_of(community):
                totals[area] += by_community.get(community, 0.0)
        return totals


def read_month(inbox: Path, period: str) -> Month:
    division = read_csv(inbox / "civil_affairs" / period / "ca_division.csv")
    parents = {row["区划代码"]: row["上级代码"] for row in division}
    communities = sorted(row["区划代码"] for row in division if row["层级"] == "社区")
    month = Month(parents, communities, {})
    for community in communities:
        month.add("communities", community)

    residents = inbox / "public_security" / period / "ps_resident.csv"
    if residents.exists():
        households: dict[str, set[str]] = defaultdict(set)
        for row in read_csv(residents):
            community = row["社区代码"]
            month.add("residents", community)
            month.add("floating_residents", community, row["人口类型"] == "流动人口")
            month.add("elderly_residents", community, age_at_month_end(row["身份证号"], period) >= 60)
            households[community].add(row["户号"])
        for community, numbers in households.items():
            month.add("households", community, len(numbers))

    seen: set[tuple[str, str]] = set()  # a worker holding several posts in one community counts once there
    month.measures.setdefault("workers", defaultdict(float))
    for row in read_xlsx(inbox / "civil_affairs" / period / "ca_worker.xlsx"):
        community, person = str(row["社区代码"]), str(row["身份证号"])
        if (community, person) in seen:
            continue
        seen.add((community, person))
        month.add("workers", community)

    organisations: set[str] = set()
    month.measures.setdefault("organisations", defaultdict(float))
    month.measures.setdefault("organisations_active", defaultdict(float))
    for row in read_xlsx(inbox / "civil_affairs" / period / "ca_social_org.xlsx"):
        community = str(row["社区代码"])
        key = row["统一社会信用代码"] or f"{community}/{row['备案编号'] or row['组织名称']}"
        if key in organisations or row["状态"] != "正常":
            continue
        organisations.add(key)
        month.add("organisations", community)
        month.add("organisations_active", community, row["近一年开展活动"] == "是")

    served: set[str] = set()
    for row in read_csv(inbox / "public_security" / period / "ps_police_room.csv"):
        served.update(code.strip() for code in row["社区代码"].split(";"))
    for community in communities:
        month.add("communities_with_police_room", community, community in served)

    profiled: set[str] = set()
    for row in read_xlsx(inbox / "civil_affairs" / period / "ca_community.xlsx"):
        community = str(row["社区代码"])
        if community in profiled:
            continue
        profiled.add(community)
        area = number(row["面积（㎡）"]) or 0.0
        month.add("communities_profiled", community)
        month.add("communities_with_office", community, row["用房性质"] not in (None, "无") and area > 0)
        month.add("communities_with_service_hall", community, row["一站式服务大厅"] == "是")
        month.add("communities_with_day_care", community, row["日间照料中心"] == "是")
        month.add("communities_with_platform", community, row["信息平台"] == "是")
        month.add("communities_one_shoulder", community, row["书记主任一肩挑"] == "是")
        month.add("office_area_m2_sum", community, area)
        month.add("funding_10k_yuan_sum", community, number(row["年度工作经费(万元)"]) or 0.0)

    for row in read_csv(inbox / "civil_affairs" / period / "ca_election.csv"):  # one election per community
        community = row["社区代码"]
        month.add("registered_voters", community, number(row["登记选民数"]))
        month.add("ballots_cast", community, number(row["参加投票人数"]))
        month.add("valid_ballots", community, number(row["有效票数"]))

    month.measures.setdefault("allowance_recipients", defaultdict(float))
    for row in read_csv(inbox / "civil_affairs" / period / "ca_assistance.csv"):
        if row["救助类型"] in ("城市低保", "农村低保"):
            month.add("allowance_recipients", row["社区代码"], number(row["保障人数"]))
    return month


@dataclass(frozen=True)
class Indicator:
    code: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0


# Formulas as dbt/seeds/indicator_definitions.csv states them in words.
INDICATORS = (
    Indicator("A01", "communities"),
    Indicator("A05", "households", "communities"),
    Indicator("A06", "residents"),
    Indicator("A07", "residents", "households"),
    Indicator("A08", "floating_residents", "residents", 100),
    Indicator("A10", "elderly_residents", "residents", 100),
    Indicator("A18", "residents", "communities"),
    Indicator("B01", "workers"),
    Indicator("B05", "workers", "communities"),
    Indicator("B06", "households", "workers"),
    Indicator("B27", "communities_one_shoulder", "communities_profiled", 100),
    Indicator("C05", "communities_with_service_hall", "communities_profiled", 100),
    Indicator("C08", "office_area_m2_sum", "communities_with_office"),
    Indicator("C30", "communities_with_day_care", "communities_profiled", 100),
    Indicator("C20", "communities_with_police_room", "communities", 100),
    Indicator("E01", "organisations", "communities"),
    Indicator("E04", "organisations_active", "organisations", 100),
    Indicator("D04", "funding_10k_yuan_sum", "communities_profiled"),
    Indicator("G01", "ballots_cast", "registered_voters", 100),
    Indicator("G10", "valid_ballots", "ballots_cast", 100),
    Indicator("H05", "communities_with_platform", "communities_profiled", 100),
    Indicator("J07", "allowance_recipients", "residents", 1000),
)


def expected_cells(month: Month, indicator: Indicator) -> dict[str, tuple[float, float | None, float]]:
    """(numerator, denominator, value) per area, for the areas where the indicator is defined."""
    numerators = month.total(indicator.numerator)
    if indicator.denominator is None:
        return {area: (n, None, n) for area, n in numerators.items()}
    denominators = month.total(indicator.denominator)
    return {area: (n, denominators[area], indicator.scale * n / denominators[area])
            for area, n in numerators.items() if denominators.get(area)}
