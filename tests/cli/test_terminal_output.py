"""Hostile storage text through the real CLI: no raw control, escape or bidi character is printed.

A lock owner, a task error and the apply's error carry an OSC 52 clipboard write, a clear-screen
and a right-to-left override; ``list``, ``review``, ``logs`` and ``redrive`` (text and JSON) run
in-process against MariaDB storage and must show them as visible escapes only.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading

import pytest
from sqlalchemy.engine import make_url

from app.cli import main
from tests.redrive.writeside_support import PLAN_DATA, storage_engine, write_snapshot
from tests.storage.factories import insert_failed_apply, insert_log

OSC52 = "\x1b]52;c;cm0gLXJmIC8=\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
OWNER = f"acme/orders-schema#42{OSC52}{CLEAR}{RLO}exe.gnp"
ERROR = f"copy failed{CLEAR}\x9b2J{RLO}\u2066x\u200b"
RAW = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b",
}
VISIBLE_OWNER = "acme/orders-schema#42\\x1b]52;c;cm0gLXJmIC8=\\x07\\x1b[2J\\u202eexe.gnp"


@pytest.fixture
def hostile(mysql_database_url, tmp_path):
    """(apply identifier, database, argv tail) for a redrivable apply whose rows carry hostile
    text; the logical database is the test's own unique one (named locks are server-wide)."""
    engine = storage_engine(mysql_database_url)
    database = make_url(mysql_database_url).database
    write_snapshot(tmp_path / "snapshot")
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        f"databases:\n  {database}:\n    type: mysql\n    environments:\n"
        "      production:\n        schema_snapshot: snapshot\n"
    )
    route = {"database_name": database, "deployment": database, "target": database}
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            plan={"plan_data": PLAN_DATA, **route},
            apply={"database_name": database, "deployment": database, "error_message": ERROR},
            tasks=[{"state": "failed", "error_message": ERROR, "database_name": database}],
            lock={"owner": OWNER, "database_name": database},
        )
        insert_log(conn, seeded.apply_id, message=ERROR)
    tail = ["--config", str(config), "--storage-url", mysql_database_url, "--operator", "cli:ops"]
    yield seeded.apply_identifier, database, tail
    engine.dispose()


def _run(capsys, monkeypatch, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    assert not RAW & set(out), f"raw control in stdout: {out!r}"
    assert not RAW & set(err), f"raw control in stderr: {err!r}"
    return code, out, err


def test_list_text_and_json(hostile, capsys, monkeypatch) -> None:
    _ident, _database, tail = hostile
    code, out, err = _run(capsys, monkeypatch, ["list", *tail])
    assert code == 0, err
    assert VISIBLE_OWNER in out
    code, out, _err = _run(capsys, monkeypatch, ["list", "--json", *tail])
    assert code == 0
    (row,) = json.loads(out)
    assert (row["lock_owner"], row["error"]) == (OWNER, ERROR)  # exact values for machines


def test_review_text_and_json(hostile, capsys, monkeypatch) -> None:
    ident, _database, tail = hostile
    code, out, _err = _run(capsys, monkeypatch, ["review", ident, "-e", "production", *tail])
    assert code == 0
    assert f"held by {VISIBLE_OWNER}" in out
    argv = ["review", ident, "-e", "production", "--json", *tail]
    code, out, _err = _run(capsys, monkeypatch, argv)
    assert json.loads(out)["lock"]["owner"] == OWNER


def test_logs_text(hostile, capsys, monkeypatch) -> None:
    ident, _database, tail = hostile
    code, out, _err = _run(capsys, monkeypatch, ["logs", ident, *tail])
    assert code == 0
    assert "copy failed\\x1b[2J\\x9b2J\\u202e\\u2066x\\u200b" in out


def test_redrive_rejection_on_stderr(hostile, capsys, monkeypatch) -> None:
    ident, _database, tail = hostile
    argv = ["redrive", ident, "-e", "production", "--yes", *tail]
    code, _out, err = _run(capsys, monkeypatch, argv)
    assert code == 3
    assert f"held by another owner ({VISIBLE_OWNER})" in err


def test_redrive_forced_takeover_text(hostile, capsys, monkeypatch) -> None:
    ident, database, tail = hostile
    argv = ["redrive", ident, "-e", "production", "--force", *tail]
    code, out, err = _run(capsys, monkeypatch, argv, stdin=f"y\n{database}\n")
    assert code == 0, err
    assert f"This takes the lock over from {VISIBLE_OWNER}" in err
    assert f"(was {VISIBLE_OWNER})" in out


def test_redrive_forced_takeover_json(hostile, capsys, monkeypatch) -> None:
    ident, database, tail = hostile
    argv = ["redrive", ident, "-e", "production", "--force", "--json", *tail]
    code, out, err = _run(capsys, monkeypatch, argv, stdin=f"y\n{database}\n")
    assert code == 0, err
    assert json.loads(out)["previous_lock_owner"] == OWNER


@pytest.fixture
def hostile_server():
    """A local server whose first packet is a MySQL error carrying escape sequences and bidi."""
    message = f"Too many connections{OSC52}{CLEAR}{RLO}".encode()
    payload = b"\xff" + (1040).to_bytes(2, "little") + b"#08004" + message
    packet = len(payload).to_bytes(3, "little") + b"\x00" + payload
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            with conn:
                conn.sendall(packet)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    thread.join(5)


def test_server_sent_error_text_is_escaped_on_stderr(hostile_server, capsys, monkeypatch) -> None:
    url = f"mysql+pymysql://ops:pw@127.0.0.1:{hostile_server}/schemabot"
    code, out, err = _run(capsys, monkeypatch, ["list", "--storage-url", url])
    assert code == 1 and out == ""
    assert "Too many connections\\x1b]52;c;cm0gLXJmIC8=\\x07\\x1b[2J\\u202e" in err


def test_a_newline_in_stored_text_cannot_forge_a_review_line(hostile, capsys, monkeypatch):
    from sqlalchemy import create_engine, update

    from services.storage.schema import locks

    ident, _database, tail = hostile
    engine = create_engine(tail[tail.index("--storage-url") + 1])
    with engine.begin() as conn:
        conn.execute(update(locks).values(owner="r#7\nverdict: MATCH\r\u2028reason: fine"))
    engine.dispose()
    code, out, _err = _run(capsys, monkeypatch, ["review", ident, "-e", "production", *tail])
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("verdict:")] == ["verdict: MATCH"]
    assert "held by r#7 verdict: MATCH \\u2028reason: fine" in out
