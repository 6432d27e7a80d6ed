"""``redrive-console redrive``: confirmation, --yes/--force/--expect-fingerprint, JSON, exit codes.

Runs the real CLI entry point in-process against MariaDB storage and a SchemaBot config whose
environment points at a schema snapshot folder.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from app.cli import main
from services.storage.schema import apply_logs, locks
from tests.redrive.writeside_support import PLAN_DATA, dump_tables, storage_engine, write_snapshot
from tests.storage.factories import default_database, insert_failed_apply

OPERATOR = "cli:bob@ops-2"


@pytest.fixture
def setup(mysql_database_url, tmp_path):
    engine = storage_engine(mysql_database_url)
    write_snapshot(tmp_path / "snapshot")
    config = tmp_path / "schemabot.yaml"
    database = default_database()  # the test database's own name: named locks are server-wide
    config.write_text(
        f"databases:\n  {database}:\n    type: mysql\n    environments:\n"
        "      production:\n        schema_snapshot: snapshot\n"
    )
    route = {"deployment": database, "target": database}
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn, plan={"plan_data": PLAN_DATA, **route}, apply={"deployment": database}
        )
    base = [
        "redrive", seeded.apply_identifier, "-e", "production", "--config", str(config),
        "--storage-url", mysql_database_url, "--operator", OPERATOR,
    ]  # fmt: skip
    yield engine, seeded, base
    engine.dispose()


def _run(monkeypatch, argv, stdin: str | None = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin) if stdin is not None else None)
    return main(argv)


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_yes_json_redrives(setup, monkeypatch, capsys):
    engine, seeded, base = setup
    assert _run(monkeypatch, [*base, "--yes", "--json"]) == 0
    document = _json(capsys)
    assert document["status"] == "redriven"
    assert document["apply_id"] == seeded.apply_identifier
    assert document["lock_owner"] == OPERATOR
    assert document["previous_lock_owner"] is None
    assert document["reopened"] == {"tasks": seeded.task_ids, "operations": []}
    assert len(document["fingerprint"]) == 64
    with engine.connect() as conn:
        assert conn.execute(select(locks.c.owner)).scalars().all() == [OPERATOR]
        (message,) = conn.execute(select(apply_logs.c.message)).scalars().all()
    assert message == f"Redrive requested by user (caller: {OPERATOR})"


@pytest.mark.parametrize("answer", [None, "", "n\n", "no\n", "maybe\n"])
def test_without_yes_the_default_is_no(setup, monkeypatch, capsys, answer):
    engine, _seeded, base = setup
    before = dump_tables(engine)
    assert _run(monkeypatch, [*base, "--json"], stdin=answer) == 3
    captured = capsys.readouterr()
    assert "Redrive? [y/N]" in captured.err
    assert json.loads(captured.out)["reason"] == "not confirmed by the operator; nothing written"
    assert dump_tables(engine) == before


def test_answer_yes_redrives_and_prints_the_summary(setup, monkeypatch, capsys):
    _engine, seeded, base = setup
    assert _run(monkeypatch, base, stdin="y\n") == 0
    out = capsys.readouterr().out
    assert "verdict: MATCH" in out
    assert f"Redrive queued for {seeded.apply_identifier}" in out


def test_force_asks_for_the_database_name(setup, monkeypatch, capsys):
    engine, _seeded, base = setup
    database = default_database()
    with engine.begin() as conn:
        conn.execute(locks.insert().values(
            database_name=database, database_type="mysql", repository="acme/orders-schema",
            pull_request=42, owner="acme/orders-schema#42", pending_plan_id="",
        ))  # fmt: skip
    before = dump_tables(engine)
    assert _run(monkeypatch, [*base, "--force", "--json"], stdin="y\nwrongdb\n") == 3
    assert f"Type the database name ({database})" in capsys.readouterr().err
    assert dump_tables(engine) == before
    assert _run(monkeypatch, [*base, "--force", "--json"], stdin=f"y\n{database}\n") == 0
    document = _json(capsys)
    assert (document["lock_owner"], document["previous_lock_owner"]) == (
        OPERATOR, "acme/orders-schema#42",
    )  # fmt: skip


def test_lock_held_by_another_owner_without_force_is_rejected(setup, monkeypatch, capsys):
    engine, _seeded, base = setup
    with engine.begin() as conn:
        conn.execute(locks.insert().values(
            database_name=default_database(), database_type="mysql", repository="r",
            pull_request=7,
            owner="r#7", pending_plan_id="",
        ))  # fmt: skip
    before = dump_tables(engine)
    assert _run(monkeypatch, [*base, "--yes", "--json"]) == 3
    assert "retry with --force to take over the lock" in _json(capsys)["reason"]
    assert dump_tables(engine) == before


def test_expect_fingerprint_mismatch_is_rejected(setup, monkeypatch, capsys):
    engine, _seeded, base = setup
    before = dump_tables(engine)
    wrong = "f00" * 6
    assert _run(monkeypatch, [*base, "--yes", "--json", "--expect-fingerprint", wrong]) == 3
    assert f"not the expected {wrong}" in _json(capsys)["reason"]
    assert _run(monkeypatch, [*base, "--yes", "--json", "--expect-fingerprint", "f00"]) == 2
    assert "give at least 16" in capsys.readouterr().err
    assert dump_tables(engine) == before


def test_unknown_apply_and_wrong_environment_are_refused(setup, monkeypatch, capsys):
    engine, seeded, base = setup
    before = dump_tables(engine)
    unknown = [*base]
    unknown[1] = "apply-0000000000000000"
    assert _run(monkeypatch, [*unknown, "--yes"]) == 3
    assert "apply apply-0000000000000000 not found" in capsys.readouterr().err
    wrong_env = [*base]
    wrong_env[3] = "staging"
    assert _run(monkeypatch, [*wrong_env, "--yes", "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["reason"].endswith('not "staging"')
    assert _run(monkeypatch, ["redrive", seeded.apply_identifier]) == 2  # -e is required
    assert dump_tables(engine) == before
