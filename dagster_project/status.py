"""`govwh status`: what was received, loaded, rejected and checked, per period."""

import duckdb

from dagster_project.lib.settings import Settings
from dagster_project.lib.warehouse import Warehouse


def _table(rows: list[tuple], headers: list[str]) -> str:
    cells = [headers] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(headers))) for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_status(settings: Settings, period: str | None) -> int:
    warehouse = Warehouse(settings.warehouse_path)
    if not settings.warehouse_path.exists():
        print(f"no warehouse at {settings.warehouse_path}: run `govwh run` first")
        return 1
    where, params = ("where period = ?", [period]) if period else ("", [])
    with warehouse.write_lock():  # wait for a running writer, then read without blocking it for long
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            ledger = con.execute(
                "select period, department, coalesce(table_name, '?') as table_name, status, count(*) as files, "
                "sum(rows_physical), sum(rows_loaded), sum(rows_rejected), sum(rows_skipped) "
                f"from audit.load_ledger {where} group by all order by 1, 2, 3, 4", params).fetchall()
            reasons = con.execute(
                "select l.period, r.reason_code, count(*) from audit.rejected_rows r "
                f"join audit.load_ledger l using (file_id) {where.replace('period', 'l.period')} "
                "group by all order by 1, 3 desc", params).fetchall()
            checks = con.execute(
                "select period, suite, count(*) filter (where not success and severity = 'error'), "
                "count(*) filter (where not success and severity = 'warning'), count(*), max(checked_at) "
                "from audit.validation_results v "
                "where checked_at = (select max(checked_at) from audit.validation_results w "
                "where w.period = v.period and w.suite = v.suite) "
                f"{'and period = ?' if period else ''} group by all order by 1, 2", params).fetchall()
        finally:
            con.close()
    print("Load ledger")
    print(_table(ledger, ["period", "department", "table", "status", "files", "physical", "loaded",
                          "rejected", "skipped"]))
    print("\nRejected and skipped rows by reason")
    print(_table(reasons, ["period", "reason", "rows"]) if reasons else "(none)")
    print("\nLatest validation per suite")
    print(_table(checks, ["period", "suite", "errors", "warnings", "expectations", "checked_at"]))
    docs = settings.audit_dir / "data_docs" / "index.html"
    if docs.exists():
        print(f"\nData Docs: {docs}")
    return 0
