"""A snapshot for the quarterly public-safety analysis and the monthly audit report.

One city, three districts; public-safety base counts per district and quarter from which the indicator
cells are computed with the marts' definitions and a simple disclosure rule (a protected count of 1-9,
or the complement of a share of 1-9, withholds the cell), so tests can derive what the reports must
print without the reporting code. The ledger of 2025-06 holds one file of every status, rejects with
masked values (and hostile ones), warnings, two validation runs of one suite and a failed
reconciliation.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
from report_fixtures import CITY, DISTRICTS

from dagster_project.lib.warehouse import AUDIT_DDL

THRESHOLD = 10
AUDIT_MONTH = "2025-06"


@dataclass(frozen=True)
class Safety:
    disputes: int
    mediated: int
    criminal: int
    public_order: int
    theft: int
    residents: int
    released: int
    resettled: int
    assigned: int
    visited: int
    communities: int
    with_room: int
    households: int
    officers: int
    cctv: int


# 2025 Q2 per district.
BASE = {
    "330102000000": Safety(64, 52, 41, 37, 30, 24000, 22, 22, 20, 8, 3, 3, 9000, 4, 180),
    "330103000000": Safety(38, 27, 22, 19, 12, 16000, 14, 14, 14, 14, 3, 2, 6000, 2, 96),
    # Few released persons: every share about them is withheld for this district.
    "330104000000": Safety(17, 11, 12, 10, 5, 5200, 5, 4, 5, 3, 2, 1, 2000, 1, 30),
}

# Events and released persons scale with the quarter (percent); stocks of places stay.
QUARTER_FACTORS = {
    "2024Q1": 70,
    "2024Q2": 80,
    "2024Q3": 90,
    "2024Q4": 85,
    "2025Q1": 90,
    "2025Q2": 100,
}

INDICATORS = [
    ("I18", "受理矛盾纠纷数", "件", "本期受理的矛盾纠纷件数", "neutral", None, None),
    ("I04", "矛盾纠纷调解成功率", "%", "调解成功件数÷受理件数×100", "higher_is_better", None, None),
    ("I06", "刑事治安案件数", "起", "本期刑事案件与治安案件数", "lower_is_better", None, None),
    ("I21", "刑事案件数", "起", "本期刑事案件数", "lower_is_better", None, None),
    ("I22", "治安案件数", "起", "本期治安案件数", "lower_is_better", None, None),
    ("I07", "盗窃类案件占比", "%", "盗窃类案件数÷刑事治安案件数×100", "lower_is_better", None, None),
    ("I08", "千人发案率", "起/千人", "刑事治安案件数÷期末实有人口数×1000", "lower_is_better", None, None),
    ("I01", "刑满释放人员安置率", "%", "已安置人数÷在册人数×100", "higher_is_better", 100.0, "安置率达100%"),
    ("I23", "刑满释放人员帮教责任人落实率", "%", "已落实帮教责任人人数÷在册人数×100", "higher_is_better", None, None),
    ("I02", "刑满释放人员近90天回访率", "%", "近90天回访人数÷在册人数×100", "higher_is_better", None, None),
    ("C20", "社区警务室覆盖率", "%", "有警务室服务的社区数÷社区数×100", "higher_is_better", None, None),
    ("I12", "每名社区民警服务户数", "户/人", "实有人口户数÷社区民警数", "lower_is_better", None, None),
    ("C24", "每千户视频监控点位数", "个/千户", "视频监控点位数÷实有人口户数×1000", "higher_is_better", None, None),
]


def scaled(base: Safety, quarter: str) -> Safety:
    f = QUARTER_FACTORS[quarter]

    def s(v: int) -> int:
        return round(v * f / 100)

    return replace(
        base,
        disputes=s(base.disputes), mediated=s(base.mediated), criminal=s(base.criminal),
        public_order=s(base.public_order), theft=s(base.theft),
        released=s(base.released), resettled=s(base.resettled), assigned=s(base.assigned), visited=s(base.visited),
    )


def counts(area: str, quarter: str) -> Safety:
    codes = list(BASE) if area == CITY[0] else [area]
    parts = [scaled(BASE[c], quarter) for c in codes]
    return Safety(*(sum(getattr(p, f) for p in parts) for f in Safety.__dataclass_fields__))


def _small(n: float) -> bool:
    return 0 < n < THRESHOLD


def indicator_cells(c: Safety) -> dict[str, tuple[float | None, float | None, float | None, bool]]:
    """code -> (value, numerator, denominator, suppressed) as the marts would publish it."""
    cases = c.criminal + c.public_order

    def count(n: int):
        return (None, None, None, True) if _small(n) else (float(n), float(n), None, False)

    def share(num: int, den: int, protected: bool = True):
        if protected and (_small(num) or _small(den) or _small(den - num)):
            return (None, None, None, True)
        return (100 * num / den, float(num), float(den), False)

    def ratio(num: int, den: int, scale: float, protect_num: bool):
        if protect_num and _small(num):
            return (None, None, None, True)
        return (scale * num / den, float(num), float(den), False)

    return {
        "I18": count(c.disputes),
        "I04": share(c.mediated, c.disputes),
        "I06": count(cases),
        "I21": count(c.criminal),
        "I22": count(c.public_order),
        "I07": share(c.theft, cases),
        "I08": ratio(cases, c.residents, 1000, True),
        "I01": share(c.resettled, c.released),
        "I23": share(c.assigned, c.released),
        "I02": share(c.visited, c.released),
        "C20": share(c.with_room, c.communities, protected=False),
        "I12": ratio(c.households, c.officers, 1, False),
        "C24": ratio(c.cctv, c.households, 1000, False),
    }


def _units() -> dict[str, str]:
    return {code: unit for code, _, unit, *_ in INDICATORS}


def _fact_rows() -> list[tuple]:
    units = _units()
    rows = []
    areas = [(CITY[0], "city"), *((d, "district") for d in DISTRICTS)]
    for quarter in QUARTER_FACTORS:
        for area, level in areas:
            for code, (value, num, den, suppressed) in indicator_cells(counts(area, quarter)).items():
                rows.append((code, area, level, quarter, value, num, den, units[code], suppressed))
    return rows


def _ledger(city_file_name: str) -> list[tuple]:
    rows = []

    def add(file_id, dept, table, period, status, loaded, rejected=0, skipped=0, superseded_by=None, message=None,
            name=None, sha=None, received=datetime(2025, 7, 3, 9, 30)):
        rows.append((file_id, dept, table, period, name or f"{dept}/{period}/{table}.csv", sha or file_id.ljust(64, "0"),
                     "UTF-8", status, loaded + rejected + skipped, loaded, rejected, skipped, superseded_by,
                     received, message))

    for month in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06",
                  "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"):
        add(f"ps_case-{month}", "public_security", "ps_case", month, "LOADED", 120)
        add(f"ps_dispute-{month}", "public_security", "ps_dispute", month, "LOADED", 40)
    # The audited month: one file of every outcome.
    add("ps_case-2025-06", "public_security", "ps_case", AUDIT_MONTH, "LOADED", 130, skipped=2)
    add("ps_dispute-2025-06", "public_security", "ps_dispute", AUDIT_MONTH, "LOADED", 45)
    add("ps_resident-2025-06", "public_security", "ps_resident", AUDIT_MONTH, "PARTIAL", 4000, rejected=7, skipped=1,
        message="4000 rows loaded, 7 rejected, 1 skipped", name=city_file_name)
    add("ps_resident-2025-06-dup", "public_security", "ps_resident", AUDIT_MONTH, "DUPLICATE", 0, skipped=4008,
        message="same bytes as an earlier delivery")
    add("ca_worker-2025-06-old", "civil_affairs", "ca_worker", AUDIT_MONTH, "SUPERSEDED", 80,
        superseded_by="ca_worker-2025-06", received=datetime(2025, 7, 1, 8, 0))
    add("ca_worker-2025-06", "civil_affairs", "ca_worker", AUDIT_MONTH, "LOADED", 81)
    add("ss_insurance-2025-06", "social_security", "ss_insurance", AUDIT_MONTH, "FAILED", 0, rejected=300,
        message="300 of 300 data rows rejected (100.0%), above the 20% limit")
    add("refused-1", None, None, None, "REFUSED", 0, message="file name is not a table of the contract",
        name="inbox/public_security/未知表.csv", received=datetime(2025, 6, 28, 17, 0))
    # A refusal received in another month is not this month's.
    add("refused-2", None, None, None, "REFUSED", 0, message="not a folder of the contract",
        received=datetime(2025, 5, 2, 9, 0))
    return rows


# (file_id, line, column, reason, masked value)
REJECTS = [
    ("ps_resident-2025-06", 12, "公民身份号码", "ID_CHECKSUM", "330102********1235"),
    ("ps_resident-2025-06", 40, "公民身份号码", "ID_CHECKSUM", "330103********0011"),
    ("ps_resident-2025-06", 41, "姓名", "NAME_UNREPRESENTABLE", "欧阳**"),
    ("ps_resident-2025-06", 77, "联系电话", "PHONE_FORMAT", "138****80"),
    # A value that was stored unmasked in a column not typed as an ID: printed masked all the same.
    ("ps_resident-2025-06", 90, "备注", "RANGE", "330102199003071234"),
    ("ps_resident-2025-06", 91, "备注", "ENUM", "<script>alert(1)</script>"),
    ("ps_resident-2025-06", 92, "居住状态", "ENUM", "{{ 7 * 7 }}"),
    ("ps_case-2025-06", 131, None, "TOTALS_ROW", "合计"),
    ("ps_case-2025-06", 132, None, "DUPLICATE_ROW", None),
] + [("ss_insurance-2025-06", 2 + i, "公民身份号码", "ID_LENGTH", "33010*****") for i in range(300)]

WARNINGS = [
    ("ps_resident-2025-06", 5, "性别", "SEX_MISMATCH", "sex in ID disagrees"),
    ("ps_resident-2025-06", 6, "性别", "SEX_MISMATCH", "sex in ID disagrees"),
    ("ca_worker-2025-06", 3, None, "EXTRA_COLUMN", "column not in the contract: ignored"),
]

VALIDATIONS = [
    # An earlier run of ps_resident failed; only the latest run counts.
    ("run-a", AUDIT_MONTH, "ps_resident", "expect_column_values_to_be_unique(person_pid)", False, "error",
     "3 unexpected", datetime(2025, 7, 3, 10, 0)),
    ("run-b", AUDIT_MONTH, "ps_resident", "expect_column_values_to_be_unique(person_pid)", True, "error",
     "0 unexpected", datetime(2025, 7, 3, 11, 0)),
    ("run-b", AUDIT_MONTH, "ps_resident", "expect_table_row_count_to_be_between", False, "warning",
     "4000 rows", datetime(2025, 7, 3, 11, 0)),
    ("run-c", AUDIT_MONTH, "ca_worker", "expect_column_values_to_not_be_null(community_code)", True, "error",
     "0 unexpected", datetime(2025, 7, 3, 12, 0)),
    ("run-c", AUDIT_MONTH, "ca_worker", "unexpected_rows_expectation[workers_in_ps_register]", False, "warning",
     "4 unexpected rows", datetime(2025, 7, 3, 12, 0)),
    ("run-x", "2025-05", "ca_worker", "expect_column_values_to_not_be_null(community_code)", False, "error",
     "9 unexpected", datetime(2025, 6, 3, 12, 0)),
]


def build_catalogue_snapshot(path: Path, *, city_name: str = CITY[1],
                             city_file_name: str = "public_security/2025-06/ps_resident.csv") -> Path:
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
            "formula_zh varchar, direction varchar, standard_value double, standard_text varchar)"
        )
        con.execute(
            "create table marts.dim_area (area_code varchar, area_name varchar, area_level varchar, "
            "parent_code varchar, district_code varchar, city_code varchar)"
        )
        for ddl in AUDIT_DDL:
            con.execute(ddl)
        con.executemany("insert into marts.fct_indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?)", _fact_rows())
        con.executemany("insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?, ?)", INDICATORS)
        areas = [(CITY[0], city_name, "city", None, None, CITY[0])]
        areas += [(code, name, "district", CITY[0], code, CITY[0]) for code, name in DISTRICTS.items()]
        con.executemany("insert into marts.dim_area values (?, ?, ?, ?, ?, ?)", areas)
        con.executemany(
            "insert into audit.load_ledger (file_id, department, table_name, period, original_name, sha256, "
            "encoding, status, rows_physical, rows_loaded, rows_rejected, rows_skipped, superseded_by, received_at, "
            "message) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _ledger(city_file_name),
        )
        con.executemany("insert into audit.rejected_rows values (?, ?, ?, ?, ?, 'rejected')",
                        [(f, line, col, reason, masked) for f, line, col, reason, masked in REJECTS])
        con.executemany("insert into audit.row_warnings values (?, ?, ?, ?, ?)", WARNINGS)
        con.executemany("insert into audit.validation_results values (?, ?, ?, ?, ?, ?, ?, ?)", VALIDATIONS)
    finally:
        con.close()
    return path


def supersede(path: Path, file_id: str, new_file_id: str) -> None:
    """Deliver a corrected file for the same table and period: the old one becomes SUPERSEDED."""
    con = duckdb.connect(str(path))
    try:
        row = con.execute("select department, table_name, period, original_name, rows_loaded from audit.load_ledger "
                          "where file_id = ?", [file_id]).fetchone()
        con.execute("update audit.load_ledger set status = 'SUPERSEDED', superseded_by = ? where file_id = ?",
                    [new_file_id, file_id])
        con.execute(
            "insert into audit.load_ledger (file_id, department, table_name, period, original_name, sha256, encoding, "
            "status, rows_physical, rows_loaded, rows_rejected, rows_skipped, received_at) "
            "values (?, ?, ?, ?, ?, ?, 'UTF-8', 'LOADED', ?, ?, 0, 0, ?)",
            [new_file_id, *row[:4], new_file_id.ljust(64, "f"), row[4] + 1, row[4] + 1, datetime(2025, 7, 9, 9, 0)],
        )
    finally:
        con.close()


def dec(value: float, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def pct(num: int, den: int) -> str:
    return str((Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
