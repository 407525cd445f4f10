"""A small handcrafted warehouse for the dbt models, and the indicators worked out from it in Python.

Two districts, one street each, four communities: a large one, a middle one with few floating
residents, a small one (5 residents) and an empty one. Residents are delivered for 2024-03 and 2024-06
(the June file is a correction: the first June file is superseded and none of its rows may count);
social-security enrolments only for 2024-03, so the year 2024 takes A05 and A08 from June but J11
from March.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.warehouse import Warehouse

CITY = "110100000000"
DISTRICTS = {"110101000000": "东城区", "110102000000": "西城区"}
STREETS = {"110101001000": ("110101000000", "东华门街道"), "110102001000": ("110102000000", "西长安街街道")}
COMMUNITIES = {
    "110101001001": ("110101001000", "多福巷社区"),
    "110101001002": ("110101001000", "银闸社区"),
    "110102001001": ("110102001000", "府右街社区"),
    "110102001002": ("110102001000", "六部口社区"),
}
LARGE, MIDDLE, SMALL, EMPTY = COMMUNITIES

DIVISION_PERIODS = ("2024-03", "2024-06")
RESIDENT_PERIODS = ("2024-03", "2024-06")
INSURANCE_PERIODS = ("2024-03",)
PENSION_TYPES = ("城镇职工养老", "城乡居民养老")
SDC_MIN_CELL = 10


@dataclass(frozen=True)
class Resident:
    pid: str
    birth_year: int
    birth_month: int
    household_no: str
    community_code: str
    residence_kind: str


@dataclass(frozen=True)
class Enrolment:
    pid: str
    insurance_type: str
    status: str


@dataclass(frozen=True)
class Dataset:
    residents: dict[str, list[Resident]]  # by period, current files only
    enrolments: dict[str, list[Enrolment]]  # by period
    superseded_residents: list[Resident]  # rows of the superseded first June file


def _residents(community: str, count: int, households: int, floating: int) -> list[Resident]:
    """The same person keeps the same pseudonym and birth date from one snapshot to the next."""
    births = random.Random(community)
    return [
        Resident(
            pid=f"pid-{community}-{i:03d}",
            birth_year=births.randint(1940, 2020),
            birth_month=births.randint(1, 12),
            household_no=f"{community}-h{i % households:02d}",
            community_code=community,
            residence_kind="流动人口" if i < floating else "户籍人口",
        )
        for i in range(count)
    ]


def build_dataset(seed: int = 20240630) -> Dataset:
    rng = random.Random(seed)
    residents: dict[str, list[Resident]] = {}
    for period, large_count in zip(RESIDENT_PERIODS, (40, 46), strict=True):
        year, month = int(period[:4]), int(period[5:])
        residents[period] = [
            *_residents(LARGE, large_count, households=15, floating=12),
            *_residents(MIDDLE, 25, households=9, floating=3),
            *_residents(SMALL, 5, households=2, floating=1),
            # Born 18 years before the snapshot month (adult by its last day) and a month later (not yet).
            Resident(f"pid-edge-{period}-18", year - 18, month, f"{MIDDLE}-edge", MIDDLE, "户籍人口"),
            Resident(f"pid-edge-{period}-17", year - 18, month + 1, f"{MIDDLE}-edge", MIDDLE, "户籍人口"),
        ]
    enrolments: dict[str, list[Enrolment]] = {}
    for period in INSURANCE_PERIODS:
        rows = []
        for r in residents[period]:
            if r.pid.startswith("pid-edge"):
                continue
            draw = rng.random()
            if draw < 0.45:
                rows.append(Enrolment(r.pid, rng.choice(PENSION_TYPES), "参保缴费"))
            elif draw < 0.55:
                rows.append(Enrolment(r.pid, rng.choice(PENSION_TYPES), "暂停缴费"))
            if rng.random() < 0.5:
                rows.append(Enrolment(r.pid, "居民医疗", "参保缴费"))
        rows.append(Enrolment(f"pid-edge-{period}-18", "城乡居民养老", "参保缴费"))
        rows.append(Enrolment(f"pid-edge-{period}-17", "城乡居民养老", "参保缴费"))
        rows.append(Enrolment("pid-not-a-resident", "城镇职工养老", "参保缴费"))
        enrolments[period] = rows
    # The first June file, wrong in every way that would show: everyone floating, the small community large.
    superseded = [
        Resident(f"pid-superseded-{i:03d}", 1980, 1, f"superseded-h{i}", community, "流动人口")
        for i, community in enumerate([LARGE] * 30 + [SMALL] * 30)
    ]
    return Dataset(residents=residents, enrolments=enrolments, superseded_residents=superseded)


def write_warehouse(home: Path, dataset: Dataset) -> None:
    """Create the warehouse with Warehouse.initialise() and load the dataset as ingestion would."""
    warehouse = Warehouse(home / "warehouse.duckdb")
    warehouse.initialise()
    received = dt.datetime(2024, 7, 1, 8, 0)
    ledger: list[tuple] = []

    def add_file(file_id: str, department: str, table: str, period: str, rows: int, status: str,
                 superseded_by: str | None = None) -> None:
        ledger.append((file_id, department, table, period, f"{table}.csv", file_id.ljust(64, "0"), "UTF-8",
                       status, rows, rows, 0, 0, superseded_by, received, "ok"))

    with warehouse.writer() as con:
        for period in DIVISION_PERIODS:
            file_id = f"ca_division-{period}"
            rows = [(CITY, "北京市", "市", None, None)]
            rows += [(code, name, "区", CITY, None) for code, name in DISTRICTS.items()]
            rows += [(code, name, "街道", parent, None) for code, (parent, name) in STREETS.items()]
            rows += [(code, name, "社区", parent, "111") for code, (parent, name) in COMMUNITIES.items()]
            con.executemany(
                "insert into raw.ca_division values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(file_id, period, i + 2, *row) for i, row in enumerate(rows)],
            )
            add_file(file_id, "civil_affairs", "ca_division", period, len(rows), "LOADED")

        def insert_residents(file_id: str, period: str, residents: list[Resident]) -> None:
            con.executemany(
                "insert into raw.ps_resident values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(file_id, period, i + 2, r.pid, r.birth_year, r.birth_month, "男", "110101", r.household_no,
                  r.community_code, r.residence_kind, dt.date(2020, 1, 1)) for i, r in enumerate(residents)],
            )

        for period, residents in dataset.residents.items():
            file_id = f"ps_resident-{period}"
            insert_residents(file_id, period, residents)
            add_file(file_id, "public_security", "ps_resident", period, len(residents), "LOADED")
        insert_residents("ps_resident-2024-06-first", "2024-06", dataset.superseded_residents)
        add_file("ps_resident-2024-06-first", "public_security", "ps_resident", "2024-06",
                 len(dataset.superseded_residents), "SUPERSEDED", superseded_by="ps_resident-2024-06")

        for period, enrolments in dataset.enrolments.items():
            file_id = f"ss_insurance-{period}"
            con.executemany(
                "insert into raw.ss_insurance values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(file_id, period, i + 2, e.pid, 1980, 1, "男", "110101", e.insurance_type, e.status,
                  dt.date(2015, 1, 1), None) for i, e in enumerate(enrolments)],
            )
            add_file(file_id, "social_security", "ss_insurance", period, len(enrolments), "LOADED")

        con.executemany(
            "insert into audit.load_ledger (file_id, department, table_name, period, original_name, sha256, "
            "encoding, status, rows_physical, rows_loaded, rows_rejected, rows_skipped, superseded_by, "
            "received_at, message) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger,
        )


def _is_adult(r: Resident, period: str) -> bool:
    year, month = int(period[:4]), int(period[5:])
    return (year * 12 + month) - (r.birth_year * 12 + r.birth_month) >= 18 * 12


def _ancestors(community: str) -> dict[str, str]:
    street = COMMUNITIES[community][0]
    return {"community": community, "street": street, "district": STREETS[street][0], "city": CITY}


def expected_indicator_values(dataset: Dataset) -> dict[tuple[str, str, str], tuple[float | None, float, float]]:
    """(indicator, area_code, period) -> (value, numerator, denominator), before disclosure control."""
    monthly: dict[tuple[str, str, str], tuple[float | None, float, float]] = {}
    for period, residents in dataset.residents.items():
        pensioners = {e.pid for e in dataset.enrolments.get(period, [])
                      if e.insurance_type in PENSION_TYPES and e.status == "参保缴费"}
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for community in COMMUNITIES:
            members = [r for r in residents if r.community_code == community]
            adults = [r for r in members if _is_adult(r, period)]
            for area in _ancestors(community).values():
                c = counts[area]
                c["communities"] += 1
                c["households"] += len({r.household_no for r in members})
                c["residents"] += len(members)
                c["floating"] += sum(r.residence_kind == "流动人口" for r in members)
                c["adults"] += len(adults)
                c["pensioners"] += sum(r.pid in pensioners for r in adults)
        for area, c in counts.items():
            monthly[("A05", area, period)] = (c["households"] / c["communities"], c["households"], c["communities"])
            monthly[("A08", area, period)] = (
                100 * c["floating"] / c["residents"] if c["residents"] else None, c["floating"], c["residents"])
            if period in dataset.enrolments:
                monthly[("J11", area, period)] = (
                    100 * c["pensioners"] / c["adults"] if c["adults"] else None, c["pensioners"], c["adults"])
    expected = dict(monthly)
    for indicator in ("A05", "A08", "J11"):
        periods = sorted({p for (i, _, p) in monthly if i == indicator})
        for year in {p[:4] for p in periods}:
            last = max(p for p in periods if p.startswith(year))
            for (i, area, p), cell in monthly.items():
                if i == indicator and p == last:
                    expected[(indicator, area, year)] = cell
    return expected


def is_suppressed(indicator: str, numerator: float, denominator: float) -> bool:
    counts_people = indicator != "A05"
    return 0 < numerator < SDC_MIN_CELL or (counts_people and denominator < SDC_MIN_CELL)


def area_level(area_code: str) -> str:
    if area_code == CITY:
        return "city"
    if area_code in DISTRICTS:
        return "district"
    if area_code in STREETS:
        return "street"
    return "community"
