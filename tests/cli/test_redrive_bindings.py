"""``redrive --token / --expect-lock-owner / --expect-fingerprint``: a scripted review binds the
redrive exactly as the console's confirmation does.

Each test runs the real CLI (``app.cli.main``) on real storage (MariaDB and SQLite) with a
SchemaBot config whose environment points at a schema snapshot. A change made between
``review --json`` and ``redrive --token`` must be refused, naming what changed, and every
storage table must be byte-identical afterwards. The same changes made while the redrive
prompt is open (after the command's own review, before the write) prove the write itself
compares the locked rows with the decoded token.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from sqlalchemy import Engine, make_url, update

from app.cli import main
from services.storage.schema import applies, locks, tasks
from tests.redrive.writeside_support import (
    PLAN_DATA,
    USERS_AFTER,
    dump_tables,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import insert_failed_apply, insert_lock

OPERATOR = "cli:bob@ops-2"
PR_42 = "acme/orders-schema#42"
PR_77 = "acme/orders-schema#77"


class Setup:
    """Storage seeded with one redrivable apply (a failed and a completed task)."""

    def __init__(self, engine: Engine, url: str, directory, *, lock_held: bool) -> None:
        self.engine = engine
        # Named locks are server-wide: the database name is the test database's own.
        self.database = make_url(url).database if engine.dialect.name != "sqlite" else "orders"
        self.snapshot = write_snapshot(directory / "snapshot")
        config = directory / "schemabot.yaml"
        config.write_text(
            f"databases:\n  {self.database}:\n    type: mysql\n    environments:\n"
            "      production:\n        schema_snapshot: snapshot\n"
        )
        route = {"database_name": self.database, "deployment": self.database}
        with self.engine.begin() as conn:
            self.seeded = insert_failed_apply(
                conn,
                plan={"plan_data": PLAN_DATA, "target": self.database, **route},
                apply=route,
                tasks=({"state": "failed"}, {"state": "completed", "table_name": "orders"}),
                lock={"database_name": self.database} if lock_held else None,
            )
        self.tail = [
            self.seeded.apply_identifier, "-e", "production", "--config", str(config),
            "--storage-url", url, "--operator", OPERATOR,
        ]  # fmt: skip

    def review_token(self, capsys) -> str:
        assert main(["review", *self.tail, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["token"]

    def redrive(self, monkeypatch, *options: str, stdin=None) -> int:
        monkeypatch.setattr("sys.stdin", stdin if stdin is not None else io.StringIO(""))
        return main(["redrive", *self.tail, *options])


@pytest.fixture
def make_setup(storage_url, tmp_path):
    engine = storage_engine(storage_url)

    def make(*, lock_held: bool = False) -> Setup:
        return Setup(engine, storage_url, tmp_path, lock_held=lock_held)

    yield make
    engine.dispose()


def _take_free_lock(setup: Setup) -> None:
    with setup.engine.begin() as conn:
        insert_lock(conn, database_name=setup.database, owner=PR_77, pull_request=77)


def _take_over_lock(setup: Setup) -> None:
    with setup.engine.begin() as conn:
        conn.execute(update(locks).values(owner=PR_77, pull_request=77))


def _change_task_state(setup: Setup) -> None:
    with setup.engine.begin() as conn:
        completed = setup.seeded.task_ids[1]
        conn.execute(update(tasks).where(tasks.c.id == completed).values(state="cancelled"))


def _touch_apply(setup: Setup) -> None:
    with setup.engine.begin() as conn:
        conn.execute(
            update(applies)
            .where(applies.c.id == setup.seeded.apply_id)
            .values(updated_at=datetime(2031, 1, 1, 12, 0, 0))
        )


def _change_live_schema(setup: Setup) -> None:
    write_snapshot(setup.snapshot, USERS_AFTER)  # a DBA applied the change by hand


# (change, lock held at review time, fragment the refusal must name)
CHANGES = {
    "lock taken by someone else": (
        _take_free_lock, False, f"lock owner changed from nobody to {PR_77}",
    ),
    "forced takeover by someone else": (
        _take_over_lock, True, f"lock owner changed from {PR_42} to {PR_77}",
    ),
    "task row state": (_change_task_state, False, "state changed completed -> cancelled"),
    "apply updated_at": (_touch_apply, False, "apply row was updated"),
    "live schema": (_change_live_schema, False, "remaining work"),
}  # fmt: skip


def _refused(capsys) -> str:
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "rejected"
    return document["reason"]


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_between_review_and_redrive_is_refused(make_setup, monkeypatch, capsys, name):
    change, lock_held, fragment = CHANGES[name]
    setup = make_setup(lock_held=lock_held)
    token = setup.review_token(capsys)
    change(setup)
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--token", token, "--force", "--yes", "--json") == 3
    assert fragment in _refused(capsys)
    assert dump_tables(setup.engine) == before


class _ChangingStdin:
    """A terminal whose operator answers the prompts while someone else changes storage."""

    def __init__(self, change, setup: Setup) -> None:
        self.change, self.setup, self.answers = change, setup, ["y\n", f"{setup.database}\n"]

    def readline(self) -> str:
        if self.change is not None:
            self.change(self.setup)  # after the command's own review, before the write
            self.change = None
            self.after_change = dump_tables(self.setup.engine)
        return self.answers.pop(0)


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_while_the_prompt_is_open_is_refused_by_the_write(
    make_setup, monkeypatch, capsys, name
):
    change, lock_held, fragment = CHANGES[name]
    setup = make_setup(lock_held=lock_held)
    token = setup.review_token(capsys)
    stdin = _ChangingStdin(change, setup)
    code = setup.redrive(monkeypatch, "--token", token, "--force", "--json", stdin=stdin)
    assert code == 3
    assert fragment in _refused(capsys)
    assert dump_tables(setup.engine) == stdin.after_change


def test_an_unchanged_token_redrives_and_binds_the_forced_takeover(make_setup, monkeypatch, capsys):
    setup = make_setup(lock_held=True)
    token = setup.review_token(capsys)
    assert setup.redrive(monkeypatch, "--token", token, "--force", "--yes", "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "redriven"
    assert (document["lock_owner"], document["previous_lock_owner"]) == (OPERATOR, PR_42)


@pytest.mark.parametrize(
    "token, fragment",
    [
        ("garbage", "does not start with rt1."),
        ("rt1.!!!not-base64!!!", "review token is not valid"),
        ("rt1.eyJhIjoxfQ", "review token is not valid (KeyError)"),  # {"a":1}
        ("", "does not start with rt1."),
    ],
)
def test_a_garbled_token_is_bad_input_and_writes_nothing(
    make_setup, monkeypatch, capsys, token, fragment
):
    setup = make_setup()
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--token", token, "--yes", "--json") == 2
    document = json.loads(capsys.readouterr().out)
    assert (document["status"], document["reason_code"]) == ("invalid", "invalid_token")
    assert fragment in document["error"]
    assert dump_tables(setup.engine) == before


def test_a_token_of_another_apply_is_bad_input(make_setup, monkeypatch, capsys):
    first = make_setup()
    token = first.review_token(capsys)
    second = make_setup()
    before = dump_tables(second.engine)
    assert second.redrive(monkeypatch, "--token", token, "--yes") == 2
    assert f"the token is for apply {first.seeded.apply_identifier}" in capsys.readouterr().err
    assert dump_tables(second.engine) == before


def test_force_yes_without_naming_the_owner_is_refused_with_2(make_setup, monkeypatch, capsys):
    setup = make_setup(lock_held=True)
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--force", "--yes", "--json") == 2
    document = json.loads(capsys.readouterr().out)
    assert (document["status"], document["reason_code"]) == ("invalid", "force_needs_binding")
    assert "--token TOKEN" in document["error"] and "--expect-lock-owner OWNER" in document["error"]
    assert dump_tables(setup.engine) == before


@pytest.mark.parametrize("owner", [PR_77, OPERATOR, "acme/orders-schema#4"])
def test_expect_lock_owner_other_than_the_holder_is_refused(make_setup, monkeypatch, capsys, owner):
    setup = make_setup(lock_held=True)
    before = dump_tables(setup.engine)
    code = setup.redrive(monkeypatch, "--force", "--yes", "--expect-lock-owner", owner, "--json")
    assert code == 3
    assert f"held by {PR_42}, not held by the expected owner {owner}" in _refused(capsys)
    assert dump_tables(setup.engine) == before


def test_expect_lock_owner_of_a_free_lock_is_refused(make_setup, monkeypatch, capsys):
    setup = make_setup()
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--yes", "--expect-lock-owner", PR_42, "--json") == 3
    assert f"is free, not held by the expected owner {PR_42}" in _refused(capsys)
    assert dump_tables(setup.engine) == before


def test_expect_lock_owner_naming_the_holder_takes_over(make_setup, monkeypatch, capsys):
    setup = make_setup(lock_held=True)
    code = setup.redrive(monkeypatch, "--force", "--yes", "--expect-lock-owner", PR_42, "--json")
    assert code == 0
    assert json.loads(capsys.readouterr().out)["previous_lock_owner"] == PR_42


def test_a_lock_taken_over_after_the_cli_checked_the_owner_is_refused(
    make_setup, monkeypatch, capsys
):
    setup = make_setup(lock_held=True)
    stdin = _ChangingStdin(_take_over_lock, setup)
    code = setup.redrive(
        monkeypatch, "--force", "--expect-lock-owner", PR_42, "--json", stdin=stdin
    )
    assert code == 3
    assert f"lock owner changed from {PR_42} to {PR_77}" in _refused(capsys)
    assert dump_tables(setup.engine) == stdin.after_change


@pytest.mark.parametrize(
    "given, fragment",
    [
        ("0123456789abcde", "has 15 hex characters; give at least 16"),
        ("0123456789abcdeg", "is not hexadecimal"),
        ("f00", "has 3 hex characters; give at least 16"),
    ],
)
def test_a_short_or_non_hex_fingerprint_is_bad_input(
    make_setup, monkeypatch, capsys, given, fragment
):
    setup = make_setup()
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--yes", "--expect-fingerprint", given) == 2
    err = capsys.readouterr().err
    assert "argument --expect-fingerprint" in err and fragment in err
    assert dump_tables(setup.engine) == before


def test_the_16_character_fingerprint_the_console_shows_is_accepted(
    make_setup, monkeypatch, capsys
):
    setup = make_setup()
    assert main(["review", *setup.tail, "--json"]) == 0
    fingerprint = json.loads(capsys.readouterr().out)["fingerprint"]
    wrong = ("0" if fingerprint[0] != "0" else "1") + fingerprint[1:16]
    before = dump_tables(setup.engine)
    assert setup.redrive(monkeypatch, "--yes", "--expect-fingerprint", wrong, "--json") == 3
    assert f"not the expected {wrong}" in _refused(capsys)
    assert dump_tables(setup.engine) == before
    code = setup.redrive(monkeypatch, "--yes", "--expect-fingerprint", fingerprint[:16], "--json")
    assert code == 0
    assert json.loads(capsys.readouterr().out)["fingerprint"] == fingerprint
