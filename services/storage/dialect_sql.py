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

``id_in(column, ids)`` is the one membership test whose *shape* differs: ``IN (…)`` with one
bound value per id, or on PostgreSQL ``= ANY(array)`` with a single bound array, so a page of
200 ids is one short statement text that the driver does not re-parse on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import BigInteger, DateTime, Text, any_, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

_MYSQL = MappingProxyType(
    {
        "database_clock": "NOW()",
        "id_list": "GROUP_CONCAT({0})",
        "desc_nulls_last": "{0} DESC",
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
            }
        ),
        "sqlite": MappingProxyType(
            {
                "database_clock": "CURRENT_TIMESTAMP",
                "id_list": "GROUP_CONCAT({0})",
                "desc_nulls_last": "{0} DESC",
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


def _spelling(element: FunctionElement, compiler, **kw) -> str:
    arguments = [compiler.process(c, **kw) for c in element.clauses]
    return SPELLINGS[compiler.dialect.name][element.name].format(*arguments)


for _construct in (database_clock, id_list, desc_nulls_last):
    compiles(_construct)(_spelling)


def _ids_as_array(column: ColumnElement[int], ids: Sequence[int]) -> ColumnElement[bool]:
    # Imported here: SQLAlchemy's PostgreSQL dialect is big and only PostgreSQL storage needs it.
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == any_(literal(list(ids), ARRAY(BigInteger())))


_ID_FILTERS: Mapping[str, Callable[[ColumnElement[int], Sequence[int]], ColumnElement[bool]]] = (
    MappingProxyType({"postgresql": _ids_as_array})
)


def id_in(dialect: str, column: ColumnElement[int], ids: Sequence[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, in the shape that suits ``dialect`` (a SQLAlchemy name)."""
    build = _ID_FILTERS.get(dialect)
    return build(column, ids) if build else column.in_(ids)
