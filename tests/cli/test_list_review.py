"""``redrive-console list / review / logs`` end to end: exit codes and the JSON contract.

Each test runs ``app.cli.main`` in-process against storage seeded with the real factories and a
SchemaBot config whose environment points at a schema snapshot (the "live" database).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from app.cli import main
from services.redrive.preflight_step import NO_LIVE_TARGET
from tests.redrive.review_storage_support import (
    EMAIL,
    PHONE,
    desired_file,
    live_table,
    open_storage,
    raw_dump,
    seed,
    stored_plan_data,
    write_snapshot,
)
from tests.storage.factories import insert_log

DESIRED = {"testdb": {"users.sql": desired_file("users", EMAIL)}}
LIVE = {"testdb": {"users": live_table("users")}}
LIST_KEYS = {
    "apply_id", "database", "database_type", "environment", "deployment", "failed_at",
    "window_ends_at", "attempt", "tasks", "error", "lock_owner", "lock_problem", "unreadable",
    "redrivable", "reason", "reason_code", "redrive_count",
}  # fmt: skip
REVIEW_KEYS = {
    "apply_id", "environment", "database", "database_type", "deployment", "state", "failed_at",
    "window_ends_at", "database_now", "attempt", "redrive_count", "verdict", "redrivable",
    "reason", "reason_code", "plan_id", "fingerprint", "fresh_fingerprint", "lock",
    "comparisons", "reopen", "reflected_tasks", "token", "notes",
    "preflight", "preflight_verdict", "preflight_notes", "preflight_deep",
}  # fmt: skip


# which storage was read, and the later (G2) SchemaBot fields: in every list row and review
LIST_KEYS = LIST_KEYS | {
    "storage", "retry_after", "superseded_by", "throttled_tasks", "pending_drops",
}  # fmt: skip
REVIEW_KEYS = REVIEW_KEYS | {
    "storage", "recovery_actions", "next_step", "retry_after", "superseded_by",
    "throttled_tasks", "pending_drops",
}  # fmt: skip
# which planner the review trusted, and what each planner said (app.commands.planner_option)
REVIEW_KEYS = REVIEW_KEYS | {"planner", "verdicts", "server_plan_id"}


@pytest.fixture
def setup(tmp_path, request):
    """(storage, argv tail with --config/--storage-url) for a sqlite storage by default."""
    url = getattr(request, "param", None) or f"sqlite:///{tmp_path / 'storage.db'}"
    if url == "mysql":
        url = request.getfixturevalue("mysql_database_url")
    storage = open_storage(url)
    write_snapshot(tmp_path / "live", LIVE)
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        "databases:\n  testdb:\n    type: mysql\n    environments:\n"
        "      staging:\n        schema_snapshot: live\n"
    )
    yield storage, ["--config", str(config), "--storage-url", url]
    storage.engine.dispose()


def seed_testdb(storage, **kw):
    kw.setdefault("desired", DESIRED)
    kw.setdefault("plan_data", stored_plan_data(DESIRED, LIVE))
    kw.setdefault("tasks", [{"table_name": "users", "state": "failed"}])
    # schema_snapshot targets resolve deployment = target = the database name
    kw["plan"] = {"deployment": "testdb", **kw.get("plan", {})}
    kw["apply"] = {"deployment": "testdb", **kw.get("apply", {})}
    return seed(storage, **kw)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("setup", [None, "mysql"], indirect=True, ids=["sqlite", "mysql"])
def test_review_json_of_a_match_exits_0_and_writes_nothing(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage, lock={"owner": "owner/repo#123"})
    before = raw_dump(storage.engine)
    code, out, _ = run(capsys, "review", seeded.apply_identifier, "-e", "staging", "--json",
                       "--operator", "bob@example.com", *conn_args)  # fmt: skip
    assert raw_dump(storage.engine) == before
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == REVIEW_KEYS
    assert doc["verdict"] == "match" and doc["redrivable"] is True
    assert doc["reopen"] == {"tasks": seeded.task_ids, "operations": []}
    assert doc["token"].startswith("rt1.")
    assert doc["lock"]["owner"] == "owner/repo#123" and doc["lock"]["operator"] == "bob@example.com"
    [table] = doc["comparisons"]
    assert table["status"] == "same" and "`email`" in table["stored"][0]["ddl"]
    assert table["fresh"][0]["ddl"] == table["stored"][0]["ddl"]
    assert len(doc["fingerprint"]) == 64
    # a snapshot target holds no data: the pre-flight says so instead of guessing
    assert doc["preflight_verdict"] == "unknown"
    assert [(p["table"], p["verdict"]) for p in doc["preflight"]] == [("users", "unknown")]
    assert doc["preflight_notes"] == [NO_LIVE_TARGET]
    datetime.fromisoformat(doc["failed_at"])
    datetime.fromisoformat(doc["window_ends_at"])


def test_review_text_of_a_match(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage)
    code, out, _ = run(capsys, "review", seeded.apply_identifier, "-e", "staging", *conn_args)
    assert code == 0
    assert "verdict: MATCH" in out
    assert "== testdb.users [same]" in out
    assert "token: rt1." in out


def test_review_of_a_changed_plan_exits_3(setup, capsys) -> None:
    storage, conn_args = setup
    desired = {"testdb": {"users.sql": desired_file("users", EMAIL, PHONE)}}
    then = {"testdb": {"users": live_table("users", PHONE)}}
    seeded = seed_testdb(storage, desired=desired, plan_data=stored_plan_data(desired, then))
    code, out, _ = run(capsys, "review", seeded.apply_identifier, "-e", "staging", "--json",
                       *conn_args)  # fmt: skip
    assert code == 3
    doc = json.loads(out)
    assert doc["verdict"] == "mismatch" and doc["reason_code"] == "plan_changed"
    assert doc["comparisons"][0]["status"] == "changed"


def test_review_of_a_cancelled_apply_exits_3(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage, apply={"state": "cancelled"})
    code, out, _ = run(capsys, "review", seeded.apply_identifier, "-e", "staging", *conn_args)
    assert code == 3
    assert "verdict: NOT_REDRIVABLE" in out
    assert "only failed applies can be redriven" in out


def test_review_in_the_wrong_environment_is_refused_with_3(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage)
    code, out, _ = run(capsys, "review", seeded.apply_identifier, "-e", "production", "--json",
                       *conn_args)  # fmt: skip
    assert code == 3
    assert json.loads(out)["reason_code"] == "environment_mismatch"


def test_review_of_an_unknown_apply_is_rejected_with_3(setup, capsys) -> None:
    _, conn_args = setup
    code, out, _ = run(capsys, "review", "apply-nope", "-e", "staging", "--json", *conn_args)
    assert code == 3
    assert json.loads(out) == {
        "status": "rejected",
        "reason_code": "apply_not_found",
        "error": "apply apply-nope not found",
    }
    code, _, err = run(capsys, "review", "apply-nope", "-e", "staging", *conn_args)
    assert code == 3 and err.strip() == "redrive-console: apply apply-nope not found"


def test_review_of_an_unknown_state_exits_3_and_shows_it_verbatim(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage, tasks=[{"table_name": "users", "state": "exploded"}])
    args = ("review", seeded.apply_identifier, "-e", "staging", *conn_args)
    code, out, _ = run(capsys, *args, "--json")
    doc = json.loads(out)
    assert (code, doc["verdict"], doc["reason_code"]) == (3, "not_redrivable", "unknown_state")
    assert "unknown state 'exploded'" in doc["reason"]
    code, out, _ = run(capsys, *args)
    assert code == 3 and "unknown state 'exploded'" in out


def test_unreachable_storage_exits_1_without_the_password(capsys) -> None:
    url = "mysql+pymysql://root:s3cret@127.0.0.1:1/nowhere"
    code, out, err = run(capsys, "review", "apply-x", "-e", "staging", "--storage-url", url)
    assert code == 1
    assert "s3cret" not in out + err


def test_list_json_contract(setup, capsys) -> None:
    storage, conn_args = setup
    ready = seed_testdb(storage)
    cancelled = seed_testdb(
        storage, plan={"plan_identifier": "plan-2"}, tasks=[{"state": "cancelled"}]
    )
    code, out, _ = run(capsys, "list", "--json", *conn_args)
    assert code == 0
    rows = {row["apply_id"]: row for row in json.loads(out)}
    assert set(rows) == {ready.apply_identifier, cancelled.apply_identifier}
    row = rows[ready.apply_identifier]
    assert set(row) == LIST_KEYS
    assert row["tasks"] == {
        "failed": 1, "cancelled": 0, "completed": 0, "stopped": 0, "pending": 0, "other": 0,
        "total": 1,
    }  # fmt: skip
    assert row["redrivable"] is True
    assert rows[cancelled.apply_identifier]["tasks"]["cancelled"] == 1
    datetime.fromisoformat(row["failed_at"])


def test_list_filters_and_text_table(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage)
    code, out, _ = run(capsys, "list", "--environment", "production", "--json", *conn_args)
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "list", "-d", "testdb", *conn_args)
    assert code == 0
    assert out.splitlines()[0].startswith("APPLY")
    assert seeded.apply_identifier in out
    assert "failed work can be reviewed for redrive" in out


def test_list_counts_stopped_pending_and_other_task_states(setup, capsys) -> None:
    storage, conn_args = setup
    tasks = [
        {"state": "failed"},
        {"state": "stopped", "table_name": "b"},
        {"state": "pending", "table_name": "c"},
        {"state": "checksumming", "table_name": "d"},
    ]
    seeded = seed_testdb(storage, tasks=tasks)  # fmt: skip
    code, out, _ = run(capsys, "list", "--json", *conn_args)
    assert code == 0
    [row] = json.loads(out)
    assert row["tasks"] == {
        "failed": 1, "cancelled": 0, "completed": 0, "stopped": 1, "pending": 1, "other": 1,
        "total": 4,
    }  # fmt: skip
    code, out, _ = run(capsys, "list", *conn_args)
    header, line = out.splitlines()[:2]
    assert "TASKS F/C/OK/STOP/PEND/OTHER/ALL" in header
    assert seeded.apply_identifier in line and " 1/0/0/1/1/1/4 " in line


def test_logs_newest_first_with_limit(setup, capsys) -> None:
    storage, conn_args = setup
    seeded = seed_testdb(storage)
    with storage.engine.begin() as conn:
        insert_log(conn, seeded.apply_id, message="first", created_at=datetime(2026, 1, 1))
        insert_log(conn, seeded.apply_id, message="second\x1b[31m", created_at=datetime(2026, 1, 2))
    code, out, _ = run(capsys, "logs", seeded.apply_identifier, "--limit", "1", "--json",
                       *conn_args)  # fmt: skip
    assert code == 0
    [entry] = json.loads(out)
    assert entry["message"] == "second\x1b[31m" and entry["created_at"] == "2026-01-02T00:00:00"
    code, out, _ = run(capsys, "logs", seeded.apply_identifier, *conn_args)
    assert "\x1b" not in out and "second\\x1b[31m" in out and "first" in out
    code, _, err = run(capsys, "logs", seeded.apply_identifier, "--limit", "0", *conn_args)
    assert code == 2 and "--limit must be between 1 and 10000" in err
    code, _, err = run(capsys, "logs", "apply-nope", *conn_args)
    assert code == 3 and "apply apply-nope not found" in err
