import dagster as dg

from dagster_project.partitions import monthly_partitions
from dagster_project.quality.assets import build_gx_asset_check
from dagster_project.quality.checks import CHECK_NAME, to_check_result
from dagster_project.quality.gx_runner import ExpectationOutcome, SuiteOutcome
from dagster_project.quality.suites import load_suite_json

ASSET_KEY = dg.AssetKey(["raw", "ps_case"])


def outcome(*results: tuple[bool, str]) -> SuiteOutcome:
    return SuiteOutcome(
        suite="ps_case",
        period="2026-06",
        run_id="run-1",
        row_count=120,
        outcomes=tuple(
            ExpectationOutcome(
                f"expectation_{i}", "expect_x", "case_no", success, severity, "unexpected 0 of 120"
            )
            for i, (success, severity) in enumerate(results)
        ),
    )


def test_check_is_blocking_partitioned_and_described_by_the_suite() -> None:
    checks = build_gx_asset_check("ps_case", ASSET_KEY, monthly_partitions)
    [spec] = checks.check_specs
    assert checks.partitions_def == monthly_partitions
    assert spec.name == CHECK_NAME == "gx_suite"
    assert spec.asset_key == ASSET_KEY
    assert spec.blocking
    assert spec.description.startswith(load_suite_json("ps_case")["notes"])
    assert "刑事治安案件" in spec.description


def test_all_passing_outcome() -> None:
    result = to_check_result(outcome((True, "error"), (True, "warning")), ASSET_KEY)
    assert result.passed is True
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.check_name == CHECK_NAME
    assert result.metadata["row_count"] == dg.MetadataValue.int(120)
    assert result.metadata["failed_expectations"] == dg.MetadataValue.json([])
    assert "data_docs" not in result.metadata


def test_error_failure_blocks_and_lists_only_failures() -> None:
    result = to_check_result(
        outcome((False, "error"), (False, "warning"), (True, "error")), ASSET_KEY, "file:///docs/index.html"
    )
    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["failed_errors"] == dg.MetadataValue.int(1)
    assert result.metadata["failed_warnings"] == dg.MetadataValue.int(1)
    assert [f["expectation"] for f in result.metadata["failed_expectations"].data] == [
        "expectation_0",
        "expectation_1",
    ]
    assert result.metadata["data_docs"] == dg.MetadataValue.url("file:///docs/index.html")
    assert "data_docs_index" not in result.metadata


def test_metadata_links_the_validation_page_and_the_index_of_every_validation() -> None:
    result = to_check_result(outcome((True, "error"),), ASSET_KEY, "file:///docs/validations/p.html",
                             "file:///docs/index.html")
    assert result.metadata["data_docs"] == dg.MetadataValue.url("file:///docs/validations/p.html")
    assert result.metadata["data_docs_index"] == dg.MetadataValue.url("file:///docs/index.html")


def test_check_brings_the_run_level_data_docs_resource() -> None:
    from dagster_project.quality.assets import DATA_DOCS
    from dagster_project.quality.data_docs import data_docs_site

    checks = build_gx_asset_check("ps_case", ASSET_KEY, monthly_partitions)
    assert checks.required_resource_keys >= {DATA_DOCS}
    assert checks.resource_defs[DATA_DOCS] is data_docs_site  # one definition shared by every check


def test_warning_failures_alone_pass_with_warn_severity() -> None:
    result = to_check_result(outcome((True, "error"), (False, "warning")), ASSET_KEY)
    assert result.passed is True
    assert result.severity == dg.AssetCheckSeverity.WARN
