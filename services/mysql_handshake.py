"""PyMySQL connections whose whole opening (TCP connect and handshake) has one time limit.

PyMySQL's ``connect_timeout`` covers only the TCP connect; the server greeting, the login and
``SET NAMES`` are then read with the read timeout meant for queries (or none at all). A port
that accepts TCP but is not a MySQL server (silent, or answering something else) therefore
held the console for a minute or forever. Here a watchdog cuts the socket when the limit
passes, and whatever the other end sent instead of a handshake becomes a driver
``OperationalError`` naming only the host and port.

Without TLS options PyMySQL's mode is PREFERRED: TLS when the server offers it, plain
otherwise. It builds that TLS context in every connection, loading the system's CA store
(about 45 ms of CPU), also for a server that offers no TLS. Here the same context
(``Connection._create_ssl_ctx({})``) is built once per process, when a server first offers
TLS (``_PreferredTls``); the mode and its result are unchanged.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any

import pymysql
from pymysql.constants import CR

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_LIMIT_SECONDS = 5
# Arguments with which PyMySQL's TLS is not its default PREFERRED mode (or may not be: an
# option file can name certificates); such connections are left entirely to PyMySQL.
_TLS_ARGUMENTS = frozenset(
    {
        "ssl",
        "ssl_ca",
        "ssl_cert",
        "ssl_key",
        "ssl_key_password",
        "ssl_verify_cert",
        "ssl_verify_identity",
        "ssl_disabled",
        "read_default_file",
    }
)


def bound_connect_time(engine: Engine) -> None:
    """Make every new connection of this PyMySQL ``engine`` open within its connect timeout.

    (SQLAlchemy is imported here only: ``open_connection`` serves plain PyMySQL callers too.)
    """
    from sqlalchemy import event

    event.listen(engine, "do_connect", _do_connect)


def _do_connect(_dialect: object, _record: object, cargs: tuple, cparams: dict[str, Any]):
    return open_connection(*cargs, **cparams)


def open_connection(*args: Any, **params: Any) -> pymysql.connections.Connection:
    """``pymysql.connect(...)`` failing within ``connect_timeout`` seconds, handshake included."""
    preferred = not _TLS_ARGUMENTS & params.keys()
    if preferred:  # no context built now; PREFERRED mode restored below
        params = {**params, "ssl_disabled": True}
    connection = pymysql.connections.Connection(*args, defer_connect=True, **params)
    if preferred:
        connection.ssl = True
        connection.ctx = _PREFERRED_TLS.bind(connection)
    limit = connection.connect_timeout or DEFAULT_LIMIT_SECONDS
    where = connection.unix_socket or f"{connection.host}:{connection.port}"
    started = time.monotonic()
    sock = _open_socket(connection, limit)
    watchdog = _Watchdog(sock, limit)
    try:
        connection.connect(sock)
    except Exception as exc:
        if watchdog.fired or time.monotonic() - started >= limit:
            raise _handshake_error(f"no MySQL handshake from {where} within {limit} s") from None
        if isinstance(exc, pymysql.MySQLError) and not isinstance(exc, pymysql.err.InternalError):
            raise  # the server's own answer (access denied, unknown database, ...)
        raise _handshake_error(f"{where} did not answer like a MySQL server") from None
    finally:
        watchdog.stop()
    return connection


class _PreferredTls:
    """PyMySQL's PREFERRED-mode TLS context, built once per process when a server first offers
    TLS (PyMySQL's handshake calls ``ctx.wrap_socket`` only then)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.context: ssl.SSLContext | None = None

    def bind(self, connection: pymysql.connections.Connection) -> _BoundTls:
        return _BoundTls(self, connection)

    def context_for(self, connection: pymysql.connections.Connection) -> ssl.SSLContext:
        with self._lock:
            if self.context is None:
                self.context = connection._create_ssl_ctx({})  # PyMySQL's own PREFERRED context
            return self.context


class _BoundTls:
    """What PyMySQL's handshake uses as ``ctx`` for one connection."""

    __slots__ = ("_connection", "_shared")

    def __init__(self, shared: _PreferredTls, connection: pymysql.connections.Connection) -> None:
        self._shared = shared
        self._connection = connection

    def wrap_socket(self, sock: socket.socket, server_hostname: str | None = None) -> ssl.SSLSocket:
        context = self._shared.context_for(self._connection)
        return context.wrap_socket(sock, server_hostname=server_hostname)


_PREFERRED_TLS = _PreferredTls()


def _handshake_error(message: str) -> pymysql.err.OperationalError:
    return pymysql.err.OperationalError(
        CR.CR_SERVER_LOST, f"{message} (is this the MySQL/MariaDB port?)"
    )


def _open_socket(connection: pymysql.connections.Connection, limit: float) -> socket.socket:
    """The socket PyMySQL would open (TCP or Unix), connected within ``limit`` seconds."""
    try:
        if connection.unix_socket:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(limit)
            sock.connect(connection.unix_socket)
            return sock
        source = (connection.bind_address, 0) if connection.bind_address else None
        sock = socket.create_connection(
            (connection.host, connection.port), limit, source_address=source
        )
    except OSError as exc:
        where = connection.unix_socket or f"{connection.host}:{connection.port}"
        raise pymysql.err.OperationalError(
            CR.CR_CONN_HOST_ERROR, f"Can't connect to MySQL server on {where} ({exc})"
        ) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


class _Watchdog:
    """Shuts the socket down after ``limit`` seconds unless stopped first.

    It holds a duplicate of the socket, so it can still reach the connection after PyMySQL
    wraps the original for TLS; shutting down either descriptor ends a blocked read at once.
    """

    def __init__(self, sock: socket.socket, limit: float) -> None:
        self._guard = sock.dup()
        self._lock = threading.Lock()
        self._stopped = False
        self.fired = False
        self._timer = threading.Timer(limit, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            with contextlib.suppress(OSError):  # already closed by the failing connect
                self._guard.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._timer.cancel()
        self._guard.close()
