"""Every number in the 平安建设季度分析 and 数据质量审计报告 PDFs traced to its source.

平安建设季度分析: each number must be one of
  - a published cell of marts.fct_indicator_values for the report's area or a compared sub-area, in a
    quarter of the report's year or the year before (value at 0–2 decimals, numerator, denominator);
  - a first-half value derived from the published Q1 and Q2 cells the way the report's appendix says
    (sum of the quarters; summed numerators over summed denominators, or over the second quarter's
    denominator, at the cell's own scale); a standard value of marts.dim_indicator;
  - the difference of two such values of one indicator and area as printed, or the relative change (%);
  - a number written inside a mart text (indicator names, formulas, standards);
  - a load-ledger count of the report's months (files by status and department, rows loaded, rows
    rejected), the suppression threshold, a count k of the n compared units;
  - the documented allowlist: page numbers ("第X页/共Y页", checked against the page count), years of the
    report, of its predecessor and of the issue date, months and days, quarter labels ("第2季度",
    "第1、2季度", checked against the report's quarter), table numbers, indicator codes in the appendix,
    the trend window (近5个季度) and the charts' axis ticks.

数据质量审计报告: each number must be one of
  - a value of audit.load_ledger for the month (row counts of a file; numbers inside file names and
    messages), or a count or sum of them by status, department and table, whether the department is
    known, or all together;
  - from audit.rejected_rows and audit.row_warnings: line numbers, numbers inside the masked values
    (for an ID-shaped run of digits stored unmasked, its first 6 and last 4 digits, as the mask keeps),
    issues and files per reason, the number of reasons;
  - from audit.validation_results (latest run of each suite): counts of suites, expectations, passed
    and failed ones by severity, reconciliations and failed ones, numbers in the observed texts, and
    the check times (written YYYY-MM-DD HH:MM, each checked against the table);
  - the documented allowlist: page numbers, years/months/days (the report's month and the issue date),
    table numbers, the edition ("第1版"), the number of examples listed per reason, the lengths the
    masking rule keeps and the digit counts named in the glossary of reason codes.
"""

import re
from pathlib import Path

import duckdb
import pytest
from catalogue_fixtures import AUDIT_MONTH, build_catalogue_snapshot
from number_tracing import changed_copy, chart_ticks, numbers_in, printed_differences, q, trace
from report_fixtures import CITY, ISSUED_ON, STAMP

from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import CURRENT_STATUSES, read_snapshot
from dagster_project.reporting.audit import REASON_ZH, STATUS_MEANING, render_audit_report
from dagster_project.reporting.safety import children_chart, load_safety_report, render_safety_report, trend_chart

QUARTER = "2025Q2"
DISTRICT = "330104000000"
# 近5个季度: the length of the trend table, a window and not a figure.
TREND_WINDOW = 5
# 表6按原因各列出至多3条示例.
EXAMPLES_PER_REASON = 3
# The masking rule as the audit report states it: ID numbers keep 6 + 4 digits, phones 3 + 4.
MASK_KEEPS = {"6", "4", "3"}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_catalogue_snapshot(tmp_path_factory.mktemp("tracing") / "snapshot.duckdb")


@pytest.fixture(scope="module")
def safety_city(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_safety_report(snapshot, QUARTER, tmp_path_factory.mktemp("safety"), stamp=STAMP,
                                issued_on=ISSUED_ON)


@pytest.fixture(scope="module")
def safety_district(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_safety_report(snapshot, QUARTER, tmp_path_factory.mktemp("safety"), area_code=DISTRICT,
                                stamp=STAMP, issued_on=ISSUED_ON)


@pytest.fixture(scope="module")
def audit_pdf(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_audit_report(snapshot, AUDIT_MONTH, tmp_path_factory.mktemp("audit"), stamp=STAMP,
                               issued_on=ISSUED_ON)


# ---- 平安建设季度分析 ---------------------------------------------------------------------------------


def _scale(value: float, numerator: float, denominator: float) -> float:
    """Whether a ratio cell is per 1, per 100 or per 1,000, read off the cell itself."""
    ratio = value / (numerator / denominator)
    return min((1.0, 100.0, 1000.0), key=lambda s: abs(s - ratio))


def _half_year(q1: tuple, q2: tuple) -> set[float]:
    """First-half candidates from two published quarter cells (value, numerator, denominator)."""
    (v1, n1, d1), (v2, n2, d2) = q1, q2
    out = {v1 + v2}
    if None not in (n1, n2):
        out.add(n1 + n2)
        if None not in (d1, d2) and d1 and d2 and n2:
            scale = _scale(v2, n2, d2)
            out.add(scale * (n1 + n2) / (d1 + d2))
            out.add(scale * (n1 + n2) / d2)
            out.add(d1 + d2)
    return out


def _ledger_counts(con: duckdb.DuckDBPyConnection, months: list[str]) -> set[str]:
    marks = ", ".join("?" for _ in months)
    statuses = ", ".join(f"'{s}'" for s in CURRENT_STATUSES)
    rows = con.execute(
        "select count(*), sum(rows_loaded), sum(rows_rejected) from audit.load_ledger "
        f"where period in ({marks}) group by grouping sets ((), (status), (department), (status, department), "
        f"(status in ({statuses})), (status in ({statuses}), department), (status in ('FAILED', 'REFUSED')))",
        months,
    ).fetchall()
    return {str(int(v or 0)) for row in rows for v in row}


def safety_allowed(snapshot: Path, pdf: Path, area_code: str | None) -> set[str]:
    year = int(QUARTER[:4])
    quarters = [f"{y}Q{k}" for y in (year - 1, year) for k in (1, 2, 3, 4)]
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        area = area_code or con.execute("select area_code from marts.dim_area where area_level = 'city'").fetchone()[0]
        units = [r[0] for r in con.execute(
            "select area_code from marts.dim_area where parent_code = ? or area_code = ?", [area, area]).fetchall()]
        cells = con.execute(
            "select indicator_code, area_code, period, value, numerator, denominator from marts.fct_indicator_values "
            f"where not suppressed and area_code in ({', '.join('?' for _ in units)}) "
            f"and period in ({', '.join('?' for _ in quarters)})",
            [*units, *quarters],
        ).fetchall()
        texts = con.execute(
            "select name_zh, formula_zh, standard_text, standard_value, unit from marts.dim_indicator").fetchall()
        months = [f"{year}-{m:02d}" for m in (4, 5, 6)]
        ledger = _ledger_counts(con, months)
    finally:
        con.close()

    allowed: set[str] = set()
    quarter_series: dict[tuple[str, str], list[float]] = {}
    by_cell: dict[tuple[str, str, str], tuple] = {}
    for code, unit_code, period, value, numerator, denominator in cells:
        allowed |= {q(n, 0) for n in (numerator, denominator) if n is not None}
        if value is None:
            continue
        allowed |= {q(value, d) for d in (0, 1, 2)}
        quarter_series.setdefault((code, unit_code), []).append(value)
        by_cell[(code, unit_code, period)] = (value, numerator, denominator)
    for series in quarter_series.values():
        allowed |= printed_differences(series, (0, 1, 2))
    # The first half of each year, and how the two compare.
    for code, unit_code in quarter_series:
        halves: list[set[float]] = []
        for y in (year - 1, year):
            q1, q2 = by_cell.get((code, unit_code, f"{y}Q1")), by_cell.get((code, unit_code, f"{y}Q2"))
            if q1 and q2:
                halves.append(_half_year(q1, q2))
        for half in halves:
            allowed |= {q(v, d) for v in half for d in (0, 1, 2)}
        if len(halves) == 2:
            for a in halves[0]:
                for b in halves[1]:
                    allowed |= printed_differences([a, b], (0, 1, 2))
    for name, formula, standard_text, standard_value, _unit in texts:
        allowed |= numbers_in((name, formula, standard_text))
        if standard_value is not None:
            allowed |= {q(standard_value, d) for d in (0, 1, 2)}
    allowed |= ledger
    n_units = len(units)
    for n in range(1, n_units + 1):
        allowed |= {str(k) for k in range(n + 1)}
    allowed |= {"10", str(TREND_WINDOW)}
    with read_snapshot(snapshot) as rcon:
        report = load_safety_report(rcon, QUARTER, load_contract(), area_code)
    allowed |= chart_ticks(children_chart(report), trend_chart(report))
    return allowed


def _quarter_labels(problems: list[str]):
    """Quarter labels out: 第1、2季度 (the half year) and 第n季度 of the quarters the report shows."""
    year = int(QUARTER[:4])
    shown = {f"{y}Q{k}" for y in (year - 1, year) for k in (1, 2, 3, 4) if f"{y}Q{k}" <= QUARTER}

    def strip(text: str) -> str:
        text = re.sub(r"第\s*1\s*、\s*2\s*季度", "季度", text)
        for m in re.finditer(r"(\d{4})\s*年\s*第\s*(\d)\s*季度", text):
            if f"{m.group(1)}Q{m.group(2)}" not in shown:
                problems.append(f"quarter {m.group(0)}")
        return re.sub(r"第\s*[1-4]\s*季度", "季度", text)

    return strip


def untraced_safety(snapshot: Path, pdf: Path, area_code: str | None = None) -> list[str]:
    year = int(QUARTER[:4])
    problems: list[str] = []
    found = trace(pdf, {str(year), str(year - 1), str(ISSUED_ON.year)}, safety_allowed(snapshot, pdf, area_code),
                  _quarter_labels(problems))
    return problems + found


@pytest.mark.parametrize("which", ["safety_city", "safety_district"])
def test_every_number_in_the_safety_analysis_traces_to_the_marts(which, snapshot, request):
    pdf = request.getfixturevalue(which)
    assert untraced_safety(snapshot, pdf, None if which == "safety_city" else DISTRICT) == []


def test_safety_tracing_catches_a_number_the_marts_do_not_hold(snapshot, safety_city, tmp_path):
    # The city's rate of cases per 1,000 residents in the quarter, published as 3.12.
    changed = changed_copy(snapshot, tmp_path / "changed.duckdb", (
        "update marts.fct_indicator_values set value = 7.77 where indicator_code = 'I08' and area_code = ? "
        "and period = ?",
        [CITY[0], QUARTER],
    ))
    assert untraced_safety(snapshot, safety_city) == []
    untraced = untraced_safety(changed, safety_city)
    # The value no longer traces wherever it is printed: prose, both tables, the chart's reference line.
    assert len(untraced) >= 4 and {p.split()[0] for p in untraced} == {"3.12"}, untraced


# ---- 数据质量审计报告 ---------------------------------------------------------------------------------


# A file belongs to the month of its period; a refused one without a period, to the month it came in.
MONTH_FILES = "(period = ? or (period is null and strftime(received_at, '%Y-%m') = ?))"


def audit_allowed(snapshot: Path) -> tuple[set[str], set[str]]:
    """(numbers, check times) the audit report may print."""
    where = MONTH_FILES
    month = [AUDIT_MONTH, AUDIT_MONTH]
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        files = con.execute(
            "select file_id, original_name, message, rows_physical, rows_loaded, rows_rejected, rows_skipped "
            f"from audit.load_ledger where {where}",
            month,
        ).fetchall()
        sums = con.execute(
            "select count(*), sum(rows_physical), sum(rows_loaded), sum(rows_rejected), sum(rows_skipped) "
            f"from audit.load_ledger where {where} group by grouping sets ((), (status), (department), "
            "(department, table_name), (status = 'LOADED'), (department is null))",
            month,
        ).fetchall()
        ids = [f[0] for f in files]
        marks = ", ".join("?" for _ in ids)
        rejects = con.execute(
            f"select reason_code, file_id, line_number, masked_value from audit.rejected_rows where file_id in ({marks})",
            ids,
        ).fetchall()
        warnings = con.execute(
            f"select reason_code, file_id, line_number from audit.row_warnings where file_id in ({marks})", ids
        ).fetchall()
        latest = con.execute(
            "select suite, expectation, success, severity, observed, strftime(checked_at, '%Y-%m-%d %H:%M') "
            "from audit.validation_results v where period = ? and checked_at = (select max(checked_at) "
            "from audit.validation_results w where w.period = v.period and w.suite = v.suite)",
            [AUDIT_MONTH],
        ).fetchall()
    finally:
        con.close()

    allowed: set[str] = set()
    for _, name, message, *counts in files:
        allowed |= numbers_in((name, message)) | {str(c) for c in counts}
    allowed |= {str(int(v or 0)) for row in sums for v in row}
    for group in (rejects, warnings):
        by_reason: dict[str, list[tuple]] = {}
        for row in group:
            by_reason.setdefault(row[0], []).append(row)
        allowed |= {str(len(rows)) for rows in by_reason.values()}
        allowed |= {str(len({r[1] for r in rows})) for rows in by_reason.values()}
        allowed.add(str(len(by_reason)))
        allowed |= {str(r[2]) for r in group if r[2] is not None}
    for *_, masked in rejects:
        allowed |= numbers_in([masked])
        for run in re.findall(r"\d{15,18}", masked or ""):
            allowed |= {run[:6], run[-4:]}
    suites: dict[str, list[tuple]] = {}
    for row in latest:
        suites.setdefault(row[0], []).append(row)
    reconciliation = [r for r in latest if r[1].startswith("unexpected_rows_expectation")]
    allowed |= {str(len(suites)), str(len(latest)), str(len(reconciliation)),
                str(sum(1 for r in reconciliation if not r[2]))}
    for subset in [latest, *suites.values()]:
        allowed |= {
            str(len(subset)),
            str(sum(1 for r in subset if r[2])),
            str(sum(1 for r in subset if not r[2] and r[3] == "error")),
            str(sum(1 for r in subset if not r[2] and r[3] != "error")),
        }
    allowed |= numbers_in(r[4] for r in latest)
    allowed |= numbers_in([*REASON_ZH.values(), *STATUS_MEANING.values()])
    allowed |= {str(EXAMPLES_PER_REASON)} | MASK_KEEPS
    return allowed, {r[5] for r in latest}


def untraced_audit(snapshot: Path, pdf: Path) -> list[str]:
    allowed, check_times = audit_allowed(snapshot)
    problems: list[str] = []

    def strip(text: str) -> str:
        for m in re.finditer(r"\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}", text):
            if re.sub(r"\s+", " ", m.group(0)) not in check_times:
                problems.append(f"check time {m.group(0)}")
        text = re.sub(r"\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}", " ", text)
        # 版次: the edition of this issue.
        return re.sub(r"第\s*1\s*版", "版", text)

    years = {AUDIT_MONTH[:4], str(ISSUED_ON.year)}
    return problems + trace(pdf, years, allowed, strip)


def test_every_number_in_the_audit_report_traces_to_the_audit_tables(snapshot, audit_pdf):
    assert untraced_audit(snapshot, audit_pdf) == []


def test_audit_tracing_catches_a_count_the_ledger_does_not_hold(snapshot, audit_pdf, tmp_path):
    # The corrected worker roster loaded 81 rows; traced against a ledger that says 91, the month's
    # totals built on it (8654 physical rows, 4336 loaded) no longer trace.
    changed = changed_copy(snapshot, tmp_path / "changed.duckdb", (
        "update audit.load_ledger set rows_loaded = 91, rows_physical = 91 where file_id = ?",
        ["ca_worker-2025-06"],
    ))
    untraced = untraced_audit(changed, audit_pdf)
    assert untraced_audit(snapshot, audit_pdf) == []
    assert {p.split()[0] for p in untraced} == {"8654", "4336"}, untraced


def test_half_year_candidates_follow_the_appendix_rules():
    # Counts add up; a rate is summed numerators over summed denominators at the cell's scale.
    assert 30.0 in _half_year((10.0, 10.0, None), (20.0, 20.0, None))
    rate = _half_year((50.0, 10.0, 20.0), (75.0, 30.0, 40.0))
    assert any(abs(v - 100 * 40 / 60) < 1e-9 for v in rate)
    per_thousand = _half_year((2.0, 10.0, 5000.0), (3.0, 15.0, 5000.0))
    assert any(abs(v - 5.0) < 1e-9 for v in per_thousand)
