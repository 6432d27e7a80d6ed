"""The reopen transaction of an apply whose completed rows the review read as ids only.

A settled row (a completed task or operation, ``SettledRows``) that changes, disappears or
appears between the review and the write refuses the write, naming the row, and nothing is
written; untouched, the reopen reopens exactly the failed rows and leaves the settled ones as
they were. Run on MariaDB and SQLite.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from services.storage.schema import apply_operations, tasks
from tests.redrive.writeside_support import (
    assert_refused,
    dump_tables,
    reopen_now,
    reviewed_plan,
    row,
    storage_engine,
)
from tests.storage.factories import insert_failed_apply, insert_task

SETTLED = 30


@pytest.fixture
def engine(storage_url):
    engine = storage_engine(storage_url)
    yield engine
    engine.dispose()


def _seed(engine):
    """One failed task of a failed operation, and ``SETTLED`` completed tasks of completed
    operations."""
    operations = [{"state": "failed", "operation_key": "app//users"}] + [
        {"state": "completed", "operation_key": f"app//done_{n}"} for n in range(SETTLED)
    ]
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=operations,
            tasks=[{"state": "failed", "operation_index": 0}]
            + [
                {"state": "completed", "table_name": f"done_{n}", "operation_index": n + 1}
                for n in range(SETTLED)
            ],
        )
    plan = reviewed_plan(
        engine,
        seeded.apply_id,
        task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],),
    )
    return seeded, plan


def test_the_token_binds_the_settled_rows_and_the_reopen_leaves_them(engine) -> None:
    seeded, plan = _seed(engine)
    assert len(plan.token.task_states) == SETTLED + 1
    assert len(plan.token.operation_states) == SETTLED + 1
    before = dump_tables(engine)
    reopen_now(engine, plan)
    after = dump_tables(engine)
    assert row(engine, "tasks", seeded.task_ids[0])["state"] == "failed_retryable"
    assert row(engine, "apply_operations", seeded.operation_ids[0])["state"] == "failed_retryable"
    for table, ids in (("tasks", seeded.task_ids), ("apply_operations", seeded.operation_ids)):
        untouched = [r for r in before[table] if r[0] in ids[1:]]
        assert untouched == [r for r in after[table] if r[0] in ids[1:]]


def test_a_settled_task_that_changed_state_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    changed = seeded.task_ids[5]
    with engine.begin() as conn:
        conn.execute(update(tasks).where(tasks.c.id == changed).values(state="COMPLETED"))
    assert_refused(engine, plan, f"task {changed} state changed completed -> COMPLETED")


def test_a_settled_operation_that_changed_state_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    changed = seeded.operation_ids[7]
    with engine.begin() as conn:
        conn.execute(
            update(apply_operations)
            .where(apply_operations.c.id == changed)
            .values(state="COMPLETED")
        )
    assert_refused(engine, plan, f"operation {changed} state changed completed -> COMPLETED")


def test_a_settled_task_that_disappeared_or_appeared_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    gone = seeded.task_ids[3]
    with engine.begin() as conn:
        conn.execute(delete(tasks).where(tasks.c.id == gone))
    assert_refused(engine, plan, f"task {gone} disappeared (was completed)")
    with engine.begin() as conn:
        new = insert_task(conn, seeded.apply_id, state="completed", table_name="late")
    assert_refused(engine, plan, f"task {new} appeared (state completed)")
