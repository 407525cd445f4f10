"""A small handcrafted city for the dbt models: every extract table, loaded as ingestion would.

Two districts, three streets, six communities: four ordinary ones (C1, C2, C3, C5), a tiny one (C4:
six residents, two workers, one organisation - the planted small cell) and an empty one (C6). Months
2023-06 (a year-ago reference) and 2024-01 to 2024-06. Quarterly registers (ps_resident, ss_insurance)
arrive in 2023-06, 2024-03 and 2024-06, except that social security sends nothing for 2024-06, so the
year 2024 takes pension coverage from March. Two deliveries are corrected: the first June resident
file and the first February roster are superseded and none of their rows may count.

Events are re-sent: disputes accepted in progress come back a month later mediated, unemployment
registrations come back once the person is re-employed, and the latest delivery wins.
"""

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import Warehouse

CITY = "110100000000"
DISTRICTS = {"110101000000": "东城区", "110102000000": "西城区"}
STREETS = {
    "110101001000": ("110101000000", "东华门街道"),
    "110101002000": ("110101000000", "景山街道"),
    "110102001000": ("110102000000", "西长安街街道"),
}
COMMUNITIES = {
    "110101001001": ("110101001000", "多福巷社区"),
    "110101001002": ("110101001000", "银闸社区"),
    "110101002001": ("110101002000", "吉祥社区"),
    "110101002002": ("110101002000", "黄化门社区"),
    "110102001001": ("110102001000", "府右街社区"),
    "110102001002": ("110102001000", "六部口社区"),
}
C1, C2, C3, C4, C5, C6 = COMMUNITIES
SMALL, EMPTY = C4, C6

MONTHS = ("2023-06", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
RESIDENT_MONTHS = ("2023-06", "2024-03", "2024-06")
INSURANCE_MONTHS = ("2023-06", "2024-03")
PENSION_TYPES = ("城镇职工养老", "城乡居民养老")
MEDICAL_TYPES = ("职工医疗", "居民医疗")
SDC_MIN_CELL = 10

# (residents, households, floating) per community at the first snapshot; later ones add a few.
POPULATION = {C1: (60, 22, 15), C2: (45, 18, 6), C3: (30, 12, 4), C4: (6, 3, 1), C5: (70, 25, 20), C6: (0, 0, 0)}
WORKERS = {C1: 14, C2: 12, C3: 11, C4: 2, C5: 16, C6: 0}
ORGANISATIONS = {C1: 12, C2: 4, C3: 2, C4: 1, C5: 11, C6: 0}
RELEASED = {C1: 12, C2: 3, C3: 2, C4: 0, C5: 11, C6: 0}
# Police rooms: (room, served communities, officers, auxiliary officers, video points).
POLICE_ROOMS = (("R1", (C1, C2), 3, 4, 40), ("R2", (C3,), 1, 1, 9), ("R3", (C5, C6), 2, 2, 25))
# District minimum wages: (district code, effective from, 元/月, first file month that lists it).
MINIMUM_WAGES = (("110101", dt.date(2023, 1, 1), 2200.0, "2023-06"),
                 ("110101", dt.date(2024, 4, 1), 2400.0, "2024-04"),
                 ("110102", dt.date(2023, 1, 1), 2100.0, "2023-06"))


Rows = dict[str, list[dict]]  # period -> the rows of that month's file


def month_end(period: str) -> dt.date:
    year, month = int(period[:4]), int(period[5:7])
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter_of(period: str) -> str:
    return f"{period[:4]}Q{(int(period[5:7]) - 1) // 3 + 1}"


@dataclass(frozen=True)
class File:
    table: str
    period: str
    rows: tuple[dict, ...]
    status: str = "LOADED"
    suffix: str = ""

    @property
    def file_id(self) -> str:
        return f"{self.table}-{self.period}{self.suffix}"


@dataclass
class Dataset:
    files: list[File] = field(default_factory=list)

    def current(self, table: str) -> Rows:
        """Rows of the current files of a table, by period."""
        return {f.period: list(f.rows) for f in self.files if f.table == table and f.status == "LOADED"}

    def superseded(self, table: str) -> list[dict]:
        return [row for f in self.files if f.table == table and f.status == "SUPERSEDED" for row in f.rows]


def _person(rng: random.Random, pid: str, lo: int = 1940, hi: int = 2020) -> dict:
    return {"person_pid": pid, "person_birth_year": rng.randint(lo, hi), "person_birth_month": rng.randint(1, 12),
            "person_sex": rng.choice("男女"), "person_area_code": "110101"}


def _residents(rng: random.Random) -> Rows:
    pool: dict[str, list[dict]] = {}  # community -> its people
    for community, (count, households, floating) in POPULATION.items():
        people = []
        for i in range(count + 4):  # four more arrive by June 2024
            person = _person(rng, f"res-{community}-{i:03d}")
            person.update(household_no=f"{community}-h{i % max(households, 1):02d}", community_code=community,
                          residence_kind="流动人口" if i < floating else "户籍人口",
                          registered_date=dt.date(2015, 1, 1))
            people.append(person)
        pool[community] = people
    by_period = {}
    for n, period in enumerate(RESIDENT_MONTHS):
        rows = []
        for community, people in pool.items():
            count = POPULATION[community][0]
            rows += people[: count + (2 * n if count >= SDC_MIN_CELL else 0)]
        by_period[period] = rows
    # Adulthood edge: born 18 years before March 2024 (adult by its last day) and a month later (not yet).
    for pid, month in (("res-edge-18", 3), ("res-edge-17", 4)):
        edge = {"person_pid": pid, "person_birth_year": 2006, "person_birth_month": month, "person_sex": "女",
                "person_area_code": "110101", "household_no": f"{C3}-edge", "community_code": C3,
                "residence_kind": "户籍人口", "registered_date": dt.date(2020, 1, 1)}
        by_period["2024-03"].append(edge)
    return by_period


def _workers(rng: random.Random) -> Rows:
    education = ("初中及以下", "高中(中专)", "大专", "本科", "研究生")
    certificates = ("无", "无", "助理社会工作师", "社会工作师")
    staff: dict[str, list[dict]] = {}  # community -> its workers
    for community, count in WORKERS.items():
        people = []
        for i in range(count + 1):  # one spare who joins later
            worker = _person(rng, f"wkr-{community}-{i:02d}", 1965, 2000)
            worker.update(gender=worker["person_sex"], community_code=community,
                          position="书记、主任" if i == 0 else rng.choice(("委员", "专职社工", "网格员")),
                          hire_type=rng.choice(("选举产生", "公开招聘", "政府购买岗位")),
                          education=rng.choice(education), sw_cert=rng.choice(certificates),
                          hire_date=dt.date(2018, 1, 1), monthly_pay_yuan=float(rng.randrange(3000, 7000, 50)),
                          emergency_trained=rng.random() < 0.6)
            people.append(worker)
        staff[community] = people
    by_period = {}
    for period in MONTHS:
        rows = []
        for community, people in staff.items():
            count = WORKERS[community]
            members = people[:count]
            if community == C1 and period >= "2024-03":
                members = members[1:]  # the secretary of C1 leaves after February
            if community == C2 and period >= "2024-05":
                members = people[: count + 1]  # a new worker joins C2 in May
            rows += [dict(m) for m in members]
        if period >= "2024-04":
            for row in rows:  # a pay rise with the new minimum wage
                if row["community_code"] in (C1, C2):
                    row["monthly_pay_yuan"] += 300.0
        by_period[period] = rows
    return by_period


def _enrolments(rng: random.Random, residents: Rows, workers: Rows) -> Rows:
    by_period = {}
    for period in INSURANCE_MONTHS:
        people = {r["person_pid"]: r for r in residents[period]}
        people.update({w["person_pid"]: w for w in workers[period]})
        rows = []
        for pid in sorted(people):
            base = {k: people[pid][k] for k in ("person_pid", "person_birth_year", "person_birth_month",
                                                "person_sex", "person_area_code")}
            draw = rng.random()
            if pid.startswith("res-edge"):
                rows.append({**base, "insurance_type": "城乡居民养老", "status": "参保缴费"})
            elif draw < 0.75:
                rows.append({**base, "insurance_type": rng.choice(PENSION_TYPES), "status": "参保缴费"})
            elif draw < 0.85:
                rows.append({**base, "insurance_type": rng.choice(PENSION_TYPES), "status": "暂停缴费"})
            if rng.random() < 0.8:
                rows.append({**base, "insurance_type": rng.choice(MEDICAL_TYPES), "status": "参保缴费"})
        rows.append({"person_pid": "not-a-resident", "person_birth_year": 1980, "person_birth_month": 1,
                     "person_sex": "男", "person_area_code": "110101", "insurance_type": "城镇职工养老",
                     "status": "参保缴费"})
        for row in rows:
            row.update(enrolled_date=dt.date(2015, 1, 1), employer_uscc=None)
        by_period[period] = rows
    return by_period


def _profiles(rng: random.Random) -> Rows:
    profiles = {}
    for community, (_, households, _) in POPULATION.items():
        profiles[community] = {
            "community_code": community, "community_name": COMMUNITIES[community][1], "community_type": "纯居型",
            "households_reported": households + rng.randint(-3, 6),
            "office_area_m2": 0.0 if community == C6 else float(rng.randrange(120, 900, 10)),
            "office_tenure": "无" if community == C6 else rng.choice(("自有", "租赁", "借用")),
            "has_service_hall": rng.random() < 0.7, "outdoor_area_m2": float(rng.randrange(0, 2000, 100)),
            "has_day_care": rng.random() < 0.5, "annual_funding_10k_yuan": round(rng.uniform(1, 25), 2),
            "collective_income_10k_yuan": rng.choice((0.0, 0.0, 3.5, 12.0)), "party_org_level": "党委",
            "one_shoulder": rng.random() < 0.6, "volunteers_registered": rng.randint(0, 40),
            "has_info_platform": rng.random() < 0.7,
            "data_shared_with": rng.choice(("公安;民政;人社", "公安;民政", None)),
        }
    by_period = {}
    for period in MONTHS:
        rows = []
        for community, profile in profiles.items():
            row = dict(profile)
            if period >= "2024-04":
                row["annual_funding_10k_yuan"] = round(row["annual_funding_10k_yuan"] * 1.1, 2)
            rows.append(row)
        by_period[period] = rows
    return by_period


def _organisations(rng: random.Random) -> Rows:
    rows = []
    for community, count in ORGANISATIONS.items():
        for i in range(count + 1):
            rows.append({"uscc": None, "filing_no": f"备{community[-6:]}{i:03d}", "org_name": f"{community}组织{i}",
                         "community_code": community, "registration_kind": "备案",
                         "field": rng.choice(("为老服务", "文体娱乐", "志愿服务")), "established_date": dt.date(2019, 5, 1),
                         "status": "注销" if i == count else "正常", "active_last_year": rng.random() < 0.7})
    return {period: [dict(r) for r in rows] for period in MONTHS}


def _elections(rng: random.Random) -> Rows:
    rows = []
    for community, (count, _, _) in POPULATION.items():
        if community == C6:
            continue
        voters = 40 * count + rng.randint(0, 50)
        cast = int(voters * rng.uniform(0.6, 0.9))
        rows.append({"community_code": community, "election_date": dt.date(2021, 6, 1),
                     "method": "直接选举" if rng.random() < 0.5 else "户代表选举", "registered_voters": voters,
                     "ballots_cast": cast, "valid_ballots": cast - rng.randint(0, 20), "seats": 7})
    return {period: [dict(r) for r in rows] for period in MONTHS}


def _released(rng: random.Random) -> Rows:
    people = []
    for community, count in RELEASED.items():
        for i in range(count):
            person = _person(rng, f"rel-{community}-{i:02d}", 1960, 2000)
            person.update(community_code=community, release_date=dt.date(2022, 3, 1), resettled=rng.random() < 0.8,
                          support_assigned=rng.random() < 0.9,
                          last_visit_date=rng.choice((None, dt.date(2023, 5, 20), dt.date(2024, 2, 10),
                                                      dt.date(2024, 5, 15))))
            people.append(person)
    return {period: [dict(p, last_visit_date=p["last_visit_date"]
                          if p["last_visit_date"] is not None and p["last_visit_date"] <= month_end(period) else None)
                     for p in people]
            for period in MONTHS}


def _as_head(person: dict) -> dict:
    """A person's derived ID attributes as those of a head of household (head_birth_year, ...)."""
    return {f"head_{k}": person[f"person_{k}"] for k in ("birth_year", "birth_month", "sex", "area_code")}


def _assistance(rng: random.Random, released: Rows) -> Rows:
    heads = [p for p in released["2024-01"] if rng.random() < 0.3]
    rows = []
    for i, head in enumerate(heads):
        rows.append({"case_id": f"DB{i:04d}", "head_pid": head["person_pid"],
                     **_as_head(head),
                     "community_code": head["community_code"], "assistance_type": "城市低保",
                     "household_size": rng.randint(1, 4), "monthly_amount_yuan": 900.0,
                     "start_date": dt.date(2022, 6, 1)})
    for community in (C1, C2, C3, C5):
        for j in range(4):
            person = _person(rng, f"asst-{community}-{j}")
            rows.append({"case_id": f"DB-{community}-{j}", "head_pid": person["person_pid"],
                         **_as_head(person),
                         "community_code": community,
                         "assistance_type": rng.choice(("城市低保", "农村低保", "特困供养", "临时救助")),
                         "household_size": rng.randint(1, 5), "monthly_amount_yuan": 800.0,
                         "start_date": dt.date(2021, 1, 1)})
    return {period: [dict(r) for r in rows] for period in MONTHS}


def _disputes(rng: random.Random) -> Rows:
    by_period: Rows = {period: [] for period in MONTHS}
    for period in MONTHS:
        for community in (C1, C2, C3, C5):
            for i in range(rng.randint(3, 9)):
                accepted = month_end(period).replace(day=rng.randint(1, 28))
                status = rng.choice(("调解成功", "调解成功", "调解不成", "转办", "在办"))
                row = {"dispute_no": f"JF{period}{community[-6:]}{i:02d}", "community_code": community,
                       "accepted_date": accepted, "category": rng.choice(("邻里", "物业", "婚姻家庭")),
                       "status": status, "closed_date": None if status == "在办" else accepted}
                by_period[period].append(row)
                later = MONTHS.index(period) + 1
                if status == "在办" and later < len(MONTHS) and MONTHS[later] > "2024-01":
                    # Mediated the month after and sent again with that month's file: the latest wins.
                    by_period[MONTHS[later]].append({**row, "status": "调解成功",
                                                     "closed_date": month_end(MONTHS[later])})
    return by_period


def _cases(rng: random.Random) -> Rows:
    by_period: Rows = {}
    types = ("盗窃", "诈骗", "入室盗窃", "电动车盗窃", "故意伤害", "寻衅滋事", "其他")
    for period in MONTHS:
        rows = []
        for community in COMMUNITIES:
            if community == C6:
                continue
            for i in range(rng.randint(0, 8)):
                rows.append({"case_no": f"AJ{period}{community[-6:]}{i:02d}", "community_code": community,
                             "occurred_date": month_end(period).replace(day=rng.randint(1, 28)),
                             "case_class": rng.choice(("刑事", "治安")), "case_type": rng.choice(types)})
        by_period[period] = rows
    return by_period


def _unemployment(rng: random.Random) -> Rows:
    by_period: Rows = {period: [] for period in MONTHS}
    for period in MONTHS:
        for community in (C1, C2, C5):
            for i in range(rng.randint(4, 10)):
                person = _person(rng, f"uem-{period}-{community}-{i}", 1970, 2002)
                registered = month_end(period).replace(day=rng.randint(1, 20))
                row = {"registration_no": f"SY{period}{community[-6:]}{i:02d}", **person, "community_code": community,
                       "registered_date": registered, "reemployed_date": None, "channel": None}
                by_period[period].append(row)
                later = MONTHS.index(period) + rng.randint(1, 3)
                if rng.random() < 0.6 and later < len(MONTHS) and MONTHS[later] > "2024-01":
                    reemployed = month_end(MONTHS[later]).replace(day=25)
                    by_period[MONTHS[later]].append({**row, "reemployed_date": reemployed, "channel": "企业吸纳"})
    return by_period


def _police_rooms() -> Rows:
    rows = [{"room_code": room, "community_code": ";".join(served), "officers": officers,
             "auxiliary_officers": auxiliaries, "cctv_points": cctv}
            for room, served, officers, auxiliaries, cctv in POLICE_ROOMS]
    return {period: [dict(r) for r in rows] for period in MONTHS}


def _minimum_wages() -> Rows:
    return {period: [{"district_code": d, "effective_from": eff, "monthly_min_wage_yuan": wage}
                     for d, eff, wage, listed_from in MINIMUM_WAGES if listed_from <= period]
            for period in MONTHS}


def _divisions() -> list[dict]:
    rows = [{"division_code": CITY, "name": "北京市", "level": "市", "parent_code": None, "urban_rural": None}]
    rows += [{"division_code": c, "name": n, "level": "区", "parent_code": CITY, "urban_rural": None}
             for c, n in DISTRICTS.items()]
    rows += [{"division_code": c, "name": n, "level": "街道", "parent_code": p, "urban_rural": None}
             for c, (p, n) in STREETS.items()]
    rows += [{"division_code": c, "name": n, "level": "社区", "parent_code": p, "urban_rural": "111"}
             for c, (p, n) in COMMUNITIES.items()]
    return rows


def build_dataset(seed: int = 20240630) -> Dataset:
    rng = random.Random(seed)
    residents = _residents(rng)
    workers = _workers(rng)
    released = _released(rng)
    tables: dict[str, dict[str, list[dict]]] = {
        "ca_division": {period: _divisions() for period in MONTHS},
        "ca_community": _profiles(rng),
        "ca_worker": workers,
        "ca_social_org": _organisations(rng),
        "ca_assistance": _assistance(rng, released),
        "ca_election": _elections(rng),
        "ps_resident": residents,
        "ps_dispute": _disputes(rng),
        "ps_case": _cases(rng),
        "ps_released_person": released,
        "ps_police_room": _police_rooms(),
        "ss_insurance": _enrolments(rng, residents, workers),
        "ss_unemployment": _unemployment(rng),
        "ss_min_wage": _minimum_wages(),
    }
    dataset = Dataset()
    for table, by_period in tables.items():
        for period, rows in by_period.items():
            dataset.files.append(File(table, period, tuple(rows)))
    # The first June resident file, wrong in every way that would show: everyone floating, C4 large.
    wrong_residents = tuple(
        {**_person(rng, f"superseded-{i:03d}"), "household_no": f"superseded-h{i}", "community_code": community,
         "residence_kind": "流动人口", "registered_date": dt.date(2020, 1, 1)}
        for i, community in enumerate([C1] * 30 + [C4] * 30))
    dataset.files.append(File("ps_resident", "2024-06", wrong_residents, status="SUPERSEDED", suffix="-first"))
    # The first February roster doubled everyone's pay.
    wrong_roster = tuple({**w, "person_pid": f"superseded-{w['person_pid']}",
                          "monthly_pay_yuan": 2 * w["monthly_pay_yuan"]} for w in workers["2024-02"])
    dataset.files.append(File("ca_worker", "2024-02", wrong_roster, status="SUPERSEDED", suffix="-first"))
    return dataset


def write_files(con, files: Iterable[File], superseded_by: dict[str, str] | None = None) -> None:
    """Insert files as ingestion does: raw rows with their lineage and one ledger row per file."""
    contract = load_contract()
    received = dt.datetime(2024, 7, 1, 8, 0)
    for f in files:
        table = contract.tables[f.table]
        columns = [name for name in _raw_columns(con, f.table) if name not in ("file_id", "period", "line_number")]
        if f.rows:
            con.executemany(
                f"insert into raw.{table.name} (file_id, period, line_number, {', '.join(columns)}) "
                f"values ({', '.join('?' for _ in range(len(columns) + 3))})",
                [(f.file_id, f.period, i + 2, *(row.get(c) for c in columns)) for i, row in enumerate(f.rows)],
            )
        con.execute(
            "insert into audit.load_ledger (file_id, department, table_name, period, original_name, sha256, encoding, "
            "status, rows_physical, rows_loaded, rows_rejected, rows_skipped, superseded_by, received_at, message) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, 'ok')",
            [f.file_id, table.department, f.table, f.period, f"{f.table}.csv", f.file_id.ljust(64, "0"), "UTF-8",
             f.status, len(f.rows), len(f.rows), (superseded_by or {}).get(f.file_id), received],
        )


def _raw_columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
        "order by ordinal_position", [table]).fetchall()]


def write_warehouse(home: Path, dataset: Dataset) -> None:
    """Create the warehouse with Warehouse.initialise() and load the dataset as ingestion would."""
    warehouse = Warehouse(home / "warehouse.duckdb")
    warehouse.initialise()
    superseded_by = {f.file_id: f"{f.table}-{f.period}" for f in dataset.files if f.status == "SUPERSEDED"}
    with warehouse.writer() as con:
        write_files(con, dataset.files, superseded_by)


def area_level(area_code: str) -> str:
    if area_code == CITY:
        return "city"
    if area_code in DISTRICTS:
        return "district"
    if area_code in STREETS:
        return "street"
    return "community"


def ancestors(community: str) -> tuple[str, ...]:
    street = COMMUNITIES[community][0]
    return community, street, STREETS[street][0], CITY


def parent_of(area_code: str) -> str | None:
    if area_code in COMMUNITIES:
        return COMMUNITIES[area_code][0]
    if area_code in STREETS:
        return STREETS[area_code][0]
    if area_code in DISTRICTS:
        return CITY
    return None
