from pathlib import Path

import dagster as dg

from dagster_project.ingest.sensors import inbox_sensor
from tests.ingest.extracts import csv_text, headers, resident_rows, write, write_divisions


def _requests(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    result = inbox_sensor(dg.build_sensor_context(instance=instance))
    return list(result.run_requests or [])


def test_sensor_requests_one_run_per_changed_partition(govwh_env: Path) -> None:
    inbox = govwh_env / "inbox"
    write_divisions(inbox, "2025-02")
    write_divisions(inbox, "2025-03")
    write(inbox, "public_security", "2025-03", "ps_resident.csv", csv_text(headers("ps_resident"), resident_rows(3)))
    write(inbox, "public_security", "2025-03", "notes.txt", "x")
    with dg.instance_for_test() as instance:
        first = _requests(instance)
        targets = sorted((r.partition_key or "", tuple(k.to_user_string() for k in r.asset_selection)) for r in first)
        assert targets == [
            ("", ("audit/inbox_receipts",)),
            ("2025-02", ("raw/ca_division",)),
            ("2025-03", ("raw/ca_division",)),
            ("2025-03", ("raw/ps_resident",)),
        ]
        # Unchanged files give the same run keys (Dagster launches a run key once).
        assert {r.run_key for r in _requests(instance)} == {r.run_key for r in first}
        write(inbox, "public_security", "2025-03", "ps_resident.csv",
              csv_text(headers("ps_resident"), resident_rows(4)))
        changed = {r.run_key for r in _requests(instance)} - {r.run_key for r in first}
        assert len(changed) == 1
