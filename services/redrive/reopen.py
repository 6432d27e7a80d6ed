"""The reopen transaction (redrive-semantics §7): re-validate under row locks, reopen exact rows.

Everything here runs on the caller's open transaction, after the named lock and the ``locks``
row are held (lock order, P5). Each check raises ``RedriveRefused`` with the spec's text or a
precise "what changed" message; the caller rolls back, so a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Table, Text, and_, func, literal, or_, select, type_coerce, update
from sqlalchemy.engine import Connection, Engine, Row

from services.domain.errors import MalformedRowError, RedriveRefused
from services.domain.models import Apply, Lock
from services.domain.states import (
    APPLY_TERMINAL,
    BLOCKING_OPERATION_STATES,
    OPERATION_STATES,
    REOPENABLE_TASK_STATES,
    TASK_STATES,
    is_apply_active,
    normalize_state,
)
from services.redrive.model import ReviewToken
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.token import build_token, describe_token_changes
from services.redrive.validation import (
    BLOCKING_CONTROL_OPERATIONS,
    BLOCKING_TASK_STATES,
    check_failed_and_fresh,
)
from services.storage.decode import decode_apply
from services.storage.schema import applies, apply_control_requests, apply_operations, tasks

Checkpoint = Callable[[str], None]

FAILED = "failed"
FAILED_RETRYABLE = "failed_retryable"


@dataclass(frozen=True, slots=True)
class ReopenPlan:
    """Exactly what the reviewed token allows this transaction to change.

    ``token`` is what the review saw; every part of it must still hold under lock.
    ``task_ids`` / ``operation_ids`` are the review's remaining work: the rows to reopen.
    ``primary_deployment`` is the source plan's deployment (§5 step 4).
    """

    token: ReviewToken
    primary_deployment: str
    task_ids: tuple[int, ...]
    operation_ids: tuple[int, ...]
    lock_id: int
    window: timedelta

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
    """§7 steps 2-11 on ``conn``: lock and re-validate the apply and its rows, then reopen."""
    locked = lock_apply(conn, plan)
    checkpoint("apply_locked")
    validate_apply(locked, plan)
    task_rows, op_rows = lock_rows(conn, plan.apply_id)
    checkpoint("rows_locked")
    check_no_active_apply(conn, locked.apply, (r.deployment for r in op_rows.values()))
    check_blockers(conn, plan.apply_identifier, plan.apply_id, task_rows, op_rows)
    verify_rows(plan, locked.apply, task_rows, op_rows, seen_lock)
    checkpoint("validated")
    write_reopen(conn, plan, checkpoint)
    return locked


def database_now(conn: Connection) -> datetime:
    """The database clock (``NOW()``; UTC ``CURRENT_TIMESTAMP`` on SQLite), read on ``conn``."""
    value = conn.execute(select(func.now())).scalar_one()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(microsecond=0, tzinfo=None)


def lock_apply(conn: Connection, plan: ReopenPlan) -> LockedApply:
    """``SELECT … FROM applies WHERE id = ? FOR UPDATE`` and the database clock."""
    row = conn.execute(
        select(*_columns(applies)).where(applies.c.id == plan.apply_id).with_for_update()
    ).first()
    if row is None:
        raise RedriveRefused("apply not found")
    return LockedApply(apply=decode_apply(row._mapping), database_now=database_now(conn))


def validate_apply(locked: LockedApply, plan: ReopenPlan) -> None:
    """State ``failed``, a completion time inside the window (database clock), target metadata."""
    row = locked.apply
    check_failed_and_fresh(row, locked.database_now, plan.window)
    target = (row.database_name, row.database_type, row.environment, row.deployment)
    if not all((part or "").strip() for part in target):
        raise RedriveRefused(f"apply {row.apply_identifier} is missing target metadata for redrive")


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
    """Refuse when another non-terminal apply exists: same target first, then database-wide (P6)."""
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
        raise RedriveRefused(
            f"active apply exists for {where}/{row.environment} deployments {deployment_set}: "
            f"{_describe_applies(hits)}"
        )
    if hits := _active_others(conn, same_database):
        raise RedriveRefused(f"active apply exists for {where}: {_describe_applies(hits)}")


def _describe_applies(rows: list[Row]) -> str:
    return ", ".join(
        f"{r.apply_identifier} ({normalize_state(r.state)} in {r.environment})" for r in rows
    )


@dataclass(frozen=True, slots=True)
class LockedTask:
    """The columns of a ``tasks`` row that the token and the remaining-work definition read.

    Reading only these keeps the ``FOR UPDATE`` read of thousands of rows cheap; the type is
    interchangeable with ``Task`` for ``build_token`` and ``reconstruct_remaining_work``.
    """

    id: int
    apply_id: int
    apply_operation_id: int | None
    namespace: str
    table_name: str | None
    shard: str
    state: str


@dataclass(frozen=True, slots=True)
class LockedOperation:
    """The columns of an ``apply_operations`` row the checks read (see ``LockedTask``)."""

    id: int
    apply_id: int
    deployment: str
    operation_key: str
    operation_kind: str
    state: str


def lock_rows(
    conn: Connection, apply_id: int
) -> tuple[dict[int, LockedTask], dict[int, LockedOperation]]:
    """Row-lock and read every task and operation of the apply; unknown states are refused."""
    t, o = tasks.c, apply_operations.c
    task_rows = conn.execute(
        select(t.id, t.apply_id, t.apply_operation_id, t.namespace, t.table_name, t.shard, t.state)
        .where(t.apply_id == apply_id)
        .order_by(t.id)
        .with_for_update()
    ).all()
    op_rows = conn.execute(
        select(o.id, o.apply_id, o.deployment, o.operation_key, o.operation_kind, o.state)
        .where(o.apply_id == apply_id)
        .order_by(o.id)
        .with_for_update()
    ).all()
    locked_tasks = {row[0]: LockedTask(*row) for row in task_rows}
    locked_ops = {row[0]: LockedOperation(*row) for row in op_rows}
    _check_known_states("tasks", locked_tasks.values(), TASK_STATES)
    _check_known_states("apply_operations", locked_ops.values(), OPERATION_STATES)
    return locked_tasks, locked_ops


def _check_known_states(table: str, rows: Iterable, vocabulary: frozenset[str]) -> None:
    """An unknown state is refused (typed error naming the row), never guessed."""
    for state in {row.state for row in rows}:
        if normalize_state(state) not in vocabulary:
            row_id = next(row.id for row in rows if row.state == state)
            raise MalformedRowError(table, row_id, "state", f"unknown state {state!r}")


def _columns(table: Table) -> list:
    """Every column, JSON columns as raw text (decoded, with typed errors, by ``decode``)."""
    return [
        type_coerce(c, Text()).label(c.name) if isinstance(c.type, JSON) else c
        for c in table.columns
    ]


def check_blockers(
    conn: Connection,
    ident: str,
    apply_id: int,
    task_rows: Mapping[int, LockedTask],
    op_rows: Mapping[int, LockedOperation],
) -> None:
    """Stopped/cancelled/reverted operations, still-active operations, stopped or reverted tasks,
    and pending stop/cancel control requests all refuse the redrive (§7 step 8, P14)."""
    op_states = [normalize_state(r.state) for r in op_rows.values()]
    blocking = sum(1 for s in op_states if s in BLOCKING_OPERATION_STATES)
    if blocking:
        raise RedriveRefused(
            f"apply {ident} has {blocking} stopped, cancelled, or reverted operation(s); "
            "create a new apply instead"
        )
    active = sorted(s for s in op_states if s not in APPLY_TERMINAL)
    if active:
        raise RedriveRefused(
            f"apply {ident} has {len(active)} operation(s) still in a non-terminal state "
            f"({', '.join(sorted(set(active)))}); create a new apply instead"
        )
    stuck = sorted({normalize_state(r.state) for r in task_rows.values()} & BLOCKING_TASK_STATES)
    if stuck:
        raise RedriveRefused(
            f"apply {ident} has task(s) in state {', '.join(stuck)}; create a new apply instead"
        )
    pending = conn.execute(
        select(apply_control_requests.c.operation, apply_control_requests.c.requested_by).where(
            apply_control_requests.c.apply_id == apply_id,
            func.lower(apply_control_requests.c.status) == "pending",
        )
    ).all()
    for request in pending:
        if request.operation.lower() in BLOCKING_CONTROL_OPERATIONS:
            by = f" by {request.requested_by}" if request.requested_by else ""
            raise RedriveRefused(
                f"apply {ident} has a pending {request.operation.lower()} request{by}; "
                "it would act on the reopened apply, resolve it first"
            )


def verify_rows(
    plan: ReopenPlan,
    apply: Apply,
    task_rows: Mapping[int, LockedTask],
    op_rows: Mapping[int, LockedOperation],
    seen_lock: Lock | None,
) -> None:
    """The rows under lock are the reviewed ones (token), and the shared definition of remaining
    work (``reconstruct_remaining_work``) on them selects exactly the rows to reopen (P1)."""
    now = build_token(
        apply, task_rows.values(), op_rows.values(), seen_lock, plan.token.fingerprint
    )
    if changes := describe_token_changes(plan.token, now):
        raise RedriveRefused(
            f"apply {plan.apply_identifier} changed since the review: {'; '.join(changes)}; "
            "review again"
        )
    work = reconstruct_remaining_work(
        apply, task_rows.values(), op_rows.values(), plan.primary_deployment
    )
    if (work.task_ids, work.operation_ids) != (plan.task_ids, plan.operation_ids):
        raise RedriveRefused(
            f"apply {plan.apply_identifier}: the rows to reopen (tasks {list(plan.task_ids)}, "
            f"operations {list(plan.operation_ids)}) are not its remaining work under lock "
            f"(tasks {list(work.task_ids)}, operations {list(work.operation_ids)}); review again"
        )


def write_reopen(conn: Connection, plan: ReopenPlan, checkpoint: Checkpoint) -> None:
    """Reopen exactly the planned tasks and operations, then compare-and-swap the apply."""
    if plan.task_ids:
        reopened = conn.execute(
            update(tasks)
            .where(
                tasks.c.apply_id == plan.apply_id,
                tasks.c.id.in_(plan.task_ids),
                func.lower(tasks.c.state).in_(_spellings(REOPENABLE_TASK_STATES)),
            )
            .values(
                state=FAILED_RETRYABLE, error_message=None, completed_at=None, updated_at=func.now()
            )
        ).rowcount
        _expect_rows(plan, "tasks", reopened, len(plan.task_ids))
    checkpoint("tasks_reopened")
    if plan.operation_ids:
        reopened = conn.execute(
            update(apply_operations)
            .where(
                apply_operations.c.apply_id == plan.apply_id,
                apply_operations.c.id.in_(plan.operation_ids),
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
        ).rowcount
        _expect_rows(plan, "operations", reopened, len(plan.operation_ids))
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


def _expect_rows(plan: ReopenPlan, what: str, changed: int, expected: int) -> None:
    if changed != expected:
        raise RedriveRefused(
            f"apply {plan.apply_identifier} changed before redrive: {changed} of {expected} "
            f"{what} could be reopened"
        )
