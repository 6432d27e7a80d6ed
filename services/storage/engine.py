"""SQLAlchemy engines for SchemaBot storage: MySQL/MariaDB via PyMySQL, PostgreSQL via psycopg 3,
or SQLite for the demo.

Connection problems surface as ``StorageUnavailableError`` whose message names the host and
database only, never the password or the full DSN.

PyMySQL converts DATETIME text with a regular expression, a few microseconds a value: four
of them per task row made that most of a big apply's read. MySQL engines give PyMySQL its own
conversions with ``datetime.fromisoformat`` for the one text shape the server sends
(``fast_datetime``); every other text goes to PyMySQL's converter, so zero dates and invalid
values read exactly as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from services.domain.errors import StorageUnavailableError

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
SQLITE_BUSY_TIMEOUT_SECONDS = 10
GROUP_CONCAT_MAX = 2**32 - 1  # bytes; the server's max_allowed_packet still bounds a result

_BARE_DRIVERS = {
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


def parse_storage_url(url: str | URL) -> URL:
    """Parse a SQLAlchemy URL; bare ``mysql://`` / ``mariadb://`` select PyMySQL and bare
    ``postgresql://`` / ``postgres://`` select psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageUnavailableError(
            "storage URL is not a valid SQLAlchemy URL (expected mysql+pymysql://… or sqlite:///…)"
        ) from None
    if parsed.drivername in _BARE_DRIVERS:
        parsed = parsed.set(drivername=_BARE_DRIVERS[parsed.drivername])
    return parsed


def describe_url(url: str | URL) -> str:
    """A safe description of where the storage lives: host, port and database, no credentials."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database or ':memory:'}"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"database {parsed.database or '(none)'!r} on {host}{port}"


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # every storage engine still alive


def create_storage_engine(url: str | URL) -> Engine:
    """An engine tuned for the storage: timeouts, utf8mb4 and pre-ping, or thread-safe SQLite
    (kept in a weak set, so ``dispose_engines`` can close it when the process ends)."""
    engine = _create_storage_engine(url)
    _ENGINES.add(engine)
    return engine


def dispose_engines() -> None:
    """Close the pooled connections of every storage engine still alive, the way a client
    says goodbye (MySQL's ``COM_QUIT``, PostgreSQL's Terminate). A process that ends with them
    open makes MariaDB count an aborted client and log ``Aborted connection ... (Got an error
    reading communication packets)`` for each, on the operator's SchemaBot database."""
    for engine in list(_ENGINES):
        engine.dispose()


def _create_storage_engine(url: str | URL) -> Engine:
    parsed = parse_storage_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = create_engine(
                parsed,
                connect_args={
                    "check_same_thread": False,
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                },
            )
            event.listen(engine, "connect", _sqlite_on_connect)
            return engine
        if backend in {"mysql", "mariadb"}:
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_recycle=3600,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "read_timeout": READ_TIMEOUT_SECONDS,
                    "write_timeout": READ_TIMEOUT_SECONDS,
                    "charset": "utf8mb4",
                    "conv": mysql_conversions(),
                    # whole id lists and packed rows (``dialect_sql.json_rows``), never cut
                    "init_command": f"SET SESSION group_concat_max_len = {GROUP_CONCAT_MAX}",
                },
            )
            # Imported here: PyMySQL loads only for MySQL storage, not for the SQLite demo.
            from services.mysql_handshake import bound_connect_time

            bound_connect_time(engine)  # the handshake too, not just the TCP connect
            return engine
        if backend == "postgresql":
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_recycle=3600,
                # Never prepared server-side: after five runs psycopg would prepare a statement,
                # and PostgreSQL then plans it once for any ids. On a table just written (no
                # statistics) that generic plan tests each of an apply's rows against every id
                # of the array (a 20,000-task bundle read went from 0.2 s to 1.6-1.9 s at its
                # eleventh run); each statement is planned for its own values instead. It also
                # keeps the console usable behind PgBouncer's transaction pooling.
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "prepare_threshold": None,
                },
            )
            event.listen(engine, "connect", _postgres_on_connect)
            return engine
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageUnavailableError(
            f"no driver for {describe_url(parsed)}: {type(exc).__name__}"
        ) from None
    raise StorageUnavailableError(
        f"unsupported storage backend {backend!r} (use MySQL/MariaDB, PostgreSQL or SQLite)"
    )


def fast_datetime(value: Any) -> Any:
    """PyMySQL's DATETIME/TIMESTAMP conversion: ``YYYY-MM-DD HH:MM:SS[.ffffff]`` through
    ``datetime.fromisoformat`` (which accepts a subset of what PyMySQL's pattern does, with
    the same result), anything else, or a value it refuses, through PyMySQL's own converter."""
    if (
        type(value) is str
        and (len(value) == 19 or (len(value) == 26 and value[19] == "."))
        and value[4] == "-"
        and value[7] == "-"
        and value[10] == " "
        and value[13] == ":"
        and value[16] == ":"
    ):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from pymysql.converters import convert_datetime

    return convert_datetime(value)


@cache
def mysql_conversions() -> Mapping[Any, Any]:
    """PyMySQL's conversions with ``fast_datetime`` for DATETIME and TIMESTAMP."""
    from pymysql.constants import FIELD_TYPE
    from pymysql.converters import conversions

    return {
        **conversions,
        FIELD_TYPE.DATETIME: fast_datetime,
        FIELD_TYPE.TIMESTAMP: fast_datetime,
    }


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    """Busy timeout in milliseconds, so thread workers wait for each other's writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def _postgres_on_connect(dbapi_connection, _record) -> None:
    """Id arrays dumped by the console's own dumper (``pg_id_array``)."""
    # Imported here: psycopg loads only for PostgreSQL storage.
    from services.storage.pg_id_array import register

    register(dbapi_connection)


def driver_reason(exc: DBAPIError) -> str:
    """The first line of the driver's own error text (never contains the DSN)."""
    orig = exc.orig
    if orig is not None and getattr(orig, "args", None):
        args = orig.args
        text = f"{args[0]} {args[1]}" if len(args) >= 2 else str(args[0])
    else:
        text = type(exc).__name__
    return text.splitlines()[0][:300]


@contextmanager
def unavailable_on_error(engine: Engine, action: str) -> Iterator[None]:
    """Turn connection-level driver errors into ``StorageUnavailableError`` naming the target."""
    try:
        yield
    except DBAPIError as exc:
        if isinstance(exc.orig, _programming_errors(engine)):
            raise
        raise StorageUnavailableError(
            f"cannot {action} {describe_url(engine.url)}: {driver_reason(exc)}"
        ) from None


def _programming_errors(engine: Engine) -> tuple[type[BaseException], ...]:
    """DBAPI exception classes that signal a bug in our SQL rather than an unreachable server."""
    dbapi = engine.dialect.loaded_dbapi
    return tuple(
        getattr(dbapi, name)
        for name in ("ProgrammingError", "IntegrityError", "DataError", "NotSupportedError")
        if hasattr(dbapi, name)
    )


def ping(engine: Engine) -> None:
    """Open one connection and run ``SELECT 1``; raises ``StorageUnavailableError`` on failure."""
    with unavailable_on_error(engine, "connect to"), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
