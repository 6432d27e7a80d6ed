"""The reopen transaction over explicit ids: storage scenarios of a reopen.

Runs on the real MariaDB and on SQLite (``storage_url``). Every refusal is checked against a
full dump of every table: nothing written.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.domain.errors import RedriveRefused
from services.redrive import reopen as reopen_module
from services.redrive.reopen import writing_transaction
from tests.redrive.writeside_support import (
    assert_refused,
    dump_tables,
    reopen_now,
    reviewed_plan,
    row,
    set_completed_ago,
    storage_engine,
)
from tests.storage.factories import (
    default_database,
    insert_apply,
    insert_control_request,
    insert_failed_apply,
    insert_lock,
    insert_operation,
    insert_task,
)


def _no_checkpoint(_step: str) -> None:
    return None


@pytest.fixture
def engine(storage_url):
    engine = storage_engine(storage_url)
    yield engine
    engine.dispose()


def _redrive_failed_fixture(engine):
    """Failed + completed task, failed region-a op + completed region-b op."""
    with engine.begin() as conn:
        lock_id = insert_lock(conn, database_name="testdb", database_type="mysql")
        seeded = insert_failed_apply(
            conn,
            plan={"database_name": "testdb", "environment": "staging", "deployment": "region-a"},
            apply={
                "database_name": "testdb",
                "environment": "staging",
                "deployment": "region-a",
                "attempt": 10,
                "error_message": "retry budget exhausted",
                "lease_owner": "host/1/driver-0",
                "lease_token": "tok",
            },
            operations=[
                {"deployment": "region-a", "error_message": "copy failed", "lease_owner": "x"},
                {"deployment": "region-b", "state": "completed"},
            ],
            tasks=[
                {"task_identifier": "task_redrive_failed", "state": "failed",
                 "error_message": "copy failed", "table_name": "orders"},
                {"task_identifier": "task_redrive_completed", "state": "completed",
                 "table_name": "customers"},
            ],
        )  # fmt: skip
    set_completed_ago(engine, seeded.apply_id, 0)
    return seeded, lock_id


def test_redrive_failed_reopens_exactly_the_failed_rows(engine):
    seeded, lock_id = _redrive_failed_fixture(engine)
    failed_task, completed_task = seeded.task_ids
    failed_op, completed_op = seeded.operation_ids
    completed_before = row(engine, "tasks", completed_task)
    completed_op_before = row(engine, "apply_operations", completed_op)
    plan = reviewed_plan(
        engine, seeded.apply_id, task_ids=(failed_task,), operation_ids=(failed_op,),
        lock_id=lock_id,
    )  # fmt: skip

    reopen_now(engine, plan, "testdb")

    apply = row(engine, "applies", seeded.apply_id)
    assert apply["state"] == "failed_retryable"
    assert apply["attempt"] == 0
    assert apply["error_message"] == ""
    assert apply["completed_at"] is None
    assert apply["lock_id"] == lock_id
    lease = (apply["lease_owner"], apply["lease_token"], apply["lease_acquired_at"])
    assert lease == ("", "", None)
    task = row(engine, "tasks", failed_task)
    assert (task["state"], task["error_message"], task["completed_at"]) == (
        "failed_retryable", None, None,
    )  # fmt: skip
    op = row(engine, "apply_operations", failed_op)
    assert (op["state"], op["error_message"], op["completed_at"], op["lease_owner"]) == (
        "failed_retryable", None, None, "",
    )  # fmt: skip
    assert row(engine, "tasks", completed_task) == completed_before
    assert row(engine, "apply_operations", completed_op) == completed_op_before


def test_old_failure_is_rejected(engine):
    seeded, lock_id = _redrive_failed_fixture(engine)
    set_completed_ago(engine, seeded.apply_id, 2 * 86400)
    plan = reviewed_plan(
        engine, seeded.apply_id, task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],), lock_id=lock_id,
    )  # fmt: skip
    assert_refused(engine, plan, "failed more than 1 day(s) ago", database="testdb")


def test_window_boundary_uses_the_database_clock(engine):
    seeded, lock_id = _redrive_failed_fixture(engine)
    plan = reviewed_plan(
        engine, seeded.apply_id, task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],), lock_id=lock_id,
    )  # fmt: skip
    set_completed_ago(engine, seeded.apply_id, 86400 + 1)
    assert_refused(engine, plan, "failed more than", database="testdb")
    set_completed_ago(engine, seeded.apply_id, 86400 - 60)
    plan = reviewed_plan(
        engine, seeded.apply_id, task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],), lock_id=lock_id,
    )  # fmt: skip
    reopen_now(engine, plan, "testdb")
    assert row(engine, "applies", seeded.apply_id)["state"] == "failed_retryable"


@pytest.mark.parametrize("state", ["stopped", "cancelled", "reverted"])
def test_non_redrivable_operation_is_rejected(engine, state):
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=[{"state": state}],
            tasks=[{"state": "stopped" if state == "stopped" else "cancelled",
                    "operation_index": 0}],
        )  # fmt: skip
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=(), operation_ids=())
    assert_refused(engine, plan, "1 stopped, cancelled, or reverted operation(s)")


def test_active_apply_in_another_environment_is_rejected(engine):
    seeded, lock_id = _redrive_failed_fixture(engine)
    with engine.begin() as conn:
        insert_apply(
            conn, database_name="testdb", environment="production", deployment="region-b",
            state="running", completed_at=None,
        )  # fmt: skip
    plan = reviewed_plan(
        engine, seeded.apply_id, task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],), lock_id=lock_id,
    )  # fmt: skip
    assert_refused(
        engine, plan, "active apply exists for testdb/mysql:", "running in production",
        database="testdb",
    )  # fmt: skip
    assert row(engine, "applies", seeded.apply_id)["state"] == "failed"


def test_same_environment_target_conflict_via_operation_deployment(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        other = insert_apply(conn, state="pending", deployment="elsewhere", completed_at=None)
        insert_operation(conn, other, deployment="primary", state="pending")
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    assert_refused(
        engine, plan, f"active apply exists for {default_database()}/mysql/production deployments"
    )


@pytest.mark.parametrize("operation", ["stop", "cancel"])
def test_pending_stop_or_cancel_request_is_rejected(engine, operation):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        insert_control_request(conn, seeded.apply_id, operation=operation)
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    assert_refused(engine, plan, f"pending control request(s): {operation} by cli:alice@ops-1")


@pytest.mark.parametrize("state", ["pending", "running", "failed_retryable"])
def test_operation_still_active_inside_failed_apply_is_rejected(engine, state):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, operations=[{}, {"operation_key": "b", "state": state}])
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    assert_refused(engine, plan, "operation(s) that are not terminal", state)


def test_missing_target_metadata_is_rejected(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, apply={"deployment": ""})
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    assert_refused(engine, plan, "is missing target metadata for redrive")


def test_task_linked_to_another_applys_operation_is_not_joined(engine):
    """The op id belongs to another apply's failed op; fail closed, reopen nothing."""
    with engine.begin() as conn:
        other = insert_failed_apply(conn, operations=[{}], tasks=())
        seeded = insert_failed_apply(conn, tasks=())
        task = insert_task(conn, seeded.apply_id, apply_operation_id=other.operation_ids[0])
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=(task,), operation_ids=())
    assert_refused(engine, plan, f"references missing operation row {other.operation_ids[0]}")


def test_row_changed_since_review_is_rejected(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "completed"}))
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=(seeded.task_ids[0],), operation_ids=())
    with engine.begin() as conn:
        insert_task(conn, seeded.apply_id, state="failed", table_name="late")
        conn.exec_driver_sql(f"UPDATE tasks SET state = 'pending' WHERE id = {seeded.task_ids[1]}")
    assert_refused(
        engine, plan, "changed since the review",
        f"task {seeded.task_ids[1]} state changed completed -> pending", "appeared (state failed)",
    )  # fmt: skip


def test_rows_outside_the_review_are_never_reopened(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "completed"}))
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=(seeded.task_ids[0],), operation_ids=())
    wrong = replace(plan, task_ids=(seeded.task_ids[1],))
    assert_refused(
        engine, wrong, "are not its remaining work under lock", f"tasks [{seeded.task_ids[0]}]"
    )
    assert_refused(engine, replace(plan, task_ids=()), "are not its remaining work under lock")


def test_unknown_apply_id_is_rejected(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=(), operation_ids=())
    token = replace(plan.token, apply_id=seeded.apply_id + 100)
    assert_refused(engine, replace(plan, token=token), "apply not found")


def test_operator_pickup_after_redrive(mysql_database_url):
    """SchemaBot's claim takes the reopened apply: running, attempt 1."""
    engine = storage_engine(mysql_database_url)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "cancelled"},
                                                   {"state": "completed"}))  # fmt: skip
    reopen_ids = tuple(seeded.task_ids[:2])
    reopen_now(
        engine, reviewed_plan(engine, seeded.apply_id, task_ids=reopen_ids, operation_ids=())
    )
    with engine.begin() as conn:
        claimable = conn.exec_driver_sql(
            "SELECT id FROM applies WHERE state = 'failed_retryable' AND attempt < 10"
            " AND updated_at >= NOW() - INTERVAL 1 DAY ORDER BY created_at LIMIT 1"
            " FOR UPDATE SKIP LOCKED"
        ).scalar()
        assert claimable == seeded.apply_id
        claimed = conn.exec_driver_sql(
            "UPDATE applies SET state = 'running', attempt = attempt + 1, error_message = '',"
            " lease_owner = 'host/1/driver-0', lease_token = UUID(), lease_acquired_at = NOW(),"
            " updated_at = NOW(), completed_at = NULL"
            f" WHERE id = {seeded.apply_id} AND state = 'failed_retryable'"
        ).rowcount
        assert claimed == 1
        conn.exec_driver_sql(
            "UPDATE tasks SET state = 'pending', attempt = attempt + 1, error_message = NULL,"
            f" completed_at = NULL WHERE apply_id = {seeded.apply_id}"
            " AND state = 'failed_retryable'"
        )
    apply = row(engine, "applies", seeded.apply_id)
    assert (apply["state"], apply["attempt"]) == ("running", 1)
    assert [row(engine, "tasks", t)["state"] for t in seeded.task_ids] == [
        "pending", "pending", "completed",
    ]  # fmt: skip
    engine.dispose()


def test_unknown_state_under_lock_is_refused_with_the_reviews_reason(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE tasks SET state = 'exploded' WHERE id = {seeded.task_ids[0]}")
    assert_refused(engine, plan, f"task {seeded.task_ids[0]} has unknown state 'exploded'")


def _five_failed_tasks(engine):
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn, tasks=[{"state": "failed", "table_name": f"t{i}"} for i in range(5)]
        )
    ids = tuple(seeded.task_ids)
    return seeded, reviewed_plan(engine, seeded.apply_id, task_ids=ids, operation_ids=())


def test_a_big_reopen_runs_in_chunks_and_reopens_every_row(engine, monkeypatch):
    monkeypatch.setattr(reopen_module, "ids_per_statement", lambda _dialect: 2)  # 2, 2 and 1
    seeded, plan = _five_failed_tasks(engine)
    reopen_now(engine, plan)
    assert [row(engine, "tasks", i)["state"] for i in seeded.task_ids] == ["failed_retryable"] * 5


def test_a_chunk_that_changes_fewer_rows_stops_the_reopen_and_writes_nothing(engine, monkeypatch):
    """Row counts are checked per chunk, whatever chunk comes short (here the last one)."""
    monkeypatch.setattr(reopen_module, "ids_per_statement", lambda _dialect: 2)
    seeded, plan = _five_failed_tasks(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE tasks SET state = 'completed' WHERE id = {seeded.task_ids[4]}"
        )
    before = dump_tables(engine)
    refused = pytest.raises(RedriveRefused, match="4 of 5 tasks could be reopened")
    with refused, writing_transaction(engine) as conn:
        reopen_module.write_reopen(conn, plan, _no_checkpoint)
        conn.commit()
    assert dump_tables(engine) == before
