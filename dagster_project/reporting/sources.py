"""The months behind a report and the fingerprint of the files delivered for them.

Shared by the report kinds: the annual report reads the months of its year, the quarterly
public-safety analysis those of its quarter (and those it compares with), the audit report one
month. What the ledger says of those files for a report's 导语 is data.summarise_sources.
"""

import hashlib
from collections.abc import Sequence

import duckdb

from dagster_project.lib.warehouse import CURRENT_STATUSES

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
