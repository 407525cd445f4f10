"""平安建设季度分析, read back from the PDF: numbers, comparisons, the half year, disclosure control."""

import re
import subprocess
from pathlib import Path

import pytest
from catalogue_fixtures import BASE, build_catalogue_snapshot, counts, dec, indicator_cells, pct
from pypdf import PdfReader
from report_fixtures import CITY, DISTRICTS, ISSUED_ON, STAMP

from dagster_project.reporting.data import Figure, ReportDataError
from dagster_project.reporting.safety import half_year_figure, months_read, render_safety_report


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture(scope="module")
def catalogue_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_catalogue_snapshot(tmp_path_factory.mktemp("catalogue") / "snapshot.duckdb")


@pytest.fixture(scope="module")
def q2_city(catalogue_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return render_safety_report(catalogue_snapshot, "2025Q2", out, stamp=STAMP, issued_on=ISSUED_ON)


def test_lands_under_the_quarter_with_area_in_the_name(q2_city):
    assert q2_city.parent.name == "2025Q2"
    assert q2_city.name == "平安建设季度分析_云川市_2025Q2.pdf"


def test_sections_cover_and_page_furniture(q2_city):
    text = pdf_text(q2_city)
    for heading in ("目录", "导语", "一、总体情况", "二、矛盾纠纷排查调处", "三、刑事治安案件", "四、刑满释放人员安置帮教",
                    "五、社区警务与技防", "六、各区比较", "七、近期走势", "八、上半年情况", "附录指标说明", "报告生成信息"):
        assert heading in text, heading
    total = len(PdfReader(q2_city).pages)
    assert f"第1页/共{total}页" in text and f"第{total}页/共{total}页" in text
    assert "2025年第2季度平安建设分析" in text and "（发布单位）" in text and "2025年1月6日" in text


def test_quarter_figures_and_comparisons_follow_the_marts(q2_city):
    text = pdf_text(q2_city)
    now, prev, last = (counts(CITY[0], q) for q in ("2025Q2", "2025Q1", "2024Q2"))
    assert f"受理矛盾纠纷{now.disputes}件，较上季度增加{now.disputes - prev.disputes}件" in text
    assert f"受理{now.disputes}件，调解成功{now.mediated}件" in text
    assert f"矛盾纠纷调解成功率为{pct(now.mediated, now.disputes)}%" in text
    cases, cases_last = now.criminal + now.public_order, last.criminal + last.public_order
    growth = dec((cases - cases_last) / cases_last * 100, 1)
    assert f"刑事治安案件{cases}起，较上季度增加" in text
    assert f"较上年同期增加{cases - cases_last}起（增长{growth}%）" in text
    assert f"千人发案率为{dec(cases / now.residents * 1000, 2)}起/千人" in text
    # Rates compared in percentage points, with the direction the data gives.
    pp = Decimal_pp(pct(now.visited, now.released), pct(prev.visited, prev.released))
    word = "提高" if pp > 0 else "下降"
    assert f"回访率为{pct(now.visited, now.released)}%" in text
    assert f"较上季度{word}{abs(pp)}个百分点" in text


def Decimal_pp(a: str, b: str):
    from decimal import Decimal

    return Decimal(a) - Decimal(b)


def test_withheld_cells_are_marked_and_never_printed(q2_city):
    text = pdf_text(q2_city)
    now = counts(CITY[0], "2025Q2")
    # 40 of 41 released persons resettled: the complement of 1 withholds the rate.
    assert indicator_cells(now)["I01"][3]
    assert "另外，刑满释放人员安置率、刑满释放人员帮教责任人落实率所涉人数或件数较少，按统计披露控制规则不予公布。" in text
    assert f"{pct(now.resettled, now.released)}%" not in text
    assert "—*" in text
    baita = counts("330104000000", "2025Q2")
    assert f"{pct(baita.resettled, baita.released)}" not in text.split("六、各区比较")[-1].split("七、")[0]


def test_children_table_and_ranking_chart(q2_city):
    text = pdf_text(q2_city)
    section = text.split("六、各区比较")[-1].split("七、近期走势")[0]
    for code, name in DISTRICTS.items():
        c = counts(code, "2025Q2")
        assert name in section
        assert dec((c.criminal + c.public_order) / c.residents * 1000, 2) in section
    assert "2025年第2季度各区千人发案率" in section


def test_half_year_is_derived_from_published_quarters(q2_city):
    text = pdf_text(q2_city)
    section = text.split("八、上半年情况")[-1].split("附录")[0]
    q1, q2 = counts(CITY[0], "2025Q1"), counts(CITY[0], "2025Q2")
    ly1, ly2 = counts(CITY[0], "2024Q1"), counts(CITY[0], "2024Q2")
    disputes, disputes_ly = q1.disputes + q2.disputes, ly1.disputes + ly2.disputes
    assert f"受理矛盾纠纷{disputes}件" in section
    assert f"较上年同期增加{disputes - disputes_ly}件" in section
    rate = pct(q1.mediated + q2.mediated, q1.disputes + q2.disputes)
    assert rate in section
    cases = q1.criminal + q1.public_order + q2.criminal + q2.public_order
    assert dec(cases / q2.residents * 1000, 2) in section
    assert "第1、2季度" in section and "6月末" in section


def test_half_year_rules():
    q1 = Figure(value=40.0, numerator=40.0)
    q2 = Figure(value=60.0, numerator=60.0)
    assert half_year_figure("I06", q1, q2).value == 100.0
    rate = half_year_figure("I04", Figure(50.0, 10.0, 20.0), Figure(75.0, 30.0, 40.0))
    assert rate.value == pytest.approx(100 * 40 / 60)
    assert half_year_figure("I08", Figure(2.0, 10.0, 5000.0), Figure(3.0, 15.0, 5000.0)).value == pytest.approx(5.0)
    assert half_year_figure("I01", Figure(90.0, 9.0, 10.0), Figure(suppressed=True)).suppressed
    # A withheld quarter withholds the sum; a missing one leaves it missing.
    assert half_year_figure("I06", Figure(suppressed=True), q2).suppressed
    assert not half_year_figure("I06", Figure(), q2).shown


def test_no_half_year_outside_q2_and_missing_quarters_marked(catalogue_snapshot, tmp_path):
    pdf = render_safety_report(catalogue_snapshot, "2025Q1", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    text = pdf_text(pdf)
    assert "上半年情况" not in text
    # 2024Q1's predecessor is not in the snapshot.
    early = render_safety_report(catalogue_snapshot, "2024Q1", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    assert "较上季度" not in pdf_text(early).split("二、矛盾纠纷排查调处")[-1].split("三、")[0]


def test_district_report(catalogue_snapshot, tmp_path):
    pdf = render_safety_report(catalogue_snapshot, "2025Q2", tmp_path, area_code="330102000000", stamp=STAMP,
                               issued_on=ISSUED_ON)
    assert pdf.name == "平安建设季度分析_临江区_2025Q2.pdf"
    text = pdf_text(pdf)
    c = counts("330102000000", "2025Q2")
    assert f"全区受理矛盾纠纷{c.disputes}件" in text
    assert f"在册{c.released}人，已安置{c.resettled}人" in text
    assert "达到100%的参考标准" in text


def test_bad_period_and_unknown_area_are_refused(catalogue_snapshot, tmp_path):
    with pytest.raises(ReportDataError, match="YYYYQn"):
        render_safety_report(catalogue_snapshot, "2025-06", tmp_path, stamp=STAMP)
    with pytest.raises(ReportDataError, match="not in marts.dim_area"):
        render_safety_report(catalogue_snapshot, "2025Q2", tmp_path, area_code="999999000000", stamp=STAMP)
    with pytest.raises(ReportDataError, match="no public-safety values"):
        render_safety_report(catalogue_snapshot, "2023Q2", tmp_path, stamp=STAMP)


def test_months_read_cover_every_compared_quarter():
    assert months_read("2025Q2") == [
        "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06",
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06",
    ]
    assert months_read("2025Q1") == ["2024-01", "2024-02", "2024-03", "2024-10", "2024-11", "2024-12",
                                     "2025-01", "2025-02", "2025-03"]


def test_no_codes_or_personal_numbers(q2_city):
    raw = subprocess.run(["pdftotext", str(q2_city), "-"], capture_output=True, text=True, check=True).stdout
    for code in [CITY[0], *DISTRICTS, *BASE]:
        assert code not in raw
    assert not re.search(r"(?<![\d.])\d{11,}", raw)


def test_intro_names_only_the_extracts_the_analysis_uses(q2_city):
    text = pdf_text(q2_city)
    # The worker roster delivered in June feeds no public-safety indicator: counted, not named as a source.
    assert "本季度分析所用数据来自公安局（实有人口登记、矛盾纠纷排查调处、刑事治安案件，共7个文件）" in text
    assert "社区工作者花名册" not in text
    assert "本季度平台共收到数据文件11个，其中已入库8个" in text


def test_notes_explain_only_the_marks_the_page_carries(q2_city, catalogue_snapshot, tmp_path):
    city = pdf_text(q2_city)
    trend = city.split("、近期走势")[-1].split("、上半年情况")[0]
    # Every trend cell of the city is published: no note on marks the table does not carry.
    assert "—*" not in trend and "…" not in trend.split("注：")[0]
    assert "“…”表示该季度无相应数据" not in trend and "标“*”的单元格" not in trend
    # No district's rate per 1,000 is withheld: the chart's note says only what the dashed line is.
    children = city.split("六、各区比较")[-1].split("七、")[0]
    assert "虚线表示全市千人发案率。" in children and "标“—”的区" not in children
    # 白塔区's mediation rate is withheld in every quarter of the window: the note explains the mark.
    district = render_safety_report(catalogue_snapshot, "2025Q2", tmp_path, area_code="330104000000",
                                    stamp=STAMP, issued_on=ISSUED_ON)
    text = pdf_text(district)
    assert text.count("、近期走势") == 2  # the table of contents and the chapter
    trend = text.split("、近期走势")[-1].split("、上半年情况")[0]
    assert "—*" in trend and "标“*”的单元格按统计披露控制规则不予公布。" in trend
