"""Write-path rules that mutation testing showed unguarded, end to end on real MariaDB.

Each scenario runs the review and ``execute_redrive`` over the storage factories' rows and a
schema snapshot as the live database, re-planned by the real planner:

- failed work on the primary deployment *and* another one is refused, nothing written;
- one table name in two namespaces: only the failed namespace's table is remaining work;
- a failed operation owning a completed task reopens the operation, never the completed task;
- under the locks, a completed stop request and an active apply of another ``database_type``
  (another ``locks`` row) do not block, while an active apply of the same type or a pending
  stop request that appears after the review does;
- the audit row's ``forced`` is true only when a lock was taken over.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlalchemy import select

from services.redrive.execute import execute_redrive
from services.redrive.review import run_review
from services.storage.schema import apply_logs
from services.storage.store import Storage
from tests.redrive.review_storage_support import (
    EMAIL,
    NOTE,
    desired_file,
    live_table,
    stored_plan_data,
)
from tests.redrive.review_storage_support import write_snapshot as write_live
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    dump_tables,
    row,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import (
    insert_apply,
    insert_control_request,
    insert_failed_apply,
    insert_lock,
)

OPERATOR = "cli:alice@ops-1"
ENV = "production"
Tables = Mapping[str, Mapping[str, str]]


@pytest.fixture
def storage(mysql_database_url):
    storage_engine(mysql_database_url).dispose()
    storage = Storage.from_url(mysql_database_url)
    yield storage
    storage.engine.dispose()


def _seed_planned(storage, tmp_path, *, desired: Tables, then: Tables, now: Tables, **rows):
    """A failed apply whose stored plan is the planner's plan of ``desired`` against ``then``;
    the live database (snapshot) is ``now``. Returns (seeded, targets)."""
    plan = {
        "plan_data": stored_plan_data(desired, then),
        "schema_files": {ns: {"Files": dict(files)} for ns, files in desired.items()},
    }
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan=plan, **rows)
    return seeded, SnapshotTargets(write_live(tmp_path / "live", now))


def _seed_default(storage, tmp_path, **rows):
    """A failed ``app.users`` ALTER whose stored plan still matches the snapshot."""
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA}, **rows)
    return seeded, SnapshotTargets(write_snapshot(tmp_path / "snapshot"))


def _redrive(storage, targets, seeded, **kw):
    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert review.redrivable, review.reason
    return execute_redrive(
        storage, targets, seeded.apply_identifier, ENV, OPERATOR, reviewed=review.token, **kw
    )


def _audits(storage) -> list[dict]:
    with storage.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(apply_logs))]


def test_failed_work_on_the_primary_and_another_deployment_is_refused(storage, tmp_path):
    seeded, targets = _seed_default(
        storage, tmp_path,
        operations=[{"deployment": "primary"}, {"deployment": "eu-west"}],
        tasks=[{"state": "failed", "operation_index": 0},
               {"state": "failed", "table_name": "orders", "operation_index": 1}],
    )  # fmt: skip
    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert review.reason_code == "outside_primary_deployment"
    assert "'eu-west', 'primary'" in review.reason
    before = dump_tables(storage.engine)
    outcome = execute_redrive(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert outcome.status == "rejected"
    assert 'failed work outside primary deployment "primary"' in outcome.reason
    assert dump_tables(storage.engine) == before


@pytest.mark.parametrize(("failed_ns", "done_ns"), [("app", "audit"), ("audit", "app")])
def test_one_table_in_two_namespaces_keeps_them_apart(storage, tmp_path, failed_ns, done_ns):
    """Both namespaces ALTER ``users``; only ``failed_ns`` failed. The expected plan holds its
    ``users`` alone (the fresh plan has nothing left for ``done_ns``), so it matches, and only
    its task is reopened."""
    desired = {ns: {"users.sql": desired_file("users", EMAIL)} for ns in ("app", "audit")}
    then = {ns: {"users": live_table("users")} for ns in ("app", "audit")}
    now = {
        failed_ns: {"users": live_table("users")},
        done_ns: {"users": live_table("users", EMAIL)},
    }
    seeded, targets = _seed_planned(
        storage, tmp_path, desired=desired, then=then, now=now,
        tasks=[{"state": "failed", "namespace": failed_ns},
               {"state": "completed", "namespace": done_ns}],
    )  # fmt: skip
    failed_task, done_task = seeded.task_ids
    done_before = row(storage.engine, "tasks", done_task)

    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    assert review.redrivable, review.reason
    assert [(c.namespace, c.table) for c in review.comparisons] == [(failed_ns, "users")]
    outcome = _redrive(storage, targets, seeded)

    assert outcome.status == "redriven", outcome.reason
    assert outcome.reopened_tasks == (failed_task,)
    assert row(storage.engine, "tasks", failed_task)["state"] == "failed_retryable"
    assert row(storage.engine, "tasks", done_task) == done_before


def test_failed_operation_owning_a_completed_task_reopens_only_the_failed_task(storage, tmp_path):
    desired = {"app": {"users.sql": desired_file("users", EMAIL),
                       "orders.sql": desired_file("orders", NOTE)}}  # fmt: skip
    then = {"app": {"users": live_table("users"), "orders": live_table("orders")}}
    now = {"app": {"users": live_table("users"), "orders": live_table("orders", NOTE)}}
    seeded, targets = _seed_planned(
        storage, tmp_path, desired=desired, then=then, now=now,
        operations=[{"deployment": "primary"}],
        tasks=[{"state": "failed", "operation_index": 0},
               {"state": "completed", "table_name": "orders", "operation_index": 0}],
    )  # fmt: skip
    failed_task, completed_task = seeded.task_ids
    completed_before = row(storage.engine, "tasks", completed_task)

    outcome = _redrive(storage, targets, seeded)

    assert outcome.status == "redriven", outcome.reason
    assert (outcome.reopened_tasks, outcome.reopened_operations) == (
        (failed_task,), tuple(seeded.operation_ids),
    )  # fmt: skip
    assert row(storage.engine, "apply_operations", seeded.operation_ids[0])["state"] == (
        "failed_retryable"
    )
    assert row(storage.engine, "tasks", completed_task) == completed_before


def test_completed_stop_and_an_active_apply_of_another_type_do_not_block_under_the_lock(
    storage, tmp_path
):
    """Both appear only after the review, so only the checks inside the locked write see them."""
    seeded, targets = _seed_default(storage, tmp_path)

    def appear(step: str) -> None:
        if step == "lock_claimed":
            with storage.engine.begin() as conn:
                insert_control_request(conn, seeded.apply_id, status="completed")
                insert_apply(conn, database_type="vitess", state="running", completed_at=None)

    outcome = _redrive(storage, targets, seeded, checkpoint=appear)
    assert outcome.status == "redriven", outcome.reason


@pytest.mark.parametrize(
    ("late_row", "fragments"),
    [
        ("active_same_type", ("active apply exists for {db}/mysql",)),
        ("pending_stop", ("pending", "stop", "cli:alice@ops-1")),
    ],
)
def test_blockers_appearing_after_the_review_are_refused_under_the_lock(
    storage, tmp_path, late_row, fragments
):
    seeded, targets = _seed_default(storage, tmp_path)
    database = row(storage.engine, "applies", seeded.apply_id)["database_name"]

    def appear(step: str) -> None:
        if step == "lock_claimed":
            with storage.engine.begin() as conn:
                if late_row == "pending_stop":
                    insert_control_request(conn, seeded.apply_id, status="pending")
                else:
                    insert_apply(conn, state="running", completed_at=None)

    review = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR)
    before = dump_tables(storage.engine)
    outcome = execute_redrive(
        storage, targets, seeded.apply_identifier, ENV, OPERATOR,
        reviewed=review.token, checkpoint=appear,
    )  # fmt: skip
    assert outcome.status == "rejected"
    for fragment in fragments:
        assert fragment.format(db=database) in outcome.reason
    after = dump_tables(storage.engine)
    for table in ("applies", "tasks", "apply_operations", "locks", "apply_logs"):
        rows_before = before[table]
        if table == "applies":  # the late apply itself was committed by the other session
            ours = [r for r in after[table] if r[0] == seeded.apply_id]
            rows_before = [r for r in rows_before if r[0] == seeded.apply_id]
            assert ours == rows_before
        else:
            assert after[table] == rows_before, table


@pytest.mark.parametrize(
    ("lock", "forced"),
    [(None, False), ({"owner": OPERATOR}, False), ({}, True)],
    ids=["free_lock", "own_lock", "taken_over"],
)
def test_audit_forced_means_a_lock_was_taken_over(storage, tmp_path, lock, forced):
    """``--force`` alone is not a takeover: with a free lock, or the operator's own, the audit row
    says ``forced: false``; only taking another owner's lock says ``true``."""
    seeded, targets = _seed_default(storage, tmp_path)
    if lock is not None:
        with storage.engine.begin() as conn:
            insert_lock(conn, **lock)

    outcome = _redrive(storage, targets, seeded, force=True)

    assert outcome.status == "redriven", outcome.reason
    (audit,) = _audits(storage)
    assert audit["metadata"]["forced"] is forced
    assert audit["metadata"]["previous_lock_owner"] == (
        None if lock is None else lock.get("owner", "acme/orders-schema#42")
    )
