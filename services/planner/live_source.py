"""The live schema source: a MySQL/MariaDB server read with ``SHOW CREATE TABLE`` in batches."""

from __future__ import annotations

from collections.abc import Mapping

import pymysql
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from services.mysql_handshake import DEFAULT_LIMIT_SECONDS, bound_connect_time
from services.planner.api import Flavour, PlannerError
from services.planner.lexer import quote_identifier
from services.planner.sources import is_planned_table

_BATCH = 250
_MULTI_STATEMENTS = 1 << 16  # pymysql.constants.CLIENT.MULTI_STATEMENTS


class LiveSchemaSource:
    """A live server; one namespace is the schema of the same name (or ``database_override``).

    One short-lived connection per ``load`` (no pool is kept): the table list, then
    ``SHOW CREATE TABLE`` statements sent in batches of multi-statement queries, so 1,000
    tables take a handful of round trips.
    """

    server_text = True  # texts are printed by the server: an equal desired file is unchanged

    def __init__(self, url: str | Engine, *, database_override: str | None = None) -> None:
        base = url.url if isinstance(url, Engine) else make_url(url)
        self._engine = create_engine(
            base.set(database="") if base.database else base,  # connect without a default schema
            connect_args={
                "client_flag": _MULTI_STATEMENTS,
                "charset": "utf8mb4",
                # the URL's own timeout (a Go DSN's ``timeout``) wins over the default
                "connect_timeout": int(base.query.get("connect_timeout", DEFAULT_LIMIT_SECONDS)),
            },
            poolclass=NullPool,
        )
        bound_connect_time(self._engine)  # a wrong port fails in seconds, handshake included
        self._safe_url = base.render_as_string(hide_password=True)
        self.database_override = database_override
        self._flavour: Flavour | None = None
        self._version = ""

    @property
    def flavour(self) -> Flavour:
        if self._flavour is None:
            self._detect()
        return self._flavour  # type: ignore[return-value]

    @property
    def version(self) -> str:
        """The server's ``VERSION()`` string."""
        if self._flavour is None:
            self._detect()
        return self._version

    def _detect(self) -> None:
        with self._raw() as cursor:
            cursor.execute("SELECT VERSION()")
            self._version = str(cursor.fetchone()[0])
        self._flavour = Flavour.MARIADB if "mariadb" in self._version.lower() else Flavour.MYSQL

    def _raw(self):
        try:
            connection = self._engine.raw_connection()
        except (SQLAlchemyError, OSError, pymysql.MySQLError) as exc:
            raise PlannerError(f"cannot connect to {self._safe_url}: {_first_line(exc)}") from None
        return _Cursor(connection)

    def load(self, namespace: str) -> Mapping[str, str]:
        schema = self.database_override or namespace
        quoted = quote_identifier(schema)
        with self._raw() as cursor:
            try:
                # MariaDB lists system-versioned tables apart; read them so the planner
                # refuses them (WITH SYSTEM VERSIONING) instead of planning a CREATE.
                cursor.execute(
                    f"SHOW FULL TABLES FROM {quoted}"
                    " WHERE Table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')"
                )
            except Exception as exc:
                raise PlannerError(
                    f"cannot list tables of schema {schema!r}: {_first_line(exc)}",
                    namespace=namespace,
                ) from None
            names = sorted(row[0] for row in cursor.fetchall() if is_planned_table(row[0]))
            tables: dict[str, str] = {}
            for start in range(0, len(names), _BATCH):
                batch = names[start : start + _BATCH]
                cursor.execute(
                    ";".join(
                        f"SHOW CREATE TABLE {quoted}.{quote_identifier(name)}" for name in batch
                    )
                )
                while True:
                    row = cursor.fetchone()
                    if row is not None:
                        tables[row[0]] = row[1]
                    if not cursor.nextset():
                        break
        if self._flavour is None:
            self._detect()
        return tables

    def dispose(self) -> None:
        self._engine.dispose()


class _Cursor:
    """A DB-API cursor on a pooled raw connection, closed and returned on exit."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self._cursor = connection.cursor()

    def __enter__(self):
        return self._cursor

    def __exit__(self, *exc_info) -> None:
        self._cursor.close()
        self._connection.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
