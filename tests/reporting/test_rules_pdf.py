"""The findings sections of the rendered annual report, and every number in the PDF traced to the marts.

Number tracing: the text of each PDF is extracted, every number in it is parsed, and each must be one of
  - a published mart value (marts.fct_indicator_values: value at 0–2 decimals, numerator, denominator)
    of the report's periods (its year, the year before, its quarter ends and the rules' base year),
    read here with SQL and not through the reporting code;
  - a documented derived quantity: the difference or relative change (%) between two published values
    of one indicator and area, the ratio of two published values of one indicator (highest ÷ lowest),
    the distance of a published value from a threshold, a count of units k of n and its share k/n;
  - a threshold: a bound or target year of marts.dim_indicator_standard or a number in the rules file;
  - a number written inside a mart text (indicator names and formulas, measure names, quoted standards);
  - a load-ledger count (files by status, rows loaded, rows rejected), the suppression threshold;
  - a date (years of the report, its predecessor and the issue date; months; days), a page number in
    "第X页/共Y页", a table number, or an axis tick of the chart as laid out.
The test fails on any number outside these, listing each with its context.
"""

import re
import shutil
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import duckdb
import pytest
import yaml
from pypdf import PdfReader
from number_tracing import changed_copy, numbers_in, q, raw_text, trace
from report_fixtures import CITY, ISSUED_ON, STAMP
from rules_fixtures import EXTRA_SERIES, area_pair

from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import CURRENT_STATUSES, read_snapshot
from dagster_project.reporting.data import load_annual_report
from dagster_project.reporting.render import floating_share_chart
from dagster_project.reporting.rules import RULES_PATH, base_period_for, load_rules

DISTRICT = "330102000000"


def flat(pdf: Path) -> str:
    return re.sub(r"\s+", "", raw_text(pdf))


def section(text: str, start: str, end: str) -> str:
    """The body of a chapter (after the table of contents, which lists the same headings)."""
    begin = text.rindex(start)
    return text[begin:text.index(end, begin)]


# ---- findings sections ------------------------------------------------------------------------------


def test_findings_sections_follow_the_genre_order(rules_city_pdf):
    text = flat(rules_city_pdf)
    positions = [text.rindex(h) for h in ("一、基本情况", "二、主要成效", "三、存在问题", "四、对策建议", "五、各区比较")]
    assert positions == sorted(positions)


def _headings(body: str) -> list[str]:
    return re.findall(r"（[一二三四五六七八九十]）", body)


def test_recommendations_answer_the_problems_in_the_same_order(rules_city_pdf, rules_snapshot):
    text = flat(rules_city_pdf)
    problems = section(text, "三、存在问题", "四、对策建议")
    advice = section(text, "四、对策建议", "五、各区比较")
    with read_snapshot(rules_snapshot) as con:
        findings = load_annual_report(con, "2024", load_contract()).findings
    assert {f.rule_id for f in findings.problems} == {"R01", "R05", "R08", "R11", "R18", "R27"}
    assert len(_headings(problems)) == len(_headings(advice)) == len(findings.problems)
    problem_at = [problems.index(re.sub(r"\s+", "", f.title)) for f in findings.problems]
    advice_at = [advice.index(re.sub(r"\s+", "", f.recommendation_title)) for f in findings.problems]
    assert problem_at == sorted(problem_at) and advice_at == sorted(advice_at)


def test_problem_evidence_as_computed_from_the_fixture(rules_city_pdf):
    text = section(flat(rules_city_pdf), "三、存在问题", "四、对策建议")
    # R01 on breadth: communities whose published households per worker exceed 400.
    published = {c: n / d for c, (n, d) in EXTRA_SERIES["B06"].by_year["2024"].items() if d >= 10}
    over = sorted((v for v in published.values() if round(v) > 400), reverse=True)
    share = q(100 * len(over) / len(published), 1)
    assert f"在公布数据的{len(published)}个社区中，每名社区工作者服务户数超过400户的有{len(over)}个，占{share}%" in text
    assert "（另有1个社区的数据按统计披露控制规则不予公布）" in text
    assert "新村社区（" not in text
    # R18: cases this year against last year.
    now, _ = area_pair("I06", CITY[0], "2024")
    before, _ = area_pair("I06", CITY[0], "2023")
    assert f"发生刑事治安案件{now}起，比上年的{before}起增加{now - before}起，增长{q(100 * (now - before) / before, 1)}%" in text
    # R11 against the 2020 target of the standards seed.
    orgs, communities = area_pair("E01", CITY[0], "2024")
    assert f"平均每个社区拥有社会组织{q(orgs / communities, 1)}个" in text
    assert "提出的2020年目标（平均每个社区不少于10个）" in text
    # R05 with its denominator.
    certified, workers = area_pair("B16", CITY[0], "2024")
    assert f"{workers}名社区工作者中持有社会工作者职业资格证书的{certified}名，占{q(100 * certified / workers, 1)}%" in text


def test_achievements_as_computed_from_the_fixture(rules_city_pdf):
    text = section(flat(rules_city_pdf), "二、主要成效", "三、存在问题")
    mediated, disputes = area_pair("I04", CITY[0], "2024")
    mediated_before, disputes_before = area_pair("I04", CITY[0], "2023")
    rise = Decimal(q(100 * mediated / disputes, 1)) - Decimal(q(100 * mediated_before / disputes_before, 1))
    assert "矛盾纠纷调处成效明显" in text
    assert f"受理矛盾纠纷{disputes}件，调解成功{mediated}件，调解成功率为{q(100 * mediated / disputes, 1)}%，较上年提高{rise}个百分点" in text
    assert "社区工作者社会保险应保尽保" in text


def test_topics_without_data_are_named_not_invented(rules_city_pdf):
    text = section(flat(rules_city_pdf), "三、存在问题", "四、对策建议")
    assert "本年度缺少" in text and "社区工作者年龄结构" in text
    assert "平均年龄" not in text


def test_district_report_compares_its_communities(rules_district_pdf):
    text = section(flat(rules_district_pdf), "三、存在问题", "四、对策建议")
    # 临江区: 15410 households on 38 workers is above 400 per worker.
    assert "社区工作者配备总体不足" in text
    assert "平均每名社区工作者服务406户，比《关于加强城乡社区工作者队伍建设的意见》确定的标准（每名不超过400户）多出6户" in text
    assert "公布数据的3个社区养老保险参保率均低于95%，分别为" in text


# ---- number tracing ---------------------------------------------------------------------------------


def _rule_thresholds() -> dict[str, set[float]]:
    """Indicator -> the numbers the rules file sets against it."""
    raw = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    out: dict[str, set[float]] = {}
    for rule in raw["rules"]:
        for check in rule["checks"]:
            if not isinstance(check["threshold"], str):
                out.setdefault(check["indicator"], set()).add(float(check["threshold"]))
    return out


def allowed_numbers(snapshot: Path, year: str, pdf: Path) -> set[str]:
    previous = str(int(year) - 1)
    base = base_period_for(year, load_rules().settings)
    periods = [year, previous, *(f"{year}-{m:02d}" for m in (3, 6, 9, 12)), *([base] if base else [])]
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        cells = con.execute(
            "select indicator_code, area_code, period, value, numerator, denominator from marts.fct_indicator_values "
            f"where not suppressed and period in ({', '.join('?' for _ in periods)})",
            periods,
        ).fetchall()
        texts = con.execute(
            "select name_zh, formula_zh, standard_text, numerator_name_zh, denominator_name_zh from marts.dim_indicator"
        ).fetchall()
        standards = con.execute(
            "select low_value, high_value, target_year, doc_title, quote_zh, indicator_code "
            "from marts.dim_indicator_standard"
        ).fetchall()
        ledger = con.execute(
            "select status, department, count(*), sum(rows_loaded), sum(rows_rejected) from audit.load_ledger "
            "where left(period, 4) = ? group by grouping sets ((), (status), (department), (status, department))",
            [year],
        ).fetchall()
        statuses = ", ".join(f"'{s}'" for s in CURRENT_STATUSES)
        ledger += con.execute(
            "select 'current', null, count(*), sum(rows_loaded), sum(rows_rejected) from audit.load_ledger "
            f"where left(period, 4) = ? and status in ({statuses})",
            [year],
        ).fetchall()
        n_units = con.execute("select count(*) from marts.dim_area").fetchone()[0]
    finally:
        con.close()

    allowed: set[str] = set()
    values: dict[tuple[str, str], list[float]] = {}
    by_indicator: dict[tuple[str, str], list[float]] = {}
    for code, area, period, value, numerator, denominator in cells:
        for number in (numerator, denominator):
            if number is not None:
                allowed.add(q(number, 0))
        if value is None:
            continue
        for d in (0, 1, 2):
            allowed.add(q(value, d))
        values.setdefault((code, area), []).append(value)
        by_indicator.setdefault((code, period), []).append(value)

    thresholds = _rule_thresholds()
    for low, high, *_, code in standards:
        thresholds.setdefault(code, set()).update(v for v in (low, high) if v is not None)
    for t in set().union(*thresholds.values()):
        allowed.add(q(t, 0) if float(t).is_integer() else format(Decimal(repr(t)).normalize(), "f"))
    for (code, _), series in values.items():
        for a, b in combinations(series, 2):
            for d in (0, 1, 2):
                allowed.add(q(abs(float(q(a, d)) - float(q(b, d))), d))
            for x, y in ((a, b), (b, a)):
                if y:
                    allowed.add(q(abs(x - y) / abs(y) * 100, 1))
        for v in series:
            for t in thresholds.get(code, ()):
                for d in (0, 1, 2):
                    allowed.add(q(abs(float(q(v, d)) - t), d))
    for series in by_indicator.values():
        for a, b in combinations(series, 2):
            for d in (0, 1, 2):
                hi, lo = max(float(q(a, d)), float(q(b, d))), min(float(q(a, d)), float(q(b, d)))
                if lo > 0:
                    allowed.add(q(hi / lo, 1))
    for n in range(1, n_units + 1):
        for k in range(0, n + 1):
            allowed.update({str(k), str(n), q(100 * k / n, 1)})

    allowed |= numbers_in(t for row in texts for t in row)
    allowed |= numbers_in(t for row in standards for t in row[3:5])
    allowed |= {str(int(row[2])) for row in standards if row[2] is not None}
    for _, _, files, loaded, rejected in ledger:
        allowed |= {str(files), str(loaded or 0), str(rejected or 0)}
    allowed |= {"10"}  # the suppression threshold
    with read_snapshot(snapshot) as con:
        report = load_annual_report(con, year, load_contract(), None if "云川市" in pdf.name else DISTRICT)
    allowed |= {tick.text for tick in floating_share_chart(report).ticks}
    return allowed


def untraced_numbers(pdf: Path, snapshot: Path, year: str) -> list[str]:
    base = base_period_for(year, load_rules().settings)
    years = {year, str(int(year) - 1), str(ISSUED_ON.year), *allowed_years(snapshot), *([base] if base else [])}
    return trace(pdf, years, allowed_numbers(snapshot, year, pdf))


def allowed_years(snapshot: Path) -> set[str]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute("select doc_title, quote_zh, target_year from marts.dim_indicator_standard").fetchall()
    finally:
        con.close()
    return numbers_in(t for row in rows for t in row[:2]) | {str(r[2]) for r in rows if r[2] is not None}


@pytest.mark.parametrize("which", ["rules_city_pdf", "rules_district_pdf", "city_pdf"])
def test_every_number_in_the_pdf_traces_to_the_marts(which, request):
    pdf = request.getfixturevalue(which)
    snapshot = request.getfixturevalue("shared_snapshot" if which == "city_pdf" else "rules_snapshot")
    assert untraced_numbers(pdf, snapshot, "2024") == []


def test_tracing_catches_a_number_the_marts_do_not_hold(rules_city_pdf, rules_snapshot, tmp_path):
    # The same PDF traced against marts where the city's case count differs: the sentence built on it
    # (138 cases, +13.1% on 122) no longer traces.
    changed = changed_copy(rules_snapshot, tmp_path / "changed.duckdb", (
        "update marts.fct_indicator_values set value = 7777, numerator = 7777 "
        "where indicator_code = 'I06' and area_code = ? and period = '2024'",
        [CITY[0]],
    ))
    assert untraced_numbers(rules_city_pdf, rules_snapshot, "2024") == []
    untraced = untraced_numbers(rules_city_pdf, changed, "2024")
    assert untraced and all("刑事治安案件138起" in p for p in untraced), untraced


def test_achievement_compares_with_the_base_year_held_in_the_marts(rules_snapshot, rules_city_pdf, tmp_path):
    from dagster_project.reporting.render import render_annual_report

    base = base_period_for("2024", load_rules().settings)
    assert base is not None
    # The shared snapshot holds no base-year values: the report says nothing of the base year.
    assert f"较{base}年" not in flat(rules_city_pdf)
    # The city's mediation success in the base year: 150 of 180 disputes (83.3%).
    snapshot = changed_copy(rules_snapshot, tmp_path / "with_base_year.duckdb", (
        "insert into marts.fct_indicator_values values ('I04', ?, 'city', ?, ?, 150, 180, '%', false)",
        [CITY[0], base, 100 * 150 / 180],
    ))
    mediated, disputes = area_pair("I04", CITY[0], "2024")
    rate = Decimal(q(100 * mediated / disputes, 1))
    pdf = render_annual_report(snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    text = section(flat(pdf), "二、主要成效", "三、存在问题")
    assert f"调解成功率为{rate}%，较上年提高" in text
    assert f"较{base}年提高{rate - Decimal('83.3')}个百分点" in text
    assert untraced_numbers(pdf, snapshot, "2024") == []


# ---- hostile names in findings --------------------------------------------------------------------

HOSTILE = '<img src="file:///etc/passwd">望江社区'


def test_hostile_unit_name_in_a_finding_is_printed_as_text(rules_snapshot, tmp_path):
    from dagster_project.reporting.render import annual_report_html, render_annual_report

    snapshot = tmp_path / "hostile.duckdb"
    shutil.copy(rules_snapshot, snapshot)
    con = duckdb.connect(str(snapshot))
    con.execute("update marts.dim_area set area_name = ? where area_name = '望江社区'", [HOSTILE])
    con.close()
    with read_snapshot(snapshot) as con:
        report = load_annual_report(con, "2024", load_contract())
    # 望江社区 is the worst community of R01: its name is evidence in a finding and a recommendation.
    r01 = next(f for f in report.findings.problems if f.rule_id == "R01")
    assert HOSTILE in r01.text and HOSTILE in r01.recommendation_text
    html = annual_report_html(report, STAMP, ISSUED_ON)
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;望江社区" in html
    pdf = render_annual_report(snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    assert re.sub(r"\s+", "", HOSTILE) in flat(pdf)
    assert not any(page.images for page in PdfReader(pdf).pages)


# ---- no personal data -------------------------------------------------------------------------------

PERSONAL = {
    "resident ID": re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)|(?<!\d)\d{15}(?!\d)"),
    "masked ID": re.compile(r"\d{4,6}\*{4,}"),
    "phone": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "masked phone": re.compile(r"1\d{2}\*{4}\d{4}"),
    "masked name": re.compile(r"[\u4e00-\u9fff]\*(?![\d*])"),
    "area code": re.compile(r"(?<!\d)\d{12}(?!\d)"),
}


@pytest.mark.parametrize("which", ["rules_city_pdf", "rules_district_pdf"])
def test_no_id_name_or_phone_pattern(which, request):
    text = raw_text(request.getfixturevalue(which))
    for label, pattern in PERSONAL.items():
        assert not pattern.search(text), label
