"""Ids bound as one PostgreSQL ``BIGINT[]``, written by a dumper of their own.

PostgreSQL storage filters a read or a chunked write by one bound array of ids
(``dialect_sql.id_filter``). psycopg's list dumper inspects every element (its type, then a
regular expression over its text): 3.6 ms for the 4,800 ids of a 20,000-task apply's
unfinished rows, paid once in the review's read and three times in the reopen transaction.
SQLAlchemy's ``ARRAY`` also copies the list before psycopg sees it.

The console's id arrays are lists of ``int`` it built itself, so ``IdArray`` (the bound
parameter's type) hands psycopg an ``Ids`` list untouched, and ``IdsDumper``, registered on
each storage connection (``register``), writes it as ``{1,2,…}`` typed ``int8[]``: the text
psycopg's own dumper writes, in the type the statement's ``::BIGINT[]`` cast names (psycopg
picks the narrowest integer array that fits, ``int2[]`` for small ids, which the cast then
converts). An element that is not an ``int`` is refused, never written. A connection without the
dumper (one not made by ``services.storage.engine``) dumps ``Ids`` as the plain list it is.
Imported only for PostgreSQL storage (psycopg).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg.adapt import Dumper
from sqlalchemy.types import UserDefinedType

INT8_ARRAY_OID = 1016  # pg_type.oid of _int8 (BIGINT[]), fixed in every PostgreSQL catalog


class Ids(list):
    """Ids to bind as one ``BIGINT[]`` (``IdsDumper`` writes it where registered)."""

    __slots__ = ()


class IdArray(UserDefinedType):
    """The type of a bound ``Ids``: rendered ``::BIGINT[]`` like ``ARRAY(BigInteger)``, with no
    bind processing, so the list reaches psycopg as built."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "BIGINT[]"


def array_text(ids: Iterable[int]) -> bytes:
    """``{1,2,3}``: the ids as a PostgreSQL array literal. Raises ``TypeError`` for an element
    that is not an ``int`` (``int.__repr__`` refuses it), so nothing else is ever written."""
    return b"{" + ",".join(map(int.__repr__, ids)).encode("ascii") + b"}"


class IdsDumper(Dumper):
    """``Ids`` as one ``int8[]`` text (``array_text``)."""

    oid = INT8_ARRAY_OID

    def dump(self, obj: Ids) -> bytes:
        return array_text(obj)


def register(dbapi_connection: Any) -> None:
    """Make ``Ids`` dump through ``IdsDumper`` on this psycopg connection (a connect event)."""
    dbapi_connection.adapters.register_dumper(Ids, IdsDumper)
