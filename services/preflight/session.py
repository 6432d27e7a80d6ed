"""A read-only, time-bounded session on the target: the only way the pre-flight reads it.

The session is put in ``READ ONLY`` mode and everything runs inside one ``START TRANSACTION
READ ONLY`` (one consistent snapshot), rolled back at the end, so the server itself refuses any
write. Every query is a plain SELECT sent under the flavour's per-statement time limit, with
identifiers quoted (``ident``) and values bound as parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pymysql
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from services.planner.lexer import quote_identifier
from services.preflight.server import DIALECTS, ServerDialect, flavour_of


class TimeLimitExceeded(Exception):
    """The server stopped a SELECT at the pre-flight's time limit."""


class QueryFailed(Exception):
    """A SELECT failed for another reason; the message is the server's first line."""


def ident(name: str) -> str:
    """A back-quoted identifier, safe inside a parameterised query text (``%`` doubled)."""
    return quote_identifier(name).replace("%", "%%")


class ReadOnlySession:
    """One connection in a read-only transaction; ``select`` runs bounded SELECTs."""

    def __init__(self, connection: Any, seconds: float) -> None:
        self._connection = connection
        self._seconds = seconds
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            self.version = str(cursor.fetchone()[0])
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.execute("START TRANSACTION READ ONLY")
        self.dialect: ServerDialect = DIALECTS[flavour_of(self.version)]

    def select(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """All rows of a bounded SELECT (``%s`` placeholders); the caller's LIMIT caps rows.

        Raises ``TimeLimitExceeded`` when the time limit fires, ``QueryFailed`` otherwise.
        """
        bounded = self.dialect.bounded(sql, self._seconds)
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(bounded, tuple(params))
                return list(cursor.fetchall())
        except pymysql.MySQLError as exc:
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if code in self.dialect.time_limit_codes:
                raise TimeLimitExceeded(f"time limit of {self._seconds:g} s reached") from None
            message = str(exc.args[1] if len(exc.args) > 1 else exc).splitlines()
            raise QueryFailed(message[0][:300] if message else type(exc).__name__) from None

    def close(self) -> None:
        try:
            self._connection.rollback()
        finally:
            self._connection.close()


@contextmanager
def read_only_session(target: Engine | str, seconds: float) -> Iterator[ReadOnlySession]:
    """A ``ReadOnlySession`` on ``target`` (an engine, or a URL used for this session only)."""
    engine = target if isinstance(target, Engine) else _engine(target)
    try:
        connection = engine.raw_connection()
        # Never hand a read-only session back to a caller's pool: close it for real at the end.
        connection.detach()
        session = ReadOnlySession(connection, seconds)
        try:
            yield session
        finally:
            session.close()
    finally:
        if engine is not target:
            engine.dispose()


def _engine(url: str) -> Engine:
    return create_engine(make_url(url), poolclass=NullPool, connect_args={"charset": "utf8mb4"})
