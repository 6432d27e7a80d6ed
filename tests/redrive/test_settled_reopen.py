"""The reopen transaction of an apply whose completed rows the review read as ids only.

A settled row (a completed task or operation, ``SettledRows``) that changes, disappears or
appears between the review and the write refuses the write, naming the row, and nothing is
written; untouched, the reopen reopens exactly the failed rows and leaves the settled ones as
they were. Run on MariaDB, SQLite and PostgreSQL (where the G2 policy refuses every reopen
with ``terminal_final``; these tests lift that one check to reach the row checks, as the bench
does). The write reads only the unsettled rows one by one and compares the settled ones by
the sums of the locked ids (``LockedSummary``); a difference is named from an exact read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, inspect, text, update

from services.domain.errors import RedriveRefused
from services.redrive import reopen
from services.redrive.reopen import ReopenPlan, reopen_in_transaction, writing_transaction
from services.storage.schema import apply_operations, tasks
from tests.postgres_server import fresh_postgres_database
from tests.redrive.writeside_support import (
    dump_tables,
    reviewed_plan,
    seen_lock,
    storage_engine,
)
from tests.storage.factories import insert_failed_apply, insert_task

SETTLED = 30


@pytest.fixture(params=["mysql", "sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    if request.param == "postgres":
        monkeypatch.setattr(reopen, "check_reopen_allowed", lambda _generation, _apply: None)
        with fresh_postgres_database() as url:
            engine = storage_engine(url)
            yield engine
            engine.dispose()
        return
    fixture = "mysql_database_url" if request.param == "mysql" else "sqlite_url"
    engine = storage_engine(request.getfixturevalue(fixture))
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


def _reopen(engine, plan: ReopenPlan) -> None:
    lock = seen_lock(engine)
    with writing_transaction(engine) as conn:
        reopen_in_transaction(conn, plan, lock, lambda _step: None)
        conn.commit()


def _dump(engine) -> dict:
    """Every row of every table as stored (``dump_tables`` knows the G1 columns only; the
    PostgreSQL storage is G2)."""
    if engine.dialect.name != "postgresql":
        return dump_tables(engine)
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {n: conn.execute(text(f'SELECT * FROM "{n}" ORDER BY 1')).all() for n in names}


def _state(engine, table: str, row_id: int) -> str:
    with engine.connect() as conn:
        query = text(f"SELECT state FROM {table} WHERE id = :id")
        return conn.execute(query, {"id": row_id}).scalar_one()


def _refused(engine, plan: ReopenPlan, fragment: str) -> None:
    before = _dump(engine)
    with pytest.raises(RedriveRefused, match=fragment):
        _reopen(engine, plan)
    assert _dump(engine) == before


def test_the_token_binds_the_settled_rows_and_the_reopen_leaves_them(engine) -> None:
    seeded, plan = _seed(engine)
    assert len(plan.token.task_states) == SETTLED + 1
    assert len(plan.token.operation_states) == SETTLED + 1
    before = _dump(engine)
    _reopen(engine, plan)
    after = _dump(engine)
    assert _state(engine, "tasks", seeded.task_ids[0]) == "failed_retryable"
    assert _state(engine, "apply_operations", seeded.operation_ids[0]) == "failed_retryable"
    for table, ids in (("tasks", seeded.task_ids), ("apply_operations", seeded.operation_ids)):
        untouched = [r for r in before[table] if r[0] in ids[1:]]
        assert untouched == [r for r in after[table] if r[0] in ids[1:]]


def test_a_settled_task_that_changed_state_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    changed = seeded.task_ids[5]
    with engine.begin() as conn:
        conn.execute(update(tasks).where(tasks.c.id == changed).values(state="COMPLETED"))
    _refused(engine, plan, rf"task {changed} state changed completed -> COMPLETED")


def test_a_settled_operation_that_changed_state_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    changed = seeded.operation_ids[7]
    with engine.begin() as conn:
        conn.execute(
            update(apply_operations)
            .where(apply_operations.c.id == changed)
            .values(state="COMPLETED")
        )
    _refused(engine, plan, rf"operation {changed} state changed completed -> COMPLETED")


def test_a_settled_task_that_disappeared_or_appeared_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    gone = seeded.task_ids[3]
    with engine.begin() as conn:
        conn.execute(delete(tasks).where(tasks.c.id == gone))
    _refused(engine, plan, rf"task {gone} disappeared \(was completed\)")
    with engine.begin() as conn:
        new = insert_task(conn, seeded.apply_id, state="completed", table_name="late")
    _refused(engine, plan, rf"task {new} appeared \(state completed\)")


def test_a_settled_task_replaced_by_another_refuses_the_write(engine) -> None:
    """Same number of settled rows, other ids: the sums differ, the exact read names both."""
    seeded, plan = _seed(engine)
    gone = seeded.task_ids[4]
    with engine.begin() as conn:
        conn.execute(delete(tasks).where(tasks.c.id == gone))
        new = insert_task(conn, seeded.apply_id, state="completed", table_name="late")
    _refused(engine, plan, rf"task {gone} disappeared \(was completed\); task {new} appeared")


def test_a_settled_operation_that_disappeared_refuses_the_write(engine) -> None:
    seeded, plan = _seed(engine)
    gone = seeded.operation_ids[9]
    with engine.begin() as conn:
        conn.execute(update(tasks).where(tasks.c.apply_operation_id == gone).values(
            apply_operation_id=None))  # fmt: skip
        conn.execute(delete(apply_operations).where(apply_operations.c.id == gone))
    _refused(engine, plan, rf"operation {gone} disappeared \(was completed\)")


def test_an_unchanged_apply_is_checked_by_its_sums_without_an_exact_read(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settled rows add up, so the write never reads every row one by one; it still
    reopens exactly the failed rows."""
    seeded, plan = _seed(engine)

    def no_exact_read(_conn, _apply_id):
        raise AssertionError("the settled rows add up: no exact read")

    monkeypatch.setattr(reopen, "locked_row_states", no_exact_read)
    _reopen(engine, plan)
    assert _state(engine, "tasks", seeded.task_ids[0]) == "failed_retryable"
    assert _state(engine, "tasks", seeded.task_ids[1]) == "completed"


def test_sums_that_differ_while_the_rows_do_not_still_refuse(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defensive: locked sums that do not add up refuse the write even when the exact read
    then shows the reviewed rows."""
    _seeded, plan = _seed(engine)
    real = reopen.locked_apply_rows

    def off_by_one(conn, columns, apply):
        rows, summary = real(conn, columns, apply)
        tasks_sum = summary.tasks._replace(total=summary.tasks.total + 1)
        return rows, summary.__class__(tasks_sum, summary.operations, summary.unsettled_task_ids)

    monkeypatch.setattr(reopen, "locked_apply_rows", off_by_one)
    _refused(engine, plan, "its rows changed while they were being locked")
