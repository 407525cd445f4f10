"""The rendered annual report, read back from the PDF the way a reader (or an auditor) would."""

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader
from report_fixtures import (
    CITY,
    COMMUNITIES,
    DISTRICTS,
    ISSUED_ON,
    STAMP,
    area_counts,
    average_text,
    pct_text,
)

from dagster_project.reporting.render import render_annual_report


def pdf_raw_text(path: Path, *pages: int) -> str:
    args = ["pdftotext"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_text(path: Path, *pages: int) -> str:
    """pdftotext output with all whitespace removed, so line wrapping cannot split a number."""
    return re.sub(r"\s+", "", pdf_raw_text(path, *pages))


def test_file_lands_under_the_year_with_area_in_the_name(city_pdf, district_pdf):
    assert city_pdf.parent.name == "2024"
    assert city_pdf.name == "年度社区治理调研报告_云川市_2024.pdf"
    assert district_pdf.name == "年度社区治理调研报告_白塔区_2024.pdf"
    assert not list(city_pdf.parent.glob("*.part"))


def test_city_report_sections_areas_and_numbers(city_pdf):
    text = pdf_text(city_pdf)
    for heading in ("目录", "导语", "一、基本情况", "二、主要成效", "三、存在问题", "四、对策建议", "五、各区比较",
                    "六、年内变化", "附录指标说明", "报告生成信息"):
        assert heading in text
    for name in DISTRICTS.values():
        assert name in text

    counts, n = area_counts("2024", CITY[0])
    assert f"共有社区{n}个，登记户数{counts.households}户，平均每个社区{average_text(counts.households, n)}户" in text
    assert f"实有人口{counts.residents}人，其中流动人口{counts.floating}人" in text
    assert f"流动人口占比为{pct_text(counts.floating, counts.residents)}" in text
    assert f"成年实有人口{counts.adults}人，其中已参加养老保险的{counts.insured}人" in text
    assert pct_text(counts.insured, counts.adults) in text
    # Each district's rate as the table prints it (unit in the header, not in the cell).
    for code in DISTRICTS:
        d, _ = area_counts("2024", code)
        assert pct_text(d.floating, d.residents).removesuffix("%") in text


def test_city_report_wording_follows_the_data(city_pdf):
    text = pdf_text(city_pdf)
    previous, _ = area_counts("2023", CITY[0])
    current, _ = area_counts("2024", CITY[0])
    rise = float(pct_text(current.floating, current.residents)[:-1]) - float(
        pct_text(previous.floating, previous.residents)[:-1]
    )
    assert rise > 0
    assert f"较上年提高{rise:.1f}个百分点" in text
    # J11 is below its 95% standard in the fixture.
    assert "比参考标准（95%）低" in text
    # 青山区 has the lowest floating share and is the only district below the city.
    assert "最低的是青山区" in text and "低于全市水平的有青山区" in text


def test_intro_states_sources_files_and_rows(city_pdf):
    text = pdf_text(city_pdf)
    assert "民政局（社区基本信息台账，共12个文件）" in text
    assert "公安局（实有人口登记，共4个文件）" in text
    assert "人社局（社会保险参保登记，共4个文件）" in text
    assert "从2024年1月至2024年12月" in text
    assert "共收到数据文件23个，其中已入库20个" in text
    assert f"载入记录{12 * 8 + 4 * 38000 + 4 * 29000}条" in text
    assert "另有37条记录未通过逐条校验" in text
    assert "数据来源：" in text


def first_line(path: Path, page: int) -> str:
    return next(line.strip() for line in pdf_raw_text(path, page).splitlines() if line.strip())


def test_pages_carry_page_x_of_y_and_all_but_the_cover_a_header(city_pdf):
    total = len(PdfReader(city_pdf).pages)
    assert 4 <= total <= 8
    cover = pdf_text(city_pdf, 1)
    assert "（发布单位）" in cover and "2025年1月6日" in cover and "报告期：2024年1月—12月" in cover
    assert first_line(city_pdf, 1) == "云川市"
    for page in range(1, total + 1):
        assert f"第{page}页/共{total}页" in pdf_text(city_pdf, page)
    for page in range(2, total + 1):
        assert first_line(city_pdf, page) == "云川市2024年度社区治理调研报告"


def test_cjk_fonts_are_embedded(city_pdf):
    out = subprocess.run(["pdffonts", str(city_pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    cjk = [r for r in rows if re.search(r"Noto(Sans|Serif)CJK", r[0].split("+")[-1].replace("-", ""))]
    assert cjk, out
    # Columns after the name: type words, encoding, emb, sub, uni, object id, generation.
    assert all(r[-5] == "yes" for r in cjk), out
    assert any("Serif" in r[0] for r in cjk) and any("Sans" in r[0] for r in cjk)


def test_stamp_in_metadata_and_on_the_last_page(city_pdf):
    reader = PdfReader(city_pdf)
    meta = reader.metadata
    assert meta.title == "云川市2024年度社区治理调研报告"
    for value in (STAMP.run_id, STAMP.data_fingerprint, STAMP.code_version):
        assert value in meta["/Keywords"]
        assert value in meta.subject
    assert meta["/govwhrunid"] == STAMP.run_id
    assert meta["/govwhdatafingerprint"] == STAMP.data_fingerprint
    assert meta["/govwhcodeversion"] == STAMP.code_version
    last = pdf_text(city_pdf, len(reader.pages))
    for value in (STAMP.run_id, STAMP.data_fingerprint, STAMP.code_version):
        assert value in last


def test_only_aggregates_no_codes_of_any_kind(city_pdf, district_pdf):
    for pdf in (city_pdf, district_pdf):
        text = pdf_raw_text(pdf)
        for code in [CITY[0], *DISTRICTS, *COMMUNITIES]:
            assert code not in text
        # Nothing shaped like a division code or a resident ID number.
        assert not re.search(r"(?<![\d.])\d{12,}", text)


def test_district_report_lists_communities_and_marks_suppression(district_pdf):
    text = pdf_text(district_pdf)
    assert "五、各社区比较" in text
    assert "塔下社区" in text and "新村社区" in text
    assert "全区" in text
    counts, _ = area_counts("2024", "330104000000")
    assert pct_text(counts.floating, counts.residents) in text
    # 新村社区 has 4 floating residents: its share is withheld and explained.
    assert re.search(r"新村社区\d+—\*", text), text
    assert "按统计披露控制规则不予公布" in text
    tiny, _ = area_counts("2024", "330104001002")
    assert f"新村社区{tiny.households}{pct_text(tiny.floating, tiny.residents)[:-1]}" not in text
    assert f"新村社区（{pct_text(tiny.floating, tiny.residents)}）" not in text


def test_suppressed_district_and_small_reject_count(make_snapshot, tmp_path):
    snapshot = make_snapshot(rejected_rows=7, forced_suppression=[("330104000000", "2024", "J11")])
    pdf = render_annual_report(snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    text = pdf_text(pdf)
    assert "另有<10条记录未通过逐条校验" in text
    assert "7条" not in text
    baita, _ = area_counts("2024", "330104000000")
    assert re.search(r"白塔区2508[\d.]+—\*", text), text
    assert f"白塔区（{pct_text(baita.insured, baita.adults)}）" not in text
    # The chart shows floating shares, none of which is withheld here, so its note says nothing of it.
    assert "标“—”的区" not in text
    # The withheld district drops out of the comparison sentence for that indicator.
    assert "成年居民养老保险参保率最高的是青山区" in text and "最低的是临江区" in text


def test_report_for_a_year_without_predecessor_or_quarters(shared_snapshot, tmp_path):
    pdf = render_annual_report(shared_snapshot, "2023", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    text = pdf_text(pdf)
    assert "一、基本情况" in text and "较上年" not in text and "年内变化" not in text
    assert "数据期次为2023年12月" in text
    counts, _ = area_counts("2023", CITY[0])
    assert pct_text(counts.floating, counts.residents) in text
