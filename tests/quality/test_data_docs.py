import json
import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.settings import Settings
from dagster_project.quality import data_docs
from dagster_project.quality.data_docs import build_index, data_docs_dir, data_docs_site, publish_validation
from dagster_project.quality.gx_runner import validate_partition
from tests.quality.conftest import PERIOD, insert_delivery

CLEAR_ID = "11010519491231002X"


def docs_text(docs: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*")) if p.is_file())


def test_pages_index_and_gx_result_are_static_offline_and_free_of_personal_values(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # a clear ID where a pseudonym belongs: the failure must be reported without the value
    warehouse.execute("update raw.ps_resident set person_pid = ? where line_number = 2", [CLEAR_ID])
    insert_delivery(warehouse, "ca_community", PERIOD, [{"community_code": "110105001000",
                                                         "households_reported": 500}])
    docs = data_docs_dir(tmp_path / "audit")

    blocked = publish_validation(docs, validate_partition(warehouse, "ps_resident", PERIOD, "run-1"))
    reconciled = publish_validation(docs, validate_partition(warehouse, "ca_community", PERIOD, "run-1"))
    older = publish_validation(docs, validate_partition(warehouse, "ps_resident", "2026-05", "run-0"))
    assert not (docs / "index.html").exists()  # pages as checks report; the index once per run
    assert build_index(docs) == docs / "index.html"

    assert blocked == docs / "validations" / "ps_resident" / PERIOD / "run-1.html"
    page = blocked.read_text(encoding="utf-8")
    assert "blocked" in page and "expect_column_values_to_match_regex(person_pid)" in page
    assert "person_pid values must match this regular expression" in page  # GX's own sentence
    gx_result = json.loads(blocked.with_suffix(".json").read_text(encoding="utf-8"))
    assert gx_result["success"] is False and len(gx_result["results"]) == page.count("<tr>") - 1

    sql = reconciled.read_text(encoding="utf-8")
    assert "count(distinct household_no)" in sql and "&gt; greatest(5" in sql  # the query, escaped

    index = (docs / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<a href="([^"]+)">', index)
    assert rows == [p.relative_to(docs).as_posix() for p in (reconciled, blocked, older)]

    everything = docs_text(docs)
    assert CLEAR_ID not in everything and CLEAR_ID[:14] not in everything
    assert not re.search(r"(src|href)=\"(https?:)?//", everything)  # nothing fetched from anywhere
    assert "<script" not in everything


def test_a_run_id_cannot_leave_the_docs_directory(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    docs = tmp_path / "data_docs"
    page = publish_validation(docs, validate_partition(warehouse, "ps_resident", PERIOD, "../../x y"))
    assert page.parent == docs / "validations" / "ps_resident" / PERIOD
    assert page.name == "______x_y.html"


def test_a_run_builds_the_index_once_after_its_last_page(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVWH_HOME", str(tmp_path / "home"))
    builds: list[Path] = []
    real_build = data_docs.build_index
    monkeypatch.setattr(data_docs, "build_index", lambda docs: builds.append(docs) or real_build(docs))
    docs = data_docs_dir(Settings.from_env().audit_dir)
    outcomes = [validate_partition(warehouse, "ps_resident", PERIOD, "run-9"),
                validate_partition(warehouse, "ps_resident", "2026-05", "run-9")]

    with dg.build_resources({"data_docs": data_docs_site}) as resources:
        pages = [resources.data_docs.publish(o) for o in outcomes]
        assert all(p.is_file() for p in pages)
        assert builds == [] and not (docs / "index.html").exists()

    assert builds == [docs]
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)">', index) == [p.relative_to(docs).as_posix() for p in pages]

    with dg.build_resources({"data_docs": data_docs_site}):
        pass  # a run that validated nothing leaves the index alone
    assert builds == [docs]
