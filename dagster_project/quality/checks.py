"""The outcome of a GX suite as the result of a Dagster asset check on its ingest asset.

A plain function of the outcome, so it is tested without Dagster runs.
"""

import dagster as dg

from dagster_project.quality.gx_runner import SuiteOutcome

CHECK_NAME = "gx_suite"


def to_check_result(
    outcome: SuiteOutcome,
    asset_key: dg.AssetKey,
    data_docs_url: str | None = None,
    data_docs_index_url: str | None = None,
) -> dg.AssetCheckResult:
    """`data_docs_url` is this validation's page; `data_docs_index_url` the index of every validation."""
    failures = outcome.failures
    blocking = outcome.blocking_failures
    metadata: dict[str, dg.MetadataValue] = {
        "suite": dg.MetadataValue.text(outcome.suite),
        "period": dg.MetadataValue.text(outcome.period),
        "run_id": dg.MetadataValue.text(outcome.run_id),
        "row_count": dg.MetadataValue.int(outcome.row_count),
        "expectations": dg.MetadataValue.int(len(outcome.outcomes)),
        "failed_errors": dg.MetadataValue.int(len(blocking)),
        "failed_warnings": dg.MetadataValue.int(len(failures) - len(blocking)),
        "failed_expectations": dg.MetadataValue.json(
            [{"expectation": o.expectation, "severity": o.severity, "observed": o.observed} for o in failures]
        ),
    }
    if data_docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(data_docs_url)
    if data_docs_index_url:
        metadata["data_docs_index"] = dg.MetadataValue.url(data_docs_index_url)
    return dg.AssetCheckResult(
        check_name=CHECK_NAME,
        asset_key=asset_key,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(
            f"{len(failures)} of {len(outcome.outcomes)} expectations failed "
            f"({len(blocking)} blocking) on {outcome.row_count} rows of {outcome.period}"
        ),
    )
