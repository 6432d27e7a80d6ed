"""``review_bundle`` over dataclass bundles: every cheap refusal happens before any re-plan.

The source factory counts calls; a refusal must never create a schema source (no plan request).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.domain.models import NamespacePlan
from services.planner.api import SchemaSource
from services.redrive.model import Verdict
from services.redrive.review import review_bundle
from services.redrive.validation import check_failed_and_fresh
from services.targets import Target
from tests.redrive.review_support import (
    NOW,
    ORDERS_NOTE,
    alter,
    make_apply,
    make_bundle,
    make_control_request,
    make_lock,
    make_op,
    make_plan,
    make_task,
    shard_plan,
)


class FixedTargets:
    """Resolves every (database, environment) to the spec fixture's target."""

    def __init__(self, **overrides) -> None:
        self.overrides = overrides

    def resolve(self, database: str, environment: str) -> Target:
        values = {
            "database": database,
            "environment": environment,
            "database_type": "mysql",
            "deployment": "default",
            "target": "testdb",
            "snapshot_dir": Path("/nonexistent/snapshot"),
        }
        values.update(self.overrides)
        return Target(**values)


class NoPlanning:
    """A source factory that records every plan request and refuses to serve one."""

    def __init__(self) -> None:
        self.requests: list[Target] = []

    def __call__(self, target: Target) -> SchemaSource:
        self.requests.append(target)
        raise AssertionError("a plan request was made")


def review(bundle, environment: str = "staging", targets=None, **kw):
    planner = NoPlanning()
    result = review_bundle(
        bundle, targets or FixedTargets(), environment, "operator@example.com",
        source_for=planner, **kw,
    )  # fmt: skip
    assert planner.requests == [], "refusals must not re-plan"
    return result


FAILED_USERS = (make_task(1, "users", "failed"),)


def test_cancelled_apply_is_refused_without_a_plan_request() -> None:
    result = review(make_bundle(apply=make_apply(state="cancelled"), tasks=FAILED_USERS))
    assert result.verdict is Verdict.NOT_REDRIVABLE
    assert result.reason_code == "not_failed"
    assert result.reason == "apply apply-redrive is cancelled; only failed applies can be redriven"
    assert result.token is not None and result.fingerprint == ""


def test_state_is_compared_case_insensitively() -> None:
    bundle = make_bundle(apply=make_apply(state="STATE_FAILED"), tasks=FAILED_USERS,
                         operations=(make_op(3, "stopped"),))  # fmt: skip
    assert review(bundle).reason_code == "blocking_operations"


def test_environment_mismatch_is_refused_before_anything_else() -> None:
    bundle = make_bundle(apply=make_apply(state="cancelled"), tasks=FAILED_USERS)
    result = review(bundle, environment="production")
    assert result.reason_code == "environment_mismatch"
    assert 'belongs to environment "staging", not "production"' in result.reason


def test_stale_failure_is_refused() -> None:
    bundle = make_bundle(apply=make_apply(completed_at=NOW - timedelta(days=2)), tasks=FAILED_USERS)
    result = review(bundle)
    assert result.reason_code == "stale_failure"
    assert "failed more than 1 day(s) ago" in result.reason


def test_missing_completion_time_is_refused() -> None:
    result = review(make_bundle(apply=make_apply(completed_at=None), tasks=FAILED_USERS))
    assert result.reason_code == "no_completion_time"


@pytest.mark.parametrize(
    ("age", "fresh"),
    [(timedelta(days=1), True), (timedelta(days=1, seconds=1), False), (timedelta(0), True)],
)
def test_window_boundary_on_the_database_clock(age: timedelta, fresh: bool) -> None:
    apply = make_apply(completed_at=NOW - age)
    if fresh:
        check_failed_and_fresh(apply, NOW)
    else:
        with pytest.raises(Exception, match="failed more than"):
            check_failed_and_fresh(apply, NOW)
    result = review(make_bundle(apply=apply, tasks=FAILED_USERS), targets=FixedTargets(
        unsupported_reason="stop here"))  # fmt: skip
    assert (result.reason_code == "unsupported_target") is fresh


def test_configurable_window() -> None:
    apply = make_apply(completed_at=NOW - timedelta(hours=3))
    result = review(make_bundle(apply=apply, tasks=FAILED_USERS), window=timedelta(hours=2))
    assert result.reason_code == "stale_failure"
    assert "failed more than 2 hour(s) ago" in result.reason


def test_missing_source_plan_is_refused() -> None:
    result = review(make_bundle(tasks=FAILED_USERS, plan=None))
    assert result.reason_code == "plan_not_found"
    assert result.reason == "plan 42 not found for redrive apply apply-redrive"


def test_legacy_empty_deployment_is_refused() -> None:
    bundle = make_bundle(apply=make_apply(deployment=""), tasks=FAILED_USERS,
                         plan=make_plan(deployment=""))  # fmt: skip
    result = review(bundle)
    assert result.reason_code == "missing_target_metadata"
    assert "missing target metadata" in result.reason


@pytest.mark.parametrize("state", ["stopped", "cancelled", "reverted"])
def test_blocking_operation_is_refused(state: str) -> None:
    ops = (make_op(101, "failed"), make_op(102, state))
    tasks = (make_task(1, "users", "failed", apply_operation_id=101),)
    result = review(make_bundle(tasks=tasks, operations=ops))
    assert result.reason_code == "blocking_operations"
    assert "1 stopped, cancelled, or reverted operation(s)" in result.reason


@pytest.mark.parametrize("state", ["pending", "running", "failed_retryable"])
def test_active_operation_inside_failed_apply_is_refused(state: str) -> None:
    ops = (make_op(101, "failed"), make_op(102, state))
    result = review(make_bundle(tasks=FAILED_USERS, operations=ops))
    assert result.reason_code == "active_operations"


@pytest.mark.parametrize("state", ["stopped", "reverted"])
def test_stopped_or_reverted_task_without_operations_is_refused(state: str) -> None:
    tasks = (*FAILED_USERS, make_task(2, "orders", state))
    assert review(make_bundle(tasks=tasks)).reason_code == "blocking_tasks"


@pytest.mark.parametrize("operation", ["stop", "cancel"])
def test_pending_stop_or_cancel_request_is_refused(operation: str) -> None:
    bundle = make_bundle(tasks=FAILED_USERS, control_requests=(make_control_request(operation),))
    result = review(bundle)
    assert result.reason_code == "pending_control_request"
    assert f"{operation} by cli:alice@ops-1" in result.reason


def test_completed_control_request_does_not_block() -> None:
    bundle = make_bundle(
        tasks=FAILED_USERS, control_requests=(make_control_request("stop", "completed"),)
    )
    result = review(bundle, targets=FixedTargets(unsupported_reason="stop here"))
    assert result.reason_code == "unsupported_target"


def test_missing_operation_row_is_refused() -> None:
    tasks = (make_task(1, "users", "failed", apply_operation_id=999),)
    result = review(make_bundle(tasks=tasks))
    assert result.reason_code == "missing_operation_row"
    assert "missing operation row" in result.reason


def test_failed_work_outside_primary_deployment_is_refused() -> None:
    ops = (make_op(101, "completed", deployment="default"),
           make_op(102, "failed", deployment="secondary"))  # fmt: skip
    tasks = (
        make_task(1, "users", "completed", apply_operation_id=101),
        make_task(2, "users", "failed", apply_operation_id=102),
    )
    result = review(make_bundle(tasks=tasks, operations=ops))
    assert result.reason_code == "outside_primary_deployment"


def test_no_failed_work_is_refused() -> None:
    result = review(make_bundle(tasks=(make_task(1, "users", "completed"),)))
    assert result.reason == "apply apply-redrive has no failed work to redrive"


def test_malformed_finalizer_key_is_refused() -> None:
    op = make_op(101, "failed", operation_kind="group_finalizer", operation_key="oops")
    result = review(make_bundle(operations=(op,)))
    assert result.reason_code == "malformed_finalizer_key"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"unsupported_reason": "gRPC mode without a DSN"}, "gRPC mode without a DSN"),
        ({"snapshot_dir": None}, "no DSN or schema snapshot"),
        ({"database_type": "vitess"}, "configured as 'vitess'"),
    ],
)
def test_unsupported_target_is_refused_with_its_reason(overrides: dict, expected: str) -> None:
    result = review(make_bundle(tasks=FAILED_USERS), targets=FixedTargets(**overrides))
    assert result.verdict is Verdict.NOT_REDRIVABLE
    assert expected in result.reason
    assert result.fingerprint, "the expected plan is known by then"


def test_sharded_remaining_work_is_unsupported() -> None:
    change = alter("orders", ORDERS_NOTE, namespace="commerce")
    plan = make_plan(
        {
            "commerce": NamespacePlan(
                tables=(change,), shards=(shard_plan("commerce", "-80", change),)
            )
        }
    )
    op = make_op(101, "failed", operation_key="commerce/-80/orders")
    task = make_task(1, "orders", "failed", namespace="commerce", shard="-80",
                     apply_operation_id=101)  # fmt: skip
    result = review(make_bundle(tasks=(task,), operations=(op,), plan=plan))
    assert result.reason_code == "unsupported_target"
    assert "sharded" in result.reason


@pytest.mark.parametrize(("field", "value"), [("deployment", "tenant1"), ("target", "other")])
def test_config_change_of_deployment_or_target_is_a_mismatch_without_replan(
    field: str, value: str
) -> None:
    result = review(make_bundle(tasks=FAILED_USERS), targets=FixedTargets(**{field: value}))
    assert result.verdict is Verdict.MISMATCH
    assert result.reason_code == "target_changed"
    assert f"{field} changed from" in result.reason


def test_notes_tell_about_pr_checks_redrive_history_and_lock() -> None:
    bundle = make_bundle(apply=make_apply(state="cancelled"), redrive_count=2,
                         lock=make_lock("other-owner"))  # fmt: skip
    result = review(bundle)
    text = "\n".join(result.notes)
    assert "does not update the PR's GitHub check" in text
    assert "already redriven 2 time(s)" in text
    assert "held by other-owner" in text and "force" in text
    assert result.lock.held_by_other and result.lock.lock_id == 99


def test_review_of_unchanged_rows_is_deterministic() -> None:
    bundle = make_bundle(tasks=FAILED_USERS, lock=make_lock())
    targets = FixedTargets(deployment="tenant1")
    first, second = review(bundle, targets=targets), review(bundle, targets=targets)
    assert first == second
    assert first.token == second.token and first.fingerprint
