"""The write takes the review's token rows and remaining work only for rows read identically.

``reviewed_plan`` builds a plan as the review does, keeping its verdict on its reads
(``row_verdict``). Under lock, rows read byte-identical to the review's are verified by that
verdict (the remaining work is not rebuilt); a row read differently, or a plan of another
deployment, is verified in full; and a plan whose token is not the reads' review is refused by
the verdict itself. Every refusal leaves every table as it was. MariaDB and SQLite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import update

from services.redrive import reopen as reopen_module
from services.redrive.reopen import ReopenPlan
from services.storage.schema import tasks
from tests.redrive.writeside_support import (
    assert_refused,
    reopen_now,
    reviewed_plan,
    row,
    set_completed_ago,
    storage_engine,
)
from tests.storage.factories import insert_failed_apply, insert_lock


@pytest.fixture
def engine(storage_url):
    engine = storage_engine(storage_url)
    yield engine
    engine.dispose()


@pytest.fixture
def rebuilt(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The deployments the write rebuilt remaining work for (the real function runs)."""
    calls: list[str] = []
    real = reopen_module.reconstruct_remaining_work

    def counted(apply, task_rows, operation_rows, deployment):
        calls.append(deployment)
        return real(apply, task_rows, operation_rows, deployment)

    monkeypatch.setattr(reopen_module, "reconstruct_remaining_work", counted)
    return calls


def _seed(engine):
    """A failed task of a failed operation, a completed task of a completed one (testdb)."""
    with engine.begin() as conn:
        lock_id = insert_lock(conn, database_name="testdb", database_type="mysql")
        seeded = insert_failed_apply(
            conn,
            plan={"database_name": "testdb", "environment": "staging", "deployment": "primary"},
            apply={"database_name": "testdb", "environment": "staging", "deployment": "primary"},
            operations=[
                {"deployment": "primary", "operation_key": "app//orders"},
                {"deployment": "primary", "operation_key": "app//customers", "state": "completed"},
            ],
            tasks=[
                {"state": "failed", "error_message": "copy failed", "table_name": "orders",
                 "operation_index": 0},
                {"state": "completed", "table_name": "customers", "operation_index": 1},
            ],
        )  # fmt: skip
    set_completed_ago(engine, seeded.apply_id, 0)
    return seeded, lock_id


def _plan(engine, seeded, lock_id) -> ReopenPlan:
    return reviewed_plan(
        engine,
        seeded.apply_id,
        task_ids=(seeded.task_ids[0],),
        operation_ids=(seeded.operation_ids[0],),
        lock_id=lock_id,
    )


def test_an_unchanged_apply_is_verified_by_its_reads(engine, rebuilt) -> None:
    seeded, lock_id = _seed(engine)
    reopen_now(engine, _plan(engine, seeded, lock_id), "testdb")
    assert rebuilt == []
    assert row(engine, "tasks", seeded.task_ids[0])["state"] == "failed_retryable"
    assert row(engine, "tasks", seeded.task_ids[1])["state"] == "completed"


def test_a_row_read_differently_is_verified_in_full(engine, rebuilt) -> None:
    """Not a state (the token would refuse it): the row is read anew, the work rebuilt."""
    seeded, lock_id = _seed(engine)
    plan = _plan(engine, seeded, lock_id)
    with engine.begin() as conn:
        conn.execute(
            update(tasks).where(tasks.c.id == seeded.task_ids[0]).values(error_message="other")
        )
    reopen_now(engine, plan, "testdb")
    assert rebuilt == ["primary"]
    assert row(engine, "tasks", seeded.task_ids[0])["state"] == "failed_retryable"


def test_a_token_of_another_review_is_refused_by_the_verdict(engine, rebuilt) -> None:
    """Reads and verdict of a later review, token of an earlier one: the rows read under lock
    are the later review's, and its verdict says the token's rows changed."""
    seeded, lock_id = _seed(engine)
    earlier = _plan(engine, seeded, lock_id)
    with engine.begin() as conn:
        conn.execute(update(tasks).where(tasks.c.id == seeded.task_ids[1]).values(state="failed"))
    later = _plan(engine, seeded, lock_id)
    mixed = replace(later, token=earlier.token)
    changed = f"task {seeded.task_ids[1]} state changed completed -> failed"
    assert_refused(engine, mixed, changed, database="testdb")
    assert rebuilt == []


def test_a_plan_of_another_deployment_rebuilds_its_work(engine, rebuilt) -> None:
    """The review's verdict is for its own deployment: another one is rebuilt (and refused,
    its failed work being outside it)."""
    seeded, lock_id = _seed(engine)
    plan = replace(_plan(engine, seeded, lock_id), primary_deployment="region-b")
    assert_refused(engine, plan, "outside primary deployment", database="testdb")
    assert rebuilt == ["region-b"]
