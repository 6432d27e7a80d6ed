"""PyMySQL's PREFERRED TLS mode, with its context built once and only when a server offers TLS.

Without TLS options PyMySQL upgrades to TLS when the server offers it and stays plain
otherwise, and it builds the TLS context (the system's CA store, about 45 ms) in every
connection. ``open_connection`` keeps the mode and builds the context once per process, at the
first server that offers TLS. Tested on the real MariaDB (whatever its TLS setting) and on a
local server that speaks just enough of the MySQL handshake to offer TLS, complete it and
refuse the login.
"""

from __future__ import annotations

import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from pymysql.constants import CLIENT
from sqlalchemy.engine import make_url

from services import mysql_handshake
from services.mysql_handshake import open_connection
from tests.conftest import MYSQL_URL, require_mysql_server

# What the fake server offers: TLS, the 4.1 protocol, 20-byte scrambles and auth plugins.
OFFERED = CLIENT.SSL | CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH
DENIED = 1045
REFUSAL = b"\xff" + struct.pack("<H", DENIED) + b"#28000Access denied"


@pytest.fixture
def fresh_tls(monkeypatch: pytest.MonkeyPatch) -> mysql_handshake._PreferredTls:
    """A process state in which no connection has built the shared context yet."""
    state = mysql_handshake._PreferredTls()
    monkeypatch.setattr(mysql_handshake, "_PREFERRED_TLS", state)
    return state


@pytest.fixture
def contexts_built(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """Every default TLS context built from now on (PyMySQL builds its contexts with
    ``ssl.create_default_context``), each still built by the real function."""
    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counted(*args, **kwargs) -> ssl.SSLContext:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    return built


def _refused_login(port: int, **extra: object) -> int:
    """The error code of a login to the fake server (it always refuses)."""
    with pytest.raises(pymysql.err.OperationalError) as refused:
        open_connection(
            host="127.0.0.1", port=port, user="ops", password="x", connect_timeout=5, **extra
        )
    return refused.value.args[0]


def _packet(sequence: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([sequence]) + payload


def _greeting() -> bytes:
    scramble = b"abcdefgh" + b"ijklmnopqrst"
    payload = b"\x0a" + b"8.0.0-fake\x00" + struct.pack("<I", 7) + scramble[:8] + b"\x00"
    payload += struct.pack("<H", OFFERED & 0xFFFF) + b"\x21" + struct.pack("<H", 2)
    payload += struct.pack("<H", OFFERED >> 16) + bytes([21]) + b"\x00" * 10
    return _packet(0, payload + scramble[8:] + b"\x00" + b"mysql_native_password\x00")


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


def _read_packet(conn: socket.socket) -> bytes:
    header = _read_exactly(conn, 4)
    return _read_exactly(conn, int.from_bytes(header[:3], "little"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_offering_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, list[str]]]:
    """(port, what each connection did) of a server that offers TLS, upgrades the connection
    when asked, reads the login (over TLS when asked) and refuses it with error 1045."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    seen: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    conn.sendall(_greeting())
                    request = _read_packet(conn)
                    flags = struct.unpack("<I", request[:4])[0]
                    if not flags & CLIENT.SSL:
                        seen.append("plain login")
                        conn.sendall(_packet(2, REFUSAL))
                        continue
                    with context.wrap_socket(conn, server_side=True) as secure:
                        _read_packet(secure)  # the login, encrypted
                        seen.append(f"login over {secure.version()}")
                        secure.sendall(_packet(3, REFUSAL))
                except (OSError, ConnectionError) as exc:
                    seen.append(f"failed: {exc}")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        server.close()
        thread.join(5)


def test_a_server_offering_tls_gets_it_with_one_context_per_process(
    tls_offering_server: tuple[int, list[str]],
    fresh_tls: mysql_handshake._PreferredTls,
    contexts_built: list[ssl.SSLContext],
) -> None:
    """Three logins over TLS on one context; explicit TLS arguments (``ssl_disabled=True``:
    plain) are left to PyMySQL and do not touch it."""
    port, seen = tls_offering_server
    assert [_refused_login(port) for _ in range(3)] == [DENIED] * 3
    assert len(seen) == 3 and all(entry.startswith("login over TLS") for entry in seen), seen
    assert contexts_built == [fresh_tls.context]  # one context for the three connections
    context = contexts_built[0]
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname  # PREFERRED
    assert _refused_login(port, ssl_disabled=True) == DENIED
    assert seen[3:] == ["plain login"]
    assert contexts_built == [context]


def test_the_real_server_gets_preferred_tls(
    fresh_tls: mysql_handshake._PreferredTls, contexts_built: list[ssl.SSLContext]
) -> None:
    """On the test MariaDB: TLS exactly when the server has it enabled, and without it no
    context is ever built."""
    require_mysql_server()  # its own check connects with PyMySQL's defaults
    contexts_built.clear()
    url = make_url(MYSQL_URL)
    connection = open_connection(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
        connect_timeout=5,
    )  # fmt: skip
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@have_ssl")
            enabled = cursor.fetchone()[0] == "YES"
        assert connection._secure is enabled
        assert len(contexts_built) == (1 if enabled else 0)
    finally:
        connection.close()
