"""One apply's bundle, progress and logs: contents, ordering, drive vs reflected rows, cost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from services.storage.schema import plans

from .factories import (
    drive_task_states,
    insert_control_request,
    insert_failed_apply,
    insert_log,
    insert_operation,
    insert_task,
    utcnow,
)

SHARDED = {
    "commerce": {
        "tables": [{"table": "orders", "ddl": "ALTER TABLE `orders` ADD COLUMN `c` int",
                    "operation": "alter"}],
        "shards": [{"shard": "-80", "namespace": "commerce", "changes": [
            {"namespace": "commerce", "table": "orders",
             "ddl": "ALTER TABLE `orders` ADD COLUMN `c` int", "operation": "alter"}]}],
    }
}  # fmt: skip


def _seed_sharded(conn):
    """An apply whose shard rows are drive rows only when their work op's key names them."""
    t0 = utcnow() - timedelta(hours=3)
    seeded = insert_failed_apply(
        conn,
        plan={"plan_data": SHARDED, "database_type": "vitess"},
        apply={"database_type": "vitess"},
        operations=[
            {"operation_key": "commerce/-80/orders", "created_at": t0 + timedelta(minutes=2)},
            {"operation_key": "commerce/80-/orders", "state": "completed",
             "created_at": t0 + timedelta(minutes=1)},
            {"operation_key": "commerce/group_finalizer", "operation_kind": "group_finalizer",
             "state": "pending", "created_at": t0 + timedelta(minutes=1)},
        ],
        tasks=[
            {"namespace": "commerce", "table_name": "orders", "shard": "", "state": "completed",
             "created_at": t0},
            {"namespace": "commerce", "table_name": "orders", "shard": "-80",
             "operation_index": 0, "created_at": t0 + timedelta(minutes=5)},
            {"namespace": "commerce", "table_name": "orders", "shard": "80-", "state": "completed",
             "operation_index": 1, "created_at": t0 + timedelta(minutes=5)},
            # reflected: op key names another shard / no op / finalizer op
            {"namespace": "commerce", "table_name": "orders", "shard": "c0-",
             "operation_index": 0, "created_at": t0 + timedelta(minutes=6)},
            {"namespace": "commerce", "table_name": "orders", "shard": "e0-", "state": "cancelled",
             "created_at": t0 + timedelta(minutes=6)},
            {"namespace": "commerce", "table_name": "orders", "shard": "f0-",
             "operation_index": 2, "created_at": t0 + timedelta(minutes=6)},
        ],
        lock={"owner": "cli:alice@ops-1", "database_type": "vitess"},
    )  # fmt: skip
    return seeded


def test_bundle_carries_apply_plan_lock_controls_and_redrive_count(storage) -> None:
    with storage.engine.begin() as conn:
        seeded = _seed_sharded(conn)
        insert_control_request(conn, seeded.apply_id, operation="stop")
        insert_control_request(conn, seeded.apply_id, operation="start", status="completed")
        insert_log(conn, seeded.apply_id, message="Reapply requested by user (caller: a@b)")
        insert_log(conn, seeded.apply_id, message="Task 3 queued for retry")
        other = insert_failed_apply(conn, apply={"database_name": "billing"})
        insert_log(conn, other.apply_id, message="Redrive requested by user (caller: unknown)")
    bundle = storage.load_bundle(seeded.apply_identifier)

    assert bundle.apply.id == seeded.apply_id
    assert bundle.apply.apply_identifier == seeded.apply_identifier
    assert bundle.plan.id == seeded.plan_id
    assert bundle.plan.namespaces["commerce"].shards[0].shard == "-80"
    assert dict(bundle.plan.schema_files["app"]).keys() == {"users.sql"}
    assert bundle.lock.id == seeded.lock_id and bundle.lock.owner == "cli:alice@ops-1"
    assert [(c.operation, c.status) for c in bundle.control_requests] == [
        ("stop", "pending"),
        ("start", "completed"),
    ]
    assert bundle.redrive_count == 1
    assert abs(bundle.database_now - utcnow()) < timedelta(minutes=1)


def test_drive_rows_and_reflected_rows_are_separated_and_ordered(storage) -> None:
    with storage.engine.begin() as conn:
        seeded = _seed_sharded(conn)
    bundle = storage.load_bundle(seeded.apply_identifier)
    t = seeded.task_ids
    # created_at DESC, id DESC; the two completed drive rows (one unsharded, one of the
    # completed operation keyed by its shard) are settled: ids only
    assert [task.id for task in bundle.tasks] == [t[1]]
    assert bundle.settled.drive_task_ids == (t[0], t[2])
    assert [task.id for task in bundle.reflected_tasks] == [t[5], t[4], t[3]]
    assert bundle.settled.reflected_task_ids == ()
    # operations in deployment order: created_at, then id; the completed one is settled
    o = seeded.operation_ids
    assert [op.id for op in bundle.operations] == [o[2], o[0]]
    assert bundle.settled.operation_ids == (o[1],)


def test_a_task_owned_by_another_applys_operation_is_not_a_drive_row(storage) -> None:
    """Operations join on id AND apply id."""
    with storage.engine.begin() as conn:
        first = insert_failed_apply(conn, tasks=[])
        second = insert_failed_apply(conn, tasks=[])
        foreign_op = insert_operation(conn, second.apply_id, operation_key="app/-80/users")
        task_id = insert_task(conn, first.apply_id, shard="-80", apply_operation_id=foreign_op)
    bundle = storage.load_bundle(first.apply_identifier)
    assert bundle.tasks == ()
    assert [task.id for task in bundle.reflected_tasks] == [task_id]
    assert bundle.operations == ()


def test_missing_lock_and_plan_are_none(storage) -> None:
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        conn.execute(delete(plans).where(plans.c.id == seeded.plan_id))
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert bundle.plan is None
    assert bundle.lock is None
    assert bundle.redrive_count == 0
    assert len(bundle.tasks) == 1


def test_bundle_uses_four_statements_and_one_for_an_unknown_apply(
    storage, count_statements
) -> None:
    with storage.engine.begin() as conn:
        seeded = _seed_sharded(conn)
        for n in range(40):
            insert_task(conn, seeded.apply_id, table_name=f"t{n}", state="completed")
    count_statements.reset()
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert len(drive_task_states(bundle)) == 43
    assert len(bundle.tasks) == 1  # the 42 completed drive rows are settled (ids only)
    assert count_statements.count == 4
    count_statements.reset()
    assert storage.load_bundle("apply-0000000000000000") is None
    assert count_statements.count == 1


def test_apply_logs_newest_first_with_limit(storage) -> None:
    now = utcnow()
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        ids = [
            insert_log(conn, seeded.apply_id, message=f"m{n}", created_at=now - timedelta(n))
            for n in range(5)
        ]
        same_second = insert_log(conn, seeded.apply_id, message="tie", created_at=now)
        other = insert_failed_apply(conn)
        insert_log(conn, other.apply_id, message="other apply")
    logs = storage.apply_logs(seeded.apply_id, 3)
    assert [entry.id for entry in logs] == [same_second, ids[0], ids[1]]
    assert len(storage.apply_logs(seeded.apply_id, 100)) == 6


def test_progress_reads_apply_drive_tasks_operations_and_recent_logs(storage) -> None:
    with storage.engine.begin() as conn:
        seeded = _seed_sharded(conn)
        log_id = insert_log(conn, seeded.apply_id, message="Operator claimed apply")
    progress = storage.load_progress(seeded.apply_identifier)
    assert progress.apply.id == seeded.apply_id
    assert {task.id for task in progress.tasks} == set(seeded.task_ids[:3])
    assert len(progress.operations) == 3
    assert [entry.id for entry in progress.recent_logs] == [log_id]
    assert storage.load_progress("apply-ffffffffffffffff") is None


def test_database_now_is_a_naive_datetime_of_the_database_clock(storage) -> None:
    now = storage.database_now()
    assert now.tzinfo is None
    assert abs(now - utcnow()) < timedelta(minutes=1)
