"""Indicators worked out in Python from the handcrafted dataset's rows, independently of the dbt SQL.

Each function returns {(indicator_code, area_code, period): (value, numerator, denominator)} before
disclosure control, for every month, quarter and year the indicator exists in. A community adds to its
street, district and city; a count has no denominator.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from .dataset import COMMUNITIES, MONTHS, Dataset, ancestors, month_end, quarter_of

Cell = tuple[float | None, float, float | None]
Cells = dict[tuple[str, str, str], Cell]
Counts = dict[str, dict[str, float]]  # community -> measure -> value


def _latest(rows_by_period: Mapping[str, list[dict]], key: str) -> list[dict]:
    """Events as in their latest delivery: a later month's file wins; within a file the later line."""
    latest: dict[str, dict] = {}
    for period in sorted(rows_by_period):
        for row in rows_by_period[period]:
            latest[row[key]] = row
    return list(latest.values())


def _age(person: Mapping, period: str, prefix: str = "person") -> int:
    born = person[f"{prefix}_birth_year"] * 12 + person[f"{prefix}_birth_month"]
    return (int(period[:4]) * 12 + int(period[5:7]) - born) // 12


def _zeros(*measures: str) -> Counts:
    return {c: {m: 0.0 for m in measures} for c in COMMUNITIES}


def _roll_up(counts: Counts) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for community, measures in counts.items():
        for area in ancestors(community):
            for measure, value in measures.items():
                totals[area][measure] += value
    return totals


def _ratio(numerator: float, denominator: float | None, scale: float) -> float | None:
    if denominator is None:
        return scale * numerator
    return scale * numerator / denominator if denominator else None


def _cells(code: str, period: str, counts: Counts, numerator: str, denominator: str | None, scale: float) -> Cells:
    out: Cells = {}
    for area, totals in _roll_up(counts).items():
        den = totals[denominator] if denominator else None
        out[(code, area, period)] = (_ratio(totals[numerator], den, scale), totals[numerator], den)
    return out


def _with_stock_periods(month_cells: Cells) -> Cells:
    """Quarters and years of an indicator built from stocks: its cells of the last month with any."""
    out = dict(month_cells)
    months = sorted({p for (_, _, p) in month_cells})
    for key in {quarter_of(m) for m in months} | {m[:4] for m in months}:
        last = max(m for m in months if quarter_of(m) == key or m[:4] == key)
        for (code, area, period), cell in month_cells.items():
            if period == last:
                out[(code, area, key)] = cell
    return out


def _with_flow_periods(code: str, month_counts: Mapping[str, Counts], numerator: str, denominator: str | None,
                       scale: float) -> Cells:
    """Months, and quarters and years as the sums of their months' events."""
    out: Cells = {}
    groups: dict[str, list[str]] = defaultdict(list)
    for month in month_counts:
        for key in (month, quarter_of(month), month[:4]):
            groups[key].append(month)
    for key, months in groups.items():
        summed = _zeros(*month_counts[months[0]][next(iter(COMMUNITIES))])
        for month in months:
            for community, measures in month_counts[month].items():
                for measure, value in measures.items():
                    summed[community][measure] += value
        out.update(_cells(code, key, summed, numerator, denominator, scale))
    return out


def population(ds: Dataset) -> Cells:
    """A05 households per community, A06 residents, A08 floating share, J11 adult pension coverage."""
    residents = ds.current("ps_resident")
    enrolments = ds.current("ss_insurance")
    a05, a06, a08, j11 = {}, {}, {}, {}
    for period, rows in residents.items():
        counts = _zeros("communities", "households", "residents", "floating", "adults", "pensioners")
        pensioners = {e["person_pid"] for e in enrolments.get(period, [])
                      if e["insurance_type"] in ("城镇职工养老", "城乡居民养老") and e["status"] == "参保缴费"}
        households: dict[str, set] = defaultdict(set)
        for community in COMMUNITIES:
            counts[community]["communities"] = 1
        for r in rows:
            c = counts[r["community_code"]]
            households[r["community_code"]].add(r["household_no"])
            c["residents"] += 1
            c["floating"] += r["residence_kind"] == "流动人口"
            adult = _age(r, period) >= 18
            c["adults"] += adult
            c["pensioners"] += adult and r["person_pid"] in pensioners
        for community, numbers in households.items():
            counts[community]["households"] = len(numbers)
        a05 |= _cells("A05", period, counts, "households", "communities", 1)
        a06 |= _cells("A06", period, counts, "residents", None, 1)
        a08 |= _cells("A08", period, counts, "floating", "residents", 100)
        if period in enrolments:
            j11 |= _cells("J11", period, counts, "pensioners", "adults", 100)
    return {k: v for cells in (a05, a06, a08, j11) for k, v in _with_stock_periods(cells).items()}


def _households(ds: Dataset, period: str) -> dict[str, float]:
    numbers: dict[str, set] = defaultdict(set)
    for r in ds.current("ps_resident")[period]:
        numbers[r["community_code"]].add(r["household_no"])
    return {c: float(len(numbers[c])) for c in COMMUNITIES}


def _minimum_wage(ds: Dataset, period: str, district: str) -> float | None:
    known = [row for file_period, rows in ds.current("ss_min_wage").items() if file_period <= period for row in rows
             if row["district_code"] == district and row["effective_from"] <= month_end(period)]
    if not known:
        return None
    return max(known, key=lambda row: row["effective_from"])["monthly_min_wage_yuan"]


def workforce(ds: Dataset) -> Cells:
    """B06 households per worker, B08 average age, B19 annual pay, B21 pay / minimum wage, B25 pension."""
    rosters = ds.current("ca_worker")
    residents = ds.current("ps_resident")
    enrolments = ds.current("ss_insurance")
    b06, b08, b19, b21, b25 = {}, {}, {}, {}, {}
    for period, rows in rosters.items():
        counts = _zeros("workers", "ages", "pay", "ratios", "with_wage", "pensioned", "households")
        pensioned = {e["person_pid"] for e in enrolments.get(period, [])
                     if e["insurance_type"] in ("城镇职工养老", "城乡居民养老") and e["status"] == "参保缴费"}
        for w in rows:
            c = counts[w["community_code"]]
            c["workers"] += 1
            c["ages"] += _age(w, period)
            c["pay"] += w["monthly_pay_yuan"]
            wage = _minimum_wage(ds, period, w["community_code"][:6])
            if wage is not None:
                c["with_wage"] += 1
                c["ratios"] += w["monthly_pay_yuan"] / wage
            c["pensioned"] += w["person_pid"] in pensioned
        b08 |= _cells("B08", period, counts, "ages", "workers", 1)
        b19 |= _cells("B19", period, counts, "pay", "workers", 12 / 10000)
        b21 |= _cells("B21", period, counts, "ratios", "with_wage", 1)
        if period in enrolments:
            b25 |= _cells("B25", period, counts, "pensioned", "workers", 100)
        if period in residents:
            for community, households in _households(ds, period).items():
                counts[community]["households"] = households
            b06 |= _cells("B06", period, counts, "households", "workers", 1)
    return {k: v for cells in (b06, b08, b19, b21, b25) for k, v in _with_stock_periods(cells).items()}


def attrition(ds: Dataset) -> Cells:
    """B24: workers on the previous period's roster who are not on this period's, at every grain."""
    rosters = ds.current("ca_worker")
    snapshots: dict[str, str] = {}
    for month in sorted(rosters):
        for key in (month, quarter_of(month), month[:4]):
            snapshots[key] = month  # the last month of the period with a roster
    out: Cells = {}
    for key, month in snapshots.items():
        previous = _previous_period(key)
        if previous not in snapshots:
            continue
        before = {(w["community_code"], w["person_pid"]) for w in rosters[snapshots[previous]]}
        now = {(w["community_code"], w["person_pid"]) for w in rosters[month]}
        counts = _zeros("leavers", "previous")
        for community, _ in before:
            counts[community]["previous"] += 1
        for community, _ in before - now:
            counts[community]["leavers"] += 1
        out |= _cells("B24", key, counts, "leavers", "previous", 100)
    return out


def _previous_period(key: str) -> str:
    if len(key) == 4:
        return str(int(key) - 1)
    if "Q" in key:
        year, quarter = int(key[:4]), int(key[5])
        return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"
    year, month = int(key[:4]), int(key[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def facilities_and_participation(ds: Dataset) -> Cells:
    """C09 office m² per 100 households, E01 organisations per community, G01 election turnout."""
    profiles = ds.current("ca_community")
    organisations = ds.current("ca_social_org")
    elections = ds.current("ca_election")
    residents = ds.current("ps_resident")
    c09, e01, g01 = {}, {}, {}
    for period in profiles:
        counts = _zeros("communities", "area", "households", "organisations", "voters", "ballots")
        for community in COMMUNITIES:
            counts[community]["communities"] = 1
        for p in profiles[period]:
            if p["office_tenure"] != "无" and p["office_area_m2"] > 0:
                counts[p["community_code"]]["area"] += p["office_area_m2"]
        for o in organisations[period]:
            counts[o["community_code"]]["organisations"] += o["status"] == "正常"
        for e in elections[period]:
            counts[e["community_code"]]["voters"] += e["registered_voters"]
            counts[e["community_code"]]["ballots"] += e["ballots_cast"]
        e01 |= _cells("E01", period, counts, "organisations", "communities", 1)
        g01 |= _cells("G01", period, counts, "ballots", "voters", 100)
        if period in residents:
            for community, households in _households(ds, period).items():
                counts[community]["households"] = households
            c09 |= _cells("C09", period, counts, "area", "households", 100)
    return {k: v for cells in (c09, e01, g01) for k, v in _with_stock_periods(cells).items()}


def public_safety(ds: Dataset) -> Cells:
    """I01 resettlement, I12 households per police officer, I06 cases, I04 mediation success."""
    released = ds.current("ps_released_person")
    rooms = ds.current("ps_police_room")
    residents = ds.current("ps_resident")
    i01, i12 = {}, {}
    for period, rows in released.items():
        counts = _zeros("released", "resettled")
        for r in rows:
            counts[r["community_code"]]["released"] += 1
            counts[r["community_code"]]["resettled"] += r["resettled"]
        i01 |= _cells("I01", period, counts, "resettled", "released", 100)
    for period in residents:
        counts = _zeros("households", "officers")
        for community, households in _households(ds, period).items():
            counts[community]["households"] = households
        for room in rooms[period]:
            served = room["community_code"].split(";")
            for community in served:
                counts[community]["officers"] += room["officers"] / len(served)
        i12 |= _cells("I12", period, counts, "households", "officers", 1)
    case_counts = {m: _zeros("cases") for m in MONTHS}
    for case in _latest(ds.current("ps_case"), "case_no"):
        case_counts[case["occurred_date"].strftime("%Y-%m")][case["community_code"]]["cases"] += 1
    dispute_counts = {m: _zeros("disputes", "mediated") for m in MONTHS}
    for dispute in _latest(ds.current("ps_dispute"), "dispute_no"):
        c = dispute_counts[dispute["accepted_date"].strftime("%Y-%m")][dispute["community_code"]]
        c["disputes"] += 1
        c["mediated"] += dispute["status"] == "调解成功"
    return {**_with_stock_periods(i01), **_with_stock_periods(i12),
            **_with_flow_periods("I06", case_counts, "cases", None, 1),
            **_with_flow_periods("I04", dispute_counts, "mediated", "disputes", 100)}


def social_security(ds: Dataset) -> Cells:
    """J01 registered unemployed at period end, J02 re-employment of the period's registrations, J07 低保 per 1,000."""
    registrations = _latest(ds.current("ss_unemployment"), "registration_no")
    j01: Cells = {}
    for period in ds.current("ss_unemployment"):
        counts = _zeros("unemployed")
        end = month_end(period)
        for r in registrations:
            if r["registered_date"] <= end and (r["reemployed_date"] is None or r["reemployed_date"] > end):
                counts[r["community_code"]]["unemployed"] += 1
        j01 |= _cells("J01", period, counts, "unemployed", None, 1)
    flows = {m: _zeros("registered", "reemployed") for m in MONTHS}
    for r in registrations:
        c = flows[r["registered_date"].strftime("%Y-%m")][r["community_code"]]
        c["registered"] += 1
        c["reemployed"] += r["reemployed_date"] is not None
    j07: Cells = {}
    assistance = ds.current("ca_assistance")
    for period, rows in ds.current("ps_resident").items():
        counts = _zeros("recipients", "residents")
        for r in rows:
            counts[r["community_code"]]["residents"] += 1
        for case in assistance[period]:
            if case["assistance_type"] in ("城市低保", "农村低保"):
                counts[case["community_code"]]["recipients"] += case["household_size"]
        j07 |= _cells("J07", period, counts, "recipients", "residents", 1000)
    return {**_with_stock_periods(j01), **_with_stock_periods(j07),
            **_with_flow_periods("J02", flows, "reemployed", "registered", 100)}


CALCULATIONS: tuple[Callable[[Dataset], Cells], ...] = (
    population, workforce, attrition, facilities_and_participation, public_safety, social_security,
)


def expected_cells(ds: Dataset, calculations: Iterable[Callable[[Dataset], Cells]] = CALCULATIONS) -> Cells:
    out: Cells = {}
    for calculate in calculations:
        out |= calculate(ds)
    return out
