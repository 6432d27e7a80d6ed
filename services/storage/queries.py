"""Read queries of the console: the triage list and the per-apply loads.

Every function takes an open ``Connection`` and runs a fixed number of statements whatever the
number of rows (no N+1): page queries fetch the page, then one grouped query per child table
with ``apply_id IN (page ids)``. JSON columns are read as text and decoded in Python so a
malformed value becomes a typed error instead of a driver exception.
"""

from __future__ import annotations

import json
import pickle
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
)

from services.collector import collector_paused
from services.domain.decoded_reads import DecodedReads
from services.domain.drive_rows import is_drive_task
from services.domain.errors import AmbiguousApplyError, MalformedRowError
from services.domain.lock_owner import UnnamedLock, unnamed_lock
from services.domain.models import (
    Apply,
    ApplyBundle,
    ApplyOperation,
    BriefOperation,
    BriefTask,
    LogEntry,
    PendingDrop,
    SettledRows,
    Task,
)
from services.domain.states import (
    BLOCKING_OPERATION_STATES,
    StateTally,
    normalize_state,
)
from services.storage import decode, settled
from services.storage.column_plan import ColumnPlan, pending_drops
from services.storage.columns import database_now, now_column
from services.storage.cursor import TriageCursor
from services.storage.dialect_sql import (
    PACKS_ROWS,
    desc_nulls_last,
    id_filter,
    id_list,
    json_rows,
)
from services.storage.generation import detect
from services.storage.schema import (
    applies,
    apply_control_requests,
    apply_logs,
    apply_operations,
    locks,
    plans,
    tasks,
)
from services.storage.sql_text import equals_exactly, starts_with_exactly

TaskT = TypeVar("TaskT", bound=BriefTask)
REDRIVE_MESSAGE_PREFIXES = ("Redrive requested by user", "Reapply requested by user")
FAILED_STATE_SPELLINGS = ("failed", "state_failed")

# Newest failure first. ``state`` sits between the two keys so the order is exactly the order
# of ``idx_completed_at_state`` (+ the primary key): MySQL walks that index backwards and stops
# after one page, with no sort. For rows stored with one spelling (SchemaBot writes lowercase
# ``failed``) this is the (completed_at DESC, id DESC) order.
TRIAGE_ORDER = (
    desc_nulls_last(applies.c.completed_at),
    applies.c.state.desc(),
    applies.c.id.desc(),
)


def column_plan(conn: Connection, plan: ColumnPlan | None) -> ColumnPlan:
    """``plan``, or (for callers without a ``Storage``) the plan of a fresh catalog read."""
    return plan if plan is not None else ColumnPlan.for_storage(detect(conn))


# -- column helpers ------------------------------------------------------------------------


def _part(row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The columns of one joined table, prefix removed."""
    return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}


def _redrive_message() -> ColumnElement[bool]:
    """An audit row written by a redrive (SchemaBot v1/v2 and v3/main wording), exact case."""
    return or_(*(starts_with_exactly(apply_logs.c.message, p) for p in REDRIVE_MESSAGE_PREFIXES))


def _lock_of_apply(lk=locks.c) -> ColumnElement[bool]:
    """The database lock of an apply: the ``locks`` rows of its (database_name, database_type)."""
    a = applies.c
    return and_(lk.database_name == a.database_name, lk.database_type == a.database_type)


def _locks_per_database():
    """One row per locked (database, type): every lock id, the named owners and the owner.

    Grouped so that duplicate ``locks`` rows (storage without SchemaBot's unique index) never
    repeat an apply on the triage page; ``owner`` is only meaningful for a single row.
    """
    lk = locks.c
    return (
        select(
            lk.database_name,
            lk.database_type,
            id_list(lk.id).label("ids"),
            func.count(lk.owner).label("named"),
            func.min(lk.id).label("id"),
            func.max(lk.owner).label("owner"),
            func.min(lk.created_at).label("created_at"),
        )
        .group_by(lk.database_name, lk.database_type)
        .subquery("lock_rows")
    )


def _applies_sharing_identifier() -> ColumnElement[int]:
    """How many ``applies`` rows carry this row's identifier (more than 1: ambiguous)."""
    other = applies.alias("same_identifier")
    return (
        select(func.count())
        .where(other.c.apply_identifier == applies.c.apply_identifier)
        .scalar_subquery()
        .label("identifier_rows")
    )


def _operation_key_of_task() -> ColumnElement[str]:
    t = tasks.c
    return t.namespace + literal("/") + t.shard + literal("/") + func.coalesce(t.table_name, "")


def _drive_task_join():
    """tasks LEFT JOIN their owning op of the same apply."""
    o = apply_operations.c
    return tasks.outerjoin(
        apply_operations,
        and_(o.id == tasks.c.apply_operation_id, o.apply_id == tasks.c.apply_id),
    )


def _is_drive_row() -> ColumnElement[bool]:
    """A drive row: unsharded, or owned by the work op keyed ``ns/shard/table``."""
    o = apply_operations.c
    return or_(
        tasks.c.shard == "",
        and_(
            func.lower(func.trim(o.operation_kind)) == "work",
            equals_exactly(o.operation_key, _operation_key_of_task()),
        ),
    )


# -- triage --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriageRecord:
    """One failed apply with the counts the triage list shows.

    Raw columns are always set (a NULL text column reads as ""); ``apply`` is None and
    ``problem`` says why when the row (or a child row's state) cannot be decoded, so one bad
    row never breaks the page. ``unnamed_lock`` is set when the database's lock has no
    nameable owner; ``identifier_rows`` counts the applies sharing this identifier.
    ``task_states`` / ``operation_states`` are the stored states with their row counts, for
    the review's state rule.
    Task counts are over drive rows (not reflected per-shard progress rows). ``retry_after``,
    ``superseded_by``, ``throttled_tasks`` and ``pending_drops`` (tables of the apply
    quarantined instead of dropped) exist only in G2 storage; elsewhere they stay None / 0.
    """

    id: int
    apply_identifier: str
    database_name: str
    database_type: str
    environment: str
    deployment: str
    state: str
    attempt: int
    error_message: str | None
    completed_at: datetime | None
    apply: Apply | None
    failed_tasks: int = 0
    cancelled_tasks: int = 0
    completed_tasks: int = 0
    total_tasks: int = 0
    failed_operations: int = 0
    failed_operations_elsewhere: int = 0
    blocking_operations: int = 0
    pending_controls: tuple[str, ...] = ()
    lock_id: int | None = None
    lock_owner: str | None = None
    lock_created_at: datetime | None = None
    redrive_count: int = 0
    problem: str | None = None
    unnamed_lock: UnnamedLock | None = None
    identifier_rows: int = 1
    task_states: tuple[StateTally, ...] = ()
    operation_states: tuple[StateTally, ...] = ()
    retry_after: datetime | None = None
    superseded_by: str | None = None
    throttled_tasks: int = 0
    pending_drops: int = 0

    @property
    def pending_stop_or_cancel(self) -> tuple[str, ...]:
        return tuple(op for op in self.pending_controls if op in {"stop", "cancel"})


@dataclass(frozen=True, slots=True)
class TriageResult:
    """A keyset page of failed applies; ``next_cursor`` is None on the last page."""

    records: tuple[TriageRecord, ...]
    database_now: datetime
    next_cursor: str | None = None


def _pending_drops_of_apply() -> ColumnElement[int]:
    """How many pending drops (G2 quarantined tables) name a table of this apply's tasks."""
    pd = pending_drops.c
    tables_of_apply = (
        select(tasks.c.table_name)
        .where(tasks.c.apply_id == applies.c.id)
        .correlate_except(tasks)  # ``applies`` is the page's row, two levels out
    )
    return (
        select(func.count())
        .where(
            pd.database_name == applies.c.database_name,
            pd.environment == applies.c.environment,
            pd.original_table.in_(tables_of_apply),
        )
        .scalar_subquery()
        .label("pending_drops")
    )


def _triage_page_query(
    plan: ColumnPlan,
    *,
    environment: str | None,
    database: str | None,
    since: datetime | None,
    after: TriageCursor | None,
    limit: int,
) -> Select:
    a = applies.c
    lock_rows = _locks_per_database()
    lk = lock_rows.c
    conditions: list[ColumnElement[bool]] = [func.lower(a.state).in_(FAILED_STATE_SPELLINGS)]
    if since is not None:
        conditions.append(a.completed_at >= since)
    if environment is not None:
        conditions.append(a.environment == environment)
    if database is not None:
        conditions.append(a.database_name == database)
    if after is not None:
        conditions.append(_after_cursor(after, include_null=since is None))
    extra = [_pending_drops_of_apply()] if plan.has_pending_drops else []
    return (
        select(
            *plan.columns(applies),
            *extra,
            lk.id.label("lock_row_id"),
            lk.ids.label("lock_ids"),
            lk.named.label("lock_named"),
            lk.owner.label("lock_owner"),
            lk.created_at.label("lock_created_at"),
            _applies_sharing_identifier(),
            now_column(),
        )
        .select_from(applies.outerjoin(lock_rows, _lock_of_apply(lk)))
        .where(*conditions)
        .order_by(*TRIAGE_ORDER)
        .limit(limit + 1)
    )


def _after_cursor(after: TriageCursor, *, include_null: bool) -> ColumnElement[bool]:
    """Rows after ``after`` in ``TRIAGE_ORDER`` (NULL ``completed_at`` last)."""
    a = applies.c
    same_time_later = or_(
        a.state < after.state, and_(a.state == after.state, a.id < after.apply_id)
    )
    if after.completed_at is None:
        return and_(a.completed_at.is_(None), same_time_later)
    later = [
        a.completed_at < after.completed_at,
        and_(a.completed_at == after.completed_at, same_time_later),
    ]
    if include_null:
        later.append(a.completed_at.is_(None))
    return or_(*later)


def triage(
    conn: Connection,
    *,
    environment: str | None = None,
    database: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 200,
    plan: ColumnPlan | None = None,
) -> TriageResult:
    """Failed applies, newest failure first, with counts; at most 5 statements per page.

    ``since`` keeps applies whose ``completed_at >= since`` (None: any age, NULL last).
    ``cursor`` is the ``next_cursor`` of the previous page (``InvalidCursorError`` if garbled).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    after = TriageCursor.decode(cursor) if cursor else None
    plan = column_plan(conn, plan)
    query = _triage_page_query(
        plan, environment=environment, database=database, since=since, after=after, limit=limit
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    now = rows[0]["database_now"] if rows else database_now(conn)
    page, more = rows[:limit], len(rows) > limit
    ids = [int(r["id"]) for r in page]
    children = _triage_children(conn, ids, plan) if ids else _Children()
    records = tuple(_triage_record(r, children) for r in page)
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = TriageCursor(last["completed_at"], last["state"], int(last["id"])).encode()
    return TriageResult(records=records, database_now=now, next_cursor=next_cursor)


def count_failed_before(
    conn: Connection, *, since: datetime, environment: str | None, database: str | None
) -> int:
    """How many failed applies the triage page with ``since`` leaves out (``completed_at``
    before ``since``, or NULL), with the same filters: one COUNT over the completion index."""
    a = applies.c
    conditions: list[ColumnElement[bool]] = [
        func.lower(a.state).in_(FAILED_STATE_SPELLINGS),
        or_(a.completed_at < since, a.completed_at.is_(None)),
    ]
    if environment is not None:
        conditions.append(a.environment == environment)
    if database is not None:
        conditions.append(a.database_name == database)
    return int(
        conn.execute(select(func.count()).select_from(applies).where(*conditions)).scalar_one()
    )


@dataclass
class _Children:
    """Per-apply aggregates of the page's child rows."""

    task_states: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    throttled: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    op_states: dict[int, list[tuple[str, str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    pending: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    redrives: dict[int, int] = field(default_factory=dict)


def _throttled_count(plan: ColumnPlan) -> ColumnElement[int]:
    """How many rows of the group SchemaBot throttles (0 where ``tasks.throttled`` is absent)."""
    throttled = plan.column(tasks, "throttled")
    if throttled is None:
        return literal(0)
    return func.coalesce(func.sum(cast(throttled, Integer)), 0)


def _triage_children(conn: Connection, ids: Sequence[int], plan: ColumnPlan) -> _Children:
    """Four grouped statements over the page's applies: tasks, ops, controls, redrives."""
    t, o, cr, lg = tasks.c, apply_operations.c, apply_control_requests.c, apply_logs.c
    dialect = conn.dialect.name
    children = _Children()
    of_tasks = id_filter(dialect, t.apply_id, ids)
    task_rows = conn.execute(
        select(t.apply_id, t.state, func.count(), _throttled_count(plan))
        .select_from(_drive_task_join())
        .where(of_tasks.clause, _is_drive_row())
        .group_by(t.apply_id, t.state),
        of_tasks.params,
    )
    for apply_id, state, count, throttled in task_rows:
        children.task_states[int(apply_id)].append((state, int(count)))
        children.throttled[int(apply_id)] += int(throttled or 0)
    of_operations = id_filter(dialect, o.apply_id, ids)
    op_rows = conn.execute(
        select(o.apply_id, o.deployment, o.state, func.count())
        .where(of_operations.clause)
        .group_by(o.apply_id, o.deployment, o.state),
        of_operations.params,
    )
    for apply_id, deployment, state, count in op_rows:
        children.op_states[int(apply_id)].append((deployment, state, int(count)))
    of_controls = id_filter(dialect, cr.apply_id, ids)
    control_rows = conn.execute(
        select(cr.apply_id, cr.operation).where(
            of_controls.clause, func.lower(cr.status) == "pending"
        ),
        of_controls.params,
    )
    for apply_id, operation in control_rows:
        children.pending[int(apply_id)].append(operation.lower())
    of_logs = id_filter(dialect, lg.apply_id, ids)
    redrive_rows = conn.execute(
        select(lg.apply_id, func.count())
        .where(of_logs.clause, _redrive_message())
        .group_by(lg.apply_id),
        of_logs.params,
    )
    children.redrives = {int(apply_id): int(count) for apply_id, count in redrive_rows}
    return children


def _triage_record(row: dict[str, Any], children: _Children) -> TriageRecord:
    apply_id = int(row["id"])
    problems: list[str] = []
    try:
        apply: Apply | None = decode.decode_apply(row)
    except MalformedRowError as exc:
        apply, problems = None, [str(exc)]
    counts = {"failed": 0, "cancelled": 0, "completed": 0}
    total = 0
    for state, count in children.task_states.get(apply_id, ()):
        normalized = normalize_state(state)
        if normalized in counts:
            counts[normalized] += count
        total += count
    failed_ops = elsewhere = blocking = 0
    for deployment, state, count in children.op_states.get(apply_id, ()):
        normalized = normalize_state(state)
        if normalized == "failed":
            failed_ops += count
            if deployment != _text(row["deployment"]):
                elsewhere += count
        elif normalized in BLOCKING_OPERATION_STATES:
            blocking += count
    lock = _page_lock(row)
    return TriageRecord(
        id=apply_id,
        apply_identifier=_text(row["apply_identifier"]),
        database_name=_text(row["database_name"]),
        database_type=_text(row["database_type"]),
        environment=_text(row["environment"]),
        deployment=_text(row["deployment"]),
        state=_text(row["state"]),
        attempt=int(row["attempt"] or 0),
        error_message=row["error_message"],
        completed_at=row["completed_at"],
        apply=apply,
        failed_tasks=counts["failed"],
        cancelled_tasks=counts["cancelled"],
        completed_tasks=counts["completed"],
        total_tasks=total,
        failed_operations=failed_ops,
        failed_operations_elsewhere=elsewhere,
        blocking_operations=blocking,
        pending_controls=tuple(sorted(set(children.pending.get(apply_id, ())))),
        lock_id=row["lock_row_id"],
        lock_owner=row["lock_owner"] if lock is None else None,
        lock_created_at=row["lock_created_at"],
        redrive_count=children.redrives.get(apply_id, 0),
        problem="; ".join(problems) or None,
        unnamed_lock=lock,
        identifier_rows=int(row["identifier_rows"] or 1),
        task_states=tuple(StateTally(s, c) for s, c in children.task_states.get(apply_id, ())),
        operation_states=tuple(
            StateTally(s, c) for _, s, c in children.op_states.get(apply_id, ())
        ),
        retry_after=row.get("retry_after"),
        superseded_by=row.get("superseded_by") or None,
        throttled_tasks=children.throttled.get(apply_id, 0),
        pending_drops=int(row.get("pending_drops") or 0),
    )


def _text(value: object) -> str:
    """A raw text column for display; NULL (already reported by the decoder) reads as ""."""
    return "" if value is None else str(value)


def _page_lock(row: Mapping[str, Any]) -> UnnamedLock | None:
    """The grouped lock columns of a triage row -> its unnamed-lock problem, if any."""
    if row["lock_ids"] is None:
        return None
    ids = [int(i) for i in str(row["lock_ids"]).split(",")]
    owners = [row["lock_owner"] if row["lock_named"] else None] * len(ids)
    database = (_text(row["database_name"]), _text(row["database_type"]))
    return unnamed_lock(*database, list(zip(ids, owners, strict=True)))


# -- one apply -----------------------------------------------------------------------------


def _apply_head_query(plan: ColumnPlan, apply_identifier: str) -> Select:
    """The apply with its source plan, its database lock, the redrive count, NOW() and the
    id lists of its tasks and operations (``services.storage.settled``).

    One row per (apply, lock) pair: more than one only in storage without SchemaBot's unique
    indexes, which ``load_bundle`` turns into a refusal or an unnamed lock.
    """
    a, p = applies.c, plans.c
    redrives = (
        select(func.count())
        .where(apply_logs.c.apply_id == a.id, _redrive_message())
        .scalar_subquery()
        .label("redrive_count")
    )
    task_ids, operation_ids = settled.row_lists(plan, a.id)
    return (
        select(
            *plan.columns(applies, "a_"),
            *plan.columns(plans, "p_"),
            *plan.columns(locks, "l_"),
            redrives,
            now_column(),
            task_ids.label("task_ids"),
            operation_ids.label("operation_ids"),
        )
        .select_from(applies.outerjoin(plans, p.id == a.plan_id).outerjoin(locks, _lock_of_apply()))
        .where(a.apply_identifier == apply_identifier)
        .order_by(a.id, locks.c.id)
    )


# SchemaBot's loader orders: tasks newest first, operations oldest first.
_TASK_ORDER = (tasks.c.created_at.desc(), tasks.c.id.desc())
_OPERATION_ORDER = (apply_operations.c.created_at, apply_operations.c.id)


def _decoded(
    conn: Connection,
    query: Select,
    reader,
    order: Sequence[ColumnElement] = (),
    reads: DecodedReads | None = None,
    params: Mapping[str, Any] | None = None,
):
    """The rows of ``query`` (with its ``params``) in ``order``, decoded by position
    (``decode.task_reader`` and the like). Where the dialect packs rows
    (``dialect_sql.PACKS_ROWS``) and no column needs the driver's type conversion (a DATETIME
    arrives as text in JSON), the rows come as one JSON text; a text the server cut (its row
    count says so) is read again as rows. With ``reads``, a result identical to one decoded
    before (same decoder, columns and text or values) gives the rows decoded then
    (``DecodedReads``)."""
    columns = list(query.selected_columns)
    names = tuple(c.name for c in columns)
    read = reader(names)
    if conn.dialect.name in PACKS_ROWS and not any(
        isinstance(c.type, DateTime | JSON) for c in columns
    ):
        packed = query.with_only_columns(func.count(), json_rows(columns, order))
        count, text = conn.execute(packed, params).one()
        raw = (reader, names, count, text)  # only a whole text is ever kept
        if reads is not None and (known := reads.known(raw)) is not None:
            return known
        rows = _json_rows(text, count, len(columns))
        if rows is not None:
            return _kept(reads, raw, [read(row) for row in rows])
    result = conn.execute(query.order_by(*order), params)
    if reads is None:
        return [read(row) for row in result]
    values = [tuple(row) for row in result.fetchall()]
    # Equal bytes unpickle to equal values (a false miss costs a decode, never a false hit).
    raw = (reader, names, pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL))
    if (known := reads.known(raw)) is not None:
        return known
    return _kept(reads, raw, [read(row) for row in values])


def _kept(reads: DecodedReads | None, raw: tuple, rows: list[Any]) -> list[Any]:
    if reads is not None:
        reads.keep(raw, rows)
    return rows


def _json_rows(text: str | None, count: int, width: int) -> list[list[Any]] | None:
    """The rows of a ``json_rows`` text, or None when the server cut it: not JSON any more, or
    short of rows or of values (``first_null`` is the last column, so a cut last row never
    parses)."""
    if not count:
        return []
    try:
        rows = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(rows, list) or len(rows) != count:
        return None
    return rows if all(isinstance(r, list) and len(r) == width for r in rows) else None


def _tasks_of(conn: Connection, plan: ColumnPlan, apply_id: int) -> list[Task]:
    query = select(*plan.columns(tasks, only=decode.TASK_COLUMNS)).where(
        tasks.c.apply_id == apply_id
    )
    return _decoded(conn, query, decode.task_reader, _TASK_ORDER)


def _operations_of(conn: Connection, plan: ColumnPlan, apply_id: int) -> list[ApplyOperation]:
    query = select(*plan.columns(apply_operations, only=decode.OPERATION_COLUMNS)).where(
        apply_operations.c.apply_id == apply_id
    )
    return _decoded(conn, query, decode.operation_reader, _OPERATION_ORDER)


ApplyRows = tuple[
    tuple[BriefTask, ...], tuple[BriefTask, ...], tuple[BriefOperation, ...], SettledRows
]


@collector_paused()
def locked_apply_rows(
    conn: Connection, plan: ColumnPlan, apply: Apply, reviewed: DecodedReads | None = None
) -> ApplyRows:
    """``apply_rows`` of the apply in the caller's writing transaction, every task and
    operation row of the apply locked ``FOR UPDATE`` by the first statement. With the review's
    ``reviewed`` reads, row lists and rows identical to the reviewed ones are not parsed or
    decoded again; given a view that only looks up (``DecodedReads.looking_up``), it is the
    one used, so its ``missed`` tells the caller whether every read was the review's."""
    reads = reviewed.looking_up() if reviewed is not None and reviewed.keeps else reviewed
    listed = settled.locked_row_lists(conn, plan, apply.id)
    lists = settled.RowLists(conn, apply.id, plan, listed, reads)
    return apply_rows(conn, plan, apply, lists, reads)


def apply_rows(
    conn: Connection,
    plan: ColumnPlan,
    apply: Apply,
    lists: settled.RowLists,
    reads: DecodedReads | None = None,
) -> ApplyRows:
    """(drive tasks, reflected tasks, operations) of the apply that are not settled, as the
    review reads them (``BriefTask``, ``BriefOperation``), and the settled rest of ``lists``
    (``services.storage.settled``); decoded through ``reads`` when given. A read that only
    looks up and found every list and row identical gives the review's very result (the
    split and the settled rows are functions of those alone)."""
    dialect = conn.dialect.name
    operation_columns = [
        *plan.columns(apply_operations, only=decode.BRIEF_OPERATION_COLUMNS),
        settled.first_null(plan, apply_operations),
    ]

    def operations_and(owners: Collection[int]) -> list[BriefOperation]:
        query, params = settled.unsettled_operations(
            plan, dialect, apply.id, apply.deployment, operation_columns, owners
        )
        return _decoded(conn, query, decode.brief_operation_reader, _OPERATION_ORDER, reads, params)

    operations = operations_and(())
    all_tasks: list[BriefTask] = []
    if unsettled := lists.unsettled_task_ids:
        task_columns = [
            *plan.columns(tasks, only=decode.BRIEF_TASK_COLUMNS),
            settled.first_null(plan, tasks),
        ]
        query, params = settled.unsettled_tasks(dialect, apply.id, unsettled, task_columns)
        all_tasks = _decoded(conn, query, decode.brief_task_reader, _TASK_ORDER, reads, params)
    # An unsettled task's operation is read in full even when it is settled on its own.
    owners = {t.apply_operation_id for t in all_tasks} - {None} - {op.id for op in operations}
    if owners:
        operations = operations_and(owners)
    if reads is not None and not reads.keeps and not reads.missed:
        known = reads.derived(_APPLY_ROWS)  # every list and read was the review's own
        if known is not None:
            return known  # type: ignore[return-value]
    drive, reflected = split_drive_tasks(all_tasks, operations)
    rest = lists.settled([t.id for t in all_tasks], [op.id for op in operations])
    rows = (drive, reflected, tuple(operations), rest)
    if reads is not None:
        reads.derive(_APPLY_ROWS, rows)
    return rows


_APPLY_ROWS = "storage.apply_rows"


def split_drive_tasks(
    all_tasks: Iterable[TaskT], operations: Iterable[BriefOperation]
) -> tuple[tuple[TaskT, ...], tuple[TaskT, ...]]:
    """(drive rows, reflected rows), each keeping the input order."""
    by_id = {op.id: op for op in operations}
    drive: list[TaskT] = []
    reflected: list[TaskT] = []
    for task in all_tasks:
        owner = by_id.get(task.apply_operation_id) if task.apply_operation_id else None
        (drive if is_drive_task(task, owner) else reflected).append(task)
    return tuple(drive), tuple(reflected)


def load_bundle(
    conn: Connection, apply_identifier: str, plan: ColumnPlan | None = None
) -> ApplyBundle | None:
    """Apply, tasks, operations, plan, lock, controls, redrive count and NOW(): at most 4
    statements (a fifth for the pending drops of the apply's tables, on storage that has them;
    one more when an unsettled task's operation is settled on its own, or when the server cut
    a list), whatever the number of rows.

    Settled rows (``SettledRows``) come as id lists with the head row; only the others are
    decoded, as ``BriefTask`` / ``BriefOperation`` (``services.storage.settled``).
    """
    with collector_paused():
        return _load_bundle(conn, apply_identifier, column_plan(conn, plan))


def _load_bundle(conn: Connection, apply_identifier: str, plan: ColumnPlan) -> ApplyBundle | None:
    heads = [r._mapping for r in conn.execute(_apply_head_query(plan, apply_identifier))]
    if not heads:
        return None
    _refuse_shared_identifier(apply_identifier, [int(r["a_id"]) for r in heads])
    row = heads[0]
    apply = decode.decode_apply(_part(row, "a_"))
    plan_row = _part(row, "p_")
    lock_rows = [_part(r, "l_") for r in heads if r["l_id"] is not None]
    unnamed = unnamed_lock(
        apply.database_name, apply.database_type, [(int(r["id"]), r["owner"]) for r in lock_rows]
    )
    single_lock = len(lock_rows) == 1
    reads = DecodedReads()
    lists = settled.RowLists(conn, apply.id, plan, (row["task_ids"], row["operation_ids"]), reads)
    drive, reflected, operations, settled_rows = apply_rows(conn, plan, apply, lists, reads)
    cr = apply_control_requests.c
    controls = conn.execute(
        select(*plan.columns(apply_control_requests)).where(cr.apply_id == apply.id).order_by(cr.id)
    ).all()
    return ApplyBundle(
        apply=apply,
        tasks=drive,
        operations=operations,
        plan=decode.decode_plan(plan_row) if plan_row["id"] is not None else None,
        lock=decode.decode_lock(lock_rows[0]) if single_lock else None,
        control_requests=tuple(decode.decode_control_request(r._mapping) for r in controls),
        redrive_count=int(row["redrive_count"] or 0),
        database_now=row["database_now"],
        reflected_tasks=reflected,
        unnamed_lock=unnamed,
        pending_drops=_pending_drops_of(conn, plan, apply),
        settled=settled_rows,
        decoded_reads=reads,
    )


def _pending_drops_of(conn: Connection, plan: ColumnPlan, apply: Apply) -> tuple[PendingDrop, ...]:
    """The G2 quarantined tables of the apply's database and environment that one of its tasks
    (settled or not) names."""
    if not plan.has_pending_drops:
        return ()
    pd, t = pending_drops.c, tasks.c
    tables_of_apply = select(t.table_name).where(
        t.apply_id == apply.id, func.length(t.table_name) > 0
    )
    rows = conn.execute(
        select(*pending_drops.columns)
        .where(
            pd.database_name == apply.database_name,
            pd.environment == apply.environment,
            pd.original_table.in_(tables_of_apply),
        )
        .order_by(pd.id)
    )
    return tuple(decode.decode_pending_drop(r._mapping) for r in rows)


def _refuse_shared_identifier(apply_identifier: str, row_ids: Sequence[int]) -> None:
    """Several applies rows for one identifier: never pick one (``AmbiguousApplyError``)."""
    distinct = tuple(sorted(set(row_ids)))
    if len(distinct) > 1:
        raise AmbiguousApplyError(apply_identifier, distinct)


def load_apply_with_now(
    conn: Connection, apply_identifier: str, plan: ColumnPlan | None = None
) -> tuple[Apply, datetime] | None:
    """The apply row and the database clock in one statement."""
    a = applies.c
    heads = conn.execute(
        select(*column_plan(conn, plan).columns(applies), now_column())
        .where(a.apply_identifier == apply_identifier)
        .order_by(a.id)
        .limit(2)
    ).all()
    if not heads:
        return None
    _refuse_shared_identifier(apply_identifier, [int(r._mapping["id"]) for r in heads])
    return decode.decode_apply(heads[0]._mapping), heads[0]._mapping["database_now"]


def load_tasks_and_operations(
    conn: Connection, apply_id: int, plan: ColumnPlan | None = None
) -> tuple[tuple[Task, ...], tuple[Task, ...], tuple[ApplyOperation, ...]]:
    """(drive tasks, reflected tasks, operations) of one apply: 2 statements."""
    plan = column_plan(conn, plan)
    operations = _operations_of(conn, plan, apply_id)
    drive, reflected = split_drive_tasks(_tasks_of(conn, plan, apply_id), operations)
    return drive, reflected, tuple(operations)


def recent_logs(
    conn: Connection, apply_id: int, limit: int, plan: ColumnPlan | None = None
) -> tuple[LogEntry, ...]:
    """The newest ``limit`` apply_logs rows of an apply, newest first (``idx_apply_created``)."""
    lg = apply_logs.c
    query = (
        select(*column_plan(conn, plan).columns(apply_logs))
        .where(lg.apply_id == apply_id)
        .order_by(lg.created_at.desc(), lg.id.desc())
        .limit(limit)
    )
    return tuple(decode.decode_log(r._mapping) for r in conn.execute(query))
