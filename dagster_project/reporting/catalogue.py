"""The report catalogue: each kind of report, its period grain, its areas, where it is filed and how.

| kind   | report             | period            | areas                | filed under                          |
|--------|--------------------|-------------------|----------------------|--------------------------------------|
| annual | 年度社区治理调研报告 | year (2025)       | city, each district  | $GOVWH_HOME/reports/<year>/          |
| safety | 平安建设季度分析     | quarter (2025Q2)  | city, each district  | $GOVWH_HOME/reports/<quarter>/       |
| audit  | 数据质量审计报告     | month (2025-03)   | city                 | $GOVWH_HOME/audit/reports/<month>/   |

Officials' reports go under reports/; the audit report is for auditors and goes with their other
material (Data Docs) under audit/.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting.audit import AUDIT_TITLE, audit_fingerprint, render_audit_report
from dagster_project.reporting.data import ReportDataError
from dagster_project.reporting.render import REPORT_TITLE, ReproStamp, render_annual_report, render_each
from dagster_project.reporting.safety import SAFETY_TITLE, render_safety_report, safety_fingerprint
from dagster_project.reporting.sources import current_files_fingerprint, month_range

Grain = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"^\d{4}$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_QUARTER_END_MONTH = re.compile(r"^(\d{4})-(03|06|09|12)$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def normalise_period(grain: Grain, text: str) -> str:
    """The period key a report of `grain` uses: '2025', '2025Q2' (also from '2025-06'), '2025-03'."""
    text = text.strip().upper()
    if grain == "year" and _YEAR.fullmatch(text):
        return text
    if grain == "quarter":
        if _QUARTER.fullmatch(text):
            return text
        if m := _QUARTER_END_MONTH.fullmatch(text):
            return f"{m.group(1)}Q{int(m.group(2)) // 3}"
    if grain == "month" and _MONTH.fullmatch(text):
        return text
    examples = {"year": "2025", "quarter": "2025Q2 (or its last month, 2025-06)", "month": "2025-03"}
    raise ReportDataError(f"a {grain} is written like {examples[grain]}, got {text!r}")


def annual_fingerprint(con: duckdb.DuckDBPyConnection, year: str) -> str:
    return current_files_fingerprint(con, month_range(f"{year}-01", f"{year}-12"))


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: str
    grain: Grain
    per_district: bool
    for_auditors: bool
    fingerprint: Callable[[duckdb.DuckDBPyConnection, str], str]

    def output_dir(self, settings: Settings) -> Path:
        return settings.audit_dir / "reports" if self.for_auditors else settings.reports_dir

    def areas(self, con: duckdb.DuckDBPyConnection) -> list[str | None]:
        """None for the whole city, then each district's code when the kind is issued per district."""
        if not self.per_district:
            return [None]
        districts = con.execute(
            "select area_code from marts.dim_area where area_level = 'district' order by area_code"
        ).fetchall()
        return [None, *(r[0] for r in districts)]

    def render(
        self,
        settings: Settings,
        period: str,
        stamp: ReproStamp,
        area_code: str | None = None,
        issued_on: date | None = None,
    ) -> Path:
        out = self.output_dir(settings)
        if self.key == "annual":
            return render_annual_report(settings.snapshot_path, period, out, area_code=area_code, stamp=stamp,
                                        issued_on=issued_on)
        if self.key == "safety":
            return render_safety_report(settings.snapshot_path, period, out, area_code=area_code, stamp=stamp,
                                        issued_on=issued_on)
        if area_code is not None:
            raise ReportDataError("the data-quality audit report covers the whole city; it takes no area")
        return render_audit_report(settings.snapshot_path, period, out, stamp=stamp, issued_on=issued_on,
                                   data_docs_index=settings.audit_dir / "data_docs" / "index.html")


KINDS: dict[str, ReportKind] = {
    "annual": ReportKind("annual", REPORT_TITLE, "year", True, False, annual_fingerprint),
    "safety": ReportKind("safety", SAFETY_TITLE, "quarter", True, False, safety_fingerprint),
    "audit": ReportKind("audit", AUDIT_TITLE, "month", False, True, audit_fingerprint),
}


def render_kind(
    kind: ReportKind,
    settings: Settings,
    period: str,
    run_id: str,
    code_version: str,
    area_code: str | None = None,
    every_area: bool = False,
) -> tuple[list[Path], ReproStamp]:
    """Render one report (the city's, or one area's) or, with every_area, the city's and each district's.

    Returns the PDFs and the stamp they carry.
    """
    period = normalise_period(kind.grain, period)
    with read_snapshot(settings.snapshot_path) as con:
        stamp = ReproStamp(run_id=run_id, data_fingerprint=kind.fingerprint(con, period), code_version=code_version)
        areas = kind.areas(con) if every_area else [area_code]
    return render_each(lambda area: kind.render(settings, period, stamp, area), areas), stamp
