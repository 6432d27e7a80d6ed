"""How a ``redrive-console`` process ends (``app.cli.entry``): a command's answer and exit
code are kept while the interpreter's teardown is skipped, the console ends the ordinary
way, and the storage connections are closed the way a client says goodbye."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.cli import begin
from services.planner import gc_budget
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage

ROOT = Path(__file__).resolve().parents[2]
# The entry point as the installed script runs it, with a goodbye that only a teardown prints.
ENTRY = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('teardown ran', file=sys.stderr))\n"
    "sys.argv = ['redrive-console', *sys.argv[1:]]\n"
    "from app.cli import entry\n"
    "entry()\n"
)


def _entry(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
        check=False,
    )


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    desired, current = tmp_path / "desired", tmp_path / "current"
    for folder, sql in (
        (desired, "CREATE TABLE users (id bigint, email varchar(200));"),
        (current, "CREATE TABLE `users` (`id` bigint)"),
    ):
        folder.mkdir()
        (folder / "users.sql").write_text(sql, encoding="utf-8")
    return desired, current


def test_a_command_keeps_its_answer_and_code_and_skips_the_teardown(tmp_path: Path) -> None:
    desired, current = _folders(tmp_path)
    planned = _entry(
        tmp_path, "plan", "--schema-dir", str(desired), "--current-dir", str(current), "--json"
    )
    assert planned.returncode == 0, planned.stderr
    changes = json.loads(planned.stdout)["changes"]
    assert [c["ddl"] for c in changes] == [
        "ALTER TABLE `users` ADD COLUMN `email` varchar(200) NULL;"
    ]
    assert "teardown ran" not in planned.stderr
    refused = _entry(tmp_path, "plan", "--schema-dir", str(tmp_path / "none"), "--current-dir", ".")
    assert refused.returncode == 2
    assert "is not a folder" in refused.stderr and "teardown ran" not in refused.stderr


def test_the_console_ends_the_ordinary_way(tmp_path: Path) -> None:
    helped = _entry(tmp_path, "demo", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "usage: redrive-console demo" in helped.stdout
    assert "teardown ran" in helped.stderr


def _aborted_clients(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SHOW GLOBAL STATUS LIKE 'Aborted_clients'")).one()
    finally:
        engine.dispose()
    return int(row[1])


def test_a_command_closes_its_storage_connections_politely(
    tmp_path: Path, mysql_database_url: str
) -> None:
    """A connection left open when the process ends is an aborted client to MariaDB, with an
    ``Aborted connection`` warning in its error log for each command run."""
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    engine.dispose()
    gc.collect()  # no connection of this process is left to close abruptly meanwhile
    before = _aborted_clients(mysql_database_url)
    for _ in range(3):
        listed = _entry(tmp_path, "list", "--storage-url", mysql_database_url, "--json")
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == []
    assert _aborted_clients(mysql_database_url) == before


@pytest.mark.parametrize(("command", "kept"), [("plan", True), ("redrive", True), ("ui", False)])
def test_the_entry_point_keeps_the_planning_threshold_for_a_command_not_the_console(
    monkeypatch, command: str, kept: bool
) -> None:
    monkeypatch.setattr(gc_budget, "_kept", False)
    monkeypatch.setattr(sys, "argv", ["redrive-console", command, "--help"])
    begin()
    assert gc_budget._kept is kept
