"""What the load ledger says about the files behind a report, and the fingerprint of those files.

Shared by the report kinds whose period is not a calendar year: the quarterly public-safety analysis
reads the months of its quarter (and those it compares with), the audit report one month.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence

import duckdb

from dagster_project.lib.contract import Contract
from dagster_project.lib.warehouse import CURRENT_STATUSES
from dagster_project.reporting.data import DepartmentSource, SourceSummary
from dagster_project.reporting.formatting import SUPPRESSION_THRESHOLD, period_end_month

FINGERPRINT_CHARS = 16


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """'2024-11', '2025-02' -> ['2024-11', '2024-12', '2025-01', '2025-02']."""
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (y, m) <= end:
        months.append(month_key(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values) or "null"


def summarise_sources(
    con: duckdb.DuckDBPyConnection, months: Sequence[str], contract: Contract
) -> SourceSummary:
    """Files received for the given months, the current ones by department, and their rows."""
    rows = con.execute(
        "select department, table_name, period, status, rows_loaded, rows_rejected "
        f"from audit.load_ledger where period in ({_in_list(months)})",
        list(months),
    ).fetchall()
    current = [r for r in rows if r[3] in CURRENT_STATUSES]
    tables: dict[str, set[str]] = defaultdict(set)
    files: dict[str, int] = defaultdict(int)
    for department, table_name, *_ in current:
        tables[department].add(table_name)
        files[department] += 1
    departments = []
    known = list(contract.departments)
    for dept in sorted(tables, key=lambda d: known.index(d) if d in known else len(known)):
        table_order = [t.name for t in contract.tables_of(dept)]
        titles = tuple(
            contract.tables[t].title_zh
            for t in sorted(tables[dept], key=lambda t: table_order.index(t) if t in table_order else 99)
            if t in contract.tables
        )
        departments.append(DepartmentSource(contract.departments[dept]["name_zh"], titles, files[dept]))
    periods = sorted({r[2] for r in current}, key=period_end_month)
    rejected = sum(r[5] for r in current)
    return SourceSummary(
        departments=tuple(departments),
        first_period=periods[0] if periods else None,
        last_period=periods[-1] if periods else None,
        files_received=len(rows),
        files_current=len(current),
        files_partial=sum(1 for r in rows if r[3] == "PARTIAL"),
        files_superseded=sum(1 for r in rows if r[3] == "SUPERSEDED"),
        files_duplicate=sum(1 for r in rows if r[3] == "DUPLICATE"),
        files_not_loaded=sum(1 for r in rows if r[3] in ("FAILED", "REFUSED")),
        rows_loaded=sum(r[4] for r in current),
        rows_rejected=None if 0 < rejected < SUPPRESSION_THRESHOLD else rejected,
    )


def current_files_fingerprint(con: duckdb.DuckDBPyConnection, months: Sequence[str]) -> str:
    """A digest of exactly which delivered files (by content) are current for these months.

    A superseding file or a late delivery for any of the months changes it; a rerun on the same
    files does not.
    """
    statuses = list(CURRENT_STATUSES)
    rows = con.execute(
        "select sha256 from audit.load_ledger "
        f"where status in ({_in_list(statuses)}) and period in ({_in_list(months)}) order by sha256",
        [*statuses, *months],
    ).fetchall()
    return hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()[:FINGERPRINT_CHARS]
