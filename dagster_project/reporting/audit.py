"""数据质量审计报告: for auditors, one month of what was received, loaded, rejected and checked.

Everything comes from the audit schema of the published snapshot: audit.load_ledger (every file,
whatever happened to it), audit.rejected_rows (reason code, line, masked value), audit.row_warnings
and audit.validation_results (the latest validation of each suite for the month, reconciliations
between departments included). Auditors see exact counts; personal values appear only masked, and a
value that still looks like an ID number or a mobile number is masked again before it is printed.

A file belongs to the month of its delivery period; a file refused before any period could be read
from its path belongs to the month it was received in.
"""

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.lib.contract import Contract, load_contract
from dagster_project.lib.identifiers import mask_id, mask_phone
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting import formatting
from dagster_project.reporting.charts import BarChart, horizontal_bar_chart
from dagster_project.reporting.data import ReportDataError, resolve_area
from dagster_project.reporting.editions import FIRST_EDITION, Edition
from dagster_project.reporting.render import (
    DEFAULT_TIME_LIMIT_S,
    ReproStamp,
    common_context,
    issue_stamped,
    render_template,
    report_path,
)
from dagster_project.reporting.sources import FINGERPRINT_CHARS

AUDIT_TITLE = "数据质量审计报告"
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
EXAMPLES_PER_REASON = 3
# Data Docs, relative to GOVWH_HOME (quality/data_docs.py writes them there).
DATA_DOCS_INDEX = "audit/data_docs/index.html"
DATA_DOCS_RUNS = "audit/data_docs/validations/<表名>/<期次>/"

STATUS_ORDER = ("LOADED", "PARTIAL", "FAILED", "DUPLICATE", "SUPERSEDED", "REFUSED")
STATUS_ZH = {
    "LOADED": "全部入库",
    "PARTIAL": "部分入库",
    "FAILED": "整体未入库",
    "DUPLICATE": "重复报送",
    "SUPERSEDED": "已被更正版本替换",
    "REFUSED": "拒收",
}
STATUS_MEANING = {
    "LOADED": "全部记录通过逐条校验并入库",
    "PARTIAL": "未通过校验的记录被剔除，其余记录入库",
    "FAILED": "文件无法解码、结构不完整或剔除比例超过上限，整个文件未入库",
    "DUPLICATE": "与此前已收到的同一部门、同一表、同一期次文件内容完全相同，未重复入库",
    "SUPERSEDED": "同一期次收到内容不同的更正文件，本文件记录留档但不再参与计算",
    "REFUSED": "文件名、目录或格式不在报送约定之内，未读取",
}

# Reasons recorded for rows that were skipped rather than rejected (rows_skipped).
SKIP_REASONS = frozenset({"TOTALS_ROW", "DUPLICATE_ROW"})
REASON_ZH = {
    "ID_CHECKSUM": "身份证号校验码错误",
    "ID_LENGTH": "身份证号位数不符",
    "ID_BAD_CHARACTER": "身份证号含非法字符",
    "ID_BIRTH_DATE": "身份证号中的出生日期无效",
    "ID_BIRTH_FUTURE": "身份证号中的出生日期晚于报送期",
    "ID_AREA": "身份证号地址码无效",
    "ID_ALL_ZERO": "身份证号为全零等无效号码",
    "ID_AGE_IMPLAUSIBLE": "按身份证号推算的年龄不合常理",
    "ID_AMBIGUOUS_CENTURY": "15位身份证号无法确定出生年代",
    "ID_EXCEL_SCIENTIFIC": "身份证号被表格软件转成科学计数法",
    "ID_EXCEL_PRECISION": "身份证号被表格软件截断了末几位",
    "ID_NUMERIC_CELL": "身份证号存成了数值单元格",
    "ID_FOREIGN_PERMANENT": "外国人永久居留身份证号",
    "ID_LEGACY_15": "15位旧身份证号已升为18位",
    "ID_KNOWN_EXAMPLE": "身份证号为公开的示例号码",
    "SEX_MISMATCH": "身份证号所含性别与性别栏不一致",
    "USCC_LENGTH": "统一社会信用代码位数不符",
    "USCC_CHARSET": "统一社会信用代码含非法字符",
    "USCC_CHECKSUM": "统一社会信用代码校验码错误",
    "USCC_ORGCODE": "统一社会信用代码中的组织机构代码校验码错误",
    "USCC_CASE_NORMALISED": "统一社会信用代码中的小写字母已改为大写",
    "CODE_FORMAT": "区划代码格式错误",
    "CODE_UNKNOWN": "区划代码不在当期区划代码表中",
    "DATE_FORMAT": "日期格式无法识别",
    "DATE_ORDER": "日期先后顺序不合理",
    "DATE_AFTER_PERIOD": "日期晚于报送期末",
    "ENUM": "取值不在约定的代码集中",
    "NUMBER_FORMAT": "数值格式错误",
    "RANGE": "数值超出允许范围",
    "RANGE_CROSS": "相关数值之间相互矛盾",
    "REQUIRED_MISSING": "必填项为空",
    "MUST_BE_EMPTY": "应为空的栏目填写了内容",
    "PHONE_FORMAT": "手机号码格式不正确",
    "NAME_UNREPRESENTABLE": "姓名含无法表示的字符",
    "COLUMN_COUNT": "字段个数与表头不一致",
    "DUPLICATE_KEY": "主键与前面的记录重复",
    "DUPLICATE_ROW": "与前面某行完全相同",
    "TOTALS_ROW": "合计行",
    "EXTRA_COLUMN": "表头含约定以外的列",
}
UNKNOWN_REASON = "（原因代码未登记说明）"

RECONCILIATION_ZH = {
    "households_vs_ps_register": "民政报送的社区户数与公安实有人口登记户数核对",
    "workers_in_ps_register": "社区工作者是否均在公安实有人口登记之中",
    "worker_employers_are_committees": "社区工作者职工险的参保单位是否为所在社区居委会",
}
RECONCILIATION_LABEL = re.compile(r"^unexpected_rows_expectation\[(?P<check>[^\]]+)\]")

# Anything that still looks like a personal number after masking is masked again before printing.
_ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def printable_masked(value: str | None) -> str:
    """The stored masked value, with any unmasked ID- or phone-shaped run of digits masked again."""
    if value is None or value == "":
        return "（空）"
    text = _ID_LIKE.sub(lambda m: mask_id(m.group(0)), value)
    return _MOBILE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def reason_zh(code: str) -> str:
    return REASON_ZH.get(code, UNKNOWN_REASON)


@dataclass(frozen=True)
class FileEntry:
    file_name: str
    department_zh: str
    table_zh: str
    period: str | None
    status: str
    rows_physical: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    received_at: datetime
    message: str

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    @property
    def identity_holds(self) -> bool:
        return self.rows_physical == self.rows_loaded + self.rows_rejected + self.rows_skipped


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    meaning: str
    files: int


@dataclass(frozen=True)
class TableTotals:
    department_zh: str
    table_zh: str
    files: int
    rows_physical: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int

    @property
    def identity_holds(self) -> bool:
        return self.rows_physical == self.rows_loaded + self.rows_rejected + self.rows_skipped


@dataclass(frozen=True)
class Example:
    file_name: str
    line_number: int | None
    column: str
    masked_value: str


@dataclass(frozen=True)
class ReasonRow:
    code: str
    description: str
    skipped: bool
    issues: int
    files: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class WarningRow:
    code: str
    description: str
    issues: int
    files: int


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    table_zh: str
    run_id: str
    checked_at: datetime
    expectations: int
    passed: int
    failed_errors: int
    failed_warnings: int


@dataclass(frozen=True)
class FailedExpectation:
    table_zh: str
    expectation: str
    severity: str
    observed: str


@dataclass(frozen=True)
class Reconciliation:
    table_zh: str
    check: str
    description: str
    success: bool
    observed: str


@dataclass(frozen=True)
class AuditReport:
    period: str
    area_name: str
    files: tuple[FileEntry, ...]
    statuses: tuple[StatusCount, ...]
    tables: tuple[TableTotals, ...]
    totals: TableTotals
    reasons: tuple[ReasonRow, ...]
    warnings: tuple[WarningRow, ...]
    suites: tuple[SuiteResult, ...]
    failures: tuple[FailedExpectation, ...]
    reconciliations: tuple[Reconciliation, ...]
    departments: tuple[str, ...]
    # Files of no department the contract knows (refused before one could be read from the path).
    files_unidentified: int
    data_docs_present: bool

    @property
    def files_breaking_identity(self) -> tuple[FileEntry, ...]:
        return tuple(f for f in self.files if not f.identity_holds)

    @property
    def rejected_issues(self) -> int:
        return sum(r.issues for r in self.reasons if not r.skipped)

    @property
    def validated_expectations(self) -> int:
        return sum(s.expectations for s in self.suites)

    @property
    def failed_errors(self) -> int:
        return sum(s.failed_errors for s in self.suites)

    @property
    def failed_warnings(self) -> int:
        return sum(s.failed_warnings for s in self.suites)


def _month_filter(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return f"({a}period = ? or ({a}period is null and strftime({a}received_at, '%Y-%m') = ?))"


def _table_title(contract: Contract, table: str | None) -> str:
    if table and table in contract.tables:
        return contract.tables[table].title_zh
    return table or "（未识别）"


def _department_name(contract: Contract, department: str | None) -> str:
    if department and department in contract.departments:
        return contract.departments[department]["name_zh"]
    return department or "（未识别）"


def load_audit_report(
    con: duckdb.DuckDBPyConnection, period: str, contract: Contract, data_docs_present: bool = False
) -> AuditReport:
    if not MONTH_RE.fullmatch(period):
        raise ReportDataError(f"the audit report covers a month, written YYYY-MM, got {period!r}")
    _, city, _ = resolve_area(con, None, "the audit report")
    ledger = con.execute(
        "select file_id, department, table_name, period, original_name, status, rows_physical, rows_loaded, "
        "rows_rejected, rows_skipped, received_at, message from audit.load_ledger "
        f"where {_month_filter()} order by department, table_name, received_at, file_id",
        [period, period],
    ).fetchall()
    names: dict[str, str] = {}
    files = []
    for (file_id, dept, table, file_period, name, status, physical, loaded, rejected, skipped, received,
         message) in ledger:
        names[file_id] = name or file_id
        files.append(
            FileEntry(
                file_name=name or file_id,
                department_zh=_department_name(contract, dept),
                table_zh=_table_title(contract, table),
                period=file_period,
                status=status,
                rows_physical=physical,
                rows_loaded=loaded,
                rows_rejected=rejected,
                rows_skipped=skipped,
                received_at=received,
                message=message or "",
            )
        )
    status_counts = Counter(f.status for f in files)
    statuses = tuple(
        StatusCount(s, STATUS_ZH[s], STATUS_MEANING[s], status_counts.get(s, 0)) for s in STATUS_ORDER
    )

    grouped: dict[tuple[str, str], list[FileEntry]] = defaultdict(list)
    for f in files:
        grouped[(f.department_zh, f.table_zh)].append(f)
    tables = tuple(
        TableTotals(
            dept,
            table,
            len(group),
            sum(f.rows_physical for f in group),
            sum(f.rows_loaded for f in group),
            sum(f.rows_rejected for f in group),
            sum(f.rows_skipped for f in group),
        )
        for (dept, table), group in grouped.items()
    )
    totals = TableTotals(
        "合计",
        "",
        len(files),
        sum(f.rows_physical for f in files),
        sum(f.rows_loaded for f in files),
        sum(f.rows_rejected for f in files),
        sum(f.rows_skipped for f in files),
    )

    file_ids = list(names)
    placeholders = ", ".join("?" for _ in file_ids) or "null"
    rejects = con.execute(
        "select reason_code, file_id, line_number, column_name, masked_value from audit.rejected_rows "
        f"where file_id in ({placeholders}) order by reason_code, file_id, line_number, column_name",
        file_ids,
    ).fetchall()
    by_reason: dict[str, list[tuple]] = defaultdict(list)
    for row in rejects:
        by_reason[row[0]].append(row)
    reasons = tuple(
        ReasonRow(
            code=code,
            description=reason_zh(code),
            skipped=code in SKIP_REASONS,
            issues=len(rows),
            files=len({r[1] for r in rows}),
            examples=tuple(
                Example(names[r[1]], r[2], r[3] or "（整行）", printable_masked(r[4])) for r in rows[:EXAMPLES_PER_REASON]
            ),
        )
        for code, rows in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    warning_rows = con.execute(
        "select reason_code, count(*), count(distinct file_id) from audit.row_warnings "
        f"where file_id in ({placeholders}) group by reason_code order by 2 desc, 1",
        file_ids,
    ).fetchall()
    warnings = tuple(WarningRow(code, reason_zh(code), n, nf) for code, n, nf in warning_rows)

    latest = con.execute(
        "select suite, run_id, checked_at, expectation, success, severity, observed "
        "from audit.validation_results v where period = ? and checked_at = ("
        "select max(checked_at) from audit.validation_results w where w.period = v.period and w.suite = v.suite) "
        "order by suite, expectation",
        [period],
    ).fetchall()
    by_suite: dict[str, list[tuple]] = defaultdict(list)
    for row in latest:
        by_suite[row[0]].append(row)
    suites = []
    failures = []
    reconciliations = []
    for suite, rows in by_suite.items():
        title = _table_title(contract, suite)
        suites.append(
            SuiteResult(
                suite=suite,
                table_zh=title,
                run_id=rows[0][1],
                checked_at=rows[0][2],
                expectations=len(rows),
                passed=sum(1 for r in rows if r[4]),
                failed_errors=sum(1 for r in rows if not r[4] and r[5] == "error"),
                failed_warnings=sum(1 for r in rows if not r[4] and r[5] != "error"),
            )
        )
        for _, _, _, expectation, success, severity, observed in rows:
            if m := RECONCILIATION_LABEL.match(expectation):
                check = m.group("check")
                reconciliations.append(
                    Reconciliation(title, check, RECONCILIATION_ZH.get(check, check), bool(success), observed or "")
                )
            elif not success:
                failures.append(FailedExpectation(title, expectation, severity, observed or ""))

    # A refused file may name no department the contract knows; it is counted, not listed as a source.
    departments = tuple(dict.fromkeys(
        contract.departments[d]["name_zh"] for d, *_ in (r[1:2] for r in ledger) if d in contract.departments
    ))
    unidentified = sum(1 for r in ledger if r[1] not in contract.departments)
    return AuditReport(
        period=period,
        area_name=city,
        files=tuple(files),
        statuses=statuses,
        tables=tables,
        totals=totals,
        reasons=reasons,
        warnings=warnings,
        suites=tuple(suites),
        failures=tuple(failures),
        reconciliations=tuple(reconciliations),
        departments=departments,
        files_unidentified=unidentified,
        data_docs_present=data_docs_present,
    )


def audit_fingerprint(con: duckdb.DuckDBPyConnection, period: str) -> str:
    """A digest of the month's ledger rows (every status) and validation results.

    A new, refused, failed or superseding file or a new validation run changes it; a rerun that
    received nothing new does not.
    """
    ledger = con.execute(
        "select file_id, status, coalesce(sha256, ''), rows_physical, rows_loaded, rows_rejected, rows_skipped, "
        f"coalesce(superseded_by, '') from audit.load_ledger where {_month_filter()} order by file_id",
        [period, period],
    ).fetchall()
    checks = con.execute(
        "select run_id, suite, expectation, success, coalesce(observed, ''), checked_at "
        "from audit.validation_results where period = ? order by suite, checked_at, expectation",
        [period],
    ).fetchall()
    text = "\n".join("|".join(str(v) for v in row) for row in [*ledger, ("--",), *checks])
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_CHARS]


def reasons_chart(report: AuditReport) -> BarChart | None:
    if not report.reasons:
        return None
    # Bars are labelled in words (the codes are in the table beside the chart); an undocumented code by itself.
    items = [
        (r.description if r.code in REASON_ZH else r.code, float(r.issues), formatting.fmt_count(r.issues))
        for r in report.reasons
    ]
    return horizontal_bar_chart(
        title=f"{formatting.fmt_period(report.period)}剔除与跳过记录的原因",
        axis_label="问题条数（条）",
        items=items,
    )


def audit_title(report: AuditReport) -> str:
    return f"{report.area_name}{formatting.fmt_period(report.period)}{AUDIT_TITLE}"


def audit_report_html(
    report: AuditReport, stamp: ReproStamp, issued_on: date, edition: Edition = FIRST_EDITION
) -> str:
    return render_template(
        "audit_report.html.j2",
        **common_context(AUDIT_TITLE, stamp, issued_on, edition),
        report=report,
        title=audit_title(report),
        chart=reasons_chart(report),
        data_docs_index=DATA_DOCS_INDEX,
        data_docs_runs=DATA_DOCS_RUNS,
        reason_meanings=sorted(REASON_ZH.items()),
        skip_reasons=SKIP_REASONS,
    )


def render_audit_report(
    snapshot_path: Path,
    period: str,
    out_dir: Path,
    *,
    stamp: ReproStamp,
    data_docs_index: Path | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    issued_on: date | None = None,
) -> Path:
    """Write the month's data-quality audit report and return its path.

    The PDF lands at out_dir/<YYYY-MM>/数据质量审计报告_<city>_<YYYY-MM>.pdf (out_dir is normally
    $GOVWH_HOME/audit/reports); a report already there from other ledger rows is kept as an earlier
    edition and the new one is marked 修订版.
    """
    with read_snapshot(snapshot_path) as con:
        report = load_audit_report(
            con, period, load_contract(), data_docs_present=bool(data_docs_index and data_docs_index.exists())
        )
    return issue_stamped(
        report_path(out_dir, period, report.area_name, AUDIT_TITLE),
        stamp,
        lambda *issue: audit_report_html(report, *issue),
        time_limit_s,
        issued_on,
    )
