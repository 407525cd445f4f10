"""Which months `govwh run` rebuilds after loading: the window of touched months, everything at first."""

import uuid

import dagster as dg
import pytest

from dagster_project.partitions import months_of_delivery
from dagster_project.runner import (
    MODEL_JOB,
    MODEL_STEP,
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    ModelBuild,
    plan_model_build,
)

DELIVERED = {"2025-01", "2025-02", "2025-03", "2025-04"}


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def record_model_run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus, first: str, last: str,
                     full_rebuild: bool = False) -> None:
    instance.add_run(dg.DagsterRun(
        job_name=MODEL_JOB, run_id=str(uuid.uuid4()), status=status,
        tags={PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last},
        run_config={"ops": {MODEL_STEP: {"config": {"full_rebuild": full_rebuild}}}}))


def test_a_quarterly_delivery_stands_for_its_quarters_months() -> None:
    assert months_of_delivery("2025-03", "quarterly") == ["2025-01", "2025-02", "2025-03"]
    assert months_of_delivery("2025-12", "quarterly") == ["2025-10", "2025-11", "2025-12"]
    assert months_of_delivery("2025-02", "monthly") == ["2025-02"]


def test_the_first_build_rebuilds_everything_over_the_delivered_months(instance) -> None:
    assert plan_model_build(instance, False, DELIVERED, DELIVERED) == ModelBuild(("2025-01", "2025-04"), True)
    record_model_run(instance, dg.DagsterRunStatus.SUCCESS, "2025-01", "2025-04", full_rebuild=True)
    # a snapshot that has gone missing is published again from everything
    assert plan_model_build(instance, False, set(), DELIVERED) == ModelBuild(("2025-01", "2025-04"), True)


def test_after_a_build_only_the_touched_months_are_rebuilt(instance) -> None:
    record_model_run(instance, dg.DagsterRunStatus.SUCCESS, "2025-01", "2025-04", full_rebuild=True)
    assert plan_model_build(instance, True, set(), DELIVERED) is None
    late = plan_model_build(instance, True, {"2025-02"}, DELIVERED)
    assert late == ModelBuild(("2025-02", "2025-02")) and late.label == "2025-02..2025-02"
    assert late.tags == {PARTITION_RANGE_START_TAG: "2025-02", PARTITION_RANGE_END_TAG: "2025-02"}
    assert late.run_config["ops"] == {MODEL_STEP: {"config": {"full_rebuild": False}}}
    quarter = set(months_of_delivery("2025-03", "quarterly")) | {"2025-04"}
    assert plan_model_build(instance, True, quarter, DELIVERED) == ModelBuild(("2025-01", "2025-04"))


def test_a_failed_build_is_retried_with_its_months(instance) -> None:
    record_model_run(instance, dg.DagsterRunStatus.SUCCESS, "2025-01", "2025-04", full_rebuild=True)
    record_model_run(instance, dg.DagsterRunStatus.FAILURE, "2025-03", "2025-04")
    assert plan_model_build(instance, True, set(), DELIVERED) == ModelBuild(("2025-03", "2025-04"))
    assert plan_model_build(instance, True, {"2025-01"}, DELIVERED) == ModelBuild(("2025-01", "2025-04"))
    record_model_run(instance, dg.DagsterRunStatus.FAILURE, "2025-02", "2025-02", full_rebuild=True)
    assert plan_model_build(instance, True, set(), DELIVERED) == ModelBuild(("2025-01", "2025-04"), True)
