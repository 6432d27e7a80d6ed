"""The README's exit-code table is the contract: every case it lists runs through the real CLI.

The table in README.md ("| code | meaning | documented cases |") is parsed; each documented
case must have a scenario here and each scenario must be documented. A scenario runs
``app.cli.main`` against real SQLite storage seeded with the factories (MariaDB where the case
needs it; for "storage unreachable", a MySQL URL nobody listens on) and returns the exit code.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from app.cli import main
from services.storage.schema import applies
from tests.redrive.writeside_support import PLAN_DATA, USERS_AFTER, storage_engine, write_snapshot
from tests.storage.factories import insert_apply, insert_failed_apply, insert_lock

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| code | meaning | documented cases |"
DATABASE = "orders"
ENV = "production"


def documented_cases() -> list[tuple[int, str]]:
    """(code, case) for every case of the README's exit-code table, in table order."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # skip the header and the |---| line
    cases = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        code, _meaning, listed = (cell.strip() for cell in line.strip("|").split("|"))
        cases += [(int(code), case.strip()) for case in listed.split(";")]
    return cases


class Storage:
    """SQLite storage with a redrivable failed apply and a config whose environment points at
    a schema snapshot; ``run`` calls the CLI with the connection options."""

    def __init__(self, directory: Path, capsys, monkeypatch, url: str | None = None) -> None:
        self.url = url or f"sqlite:///{directory / 'storage.db'}"
        self.engine = storage_engine(self.url)
        self.snapshot = write_snapshot(directory / "snapshot")
        self.config = directory / "schemabot.yaml"
        self.config.write_text(
            f"databases:\n  {DATABASE}:\n    type: mysql\n    environments:\n"
            f"      {ENV}:\n        schema_snapshot: snapshot\n"
        )
        self.capsys, self.monkeypatch = capsys, monkeypatch
        self.ident = self.seed()

    def seed(self) -> str:
        route = {"database_name": DATABASE, "deployment": DATABASE}
        with self.engine.begin() as conn:
            seeded = insert_failed_apply(
                conn, plan={"plan_data": PLAN_DATA, "target": DATABASE, **route}, apply=route
            )
        return seeded.apply_identifier

    def run(self, *argv: str, stdin=None) -> int:
        self.monkeypatch.setattr("sys.stdin", stdin if stdin is not None else io.StringIO(""))
        code = main([*argv, "--config", str(self.config), "--storage-url", self.url])
        self.output = self.capsys.readouterr()
        return code

    def redrive(self, *options: str, stdin=None) -> int:
        return self.run("redrive", self.ident, "-e", ENV, *options, stdin=stdin)

    def token(self, ident: str | None = None) -> str:
        assert self.run("review", ident or self.ident, "-e", ENV, "--json") == 0
        return json.loads(self.output.out)["token"]

    def hold_lock(self, owner: str = "acme/orders-schema#42") -> None:
        with self.engine.begin() as conn:
            insert_lock(conn, database_name=DATABASE, owner=owner)

    def set_apply(self, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(applies).where(applies.c.apply_identifier == self.ident).values(**values)
            )


class _CtrlC:
    def readline(self) -> str:
        raise KeyboardInterrupt


def _unreachable(s: Storage) -> int:
    code = main(["list", "--storage-url", "mysql+pymysql://u:secret@127.0.0.1:1/storage"])
    assert "secret" not in "".join(s.capsys.readouterr())
    return code


def _changed_since_token(s: Storage) -> int:
    token = s.token()
    s.set_apply(updated_at=datetime(2031, 1, 1))
    return s.redrive("--token", token, "--yes")


def _token_of_another_apply(s: Storage) -> int:
    return s.redrive("--token", s.token(s.seed()), "--yes")


def _plan_mismatch(s: Storage) -> int:
    write_snapshot(s.snapshot, USERS_AFTER)
    return s.run("review", s.ident, "-e", ENV)


def _lock_held(s: Storage) -> int:
    s.hold_lock()
    return s.redrive("--yes")


def _expect_other_owner(s: Storage) -> int:
    s.hold_lock()
    return s.redrive("--force", "--yes", "--expect-lock-owner", "acme/orders-schema#7")


def _ctrl_c_at_prompt(s: Storage) -> int:
    code = s.redrive("--json", stdin=_CtrlC())
    assert json.loads(s.output.out)["outcome"] == "not written"
    return code


def _ambiguous(s: Storage) -> int:
    """Storage without SchemaBot's unique index on ``apply_identifier`` holds two applies with
    one identifier: the console refuses instead of picking one."""
    with s.engine.begin() as conn:
        conn.execute(text("ALTER TABLE applies DROP INDEX idx_apply_identifier"))
        plan_id = conn.execute(select(applies.c.plan_id)).scalar_one()
        insert_apply(conn, apply_identifier=s.ident, plan_id=plan_id, database_name=DATABASE)
    code = s.run("review", s.ident, "-e", ENV, "--json")
    assert json.loads(s.output.out)["reason_code"] == "ambiguous_apply"
    return code


def _init_non_empty(s: Storage) -> int:
    """The storage already holds SchemaBot's tables (and an apply): init reads that and refuses."""
    code = s.run("storage", "init", "--json")
    assert json.loads(s.output.out)["status"] == "rejected"
    return code


def _not_failed(s: Storage) -> int:
    s.set_apply(state="completed")
    return s.run("review", s.ident, "-e", ENV)


SCENARIOS: dict[str, Callable[[Storage], int]] = {
    "list": lambda s: s.run("list"),
    "review of a matching apply": lambda s: s.run("review", s.ident, "-e", ENV),
    "redrive that reopens the apply": lambda s: s.redrive("--yes"),
    "storage unreachable": _unreachable,
    "missing -e": lambda s: s.run("review", s.ident),
    "logs --limit 0": lambda s: s.run("logs", s.ident, "--limit", "0"),
    "garbled --token": lambda s: s.redrive("--token", "rt1.not-a-token", "--yes"),
    "--token of another apply": _token_of_another_apply,
    "--expect-fingerprint shorter than 16 hex characters": (
        lambda s: s.redrive("--yes", "--expect-fingerprint", "0123456789abcde")
    ),
    "--expect-fingerprint not hex": lambda s: s.redrive("--yes", "--expect-fingerprint", "z" * 16),
    "--force --yes without --token or --expect-lock-owner": (
        lambda s: s.redrive("--force", "--yes")
    ),
    "unknown apply": lambda s: s.run("review", "apply-0000000000000000", "-e", ENV),
    "wrong environment": lambda s: s.run("review", s.ident, "-e", "staging"),
    "two applies sharing one identifier": _ambiguous,
    "apply not failed": _not_failed,
    "plan mismatch": _plan_mismatch,
    "changed since the --token review": _changed_since_token,
    "lock held by another owner without --force": _lock_held,
    "--expect-lock-owner not the holder": _expect_other_owner,
    "redrive not confirmed": lambda s: s.redrive(stdin=io.StringIO("n\n")),
    "Ctrl-C at the redrive prompt": _ctrl_c_at_prompt,
    "storage init on a database that already has tables": _init_non_empty,
}
NEEDS_MYSQL = {"two applies sharing one identifier"}
CASES = documented_cases()


def test_every_documented_case_has_a_scenario_and_every_scenario_is_documented() -> None:
    documented = [case for _code, case in CASES]
    assert len(documented) == len(set(documented)), "a case is listed twice"
    assert set(documented) == set(SCENARIOS)
    assert sorted({code for code, _case in CASES}) == [0, 1, 2, 3, 130]


@pytest.mark.parametrize(
    "code, case", CASES, ids=[re.sub(r"\W+", "_", case).strip("_") for _c, case in CASES]
)
def test_the_documented_exit_code(request, tmp_path, capsys, monkeypatch, code, case) -> None:
    # Only MariaDB can lose the unique index two applies with one identifier need.
    url = request.getfixturevalue("mysql_database_url") if case in NEEDS_MYSQL else None
    storage = Storage(tmp_path, capsys, monkeypatch, url)
    try:
        assert SCENARIOS[case](storage) == code
    finally:
        storage.engine.dispose()
