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

The predicate errs towards "unsettled": a NULL in a column the console requires (tested only
where the storage allows NULL in it: ``ColumnPlan.may_be_null``), another spelling of a
state or kind, a dangling or foreign operation link all make a row unsettled, and the
unsettled path decodes and checks it exactly as before. On InnoDB the review's statements
share one snapshot (REPEATABLE READ); on PostgreSQL (READ COMMITTED) a row that changed
between them is read as it is by then. Either way the locked write lists every row
``FOR UPDATE`` first and then reads the same split of rows that can no longer change, and
its token refuses the write if anything differs from what the review saw.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
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
)
from sqlalchemy.sql import ColumnCollection

from services.domain.decoded_reads import DecodedReads
from services.domain.models import NO_SETTLED_ROWS, SettledRows
from services.storage.column_plan import ColumnPlan
from services.storage.decode import FIRST_NULL, REQUIRED_COLUMNS
from services.storage.dialect_sql import by_primary_key, id_filter, id_list, identical
from services.storage.schema import apply_operations, tasks

DONE = SettledRows.STATE
WORK_KIND = "work"
_TASK_REQUIRED = REQUIRED_COLUMNS["tasks"]
_OPERATION_REQUIRED = REQUIRED_COLUMNS["apply_operations"]


def first_null(plan: ColumnPlan, table) -> ColumnElement[str]:
    """The name of the row's first NOT NULL column (``REQUIRED_COLUMNS`` order) that is NULL,
    else NULL: a brief read checks every such column with this one value
    (``decode.FIRST_NULL``). Only columns the storage may hold NULL in are tested
    (``_nullable``)."""
    nullable = _nullable(plan, table, REQUIRED_COLUMNS[table.name])
    if not nullable:
        return literal(None, String).label(FIRST_NULL)
    whens = [(table.c[name].is_(None), literal(name)) for name in nullable]
    return case(*whens, else_=None).label(FIRST_NULL)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when ``condition`` is true, 0 when it is false or NULL (two-valued, for filters)."""
    return case((condition, 1), else_=0)


def _nullable(plan: ColumnPlan, table, names: Sequence[str]) -> list[str]:
    """The ``names`` (columns the console requires) that the storage has and may hold NULL
    in: a column it declares NOT NULL never does, so no read tests it (measured at 20,000
    tasks on MariaDB and PostgreSQL: the locking statement and the locked reads about 20 ms
    faster)."""
    return [name for name in names if plan.may_be_null(table, name)]


def _task_columns(plan: ColumnPlan) -> list[ColumnElement[Any]]:
    """The ``tasks`` columns the code reads: links, key parts, state, throttling, and the
    required columns that may hold NULL."""
    wanted = ["id", "apply_id", "apply_operation_id", "namespace", "shard", "table_name"]
    wanted += ["state", "throttled", *_nullable(plan, tasks, _TASK_REQUIRED)]
    present = (plan.column(tasks, name) for name in dict.fromkeys(wanted))
    return [column for column in present if column is not None]


def _task_code(
    plan: ColumnPlan, t: ColumnCollection, throttled: ColumnElement[Any] | None
) -> ColumnElement[int]:
    """``id * 4 + settled * 2 + drive`` of a task row ``t`` joined (LEFT) to its operation.

    settled: stored exactly ``completed``, not throttled, no NULL in a NOT NULL column, and
    no operation, or its own operation stored exactly ``completed`` (for a shard task, of kind
    exactly ``work``). drive: unsharded, or its operation is keyed exactly
    ``<namespace>/<shard>/<table>`` (on a settled row, ``services.domain.drive_rows``).
    """
    o = apply_operations.c
    done = [identical(t.state, literal(DONE))]
    done += [t[name].is_not(None) for name in _nullable(plan, tasks, _TASK_REQUIRED)]
    if throttled is not None:
        done.append(not_(func.coalesce(throttled, false())))
    owner_done = and_(
        o.apply_id == t.apply_id,
        identical(o.state, literal(DONE)),
        or_(func.length(t.shard) == 0, identical(o.operation_kind, literal(WORK_KIND))),
    )
    settled = _flag(and_(*done, or_(t.apply_operation_id.is_(None), owner_done)))
    key = t.namespace + literal("/") + t.shard + literal("/") + func.coalesce(t.table_name, "")
    keyed_owner = and_(o.apply_id == t.apply_id, identical(o.operation_key, key))
    drive = _flag(or_(func.length(t.shard) == 0, keyed_owner))
    return t.id * 4 + settled * 2 + drive


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


def locked_row_lists(
    conn: Connection, plan: ColumnPlan, apply_id: int
) -> tuple[str | None, str | None]:
    """The same two lists, every row they list locked ``FOR UPDATE``. The lock sits in a
    derived table of the apply's own rows (PostgreSQL refuses it beside an aggregate or on
    the outer side of a join); the join to the operations is outside it."""
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
    lt = locked_tasks.c
    task_list = (
        select(_summary(lt.id, _task_code(plan, lt, lt.get("throttled"))))
        .select_from(locked_tasks.outerjoin(apply_operations, _own_operation(lt)))
        .scalar_subquery()
    )
    lo = locked_operations.c
    operation_list = select(_summary(lo.id, lo.id)).scalar_subquery()
    listed_tasks, listed_operations = conn.execute(select(task_list, operation_list)).one()
    return listed_tasks, listed_operations


class RowLists:
    """The parsed lists of one apply: task codes and operation ids (see the module doc). With
    ``reads`` (``DecodedReads``), a list text identical to one parsed before gives the codes
    parsed then: the locked read of an unchanged apply parses neither list again."""

    __slots__ = ("operation_ids", "task_codes")

    def __init__(
        self,
        conn: Connection,
        apply_id: int,
        plan: ColumnPlan,
        listed: tuple[str | bytes | None, str | bytes | None],
        reads: DecodedReads | None = None,
    ) -> None:
        codes = _parsed(reads, listed[0], shift=2)
        if codes is None:
            t = tasks.c
            codes = _as_rows(
                conn,
                select(_task_code(plan, t, plan.column(tasks, "throttled")))
                .select_from(tasks.outerjoin(apply_operations, _own_operation(t)))
                .where(t.apply_id == apply_id),
            )
        operation_ids = _parsed(reads, listed[1], shift=0)
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
) -> tuple[Select, dict[str, Any]]:
    """``columns`` of the apply's tasks ``ids`` (the unsettled ones; the caller orders), read by
    primary key (``by_primary_key``), and the parameters of the id filter."""
    t = tasks.c
    among = id_filter(dialect, t.id, ids)
    query = select(*columns).where(t.apply_id == apply_id, among.clause)
    return by_primary_key(query, tasks), among.params


def unsettled_operations(
    plan: ColumnPlan,
    dialect: str,
    apply_id: int,
    deployment: str,
    columns: Sequence[ColumnElement[Any]],
    owners: Collection[int],
) -> tuple[Select, dict[str, Any]]:
    """``columns`` of the apply's unsettled operations: not exactly ``completed`` on
    ``deployment`` with every NOT NULL column set, or the owner of an unsettled task
    (``owners``, from that read); and the parameters of the owners' id filter. The caller
    orders and locks."""
    o = apply_operations.c
    own = [identical(o.state, literal(DONE)), identical(o.deployment, literal(deployment))]
    own += [o[name].is_not(None) for name in _nullable(plan, apply_operations, _OPERATION_REQUIRED)]
    unsettled = _flag(and_(*own)) == 0
    params: dict[str, Any] = {}
    if owners:
        among = id_filter(dialect, o.id, sorted(owners))
        unsettled, params = or_(unsettled, among.clause), among.params
    return select(*columns).where(o.apply_id == apply_id, unsettled), params


def _parsed(
    reads: DecodedReads | None, text: str | bytes | None, *, shift: int
) -> tuple[int, ...] | None:
    """``_parse`` of ``text``, through ``reads`` when given (only a whole list is kept; a list
    the server did not send is read as rows, a miss)."""
    if reads is None:
        return _parse(text, shift=shift)
    if text is None:
        reads.missed = True
        return None
    raw = (_parse, shift, text)
    known = reads.known(raw)
    if known is not None:
        return tuple(known)
    codes = _parse(text, shift=shift)
    if codes is not None:
        reads.keep(raw, codes)
    return codes


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
