"""数据质量审计报告, read back from the PDF: ledger numbers, masked examples only, hostile values as text."""

import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from catalogue_fixtures import AUDIT_MONTH, REJECTS, build_catalogue_snapshot
from report_fixtures import ISSUED_ON, STAMP

from dagster_project.reporting.audit import load_audit_report, printable_masked, render_audit_report
from dagster_project.reporting.data import ReportDataError
from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import read_snapshot

HOSTILE_FILE = "<b>{{ config }}</b>.csv"


def raw_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", "", raw_text(path))


def table_lines(path: Path) -> list[str]:
    """Lines of the layout-preserving text with runs of spaces collapsed: one table row per line."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", line).strip() for line in out.splitlines()]


@pytest.fixture(scope="module")
def audit_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_catalogue_snapshot(tmp_path_factory.mktemp("audit") / "snapshot.duckdb", city_file_name=HOSTILE_FILE)


@pytest.fixture(scope="module")
def audit_pdf(audit_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit_reports")
    return render_audit_report(audit_snapshot, AUDIT_MONTH, out, stamp=STAMP, issued_on=ISSUED_ON)


def ledger_of_month(snapshot: Path) -> list[tuple]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return con.execute(
            "select status, rows_physical, rows_loaded, rows_rejected, rows_skipped from audit.load_ledger "
            "where period = ? or (period is null and strftime(received_at, '%Y-%m') = ?)",
            [AUDIT_MONTH, AUDIT_MONTH],
        ).fetchall()
    finally:
        con.close()


def test_lands_under_the_month_with_the_city_in_the_name(audit_pdf):
    assert audit_pdf.parent.name == AUDIT_MONTH
    assert audit_pdf.name == "数据质量审计报告_云川市_2025-06.pdf"


def test_numbers_match_the_ledger(audit_pdf, audit_snapshot):
    text = pdf_text(audit_pdf)
    rows = ledger_of_month(audit_snapshot)
    files = len(rows)
    physical, loaded, rejected, skipped = (sum(r[i] for r in rows) for i in range(1, 5))
    assert physical == loaded + rejected + skipped
    # One refused file names no department: the departments' count and the total are told apart.
    unidentified = sum(1 for r in rows if r[0] == "REFUSED")
    assert (f"本月共收到数据文件{files}个，其中民政局、公安局、人社局报送{files - unidentified}个，"
            f"无法识别报送部门的{unidentified}个；文件物理行数合计{physical}行，其中入库{loaded}行、剔除{rejected}行、"
            f"跳过{skipped}行") in text
    assert f"全部{files}个文件均满足" in text
    lines = table_lines(audit_pdf)
    for status, label in (("LOADED", "全部入库"), ("PARTIAL", "部分入库"), ("FAILED", "整体未入库"),
                          ("DUPLICATE", "重复报送"), ("SUPERSEDED", "已被更正版本替换"), ("REFUSED", "拒收")):
        n = sum(1 for r in rows if r[0] == status)
        assert n > 0
        assert any(re.match(rf"{label} {status} {n}( |$)", line) for line in lines), (status, n)
    # The refusal received in May is not in June's report.
    assert "notafolderofthecontract" not in text
    assert f"合计 {files} {physical} {loaded} {rejected} {skipped} 是" in lines


def test_rejects_by_reason_with_counts(audit_pdf):
    text = pdf_text(audit_pdf)
    lines = table_lines(audit_pdf)
    by_reason: dict[str, list[str]] = {}
    for file_id, _, _, reason, _ in REJECTS:
        by_reason.setdefault(reason, []).append(file_id)
    for reason, file_ids in by_reason.items():
        kind = "跳过" if reason in ("TOTALS_ROW", "DUPLICATE_ROW") else "剔除"
        pattern = re.compile(rf"^{reason} .* {kind} {len(file_ids)} {len(set(file_ids))}$")
        assert any(pattern.match(line) for line in lines), reason
    top = max(by_reason, key=lambda r: len(by_reason[r]))
    assert f"（{top}），共{len(by_reason[top])}条" in text
    assert "SEX_MISMATCH 身份证号所含性别与性别栏不一致 2 1" in lines


def test_only_masked_values_and_hostile_values_as_text(audit_pdf):
    raw = raw_text(audit_pdf)
    text = pdf_text(audit_pdf)
    assert "330102********1235" in text and "欧阳**" in text and "138****80" in text
    # Stored unmasked by mistake: printed masked.
    assert "330102199003071234" not in text
    assert "330102********1234" in text
    assert "<script>alert(1)</script>" in text
    assert "{{7*7}}" in text
    assert HOSTILE_FILE.replace(" ", "") in text
    assert not re.search(r"(?<![\d*])\d{17}[\dXx](?![\d*])", raw)
    assert not re.search(r"(?<![\d*])1[3-9]\d{9}(?![\d*])", raw)


def test_validation_latest_run_and_reconciliation(audit_pdf):
    text = pdf_text(audit_pdf)
    # ps_resident: the later run passed the uniqueness rule; only its row-count warning failed.
    assert any(line.startswith("实有人口登记 2 1 0 1 2025-07-03 11:00") for line in table_lines(audit_pdf))
    assert "expect_table_row_count_to_be_between" in text
    assert "3unexpected" not in text
    assert "社区工作者是否均在公安实有人口登记之中不一致4unexpectedrows" in text
    assert "audit/data_docs/index.html" in text
    assert "May" not in text and "9unexpected" not in text


def test_printable_masked_masks_what_still_looks_personal():
    assert printable_masked("110105199003071234") == "110105********1234"
    assert printable_masked("电话13812345678") == "电话138****5678"
    assert printable_masked("110105********002X") == "110105********002X"
    assert printable_masked(None) == "（空）"
    assert printable_masked("330102001001") == "330102001001"


def test_month_is_validated(audit_snapshot):
    with read_snapshot(audit_snapshot) as con, pytest.raises(ReportDataError, match="YYYY-MM"):
        load_audit_report(con, "2025Q2", load_contract())


def test_intro_names_the_departments_alone_when_every_file_has_one(audit_snapshot):
    from dataclasses import replace

    from dagster_project.reporting.audit import audit_report_html

    with read_snapshot(audit_snapshot) as con:
        report = load_audit_report(con, AUDIT_MONTH, load_contract())
    assert report.files_unidentified == 1
    html = re.sub(r"\s+", "", audit_report_html(replace(report, files_unidentified=0), STAMP, ISSUED_ON))
    assert f"本月共收到民政局、公安局、人社局报送的数据文件{report.totals.files}个，文件物理行数合计" in html
    assert "无法识别报送部门" not in html
