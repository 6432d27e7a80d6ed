"""The SQL spellings that differ between the storage dialects, in one table.

Queries are written once with SQLAlchemy; the few expressions whose SQL differs per dialect
are the constructs below, each rendered from ``SPELLINGS[dialect]`` (MySQL/MariaDB, PostgreSQL,
SQLite). ``{0}`` in a spelling is the construct's argument.

- ``database_clock``: the database's own clock as a naive timestamp. PostgreSQL's ``now()``
  carries a time zone while SchemaBot's columns there are ``timestamp`` without one, so it
  reads ``LOCALTIMESTAMP``.
- ``id_list``: the ids of a group as one comma-separated text.
- ``desc_nulls_last``: descending order with NULL last, as MySQL and SQLite sort by default
  (PostgreSQL puts NULL first unless told).
- ``identical``: two texts are the same bytes. MySQL's ``=`` folds case under ``_ci``
  collations and ignores trailing spaces even under ``utf8mb4_bin`` (PAD SPACE), so it
  compares the binary strings; PostgreSQL's and SQLite's ``=`` already compare exactly.

``json_rows(columns, order)`` carries every row of a statement as one JSON text on MySQL and
MariaDB (``PACKS_ROWS``): PyMySQL decodes each value of a row set in Python, a few
microseconds apiece, while one JSON text is parsed in C. It needs the session's
``group_concat_max_len`` raised (``services.storage.engine``); a result the server still cut
is noticed by its row count. PostgreSQL's and SQLite's drivers read rows in C: no packing.

``id_filter(column, ids)`` is the one membership test whose *shape* differs: ``IN (…)``
(SQLite), on PostgreSQL ``= ANY(array)`` with a single bound array, so a page of 200 ids is
one short statement text that the driver does not re-parse on every call, and on
MySQL/MariaDB runs of consecutive ids as ``BETWEEN`` beside an ``IN (…)`` of the rest. Its
clause carries no values: they are the ``params`` of the execution, and the clause of each
shape (per column, the number of runs rounded up to a power of two, the last run repeated)
is built once, so SQLAlchemy compiles each statement shape once instead of building and
compiling a few dozen ``BETWEEN`` per chunk (about 2.5 ms per 1,000 ids, measured).
``by_primary_key(query, table)`` reads a table of an id-filtered query through its primary key
where the server takes a hint (MySQL/MariaDB ``FORCE INDEX (PRIMARY)``): beside
``apply_id = ?`` the optimizer may walk the ``apply_id`` index over every row of the apply
(an apply of 20,000 tasks in a table of small applies, or a table whose statistics are not
computed yet) instead of reading the 4,800 ids it was given (measured: 90-150 ms instead of
20-30 ms for the unfinished tasks of a 20,000-task apply).
``ids_per_statement`` bounds a chunked write's ids per statement accordingly: one bound array
carries 5,000 ids as cheaply as 1,000 (measured at 20,000 tasks: the reopen's ten chunked
UPDATEs as two, about 40 ms less), while rendered ids keep a statement at 1,000.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    DateTime,
    Select,
    Table,
    Text,
    any_,
    bindparam,
    or_,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

_MYSQL = MappingProxyType(
    {
        "database_clock": "NOW()",
        "id_list": "GROUP_CONCAT({0})",
        "desc_nulls_last": "{0} DESC",
        "identical": "(CAST({0} AS BINARY) = CAST({1} AS BINARY))",
    }
)
SPELLINGS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "mysql": _MYSQL,
        "mariadb": _MYSQL,
        "postgresql": MappingProxyType(
            {
                "database_clock": "LOCALTIMESTAMP",
                "id_list": "STRING_AGG(CAST({0} AS TEXT), ',')",
                "desc_nulls_last": "{0} DESC NULLS LAST",
                "identical": "({0} = {1})",
            }
        ),
        "sqlite": MappingProxyType(
            {
                "database_clock": "CURRENT_TIMESTAMP",
                "id_list": "GROUP_CONCAT({0})",
                "desc_nulls_last": "{0} DESC",
                "identical": "({0} = {1})",
            }
        ),
    }
)


class database_clock(FunctionElement[datetime]):
    """The database clock (naive), e.g. ``select(database_clock().label("database_now"))``."""

    type = DateTime()
    name = "database_clock"
    inherit_cache = True


class id_list(FunctionElement[str]):
    """``column``'s values of a group as comma-separated text (an aggregate)."""

    type = Text()
    name = "id_list"
    inherit_cache = True


class desc_nulls_last(FunctionElement):
    """``column`` descending, NULL last, on every dialect (an ORDER BY term)."""

    name = "desc_nulls_last"
    inherit_cache = True


class identical(FunctionElement[bool]):
    """``left`` and ``right`` are byte for byte the same text (case and trailing spaces count)."""

    type = Boolean()
    name = "identical"
    inherit_cache = True


PACKS_ROWS: frozenset[str] = frozenset({"mysql", "mariadb"})


class json_rows(FunctionElement[str]):
    """The rows of a statement as one JSON array of ``[column, …]`` arrays, in ``order`` (an
    aggregate: select it with ``count()`` to check nothing was cut). ``PACKS_ROWS`` only."""

    type = Text()
    name = "json_rows"
    inherit_cache = True

    def __init__(self, columns: Sequence[ColumnElement], order: Sequence[ColumnElement]) -> None:
        super().__init__(tuple_(*columns), tuple_(*order))


@compiles(json_rows, "mysql")
@compiles(json_rows, "mariadb")
def _json_rows_mysql(element: json_rows, compiler, **kw) -> str:
    columns, order = element.clauses.clauses
    values = ", ".join(compiler.process(c, **kw) for c in columns.clauses)
    ordering = ", ".join(compiler.process(o, **kw) for o in order.clauses)
    return f"CONCAT('[', GROUP_CONCAT(JSON_ARRAY({values}) ORDER BY {ordering} SEPARATOR ','), ']')"


def _spelling(element: FunctionElement, compiler, **kw) -> str:
    arguments = [compiler.process(c, **kw) for c in element.clauses]
    return SPELLINGS[compiler.dialect.name][element.name].format(*arguments)


for _construct in (database_clock, id_list, desc_nulls_last, identical):
    compiles(_construct)(_spelling)


class IdFilter(NamedTuple):
    """``clause`` keeps the rows whose column is one of the ids once ``params`` are bound:
    ``conn.execute(statement.where(f.clause), f.params)``."""

    clause: ColumnElement[bool]
    params: dict[str, Any]


class _Same:
    """A column as a cache key by identity (a column's ``==`` builds SQL). The cache holds the
    column, so its id is not reused while the key lives."""

    __slots__ = ("column",)

    def __init__(self, column: ColumnElement[int]) -> None:
        self.column = column

    def __hash__(self) -> int:
        return id(self.column)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.column is self.column


_names = itertools.count()  # parameter names unique per cached clause: never two alike


@lru_cache(maxsize=256)
def _array_clause(column: _Same) -> tuple[ColumnElement[bool], str]:
    # Imported here: psycopg loads only for PostgreSQL storage.
    from services.storage.pg_id_array import IdArray

    name = f"rc_idset{next(_names)}"
    return column.column == any_(bindparam(name, type_=IdArray())), name


def _ids_as_array(column: ColumnElement[int], ids: Sequence[int]) -> IdFilter:
    """``column = ANY(:ids)``, the ids bound as one ``BIGINT[]``. Not as one text cast to
    ``BIGINT[]``: that cast is not folded into a constant when the statement is planned, so
    the planner can neither probe the primary key with it nor hash it, and on a table just
    written (no statistics) it tested each of an apply's 20,000 rows against all 4,800 ids
    (4.1 s instead of 16-22 ms, measured). The array is written by the console's own dumper
    (``pg_id_array``), not psycopg's element-checking one."""
    from services.storage.pg_id_array import Ids

    clause, name = _array_clause(_Same(column))
    return IdFilter(clause, {name: Ids(ids)})


@lru_cache(maxsize=256)
def _in_clause(column: _Same) -> tuple[ColumnElement[bool], str]:
    name = f"rc_idset{next(_names)}"
    return column.column.in_(bindparam(name, expanding=True)), name


def _ids_as_list(column: ColumnElement[int], ids: Sequence[int]) -> IdFilter:
    """``column IN (…)``, one bound value per id."""
    clause, name = _in_clause(_Same(column))
    return IdFilter(clause, {name: list(ids)})


RUN = 4  # consecutive ids from which a run is one BETWEEN instead of that many IN values


def _runs(ids: Sequence[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """(runs of at least ``RUN`` consecutive ids as (first, last), the other ids), sorted."""
    ordered = sorted(set(ids))
    runs: list[tuple[int, int]] = []
    singles: list[int] = []
    start = 0
    for end in range(1, len(ordered) + 1):
        if end < len(ordered) and ordered[end] == ordered[end - 1] + 1:
            continue
        if end - start >= RUN:
            runs.append((ordered[start], ordered[end - 1]))
        else:
            singles.extend(ordered[start:end])
        start = end
    return runs, singles


@lru_cache(maxsize=256)
def _runs_clause(
    column: _Same, slots: int, with_singles: bool
) -> tuple[ColumnElement[bool], str, list[tuple[str, str]]]:
    """``column`` in ``slots`` bound ranges (and a bound list): (clause, list name, range
    names)."""
    prefix = f"rc_idset{next(_names)}"
    ranges = [(f"{prefix}_from_{i}", f"{prefix}_to_{i}") for i in range(slots)]
    terms = [column.column.between(bindparam(low), bindparam(high)) for low, high in ranges]
    if with_singles:
        terms.insert(0, column.column.in_(bindparam(prefix, expanding=True)))
    return (or_(*terms) if len(terms) > 1 else terms[0]), prefix, ranges


def _ids_as_runs(column: ColumnElement[int], ids: Sequence[int]) -> IdFilter:
    """Runs of consecutive ids as ``BETWEEN``, the rest ``IN (…)``: the unfinished rows of a
    big apply are mostly runs, so thousands of ids are a few dozen bound values (each one is
    escaped in Python by PyMySQL). The runs fill a power-of-two number of slots (the last
    run repeated), so a handful of clauses serve every id set."""
    runs, singles = _runs(ids)
    slots = 1 << (len(runs) - 1).bit_length() if runs else 0
    clause, name, ranges = _runs_clause(_Same(column), slots, bool(singles) or not runs)
    params: dict[str, Any] = {name: singles} if singles or not runs else {}
    padded = runs + runs[-1:] * (slots - len(runs))
    for (low_name, high_name), (low, high) in zip(ranges, padded, strict=True):
        params[low_name] = low
        params[high_name] = high
    return IdFilter(clause, params)


_ID_FILTERS: Mapping[str, Callable[[ColumnElement[int], Sequence[int]], IdFilter]] = (
    MappingProxyType({"postgresql": _ids_as_array, "mysql": _ids_as_runs, "mariadb": _ids_as_runs})
)


def id_filter(dialect: str, column: ColumnElement[int], ids: Sequence[int]) -> IdFilter:
    """``column`` is one of ``ids``, in the shape that suits ``dialect`` (a SQLAlchemy name);
    the values are in the filter's ``params``."""
    return _ID_FILTERS.get(dialect, _ids_as_list)(column, ids)


_PRIMARY_KEY_HINTS: Mapping[str, str] = MappingProxyType(
    {"mysql": "FORCE INDEX (PRIMARY)", "mariadb": "FORCE INDEX (PRIMARY)"}
)


def by_primary_key(query: Select, table: Table) -> Select:
    """``query`` reading ``table`` through its primary key, where a dialect takes the hint
    (``query`` must filter ``table`` by primary key: ``id_filter``)."""
    for dialect, hint in _PRIMARY_KEY_HINTS.items():
        query = query.with_hint(table, hint, dialect_name=dialect)
    return query


_IDS_PER_STATEMENT: Mapping[str, int] = MappingProxyType({"postgresql": 5000})


def ids_per_statement(dialect: str) -> int:
    """How many ids one chunked write statement filters on ``dialect`` (a SQLAlchemy name)."""
    return _IDS_PER_STATEMENT.get(dialect, 1000)
