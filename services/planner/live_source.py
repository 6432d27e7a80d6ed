"""The live schema source: a MySQL/MariaDB server read with ``SHOW CREATE TABLE`` in batches.

A plain ``mysql+pymysql://user:password@host:port/db`` URL (no query, or ``connect_timeout``
alone) is opened with PyMySQL directly: the connect arguments SQLAlchemy's PyMySQL dialect
would build from it are the ones below, and SQLAlchemy's import (about a quarter of a second)
is not paid by ``plan --target-url``. Any other URL, or an ``Engine``, goes through SQLAlchemy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import pymysql

from services.mysql_handshake import DEFAULT_LIMIT_SECONDS, open_connection
from services.planner.api import Flavour, PlannerError
from services.planner.lexer import quote_identifier
from services.planner.sources import is_planned_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_BATCH = 250
# From this many tables (more than MariaDB's default table caches hold), two sessions read the
# definitions at the same time: the server opens tables on two threads, and the second half
# does not wait behind the first (5,000 tables: 1.1-1.6 s on one session, 0.85-1.1 s on two).
_TWO_SESSIONS_FROM = 2_000
_MULTI_STATEMENTS = 1 << 16  # pymysql.constants.CLIENT.MULTI_STATEMENTS

# SQLAlchemy's own URL pattern (sqlalchemy.engine.url._parse_url), for one driver name.
_PLAIN_URL = re.compile(
    r"""
    mysql\+pymysql://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)


def _plain_connect_args(url: str) -> dict[str, Any] | None:
    """PyMySQL's arguments for a plain URL (the default schema left out), else ``None``."""
    match = _PLAIN_URL.fullmatch(url)
    if match is None:
        return None
    parts = match.groupdict()
    query = parse_qsl(parts["query"]) if parts["query"] is not None else []
    if any(key != "connect_timeout" for key, _ in query) or len(query) > 1:
        return None
    try:
        port = int(parts["port"]) if parts["port"] else None
        timeout = int(query[0][1]) if query else DEFAULT_LIMIT_SECONDS
    except ValueError:
        return None
    args: dict[str, Any] = {
        "client_flag": _MULTI_STATEMENTS,
        "charset": "utf8mb4",
        "connect_timeout": timeout,
    }
    host = parts["ipv4host"] or parts["ipv6host"]
    for name, value in (("user", parts["username"]), ("password", parts["password"])):
        if value:
            args[name] = unquote(value)
    if host:
        args["host"] = host
    if port is not None:
        args["port"] = port
    return args


class LiveSchemaSource:
    """A live server; one namespace is the schema of the same name (or ``database_override``).

    One short-lived connection per ``load`` (no pool is kept; a second one at the same time for
    a schema of ``_TWO_SESSIONS_FROM`` tables or more): the table list, then
    ``SHOW CREATE TABLE`` statements sent in batches of multi-statement queries, so 1,000
    tables take a handful of round trips.
    """

    server_text = True  # texts are printed by the server: an equal desired file is unchanged

    def __init__(self, url: str | Engine, *, database_override: str | None = None) -> None:
        plain = _plain_connect_args(url) if isinstance(url, str) else None
        self._engine: Engine | None = None
        self._url = url if isinstance(url, str) else None
        if plain is not None:
            self._connect: Callable[[], Any] = lambda: open_connection(**plain)
            self._safe_url = ""  # rendered by SQLAlchemy when an error needs it
        else:
            self._connect = self._engine_connect(url)
        self.database_override = database_override
        self._backwards: dict[str, bool] = {}  # schema -> whether its next load runs backwards
        self._flavour: Flavour | None = None
        self._version = ""

    def _engine_connect(self, url: str | Engine) -> Callable[[], Any]:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        from services.mysql_handshake import bound_connect_time

        base = url.url if not isinstance(url, str) else make_url(url)
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
        return self._engine.raw_connection

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

    def _detect(self, cursor=None) -> None:
        """Read the server's version (on ``cursor``'s connection, else on a new one)."""
        if cursor is None:
            with self._raw() as own:
                self._detect(own)
            return
        cursor.execute("SELECT VERSION()")
        self._version = str(cursor.fetchone()[0])
        self._flavour = Flavour.MARIADB if "mariadb" in self._version.lower() else Flavour.MYSQL

    def _raw(self):
        try:
            connection = self._connect()
        except Exception as exc:
            if not isinstance(exc, self._connect_errors()):
                raise
            raise PlannerError(f"cannot connect to {self.safe_url}: {_first_line(exc)}") from None
        return _Cursor(connection)

    def _connect_errors(self) -> tuple[type[BaseException], ...]:
        """What a failed connect raises: the driver's errors, and SQLAlchemy's for an engine."""
        if self._engine is None:
            return (OSError, pymysql.MySQLError)
        from sqlalchemy.exc import SQLAlchemyError

        return (OSError, pymysql.MySQLError, SQLAlchemyError)

    @property
    def safe_url(self) -> str:
        """The URL as shown in messages: the password replaced by ``***``."""
        if not self._safe_url and self._url is not None:
            from sqlalchemy.engine import make_url

            self._safe_url = make_url(self._url).render_as_string(hide_password=True)
        return self._safe_url

    def load(self, namespace: str) -> Mapping[str, str]:
        schema = self.database_override or namespace
        quoted = quote_identifier(schema)
        with self._raw() as cursor:
            if self._flavour is None:
                self._detect(cursor)  # one connection (and TLS context) for both
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
            # Every re-plan reads every table again, in the order opposite to the last load of
            # this schema: the tables the server opened last (still in its table cache, when
            # the schema outgrows it) are read first instead of being evicted before their turn.
            backwards = self._backwards.get(schema, False)
            self._backwards[schema] = not backwards
            if len(names) < _TWO_SESSIONS_FROM:
                tables = _show_create(cursor, quoted, names, backwards)
            else:
                tables = self._show_create_in_two(cursor, quoted, names, backwards)
        return dict(sorted(tables.items()))  # by name, whichever way they were read

    def _show_create_in_two(
        self, cursor, quoted: str, names: list[str], backwards: bool
    ) -> dict[str, str]:
        """Half of the tables on ``cursor``, the other half on a second session at the same
        time (each half always to the same session); the second half on ``cursor`` too when a
        second session cannot be opened."""
        half = len(names) // 2
        found: dict[str, str] = {}
        failure: list[BaseException] = []

        def second_half() -> None:
            try:
                with self._raw() as other:
                    found.update(_show_create(other, quoted, names[half:], backwards))
            except BaseException as exc:  # raised again below, on the caller's thread
                failure.append(exc)

        helper = threading.Thread(target=second_half, name="show-create", daemon=True)
        helper.start()
        try:
            tables = _show_create(cursor, quoted, names[:half], backwards)
        finally:
            helper.join()
        if failure and isinstance(failure[0], PlannerError):  # no second session: read it here
            found = _show_create(cursor, quoted, names[half:], backwards)
        elif failure:
            raise failure[0]
        tables.update(found)
        return tables

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _show_create(cursor, quoted: str, names: list[str], backwards: bool) -> dict[str, str]:
    """``SHOW CREATE TABLE`` of ``names`` (in schema ``quoted``), in multi-statement batches."""
    order = names[::-1] if backwards else names
    tables: dict[str, str] = {}
    for start in range(0, len(order), _BATCH):
        batch = order[start : start + _BATCH]
        cursor.execute(
            ";".join(f"SHOW CREATE TABLE {quoted}.{quote_identifier(name)}" for name in batch)
        )
        while True:
            row = cursor.fetchone()
            if row is not None:
                tables[row[0]] = row[1]
            if not cursor.nextset():
                break
    return tables


class _Cursor:
    """A DB-API cursor on a raw connection, closed on exit."""

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
