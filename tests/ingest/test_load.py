import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.service import ingest_partition, make_loader, record_receipts
from dagster_project.lib.settings import Settings
from tests.ingest.extracts import (
    csv_text,
    headers,
    resident_id,
    resident_rows,
    write,
    write_divisions,
)

PERIOD = "2025-03"


@pytest.fixture
def env(govwh_env: Path):
    settings = Settings.from_env()
    write_divisions(settings.inbox, PERIOD)
    return settings, make_loader(settings, "test-run")


def ledger(settings: Settings) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(
            "select original_name, status, rows_physical, rows_loaded, rows_rejected, rows_skipped, "
            "superseded_by, encoding, message from audit.load_ledger order by received_at").fetchall()
    finally:
        con.close()


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_gb18030_file_loads_with_rejects_warnings_and_skips_accounted(env) -> None:
    settings, loader = env
    rows = resident_rows(20)
    rows[2][0] = rows[2][0][:-1] + ("0" if rows[2][0][-1] != "0" else "1")  # checksum broken
    rows[5][3] = "330102001009"  # well-formed but not in the division master
    rows[7][5] = "2025-13-01"  # impossible date
    rows[9][6] = "12345"  # bad phone: a warning only
    rows.append(list(rows[0]))  # exact duplicate row
    rows.append(["合计", "", "", "", "", "", ""])
    text = csv_text(headers("ps_resident"), rows) + "\r\n"
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", text, "gb18030")

    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)

    assert outcome.status == "PARTIAL"
    assert outcome.rows_physical == 23
    assert (outcome.rows_loaded, outcome.rows_rejected, outcome.rows_skipped) == (17, 3, 3)
    reasons = {(r.line_number, r.reason) for r in outcome.rejects}
    assert {(4, "ID_CHECKSUM"), (7, "CODE_UNKNOWN"), (9, "DATE_FORMAT"), (22, "DUPLICATE_ROW"),
            (23, "TOTALS_ROW")} <= reasons
    assert any(w.reason == "PHONE_FORMAT" and w.line_number == 11 for w in outcome.warnings)
    [row] = [r for r in ledger(settings) if r[0].endswith("ps_resident.csv")]
    assert row[1:6] == ("PARTIAL", 23, 17, 3, 3)
    assert row[7] == "gb18030"
    assert query(settings, "select count(*) from raw.ps_resident")[0][0] == 17
    masked = query(settings, "select masked_value from audit.rejected_rows where reason_code = 'ID_CHECKSUM'")
    assert masked[0][0].startswith("330102") and "*" in masked[0][0]


def test_utf8_is_never_read_as_gb18030(env) -> None:
    settings, loader = env
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv",
          csv_text(headers("ps_resident"), resident_rows(3)), "utf-8")
    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert outcome.encoding == "utf-8" and outcome.status == "LOADED"


def test_same_bytes_again_is_a_noop_and_a_correction_supersedes(env) -> None:
    settings, loader = env
    path = write(settings.inbox, "public_security", PERIOD, "ps_resident.csv",
                 csv_text(headers("ps_resident"), resident_rows(5)))
    first = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert [o.status for o in first] == ["LOADED"]
    assert ingest_partition(loader, settings.inbox, "ps_resident", PERIOD) == []

    original = path.read_bytes()
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv",
          csv_text(headers("ps_resident"), resident_rows(7)))
    [corrected] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert corrected.status == "LOADED"
    statuses = [(r[1], r[6]) for r in ledger(settings) if r[0].endswith("ps_resident.csv")]
    assert statuses == [("SUPERSEDED", corrected.file_id), ("LOADED", None)]

    path.write_bytes(original)  # the department re-sends the old bytes: recorded, changes nothing
    os.utime(path, ns=(1, 1))
    [resent] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert resent.status == "DUPLICATE"
    current = query(settings, "select count(*) from raw.ps_resident r join audit.load_ledger l "
                              "using (file_id) where l.status in ('LOADED', 'PARTIAL')")
    assert current[0][0] == 7


def test_too_many_rejects_fail_the_whole_file(env) -> None:
    settings, loader = env
    rows = resident_rows(10)
    for r in rows[:3]:
        r[4] = "常住人口"  # not in the enum
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", csv_text(headers("ps_resident"), rows))
    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert outcome.status == "FAILED"
    assert (outcome.rows_loaded, outcome.rows_rejected) == (0, 10)
    assert "20%" in outcome.message
    assert query(settings, "select count(*) from raw.ps_resident")[0][0] == 0


def test_missing_required_column_fails_the_file(env) -> None:
    settings, loader = env
    header = [h for h in headers("ps_resident") if h != "户号"]
    rows = [r[:2] + r[3:] for r in resident_rows(4)]
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", csv_text(header, rows))
    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert outcome.status == "FAILED" and "户号" in outcome.message
    assert outcome.rows_physical == outcome.rows_rejected == 4


def test_truncated_file_fails_and_loads_nothing(env) -> None:
    settings, loader = env
    text = csv_text(headers("ps_resident"), resident_rows(6))
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", text[:-30])
    write(settings.inbox, "public_security", "2025-06", "ps_resident.csv", text[:-30] + ',"unterminated')
    write_divisions(settings.inbox, "2025-06")
    [cut] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", "2025-06")
    assert cut.status == "FAILED" and "truncated" in cut.message
    assert outcome.status == "FAILED"
    assert outcome.rows_loaded == 0
    assert outcome.rows_physical == outcome.rows_rejected + outcome.rows_skipped
    assert query(settings, "select count(*) from raw.ps_resident")[0][0] == 0


def test_refused_deliveries_get_one_ledger_row_each(env) -> None:
    settings, loader = env
    inbox = settings.inbox
    write(inbox, "tax_bureau", PERIOD, "ps_resident.csv", "x")
    write(inbox, "public_security", "2025-3", "ps_resident.csv", "x")
    write(inbox, "public_security", PERIOD, "PS_RESIDENT.csv", "x")
    write(inbox, "civil_affairs", PERIOD, "ca_worker (1).csv", "x")
    write(inbox, "public_security", PERIOD, "ps_case.xlsx", "x")
    write(inbox, "public_security", "2025-04", "ps_resident.csv", "x")  # quarterly table, wrong month
    (inbox / "public_security" / PERIOD / "ps_dispute.csv").symlink_to("/etc/hostname")

    refused = record_receipts(loader, inbox)
    assert len(refused) == 7
    assert all(o.status == "REFUSED" for o in refused)
    assert record_receipts(loader, inbox) == []  # a rerun finds nothing new
    assert len([r for r in ledger(settings) if r[1] == "REFUSED"]) == 7


def test_no_raw_identifier_reaches_the_warehouse(env) -> None:
    settings, loader = env
    rows = resident_rows(12)
    write(settings.inbox, "public_security", PERIOD, "ps_resident.csv", csv_text(headers("ps_resident"), rows))
    ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    ids = {r[0] for r in rows}
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables").fetchall():
            for row in con.execute(f"select * from {schema}.{table}").fetchall():
                text = " ".join(str(v) for v in row)
                assert not any(i in text for i in ids), f"raw ID in {schema}.{table}"
                assert "张三" not in text and "13800138000" not in text
    finally:
        con.close()


def test_combined_posts_and_units_normalise(env) -> None:
    settings, loader = env
    worker = [resident_id("33010219800101001"), "李四", "男", "330102001001", "书记、主任", "选举产生",
              "本科", "社会工作师", "2020年3月1日", "５,２００元", "是", "13800138000"]
    write(settings.inbox, "civil_affairs", PERIOD, "ca_worker.csv", csv_text(headers("ca_worker"), [worker]))
    [outcome] = ingest_partition(loader, settings.inbox, "ca_worker", PERIOD)
    assert outcome.status == "LOADED", outcome.rejects
    [(position, pay, hired)] = query(settings, "select position, monthly_pay_yuan, hire_date from raw.ca_worker")
    assert position == "书记、主任" and pay == 5200.0 and str(hired) == "2020-03-01"


def _manifest(entries: list[tuple[str, int, str]]) -> str:
    return csv_text(["文件名", "行数", "SHA256"], [[n, str(r), s] for n, r, s in entries])


def test_manifest_agreeing_files_load_and_disagreeing_ones_fail(env) -> None:
    import hashlib

    settings, loader = env
    good = write(settings.inbox, "public_security", PERIOD, "ps_resident.csv",
                 csv_text(headers("ps_resident"), resident_rows(4)))
    sha = hashlib.sha256(good.read_bytes()).hexdigest()
    write(settings.inbox, "public_security", PERIOD, "_manifest.csv", _manifest([("ps_resident.csv", 4, sha)]))
    [outcome] = ingest_partition(loader, settings.inbox, "ps_resident", PERIOD)
    assert outcome.status == "LOADED"
    manifest_rows = [r for r in ledger(settings) if r[0].endswith("_manifest.csv")]
    assert [r[1] for r in manifest_rows] == ["LOADED"]

    write(settings.inbox, "public_security", "2025-06", "ps_resident.csv",
          csv_text(headers("ps_resident"), resident_rows(5)))
    write(settings.inbox, "public_security", "2025-06", "_manifest.csv",
          _manifest([("ps_resident.csv", 4, sha), ("ps_released_person.csv", 3, "0" * 64)]))
    write_divisions(settings.inbox, "2025-06")
    [bad] = ingest_partition(loader, settings.inbox, "ps_resident", "2025-06")
    assert bad.status == "FAILED" and bad.message.startswith("MANIFEST_MISMATCH")
    assert (bad.rows_physical, bad.rows_loaded, bad.rows_rejected) == (5, 0, 5)
    [(status, message)] = [(r[1], r[8]) for r in ledger(settings) if r[0] == "public_security/2025-06/_manifest.csv"]
    assert status == "FAILED" and "ps_released_person.csv" in message


def test_a_session_holds_one_connection_and_the_lock_until_it_ends(env) -> None:
    settings, loader = env
    with loader.session() as outer:
        with loader.session() as inner:
            assert inner is outer
        with pytest.raises(TimeoutError):  # another writer waits for the session
            with loader.warehouse.write_lock(timeout_s=0.3):
                pass
        outcomes = ingest_partition(loader, settings.inbox, "ca_division", PERIOD)  # no second lock taken
    assert [o.status for o in outcomes] == ["LOADED"]
    with loader.warehouse.write_lock(timeout_s=0.3):  # released
        pass
    with loader.session() as again:
        assert again is not outer
        assert again.execute("select count(*) from audit.load_ledger where status = 'LOADED'").fetchone() == (1,)
