"""Chinese reports rendered from the published snapshot to PDF.

The catalogue (catalogue.py): 年度社区治理调研报告 (data.py, annual_report.html.j2), 平安建设季度分析
(safety.py) and 数据质量审计报告 (audit.py). Each module reads and computes every figure of its report;
rules.py turns the findings rules of report_templates/rules/ into 主要成效, 存在问题 and 对策建议;
formatting.py writes numbers the way such reports do, charts.py lays out SVG charts, render.py fills the
Jinja templates in report_templates/ and hands the HTML to WeasyPrint in a time-limited child process
(pdf_worker.py) whose fetcher is confined to those templates (pdf.py); editions.py marks a re-issue on
changed data as 修订版 and keeps the earlier PDF.
"""

from dagster_project.reporting.data import ReportDataError
from dagster_project.reporting.render import (
    ReportRenderError,
    ReportRenderTimeout,
    ReproStamp,
    render_annual_report,
)

__all__ = [
    "ReportDataError",
    "ReportRenderError",
    "ReportRenderTimeout",
    "ReproStamp",
    "render_annual_report",
]
