"""A MySQL URL pointed at a port that is not MySQL fails within the connect timeout.

Each test starts a real TCP server on 127.0.0.1 that accepts and then stays silent, answers
with another protocol's banner, or drips bytes of a never-ending packet. The storage engine,
the CLI and the planner's live source must all give up within a bound (the limit is 5 s; the
assertion allows 10 s on a loaded machine) with a clear message and no password.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.cli import main
from services.domain.errors import StorageUnavailableError
from services.planner.api import PlannerError
from services.planner.sources import LiveSchemaSource
from services.storage.engine import create_storage_engine, ping

PASSWORD = "Zq9-not-echoed"
BOUND_SECONDS = 10
HOLD_SECONDS = 20  # each server ends its connection by then, so a missing bound fails, not hangs


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(HOLD_SECONDS)


def _ssh_banner(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    stop.wait(HOLD_SECONDS)


def _drip(conn: socket.socket, stop: threading.Event) -> None:
    """A packet header claiming 65 KiB, then one byte every half second: each read succeeds."""
    conn.sendall(b"\xff\xff\x00\x00")
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline and not stop.wait(0.5):
        try:
            conn.sendall(b"x")
        except OSError:
            return


BEHAVIOURS = {"silent": _silent, "ssh banner": _ssh_banner, "dripping bytes": _drip}


@pytest.fixture(params=sorted(BEHAVIOURS))
def not_mysql(request) -> Iterator[tuple[str, str]]:
    """(mode, port) of a local server that accepts TCP but never speaks MySQL; stops itself."""
    behave = BEHAVIOURS[request.param]
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(30)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                behave(conn, stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield request.param, str(server.getsockname()[1])
    finally:
        stop.set()
        server.close()
        thread.join(5)


def _url(port: str) -> str:
    return f"mysql+pymysql://ops:{PASSWORD}@127.0.0.1:{port}/schemabot"


def test_storage_engine_gives_up_within_the_bound(not_mysql) -> None:
    mode, port = not_mysql
    engine = create_storage_engine(_url(port))
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        ping(engine)
    elapsed = time.monotonic() - started
    engine.dispose()
    assert elapsed < BOUND_SECONDS, f"{mode}: took {elapsed:.1f} s"
    message = str(caught.value)
    assert PASSWORD not in message
    assert f"127.0.0.1:{port}" in message
    expected = "no MySQL handshake" if mode != "ssh banner" else "did not answer like a MySQL"
    assert expected in message and "is this the MySQL/MariaDB port?" in message


def test_cli_fails_with_one_line_within_the_bound(not_mysql, capsys) -> None:
    mode, port = not_mysql
    started = time.monotonic()
    code = main(["list", "--storage-url", _url(port)])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert elapsed < BOUND_SECONDS, f"{mode}: took {elapsed:.1f} s"
    assert code == 1  # storage unavailable: no decision was made
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert PASSWORD not in err and "is this the MySQL/MariaDB port?" in err


def test_planner_live_source_gives_up_within_the_bound(not_mysql) -> None:
    mode, port = not_mysql
    source = LiveSchemaSource(_url(port))
    started = time.monotonic()
    with pytest.raises(PlannerError) as caught:
        _ = source.version
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, f"{mode}: took {elapsed:.1f} s"
    assert PASSWORD not in str(caught.value)
    assert "is this the MySQL/MariaDB port?" in str(caught.value)
