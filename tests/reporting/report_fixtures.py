"""A small reporting snapshot: one city, three districts, eight communities; 2023, 2024 and 2024 quarters.

Indicator values are computed here from per-community base counts with the same definitions the marts
use (A05 households / communities, A08 floating / residents × 100, J11 insured adults / adults × 100),
so tests can derive the numbers the report must print independently of the reporting code.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from dagster_project.reporting.render import ReproStamp

STAMP = ReproStamp(
    run_id="run-20250106-0007",
    data_fingerprint="sha256:" + "3f9a" * 16,
    code_version="0.1.0+g1a2b3c4",
)
ISSUED_ON = date(2025, 1, 6)

CITY = ("330100000000", "云川市")
DISTRICTS = {
    "330102000000": "临江区",
    "330103000000": "青山区",
    "330104000000": "白塔区",
}


@dataclass(frozen=True)
class Base:
    households: int
    residents: int
    floating: int
    adults: int
    insured: int


# 2024 year-end counts per community: (district, name, counts).
COMMUNITIES: dict[str, tuple[str, str, Base]] = {
    "330102001001": ("330102000000", "江滨社区", Base(2450, 6800, 1020, 5600, 5150)),
    "330102001002": ("330102000000", "望江社区", Base(3120, 8900, 1790, 7300, 6500)),
    "330102002001": ("330102000000", "渡口社区", Base(1980, 5400, 640, 4500, 4210)),
    "330103001001": ("330103000000", "松林社区", Base(1650, 4300, 310, 3600, 3420)),
    "330103001002": ("330103000000", "竹园社区", Base(2210, 6100, 560, 5000, 4700)),
    "330103002001": ("330103000000", "石桥社区", Base(1430, 3900, 220, 3250, 3010)),
    "330104001001": ("330104000000", "塔下社区", Base(980, 2600, 410, 2150, 1880)),
    # Few floating residents: its A08 is suppressed at community level.
    "330104001002": ("330104000000", "新村社区", Base(35, 80, 4, 66, 58)),
}

# Multipliers applied to the 2024 counts to obtain other periods.
PERIOD_FACTORS = {
    "2023": Base(97, 100, 88, 100, 96),
    "2024-03": Base(98, 100, 94, 100, 97),
    "2024-06": Base(99, 100, 96, 100, 98),
    "2024-09": Base(99, 100, 98, 100, 99),
    "2024-12": Base(100, 100, 100, 100, 100),
    "2024": Base(100, 100, 100, 100, 100),
}

INDICATORS = [
    ("A05", "社区平均户数", "户/社区", "登记户数÷社区数", "neutral", None, None),
    ("A08", "流动人口占比", "%", "流动人口数÷实有人口数×100%", "neutral", None, None),
    (
        "J11",
        "成年居民养老保险参保率",
        "%",
        "参加基本养老保险的18周岁及以上实有人口÷18周岁及以上实有人口×100%",
        "higher_better",
        95.0,
        "不低于95%",
    ),
]

# What the numerator and denominator of each indicator count (marts.dim_indicator, for the rules).
MEASURE_NAMES = {
    "A05": ("实有人口户数", "社区数"),
    "A08": ("流动人口数", "实有人口数"),
    "J11": ("基本养老保险参保缴费的成年实有人口数", "18岁及以上实有人口数"),
}

STANDARDS_SEED = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "indicator_standards.csv"

THRESHOLD = 10


def counts_for(period: str, base: Base) -> Base:
    f = PERIOD_FACTORS[period]
    return Base(
        households=round(base.households * f.households / 100),
        residents=round(base.residents * f.residents / 100),
        floating=round(base.floating * f.floating / 100),
        adults=round(base.adults * f.adults / 100),
        insured=round(base.insured * f.insured / 100),
    )


def aggregate(period: str, community_codes: Iterable[str]) -> tuple[Base, int]:
    """Summed counts of the communities and how many there are."""
    parts = [counts_for(period, COMMUNITIES[c][2]) for c in community_codes]
    total = Base(*(sum(getattr(p, field) for p in parts) for field in Base.__dataclass_fields__))
    return total, len(parts)


def area_counts(period: str, area_code: str) -> tuple[Base, int]:
    if area_code == CITY[0]:
        return aggregate(period, COMMUNITIES)
    if area_code in DISTRICTS:
        return aggregate(period, [c for c, (d, _, _) in COMMUNITIES.items() if d == area_code])
    return aggregate(period, [area_code])


def _rate_row(code, area, level, period, num, den, forced):
    suppressed = forced or num < THRESHOLD or den < THRESHOLD
    if suppressed:
        return (code, area, level, period, None, None, None, "%", True)
    return (code, area, level, period, 100 * num / den, float(num), float(den), "%", False)


def _fact_rows(forced_suppression: set[tuple[str, str, str]]) -> list[tuple]:
    areas = [(CITY[0], "city"), *((d, "district") for d in DISTRICTS), *((c, "community") for c in COMMUNITIES)]
    rows = []
    for period in PERIOD_FACTORS:
        for area, level in areas:
            counts, n_comm = area_counts(period, area)
            forced = {code for code in ("A05", "A08", "J11") if (area, period, code) in forced_suppression}
            if "A05" in forced:
                rows.append(("A05", area, level, period, None, None, None, "户/社区", True))
            else:
                rows.append(
                    ("A05", area, level, period, counts.households / n_comm, float(counts.households),
                     float(n_comm), "户/社区", False)
                )
            rows.append(_rate_row("A08", area, level, period, counts.floating, counts.residents, "A08" in forced))
            rows.append(_rate_row("J11", area, level, period, counts.insured, counts.adults, "J11" in forced))
    return rows


def _ledger_rows(rejected_rows: int) -> list[tuple]:
    rows = []
    received = datetime(2025, 1, 5, 9, 0, 0)

    def add(file_id, dept, table, period, status, loaded, rejected, skipped=0, superseded_by=None, message=None):
        rows.append(
            (file_id, dept, table, period, f"{table}_{period}.csv", "0" * 64, "UTF-8", status,
             loaded + rejected + skipped, loaded, rejected, skipped, superseded_by, received, message)
        )

    for month in range(1, 13):
        period = f"2024-{month:02d}"
        add(f"ca-{month}", "civil_affairs", "ca_community", period, "LOADED", 8, 0)
    for quarter_month in (3, 6, 9, 12):
        period = f"2024-{quarter_month:02d}"
        add(f"ps-{quarter_month}", "public_security", "ps_resident", period, "LOADED", 38000, 0)
        # The last insurance file loads with some rows rejected.
        if quarter_month == 12:
            add("ss-12", "social_security", "ss_insurance", period, "PARTIAL", 29000, rejected_rows)
        else:
            add(f"ss-{quarter_month}", "social_security", "ss_insurance", period, "LOADED", 29000, 0)
    # One file resent unchanged, one unreadable, one replaced by a corrected version.
    add("ss-12-dup", "social_security", "ss_insurance", "2024-12", "DUPLICATE", 0, 0, 29000 + rejected_rows)
    add("ps-bad", "public_security", "ps_case", "2024-11", "FAILED", 0, 0, 120, message="无法按 GB18030 解码")
    add("ca-6-old", "civil_affairs", "ca_community", "2024-06", "SUPERSEDED", 8, 0, superseded_by="ca-6")
    # A file of another year must not be counted.
    add("ca-2023-12", "civil_affairs", "ca_community", "2023-12", "LOADED", 8, 0)
    return rows


def build_snapshot(
    path: Path,
    *,
    city_name: str = CITY[1],
    rejected_rows: int = 37,
    forced_suppression: Iterable[tuple[str, str, str]] = (),
) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute("create schema audit")
        con.execute(
            "create table marts.fct_indicator_values (indicator_code varchar, area_code varchar, "
            "area_level varchar, period varchar, value double, numerator double, denominator double, "
            "unit varchar, suppressed boolean)"
        )
        con.execute(
            "create table marts.dim_indicator (indicator_code varchar, name_zh varchar, unit varchar, "
            "formula_zh varchar, direction varchar, standard_value double, standard_text varchar, "
            "numerator_name_zh varchar, denominator_name_zh varchar)"
        )
        # The standards and targets as the marts publish them: the project's own seed.
        con.execute(
            "create table marts.dim_indicator_standard as select standard_id, indicator_code, standard_kind, "
            "comparator, low_value::double as low_value, high_value::double as high_value, "
            "coalesce(scope_code::varchar, '') as scope_code, scope_name_zh, effective_from::date as effective_from, "
            "effective_to::date as effective_to, target_year::integer as target_year, doc_title, quote_zh "
            "from read_csv(?, header = true, all_varchar = true)",
            [str(STANDARDS_SEED)],
        )
        con.execute(
            "create table marts.dim_area (area_code varchar, area_name varchar, area_level varchar, "
            "parent_code varchar, district_code varchar, city_code varchar)"
        )
        con.execute(
            "create table audit.load_ledger (file_id varchar, department varchar, table_name varchar, "
            "period varchar, original_name varchar, sha256 varchar, encoding varchar, status varchar, "
            "rows_physical bigint, rows_loaded bigint, rows_rejected bigint, rows_skipped bigint, "
            "superseded_by varchar, received_at timestamp, message varchar)"
        )
        con.executemany("insert into marts.fct_indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        _fact_rows(set(forced_suppression)))
        con.executemany(
            "insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, *MEASURE_NAMES[row[0]]) for row in INDICATORS],
        )
        areas = [(CITY[0], city_name, "city", None, None, CITY[0])]
        areas += [(code, name, "district", CITY[0], code, CITY[0]) for code, name in DISTRICTS.items()]
        areas += [(code, name, "community", d, d, CITY[0]) for code, (d, name, _) in COMMUNITIES.items()]
        con.executemany("insert into marts.dim_area values (?, ?, ?, ?, ?, ?)", areas)
        con.executemany(
            "insert into audit.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _ledger_rows(rejected_rows),
        )
    finally:
        con.close()
    return path


def pct_text(numerator: int, denominator: int) -> str:
    """The rate as the report must print it, computed without the reporting code."""
    rate = Decimal(numerator) * 100 / Decimal(denominator)
    return f"{rate.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def average_text(total: int, n: int) -> str:
    return str((Decimal(total) / Decimal(n)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
