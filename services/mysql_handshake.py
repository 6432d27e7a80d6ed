"""PyMySQL connections whose whole opening (TCP connect and handshake) has one time limit.

PyMySQL's ``connect_timeout`` covers only the TCP connect; the server greeting, the login and
``SET NAMES`` are then read with the read timeout meant for queries (or none at all). A port
that accepts TCP but is not a MySQL server (silent, or answering something else) therefore
held the console for a minute or forever. Here a watchdog cuts the socket when the limit
passes, and whatever the other end sent instead of a handshake becomes a driver
``OperationalError`` naming only the host and port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import pymysql
from pymysql.constants import CR

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_LIMIT_SECONDS = 5


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
    connection = pymysql.connections.Connection(*args, defer_connect=True, **params)
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
