"""Set-based reads of one apply's rows: the unsettled rows in full, the settled ones as ids.

An apply of 20,000 tasks is mostly completed work that a review only counts and binds into
its token. Reading and decoding each of those rows would cost more than everything else the
review does, so one read of an apply's rows (``SettledRows`` says which rows are settled) is:

- one text per table listing **every** row of the apply, ``count:sum of ids:codes``. A task's
  code is ``id * 4 + settled * 2 + drive``, computed in one pass over the tasks joined to
  their own operation; an operation's code is its id. A list the server cut (MySQL's
  ``group_concat_max_len``) is short of rows or ends in a cut number, so its count or sum
  gives it away, and it is read again as rows;
- the unsettled tasks by id, row by row, with the columns the caller needs;
- the operations not settled on their own, and every operation an unsettled task points at;
- the settled rows are the listed ones that are not unsettled.

The predicate errs towards "unsettled": a NULL in a NOT NULL column, another spelling of a
state or kind, a dangling or foreign operation link all make a row unsettled, and the
unsettled path decodes and checks it exactly as before. On InnoDB the review's statements
share one snapshot (REPEATABLE READ); on PostgreSQL (READ COMMITTED) a row that changed
between them is read as it is by then. Either way the locked write locks every row
``FOR UPDATE`` first (``locked_summary``: the sums of all ids and the unsettled task ids, no
list of the settled ones), then reads the same split of rows that can no longer change, and
refuses the write if anything differs from what the review saw.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql import ColumnCollection

from services.domain.models import NO_SETTLED_ROWS, SettledRows
from services.storage.column_plan import ColumnPlan
from services.storage.decode import FIRST_NULL, REQUIRED_COLUMNS
from services.storage.dialect_sql import id_in, id_list, identical
from services.storage.schema import apply_operations, tasks

DONE = SettledRows.STATE
WORK_KIND = "work"
_TASK_REQUIRED = REQUIRED_COLUMNS["tasks"]
_OPERATION_REQUIRED = REQUIRED_COLUMNS["apply_operations"]


def first_null(plan: ColumnPlan, table) -> ColumnElement[str]:
    """The name of the row's first NOT NULL column (``REQUIRED_COLUMNS`` order) that is NULL,
    else NULL: a brief read checks every such column with this one value
    (``decode.FIRST_NULL``)."""
    present = _present(plan, table, REQUIRED_COLUMNS[table.name])
    if not present:
        return literal(None, String).label(FIRST_NULL)
    whens = [(table.c[name].is_(None), literal(name)) for name in present]
    return case(*whens, else_=None).label(FIRST_NULL)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when ``condition`` is true, 0 when it is false or NULL (two-valued, for filters)."""
    return case((condition, 1), else_=0)


def _present(plan: ColumnPlan, table, names: Sequence[str]) -> list[str]:
    return [name for name in names if plan.column(table, name) is not None]


def _task_columns(plan: ColumnPlan) -> list[ColumnElement[Any]]:
    """The ``tasks`` columns the code reads: links, key parts, state, throttling, NOT NULLs."""
    wanted = ["id", "apply_id", "apply_operation_id", "namespace", "shard", "table_name"]
    wanted += ["state", "throttled", *_TASK_REQUIRED]
    present = (plan.column(tasks, name) for name in dict.fromkeys(wanted))
    return [column for column in present if column is not None]


def _task_code(
    plan: ColumnPlan, t: ColumnCollection, throttled: ColumnElement[Any] | None
) -> ColumnElement[int]:
    """``id * 4 + settled * 2 + drive`` of a task row ``t`` joined (LEFT) to its operation.

    settled: ``_task_settled``. drive: unsharded, or its operation is keyed exactly
    ``<namespace>/<shard>/<table>`` (on a settled row, ``services.domain.drive_rows``).
    """
    o = apply_operations.c
    key = t.namespace + literal("/") + t.shard + literal("/") + func.coalesce(t.table_name, "")
    keyed_owner = and_(o.apply_id == t.apply_id, identical(o.operation_key, key))
    drive = _flag(or_(func.length(t.shard) == 0, keyed_owner))
    return t.id * 4 + _task_settled(plan, t, throttled) * 2 + drive


def _task_settled(
    plan: ColumnPlan, t: ColumnCollection, throttled: ColumnElement[Any] | None
) -> ColumnElement[int]:
    """1 when a task row ``t`` joined (LEFT) to its operation is settled: stored exactly
    ``completed``, not throttled, no NULL in a NOT NULL column, and no operation, or its own
    operation stored exactly ``completed`` (for a shard task, of kind exactly ``work``)."""
    o = apply_operations.c
    done = [identical(t.state, literal(DONE))]
    done += [t[name].is_not(None) for name in _present(plan, tasks, _TASK_REQUIRED)]
    if throttled is not None:
        done.append(not_(func.coalesce(throttled, false())))
    owner_done = and_(
        o.apply_id == t.apply_id,
        identical(o.state, literal(DONE)),
        or_(func.length(t.shard) == 0, identical(o.operation_kind, literal(WORK_KIND))),
    )
    return _flag(and_(*done, or_(t.apply_operation_id.is_(None), owner_done)))


def _own_operation(t: ColumnCollection):
    """The join of a task row ``t`` to the operation its link names. The operation counts only
    when it is of the same apply (the code checks), but the join is on the primary key alone:
    a planner without statistics (a table just written) that is also given ``apply_id`` scans
    the apply's operations once per task."""
    return apply_operations.c.id == t.apply_operation_id


def _summary(ids: ColumnElement[int], codes: ColumnElement[int]) -> ColumnElement[str]:
    """``count:sum of ids:codes`` of a group (one text, whatever the number of rows). A list
    the server cut is short of rows or ends in a cut number, and then its ids do not add up."""
    total = cast(func.coalesce(func.sum(ids), 0), String)
    codes_text = func.coalesce(id_list(codes), "")
    return cast(func.count(), String) + literal(":") + total + literal(":") + codes_text


def row_lists(
    plan: ColumnPlan, apply_id: ColumnElement[int]
) -> tuple[ColumnElement[str], ColumnElement[str]]:
    """Scalar subqueries listing every task (coded) and operation of ``apply_id`` (a column of
    an enclosing ``applies`` select)."""
    t = tasks.c
    task_list = (
        select(_summary(t.id, _task_code(plan, t, plan.column(tasks, "throttled"))))
        .select_from(tasks.outerjoin(apply_operations, _own_operation(t)))
        .where(t.apply_id == apply_id)
        .scalar_subquery()
    )
    operation_list = (
        select(_summary(apply_operations.c.id, apply_operations.c.id))
        .where(apply_operations.c.apply_id == apply_id)
        .scalar_subquery()
    )
    return task_list, operation_list


def _locked(plan: ColumnPlan, apply_id: int):
    """Derived tables of every task (the columns a code reads) and every operation (ids) of
    ``apply_id``, each row locked ``FOR UPDATE`` when the statement runs."""
    locked_tasks = (
        select(*_task_columns(plan))
        .where(tasks.c.apply_id == apply_id)
        .with_for_update()
        .subquery("locked_tasks")
    )
    locked_operations = (
        select(apply_operations.c.id)
        .where(apply_operations.c.apply_id == apply_id)
        .with_for_update()
        .subquery("locked_operations")
    )
    return locked_tasks, locked_operations


class IdSum(NamedTuple):
    """Count, sum and sum of squares of a set of row ids: what the locked write compares
    with the reviewed ids it did not read row by row (``LockedSummary``)."""

    count: int
    total: int
    squares: int

    @classmethod
    def of(cls, ids: Sequence[int]) -> IdSum:
        return cls(len(ids), sum(ids), sum(map(mul, ids, ids)))


def _id_sum(ids: ColumnElement[int]) -> list[ColumnElement[Any]]:
    """``IdSum`` of a group in SQL; the squares in exact decimals (no integer overflow)."""
    wide = cast(ids, Numeric(38, 0))
    squares = func.coalesce(func.sum(wide * wide), 0)
    return [func.count(ids), func.coalesce(func.sum(ids), 0), squares]


@dataclass(frozen=True, slots=True)
class LockedSummary:
    """What the write's locking statement says of every row of the apply (see
    ``locked_summary``): the ``IdSum`` of all task ids and of all operation ids it locked,
    and the ids of the tasks that are not settled (the only tasks read row by row)."""

    tasks: IdSum
    operations: IdSum
    unsettled_task_ids: tuple[int, ...]


def locked_summary(conn: Connection, plan: ColumnPlan, apply_id: int) -> LockedSummary:
    """One statement: lock every task and operation row of the apply ``FOR UPDATE`` and
    return their ``IdSum`` s and the unsettled task ids (``count:sum:ids``, read again as
    rows when the server cut the list), instead of a code per row.

    The settled rows then cost the server one pass and the client three numbers per table.
    A reviewed set of settled ids that no longer matches (a row gone, arrived, or replaced)
    changes the count or the sum: SchemaBot's rows get ascending auto-increment ids, so a row
    that replaces one that was removed raises the sum; ids chosen by hand to keep both the
    sum and the sum of squares are the only way past it. The caller names the changed rows
    from an exact read when the sums differ (``locked_row_states``).
    """
    locked_tasks, locked_operations = _locked(plan, apply_id)
    lt = locked_tasks.c
    unsettled_id = case((_task_settled(plan, lt, lt.get("throttled")) == 0, lt.id), else_=None)
    classified = (  # the predicate once per row, not once per aggregate that reads it
        select(lt.id, unsettled_id.label("unsettled_id"))
        .select_from(locked_tasks.outerjoin(apply_operations, _own_operation(lt)))
        .subquery("classified")
    )
    c = classified.c
    task_part = select(*_id_sum(c.id), _summary_of(c.unsettled_id).label("unsettled")).subquery(
        "task_part"
    )
    lo = locked_operations.c
    operation_part = select(*_id_sum(lo.id)).subquery("operation_part")
    both = task_part.join(operation_part, true())  # one row each
    row = conn.execute(select(task_part, operation_part).select_from(both)).one()
    unsettled = _parse(row[3], shift=0)
    if unsettled is None:
        t = tasks.c
        unsettled = _as_rows(
            conn,
            select(t.id)
            .select_from(tasks.outerjoin(apply_operations, _own_operation(t)))
            .where(
                t.apply_id == apply_id,
                _task_settled(plan, t, plan.column(tasks, "throttled")) == 0,
            ),
        )
    task_sum = IdSum(*(int(value) for value in row[0:3]))
    operation_sum = IdSum(*(int(value) for value in row[4:7]))
    return LockedSummary(task_sum, operation_sum, unsettled)


def _summary_of(ids: ColumnElement[int]) -> ColumnElement[str]:
    """``count:sum:ids`` of the non-NULL ``ids`` of a group (``_parse`` reads it)."""
    total = cast(func.coalesce(func.sum(ids), 0), String)
    listed = func.coalesce(id_list(ids), "")
    return cast(func.count(ids), String) + literal(":") + total + literal(":") + listed


def locked_row_states(
    conn: Connection, apply_id: int
) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    """(id, state) of every task and every operation of the apply, sorted: the exact rows,
    read on the refusal path only (the rows are already locked by ``locked_summary``)."""
    t, o = tasks.c, apply_operations.c
    task_states = conn.execute(select(t.id, t.state).where(t.apply_id == apply_id)).all()
    operation_states = conn.execute(select(o.id, o.state).where(o.apply_id == apply_id)).all()
    return (
        tuple(sorted((int(i), _text(s)) for i, s in task_states)),
        tuple(sorted((int(i), _text(s)) for i, s in operation_states)),
    )


def _text(value: object) -> str:
    """A stored state as the decoders read it (bytes as UTF-8, NULL as "")."""
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


class RowLists:
    """The parsed lists of one apply: task codes and operation ids (see the module doc)."""

    __slots__ = ("operation_ids", "task_codes")

    def __init__(
        self,
        conn: Connection,
        apply_id: int,
        plan: ColumnPlan,
        listed: tuple[str | bytes | None, str | bytes | None],
    ) -> None:
        codes = _parse(listed[0], shift=2)
        if codes is None:
            t = tasks.c
            codes = _as_rows(
                conn,
                select(_task_code(plan, t, plan.column(tasks, "throttled")))
                .select_from(tasks.outerjoin(apply_operations, _own_operation(t)))
                .where(t.apply_id == apply_id),
            )
        operation_ids = _parse(listed[1], shift=0)
        if operation_ids is None:
            o = apply_operations.c
            operation_ids = _as_rows(conn, select(o.id).where(o.apply_id == apply_id))
        self.task_codes = codes
        self.operation_ids = operation_ids

    @property
    def unsettled_task_ids(self) -> list[int]:
        return [code >> 2 for code in self.task_codes if not code & 2]

    def settled(
        self, unsettled_task_ids: Collection[int], unsettled_operation_ids: Collection[int]
    ) -> SettledRows:
        """The settled rows: listed as settled and not read as unsettled after all (a row that
        changed between the statements is read in full and stays out of here)."""
        skip = set(unsettled_task_ids)
        codes = [c for c in self.task_codes if c & 2 and c >> 2 not in skip]
        drive = tuple(c >> 2 for c in codes if c & 1)
        reflected = tuple(c >> 2 for c in codes if not c & 1)
        skip = set(unsettled_operation_ids)
        operations = tuple(i for i in self.operation_ids if i not in skip)
        if not (drive or reflected or operations):
            return NO_SETTLED_ROWS
        return SettledRows(drive, reflected, operations)


def unsettled_tasks(
    dialect: str, apply_id: int, ids: Sequence[int], columns: Sequence[ColumnElement[Any]]
) -> Select:
    """``columns`` of the apply's tasks ``ids`` (the unsettled ones; the caller orders)."""
    t = tasks.c
    return select(*columns).where(t.apply_id == apply_id, id_in(dialect, t.id, ids))


def unsettled_operations(
    plan: ColumnPlan,
    dialect: str,
    apply_id: int,
    deployment: str,
    columns: Sequence[ColumnElement[Any]],
    owners: Collection[int],
) -> Select:
    """``columns`` of the apply's unsettled operations: not exactly ``completed`` on
    ``deployment`` with every NOT NULL column set, or the owner of an unsettled task
    (``owners``, from that read). The caller orders and locks."""
    o = apply_operations.c
    own = [identical(o.state, literal(DONE)), identical(o.deployment, literal(deployment))]
    own += [o[name].is_not(None) for name in _present(plan, apply_operations, _OPERATION_REQUIRED)]
    unsettled = _flag(and_(*own)) == 0
    if owners:
        unsettled = or_(unsettled, id_in(dialect, o.id, sorted(owners)))
    return select(*columns).where(o.apply_id == apply_id, unsettled)


def _parse(text: str | bytes | None, *, shift: int) -> tuple[int, ...] | None:
    """The sorted codes of ``count:sum:codes``, each the id shifted left by ``shift``; None
    when the text is missing or was cut (the count or the sum of ids does not match)."""
    if text is None:
        return None
    if isinstance(text, bytes | bytearray):
        text = text.decode("ascii")
    try:
        count, total, listed = text.split(":", 2)
        codes = tuple(sorted(map(int, listed.split(",")))) if listed else ()
        whole = len(codes) == int(count) and sum(c >> shift for c in codes) == int(total)
    except ValueError:  # cut inside the header or after a separator
        return None
    return codes if whole else None


def _as_rows(conn: Connection, query: Select) -> tuple[int, ...]:
    return tuple(sorted(int(value) for value in conn.execute(query).scalars()))
