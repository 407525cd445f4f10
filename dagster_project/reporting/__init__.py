"""Chinese research reports (调研报告) rendered from the published snapshot to PDF.

data.py reads and computes every figure, formatting.py writes numbers the way such reports do,
charts.py lays out SVG charts, render.py fills the Jinja templates in report_templates/ and hands the
HTML to WeasyPrint in a time-limited child process (pdf_worker.py) whose fetcher is confined to those
templates (pdf.py).
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
