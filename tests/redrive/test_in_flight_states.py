"""Every state that means work may still be running refuses a redrive, for a task of the apply
and for an operation, at the review and again in the locked transaction; so does every state
the console does not know. Real storage (MariaDB and SQLite); each refusal writes nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from services.domain.errors import RedriveRefused
from services.redrive.model import Verdict
from services.redrive.reopen import reopen_in_transaction, writing_transaction
from services.redrive.review import run_review
from services.redrive.validation import RedriveRejection
from services.storage import schema
from tests.redrive.review_storage_support import (
    EMAIL,
    CountingSources,
    FixedTargets,
    desired_file,
    live_table,
    open_storage,
    raw_dump,
    seed,
    stored_plan_data,
    write_snapshot,
)
from tests.redrive.writeside_support import dump_tables, reviewed_plan, row, seen_lock
from tests.storage.factories import insert_apply, insert_failed_apply

OPERATOR = "operator@example.com"
USERS_V0 = {"testdb": {"users": live_table("users")}}
DESIRED_USERS = {"testdb": {"users.sql": desired_file("users", EMAIL)}}

# Written out, not derived from services.domain.states: dropping a state there must fail here.
IN_FLIGHT_TASK_STATES = [
    "running", "reverting", "checksumming", "catching_up", "post_checksum",
    "recovering_cutover", "waiting_for_cutover", "cutting_over", "recovering",
    "revert_window", "waiting_for_deploy", "failed_retryable", "Checksumming", "STATE_REVERTING",
]  # fmt: skip
IN_FLIGHT_OPERATION_STATES = [
    "pending", "running", "reverting", "checksumming", "catching_up", "post_checksum",
    "recovering_cutover", "waiting_for_cutover", "cutting_over", "recovering", "revert_window",
    "waiting_for_deploy", "resuming", "running_degraded", "paused", "skipping_revert",
    "failed_retryable", "preparing_branch", "applying_branch_changes", "validating_branch",
    "creating_deploy_request", "validating_deploy_request", "STATE_CUTTING_OVER",
]  # fmt: skip
UNKNOWN_STATES = ["exploded", "Copying_Rows_v2", "state_", ""]


@pytest.fixture
def storage(storage_url):
    storage = open_storage(storage_url)
    yield storage
    storage.engine.dispose()


def _seed_users(storage, *, tasks=(), operations=()):
    return seed(
        storage,
        desired=DESIRED_USERS,
        plan_data=stored_plan_data(DESIRED_USERS, USERS_V0),
        tasks=[{"table_name": "users", "state": "failed"}, *tasks],
        operations=operations,
    )


def _review_refusal(storage, tmp_path, ident: str) -> tuple[str, str]:
    """(reason code, reason) of a refused review; proves no plan request and no write."""
    sources = CountingSources()
    before = raw_dump(storage.engine)
    targets = FixedTargets(write_snapshot(tmp_path / "live", USERS_V0))
    try:
        result = run_review(storage, targets, ident, "staging", OPERATOR, source_for=sources)
    except RedriveRejection as rejection:
        code, reason = rejection.code, str(rejection)
    else:
        assert result.verdict is Verdict.NOT_REDRIVABLE
        assert result.token is not None and not result.redrivable
        code, reason = result.reason_code, result.reason
    assert raw_dump(storage.engine) == before
    assert sources.requests == 0
    return code, reason


@pytest.mark.parametrize("state", IN_FLIGHT_TASK_STATES)
def test_review_refuses_a_task_still_in_flight(storage, tmp_path, state) -> None:
    seeded = _seed_users(storage, tasks=[{"table_name": "orders", "state": state}])
    code, reason = _review_refusal(storage, tmp_path, seeded.apply_identifier)
    assert code == "in_flight_tasks"
    assert f"task {seeded.task_ids[1]} {state}" in reason
    assert "may still be running" in reason


@pytest.mark.parametrize("state", IN_FLIGHT_OPERATION_STATES)
def test_review_refuses_an_operation_still_in_flight(storage, tmp_path, state) -> None:
    seeded = _seed_users(
        storage, operations=[{"state": "failed"}, {"state": state, "operation_key": "b"}]
    )
    code, reason = _review_refusal(storage, tmp_path, seeded.apply_identifier)
    assert code == "active_operations"
    assert f"operation {seeded.operation_ids[1]} {state}" in reason


@pytest.mark.parametrize("kind", ["task", "operation"])
@pytest.mark.parametrize("state", UNKNOWN_STATES)
def test_review_refuses_an_unknown_state_and_names_it_verbatim(
    storage, tmp_path, kind, state
) -> None:
    if kind == "task":
        seeded = _seed_users(storage, tasks=[{"table_name": "orders", "state": state}])
    else:
        seeded = _seed_users(
            storage, operations=[{"state": "failed"}, {"state": state, "operation_key": "b"}]
        )
    code, reason = _review_refusal(storage, tmp_path, seeded.apply_identifier)
    # Storage may refuse the row while decoding it, or the review's state check refuses it.
    assert code in {"unknown_state", "malformed_row"}
    assert f"unknown state {state!r}" in reason


def test_pending_task_keeps_todays_handling(storage, tmp_path) -> None:
    """A task that never started neither blocks nor is reopened."""
    seeded = _seed_users(storage, tasks=[{"table_name": "orders", "state": "pending"}])
    sources = CountingSources()
    targets = FixedTargets(write_snapshot(tmp_path / "live", USERS_V0))
    result = run_review(
        storage, targets, seeded.apply_identifier, "staging", OPERATOR, source_for=sources
    )
    assert result.reason_code in {"", "plan_changed"}
    assert result.reopen_task_ids == (seeded.task_ids[0],)


# -- the locked transaction ----------------------------------------------------------------


@pytest.fixture
def engine(storage):
    return storage.engine


def _locked_refusal(engine, seeded, table, row_id: int, state: str) -> RedriveRejection:
    """Review the clean rows, then move one row to ``state``; the reopen must refuse it."""
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row_id).values(state=state))
    database = row(engine, "applies", seeded.apply_id)["database_name"]
    lock = seen_lock(engine, database)
    before = dump_tables(engine)
    with pytest.raises(RedriveRefused) as caught, writing_transaction(engine) as conn:
        reopen_in_transaction(conn, plan, lock, lambda _step: None)
        conn.commit()
    assert dump_tables(engine) == before
    assert isinstance(caught.value, RedriveRejection), caught.value
    return caught.value


@pytest.mark.parametrize("state", IN_FLIGHT_TASK_STATES)
def test_locked_reopen_refuses_a_task_still_in_flight(engine, state) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn, tasks=[{"state": "failed"}, {"state": "completed", "table_name": "orders"}]
        )
    refusal = _locked_refusal(engine, seeded, schema.tasks, seeded.task_ids[1], state)
    assert refusal.code == "in_flight_tasks"
    assert f"task {seeded.task_ids[1]} {state}" in str(refusal)


@pytest.mark.parametrize("state", IN_FLIGHT_OPERATION_STATES)
def test_locked_reopen_refuses_an_operation_still_in_flight(engine, state) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn, operations=[{}, {"operation_key": "b", "state": "completed"}], tasks=()
        )
    plan_ops = seeded.operation_ids
    refusal = _locked_refusal(engine, seeded, schema.apply_operations, plan_ops[1], state)
    assert refusal.code == "active_operations"
    assert f"operation {plan_ops[1]} {state}" in str(refusal)


@pytest.mark.parametrize("kind", ["task", "operation"])
@pytest.mark.parametrize("state", UNKNOWN_STATES)
def test_locked_reopen_refuses_an_unknown_state(engine, kind, state) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=[{"state": "completed", "operation_key": "b"}],
            tasks=[{"state": "failed"}],
        )
    table, row_id = (
        (schema.tasks, seeded.task_ids[0])
        if kind == "task"
        else (schema.apply_operations, seeded.operation_ids[0])
    )
    refusal = _locked_refusal(engine, seeded, table, row_id, state)
    assert refusal.code == "unknown_state"
    assert f"{kind} {row_id} has unknown state {state!r}" in str(refusal)


@pytest.mark.parametrize("state", ["Exploded_V2", "catching_up", "STATE_PAUSED"])
def test_another_apply_in_an_unknown_or_running_state_counts_as_active(engine, state) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
    database = row(engine, "applies", seeded.apply_id)["database_name"]
    with engine.begin() as conn:
        insert_apply(
            conn, database_name=database, environment="elsewhere", state=state, completed_at=None
        )
    plan = reviewed_plan(engine, seeded.apply_id, task_ids=tuple(seeded.task_ids), operation_ids=())
    lock = seen_lock(engine, database)
    before = dump_tables(engine)
    with pytest.raises(RedriveRejection) as caught, writing_transaction(engine) as conn:
        reopen_in_transaction(conn, plan, lock, lambda _step: None)
    assert caught.value.code == "active_apply"
    assert f"({state} in elsewhere)" in str(caught.value)
    assert dump_tables(engine) == before


@pytest.mark.parametrize(
    ("tasks", "operations"),
    [
        pytest.param([{"table_name": "orders", "state": "reverting"}], [], id="in-flight-task"),
        pytest.param([{"table_name": "orders", "state": "stopped"}], [], id="stopped-task"),
        pytest.param(
            [],
            [{"state": "failed"}, {"state": "paused", "operation_key": "b"}],
            id="paused-operation",
        ),
        pytest.param(
            [],
            [{"state": "failed"}, {"state": "reverted", "operation_key": "b"}],
            id="reverted-operation",
        ),
    ],
)
def test_review_and_locked_reopen_refuse_with_the_same_code_and_message(
    storage, tmp_path, tasks, operations
) -> None:
    seeded = _seed_users(storage, tasks=tasks, operations=operations)
    code, reason = _review_refusal(storage, tmp_path, seeded.apply_identifier)
    plan = reviewed_plan(
        storage.engine, seeded.apply_id, task_ids=(seeded.task_ids[0],), operation_ids=()
    )
    lock = seen_lock(
        storage.engine, row(storage.engine, "applies", seeded.apply_id)["database_name"]
    )
    with pytest.raises(RedriveRejection) as caught, writing_transaction(storage.engine) as conn:
        reopen_in_transaction(conn, plan, lock, lambda _step: None)
    assert (caught.value.code, str(caught.value)) == (code, reason)
