"""The reopen transaction: re-validate under row locks, reopen exact rows.

Everything here runs on the caller's open transaction, after the named lock and the ``locks``
row are held (SchemaBot's lock order). Each check raises ``RedriveRefused`` with a stable text or a
precise "what changed" message; the caller rolls back, so a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, and_, func, literal, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row

from services.domain.decoded_reads import DecodedReads
from services.domain.errors import RedriveRefused
from services.domain.models import Apply, BriefOperation, BriefTask, Lock, SettledRows
from services.domain.states import APPLY_TERMINAL, REOPENABLE_TASK_STATES, is_apply_active
from services.redrive.model import ReviewToken
from services.redrive.policy import check_reopen_allowed
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.row_verdict import RowVerdict, row_verdict
from services.redrive.token import build_token, describe_token_changes
from services.redrive.validation import (
    RedriveRejection,
    check_control_requests,
    check_failed_and_fresh,
    check_row_states,
    check_target_metadata,
)
from services.storage.column_plan import ColumnPlan
from services.storage.columns import database_now, raw_columns
from services.storage.decode import decode_apply, decode_control_request
from services.storage.dialect_sql import id_filter, ids_per_statement
from services.storage.generation import detect
from services.storage.queries import locked_apply_rows
from services.storage.schema import applies, apply_control_requests, apply_operations, tasks

Checkpoint = Callable[[str], None]

FAILED = "failed"
FAILED_RETRYABLE = "failed_retryable"


@dataclass(frozen=True, slots=True)
class ReopenPlan:
    """Exactly what the reviewed token allows this transaction to change.

    ``token`` is what the review saw; every part of it must still hold under lock.
    ``task_ids`` / ``operation_ids`` are the review's remaining work: the rows to reopen.
    ``primary_deployment`` is the source plan's deployment (failed work elsewhere is refused).
    ``reviewed_reads`` are the review's decoded rows by raw result (``DecodedReads``): the
    locked read decodes only rows that are not byte-identical to reviewed ones, and when none
    differs the rows are verified by the review's verdict on them (``row_verdict``).
    """

    token: ReviewToken
    primary_deployment: str
    task_ids: tuple[int, ...]
    operation_ids: tuple[int, ...]
    lock_id: int
    window: timedelta
    reviewed_reads: DecodedReads | None = field(default=None, compare=False)

    @property
    def apply_id(self) -> int:
        return self.token.apply_id

    @property
    def apply_identifier(self) -> str:
        return self.token.apply_identifier


@dataclass(frozen=True, slots=True)
class LockedApply:
    """The apply row read under ``FOR UPDATE``, and the database clock in that transaction."""

    apply: Apply
    database_now: datetime


@contextmanager
def writing_transaction(engine: Engine) -> Iterator[Connection]:
    """One writing transaction: READ COMMITTED on MySQL, ``BEGIN IMMEDIATE`` on SQLite.

    Commits only when the caller calls ``conn.commit()``; leaving the block any other way
    (refusal, error, Ctrl-C) rolls back, so nothing is written.
    """
    if engine.dialect.name == "sqlite":
        conn = engine.connect()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn = engine.connect().execution_options(isolation_level="READ COMMITTED")
        conn.begin()
    try:
        yield conn
    finally:
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()


def reopen_in_transaction(
    conn: Connection, plan: ReopenPlan, seen_lock: Lock | None, checkpoint: Checkpoint
) -> LockedApply:
    """On ``conn``: lock and re-validate the apply and its rows, then reopen."""
    locked = lock_apply(conn, plan)
    storage = detect(conn)
    check_reopen_allowed(storage.generation, plan.apply_identifier)
    checkpoint("apply_locked")
    validate_apply(locked, plan)
    rows = lock_rows(conn, ColumnPlan.for_storage(storage), locked.apply, plan.reviewed_reads)
    checkpoint("rows_locked")
    check_no_active_apply(conn, locked.apply, (r.deployment for r in rows.operations.values()))
    check_blockers(conn, locked.apply, rows.tasks, rows.operations)
    verify_rows(plan, locked.apply, rows, seen_lock)
    checkpoint("validated")
    write_reopen(conn, plan, checkpoint)
    return locked


def lock_apply(conn: Connection, plan: ReopenPlan) -> LockedApply:
    """``SELECT … FROM applies WHERE id = ? FOR UPDATE`` and the database clock."""
    row = conn.execute(
        select(*raw_columns(applies)).where(applies.c.id == plan.apply_id).with_for_update()
    ).first()
    if row is None:
        raise RedriveRefused("apply not found")
    return LockedApply(apply=decode_apply(row._mapping), database_now=database_now(conn))


def validate_apply(locked: LockedApply, plan: ReopenPlan) -> None:
    """The review's checks on the locked apply row: state ``failed``, a completion time inside
    the window (database clock), and target metadata."""
    check_failed_and_fresh(locked.apply, locked.database_now, plan.window)
    check_target_metadata(locked.apply)


def _spellings(states: Iterable[str]) -> list[str]:
    """Lower-case stored spellings of canonical states (with and without ``state_``)."""
    return sorted({*states, *(f"state_{s}" for s in states)})


def _active_others(conn: Connection, condition) -> list[Row]:
    """Other applies matching ``condition`` whose state is active (normalised in Python)."""
    terminal = _spellings(APPLY_TERMINAL)
    rows = conn.execute(
        select(applies.c.id, applies.c.apply_identifier, applies.c.environment, applies.c.state)
        .where(condition, func.lower(applies.c.state).not_in(terminal))
        .order_by(applies.c.id)
    ).all()
    return [r for r in rows if is_apply_active(r.state)]


def check_no_active_apply(conn: Connection, row: Apply, deployments: Iterable[str]) -> None:
    """Refuse when another non-terminal apply exists: same target first, then database-wide."""
    deployment_set = sorted(set(deployments) | {row.deployment})
    where = f"{row.database_name}/{row.database_type}"
    same_database = and_(
        applies.c.database_name == row.database_name,
        applies.c.database_type == row.database_type,
        applies.c.id != row.id,
    )
    owns_op_in_set = (
        select(literal(1))
        .where(
            apply_operations.c.apply_id == applies.c.id,
            apply_operations.c.deployment.in_(deployment_set),
        )
        .exists()
    )
    same_target = and_(
        same_database,
        applies.c.environment == row.environment,
        or_(applies.c.deployment.in_(deployment_set), owns_op_in_set),
    )
    if hits := _active_others(conn, same_target):
        raise RedriveRejection(
            "active_apply",
            f"active apply exists for {where}/{row.environment} deployments {deployment_set}: "
            f"{_describe_applies(hits)}",
        )
    if hits := _active_others(conn, same_database):
        raise RedriveRejection(
            "active_apply", f"active apply exists for {where}: {_describe_applies(hits)}"
        )


def _describe_applies(rows: list[Row]) -> str:
    """Each apply with its state as stored (an unknown state is shown, never normalised)."""
    return ", ".join(f"{r.apply_identifier} ({r.state} in {r.environment})" for r in rows)


@dataclass(frozen=True, slots=True)
class LockedRows:
    """Every task and operation row of the apply, locked: the unsettled ones by id as a review
    reads them, the settled ones as ids (``services.storage.settled``). ``reviewed`` is the
    review's verdict on them when every read under lock was byte-identical to the review's
    (``row_verdict``), else None."""

    tasks: Mapping[int, BriefTask]
    operations: Mapping[int, BriefOperation]
    settled: SettledRows
    reviewed: RowVerdict | None = None


def lock_rows(
    conn: Connection, columns: ColumnPlan, apply: Apply, reviewed: DecodedReads | None = None
) -> LockedRows:
    """Row-lock and read every task and operation of the apply (states are checked later):
    the same split as the review's read, so a 20,000-task apply decodes only its unfinished
    rows under the lock too, and of those only the ones not identical to ``reviewed`` rows."""
    view = reviewed.looking_up() if reviewed is not None else None
    drive, reflected, operations, settled = locked_apply_rows(conn, columns, apply, view)
    return LockedRows(
        tasks={t.id: t for t in drive + reflected},
        operations={op.id: op for op in operations},
        settled=settled,
        reviewed=row_verdict(view) if view is not None and not view.missed else None,
    )


def check_blockers(
    conn: Connection,
    apply: Apply,
    task_rows: Mapping[int, BriefTask],
    op_rows: Mapping[int, BriefOperation],
) -> None:
    """The review's row checks on the rows read under lock: unknown, blocking and in-flight
    task and operation states, then pending stop/cancel control requests (same codes and
    messages as the review, because they are the same functions). Settled rows are stored
    exactly ``completed``, which no check refuses."""
    ident = apply.apply_identifier
    check_row_states(ident, task_rows.values(), op_rows.values())
    requests = conn.execute(
        select(*raw_columns(apply_control_requests))
        .where(apply_control_requests.c.apply_id == apply.id)
        .order_by(apply_control_requests.c.id)
    ).all()
    check_control_requests(ident, (decode_control_request(r._mapping) for r in requests))


def verify_rows(plan: ReopenPlan, apply: Apply, rows: LockedRows, seen_lock: Lock | None) -> None:
    """The rows under lock are the reviewed ones (token), and the shared definition of remaining
    work (``reconstruct_remaining_work``) on them selects exactly the rows to reopen. Rows read
    byte-identical to the review's take the review's token rows and remaining work
    (``rows.reviewed``, ``services.redrive.row_verdict``); the apply row and the lock are
    always those read under lock."""
    known = rows.reviewed
    if known is not None and known.deployment != plan.primary_deployment:
        known = None
    if known is not None:  # the apply row and the lock read now, the rows' states the review's
        token = replace(
            build_token(apply, (), (), seen_lock, plan.token.fingerprint),
            task_states=known.task_states,
            operation_states=known.operation_states,
        )
    else:
        token = build_token(
            apply,
            rows.tasks.values(),
            rows.operations.values(),
            seen_lock,
            plan.token.fingerprint,
            settled=rows.settled,
        )
    now = replace(  # the pre-flight was compared by the caller, on the under-lock review
        token,
        preflight_fingerprint=plan.token.preflight_fingerprint,
        preflight_verdict=plan.token.preflight_verdict,
        preflight_deep=plan.token.preflight_deep,
    )
    if changes := describe_token_changes(plan.token, now):
        raise RedriveRefused(
            f"apply {plan.apply_identifier} changed since the review: {'; '.join(changes)}; "
            "review again"
        )
    if known is not None:
        reopens = (known.task_ids, known.operation_ids)
    else:
        work = reconstruct_remaining_work(
            apply, rows.tasks.values(), rows.operations.values(), plan.primary_deployment
        )
        reopens = (work.task_ids, work.operation_ids)
    if reopens != (plan.task_ids, plan.operation_ids):
        raise RedriveRefused(
            f"apply {plan.apply_identifier}: the rows to reopen (tasks {list(plan.task_ids)}, "
            f"operations {list(plan.operation_ids)}) are not its remaining work under lock "
            f"(tasks {list(reopens[0])}, operations {list(reopens[1])}); review again"
        )


def write_reopen(conn: Connection, plan: ReopenPlan, checkpoint: Checkpoint) -> None:
    """Reopen exactly the planned tasks and operations, then compare-and-swap the apply."""
    reopen_tasks = (
        update(tasks)
        .where(
            tasks.c.apply_id == plan.apply_id,
            func.lower(tasks.c.state).in_(_spellings(REOPENABLE_TASK_STATES)),
        )
        .values(
            state=FAILED_RETRYABLE, error_message=None, completed_at=None, updated_at=func.now()
        )
    )
    _update_in_chunks(conn, plan, "tasks", reopen_tasks, tasks.c.id, plan.task_ids)
    checkpoint("tasks_reopened")
    reopen_operations = (
        update(apply_operations)
        .where(
            apply_operations.c.apply_id == plan.apply_id,
            func.lower(apply_operations.c.state).in_(_spellings({FAILED})),
        )
        .values(
            state=FAILED_RETRYABLE,
            error_message=None,
            completed_at=None,
            updated_at=func.now(),
            lease_owner="",
            lease_token="",
            lease_acquired_at=None,
        )
    )
    _update_in_chunks(
        conn, plan, "operations", reopen_operations, apply_operations.c.id, plan.operation_ids
    )
    checkpoint("operations_reopened")
    swapped = conn.execute(
        update(applies)
        .where(applies.c.id == plan.apply_id, func.lower(applies.c.state).in_(_spellings({FAILED})))
        .values(
            state=FAILED_RETRYABLE,
            error_message="",
            attempt=0,
            completed_at=None,
            updated_at=func.now(),
            lease_owner="",
            lease_token="",
            lease_acquired_at=None,
            lock_id=plan.lock_id,
        )
    ).rowcount
    if swapped != 1:
        raise RedriveRefused(f"apply {plan.apply_identifier} changed before redrive")
    checkpoint("apply_reopened")


def _update_in_chunks(
    conn: Connection,
    plan: ReopenPlan,
    what: str,
    statement: Update,
    id_column: ColumnElement[int],
    ids: Sequence[int],
) -> None:
    """Run ``statement`` for ``ids`` in chunks (``dialect_sql.ids_per_statement``: a 20,000-task
    apply is a few statements, each of bounded size), in the caller's transaction; a chunk's
    ids are filtered in the dialect's shape (``dialect_sql.id_filter``: one bound array on
    PostgreSQL, runs on MySQL), a shape whose SQL is compiled once. Every chunk must change
    exactly its own rows: one that changes fewer stops the reopen (the caller rolls back)."""
    dialect = conn.dialect.name
    size = ids_per_statement(dialect)
    done = 0
    for start in range(0, len(ids), size):
        chunk = list(ids[start : start + size])
        chunk_filter = id_filter(dialect, id_column, chunk)
        changed = conn.execute(statement.where(chunk_filter.clause), chunk_filter.params).rowcount
        if changed != len(chunk):
            _expect_rows(plan, what, done + changed, len(ids))
        done += changed


def _expect_rows(plan: ReopenPlan, what: str, changed: int, expected: int) -> None:
    if changed != expected:
        raise RedriveRefused(
            f"apply {plan.apply_identifier} changed before redrive: {changed} of {expected} "
            f"{what} could be reopened"
        )
