"""Remaining work and the expected plan over dataclass rows."""

from __future__ import annotations

import pytest

from services.domain.models import NamespacePlan
from services.redrive.expected import filter_plan_to_remaining_work
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.remaining import RemainingWork, TaskKey, reconstruct_remaining_work
from services.redrive.validation import RedriveRejection
from tests.redrive.review_support import (
    ORDERS_NOTE,
    USERS_EMAIL,
    alter,
    make_apply,
    make_op,
    make_plan,
    make_task,
    shard_plan,
)

APPLY = make_apply()


def remaining(tasks=(), ops=(), primary="default") -> RemainingWork:
    return reconstruct_remaining_work(APPLY, tasks, ops, primary)


def refusal(tasks=(), ops=(), primary="default") -> RedriveRejection:
    with pytest.raises(RedriveRejection) as info:
        remaining(tasks, ops, primary)
    return info.value


def test_failed_task_without_operation_uses_the_primary_deployment() -> None:
    work = remaining([make_task(1, "users", "failed")])
    assert work.task_ids == (1,)
    assert work.keys == {TaskKey("testdb", "", "users")}
    assert work.deployments == {"default"}
    assert work.operation_ids == ()


def test_completed_task_is_not_remaining_work_but_cancelled_is() -> None:
    work = remaining(
        [
            make_task(1, "users", "completed"),
            make_task(2, "orders", "failed"),
            make_task(3, "items", "CANCELLED"),
        ]
    )
    assert work.task_ids == (2, 3)
    assert {k.table for k in work.keys} == {"orders", "items"}


def test_failed_work_outside_primary_deployment_is_refused() -> None:
    ops = [
        make_op(101, "completed", deployment="default"),
        make_op(102, "failed", deployment="secondary"),
    ]
    tasks = [
        make_task(1, "users", "completed", apply_operation_id=101),
        make_task(2, "users", "failed", apply_operation_id=102),
    ]
    error = refusal(tasks, ops)
    assert error.code == "outside_primary_deployment"
    assert 'outside primary deployment "default"' in str(error)
    assert error.status == 409


def test_task_referencing_a_missing_operation_row_fails_closed() -> None:
    error = refusal([make_task(1, "users", "failed", apply_operation_id=999)])
    assert error.code == "missing_operation_row"
    assert "missing operation row 999" in str(error)


def test_operation_of_another_apply_never_joins() -> None:
    foreign = make_op(101, "failed", apply_id=8)
    error = refusal([make_task(1, "users", "failed", apply_operation_id=101)], [foreign])
    assert error.code == "missing_operation_row"


def test_task_of_a_non_failed_operation_is_skipped() -> None:
    ops = [make_op(101, "completed")]
    error = refusal([make_task(1, "users", "cancelled", apply_operation_id=101)], ops)
    assert error.code == "no_failed_work"
    assert str(error) == "apply apply-redrive has no failed work to redrive"


def test_no_failed_work_is_refused() -> None:
    assert refusal([make_task(1, "users", "completed")]).code == "no_failed_work"


def test_failed_operation_tasks_and_ids_are_collected() -> None:
    ops = [make_op(101, "failed"), make_op(102, "completed")]
    tasks = [
        make_task(1, "users", "failed", apply_operation_id=101),
        make_task(2, "orders", "completed", apply_operation_id=102),
    ]
    work = remaining(tasks, ops)
    assert work.operation_ids == (101,)
    assert work.task_ids == (1,)


@pytest.mark.parametrize(
    "key", ["group_finalizer", "/group_finalizer", "commerce/finalizer", "a/b/group_finalizer"]
)
def test_group_finalizer_with_malformed_key_is_refused(key: str) -> None:
    op = make_op(101, "failed", operation_kind="group_finalizer", operation_key=key)
    error = refusal([], [op])
    assert error.code == "malformed_finalizer_key"
    assert f'operation 101 has malformed finalizer key "{key}"' in str(error)


def test_group_finalizer_adds_its_namespace() -> None:
    op = make_op(
        101, "failed", operation_kind="group_finalizer", operation_key="commerce/group_finalizer"
    )
    work = remaining([], [op])
    assert work.finalizer_namespaces == {"commerce"}
    assert work.operation_ids == (101,)


def test_shard_row_owned_by_its_work_operation_is_a_drive_row() -> None:
    op = make_op(101, "failed", operation_key="commerce/-80/orders")
    drive = make_task(1, "orders", "failed", namespace="commerce", shard="-80",
                      apply_operation_id=101)  # fmt: skip
    reflected = make_task(2, "orders", "failed", namespace="commerce", shard="80-")
    reflected_linked = make_task(3, "orders", "cancelled", namespace="commerce", shard="c0-",
                                 apply_operation_id=101)  # fmt: skip
    work = remaining([drive, reflected, reflected_linked], [op])
    assert work.task_ids == (1,)
    assert work.keys == {TaskKey("commerce", "-80", "orders")}
    assert work.reflected_task_ids == (2, 3)


def test_only_reflected_rows_failed_is_no_failed_work() -> None:
    reflected = make_task(2, "orders", "failed", namespace="commerce", shard="80-")
    assert refusal([reflected]).code == "no_failed_work"


# -- expected plan ----------------------------------------------------------------------------


def work_for(*keys: TaskKey, finalizers: frozenset[str] = frozenset()) -> RemainingWork:
    return RemainingWork((), (), frozenset(keys), finalizers, frozenset({"default"}))


def test_filter_drops_completed_namespaces_and_matches_a_fresh_plan() -> None:
    source = make_plan(
        {
            "completed_ns": NamespacePlan(tables=(alter("users", USERS_EMAIL),)),
            "failed_ns": NamespacePlan(tables=(alter("orders", ORDERS_NOTE),)),
        }
    )
    expected = filter_plan_to_remaining_work(source, work_for(TaskKey("failed_ns", "", "orders")))
    assert set(expected.namespaces) == {"failed_ns"}
    fresh = make_plan({"failed_ns": NamespacePlan(tables=(alter("orders", ORDERS_NOTE),))})
    assert plan_fingerprint(expected) == plan_fingerprint(fresh)


def test_filter_keeps_namespace_table_for_a_shard_task() -> None:
    change = alter("orders", ORDERS_NOTE, namespace="commerce")
    source = make_plan(
        {
            "commerce": NamespacePlan(
                tables=(change,), shards=(shard_plan("commerce", "-80", change),)
            )
        },
        database_type="strata",
    )
    expected = filter_plan_to_remaining_work(source, work_for(TaskKey("commerce", "-80", "orders")))
    entry = expected.namespaces["commerce"]
    assert entry is not None
    assert [c.table for c in entry.tables] == ["orders"]
    assert [s.shard for s in entry.shards] == ["-80"]
    fresh = make_plan(
        {
            "commerce": NamespacePlan(
                tables=(change,), shards=(shard_plan("commerce", "-80", change),)
            )
        },
        database_type="strata",
        plan_identifier="plan-fresh",
        id=43,
    )
    assert plan_fingerprint(expected) == plan_fingerprint(fresh)


def test_filter_drops_unselected_shards_and_original_files() -> None:
    change = alter("orders", ORDERS_NOTE, namespace="commerce")
    source = make_plan(
        {
            "commerce": NamespacePlan(
                tables=(change,),
                shards=(
                    shard_plan("commerce", "-80", change),
                    shard_plan("commerce", "80-", change),
                ),
                original_files={"orders.sql": "CREATE TABLE orders (id int)"},
            )
        }
    )
    expected = filter_plan_to_remaining_work(source, work_for(TaskKey("commerce", "80-", "orders")))
    entry = expected.namespaces["commerce"]
    assert entry is not None
    assert [s.shard for s in entry.shards] == ["80-"]
    assert dict(entry.original_files) == {}


def test_artifacts_are_kept_only_for_failed_finalizers() -> None:
    source = make_plan(
        {
            "commerce": NamespacePlan(artifacts={"vschema.json": "{}"}),
            "routing": NamespacePlan(artifacts={"vschema.json": '{"x":1}'}),
            "ghost": None,
        }
    )
    expected = filter_plan_to_remaining_work(source, work_for(finalizers=frozenset({"commerce"})))
    assert list(expected.namespaces) == ["commerce"]
    assert dict(expected.namespaces["commerce"].artifacts or {}) == {"vschema.json": "{}"}
