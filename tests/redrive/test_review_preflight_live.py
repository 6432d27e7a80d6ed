"""The review's pre-flight on a live MariaDB target, the token binding it, and the redrive's
``preflight_fails`` refusal with its audited ``--ignore-preflight`` override.

The target holds ``users`` with a duplicated email; the stored plan adds a UNIQUE key on it and
the failed task carries Spirit's duplicate-key error. Storage is SQLite (the write path is the
same; MariaDB storage is covered by the write-side suites).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, make_url, select, text

from app.commands.review import render_review, review_document
from services.planner import plan_schema
from services.planner.sources import LiveSchemaSource
from services.redrive.model import Verdict
from services.redrive.service import RedriveService
from services.storage.schema import applies, apply_logs
from services.targets import Target
from tests.redrive.review_storage_support import open_storage, seed

DUPLICATE = "Error 1062 (23000): Duplicate entry 'a@x' for key 'uq_email'"
LOCK_WAIT = "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"
DESIRED = (
    "CREATE TABLE users (id bigint NOT NULL, email varchar(64) NULL, PRIMARY KEY (id),"
    " UNIQUE KEY uq_email (email))"
)
HOSTILE = "[bold]a@x[/]\x1b[31m"


class LiveTargets:
    def __init__(self, url: str) -> None:
        self.url = url

    def resolve(self, database: str, environment: str) -> Target:
        return Target(database, environment, "mysql", "default", "testdb", url=self.url)


@pytest.fixture
def target(mysql_database_url: str):
    """The live target database with ``users`` (no unique key yet) and its server URL."""
    engine = create_engine(mysql_database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE users (id bigint NOT NULL, email varchar(64) NULL, PRIMARY KEY (id))"
            )
        )
    server = make_url(mysql_database_url).set(database=None).render_as_string(hide_password=False)
    yield engine, server, make_url(mysql_database_url).database
    engine.dispose()


def failed_apply(target, sqlite_url: str, error: str, emails: list[str]):
    """Seed the target's rows and a failed apply adding ``uq_email``; the service over both."""
    engine, server, schema = target
    with engine.begin() as conn:
        for number, email in enumerate(emails, 1):
            conn.execute(text("INSERT INTO users VALUES (:i, :e)"), {"i": number, "e": email})
    desired = {schema: {"users.sql": DESIRED}}
    source = LiveSchemaSource(server)
    planned = plan_schema(desired, source)
    source.dispose()
    plan_data = {
        schema: {"tables": [{"table": c.table, "ddl": c.ddl, "operation": c.operation}
                            for c in planned.changes]}
    }  # fmt: skip
    storage = open_storage(sqlite_url)
    seeded = seed(
        storage,
        desired=desired,
        plan_data=plan_data,
        tasks=[
            {"table_name": "users", "state": "failed", "namespace": schema, "error_message": error}
        ],
    )
    service = RedriveService(storage, LiveTargets(server), operator="bob")
    return service, seeded.apply_identifier


def audit_rows(service: RedriveService) -> list[dict]:
    with service.storage.engine.connect() as conn:
        rows = conn.execute(select(apply_logs.c.metadata).order_by(apply_logs.c.id)).all()
    decoded = [r[0] if isinstance(r[0], dict) else json.loads(r[0] or "null") for r in rows]
    return [m for m in decoded if isinstance(m, dict) and m.get("redrive")]


def apply_state(service: RedriveService) -> str:
    with service.storage.engine.connect() as conn:
        return conn.execute(select(applies.c.state)).scalar_one()


def test_review_json_has_the_live_preflight(target, sqlite_url) -> None:
    service, ident = failed_apply(target, sqlite_url, DUPLICATE, [HOSTILE, HOSTILE, "b@x"])
    assert [r.preflight for r in service.list_failed(include_all=True).rows] == [""]
    review = service.review(ident, "staging")
    assert review.verdict is Verdict.MATCH, review.reason

    document = review_document(review)
    assert document["preflight_verdict"] == "will_fail_again"
    (row,) = service.list_failed(include_all=True).rows
    assert row.preflight == "will_fail_again", "the triage column shows this session's review"
    (entry,) = document["preflight"]
    assert {
        k: entry[k] for k in ("table", "cause", "error_code", "count", "resume", "verdict")
    } == {
        "table": "users",
        "cause": "duplicate_key",
        "error_code": 1062,
        "count": 1,
        "resume": "restart",
        "verdict": "will_fail_again",
    }
    assert "uq_email" in entry["check"]
    assert entry["examples"] == [{"values": [HOSTILE], "rows": 2}]

    text_output = render_review(review, "")
    assert "pre-flight: WILL_FAIL_AGAIN" in text_output
    assert "cause: duplicate_key (error 1062)" in text_output
    assert "\x1b" not in text_output, "a value from the target reaches the terminal escaped"


def test_transient_failure_on_clean_data_is_likely_to_succeed_and_redrives(
    target, sqlite_url
) -> None:
    service, ident = failed_apply(target, sqlite_url, LOCK_WAIT, ["a@x", "b@x"])
    review = service.review(ident, "staging")
    assert review.preflight is not None
    assert review.preflight.verdict.value == "likely_to_succeed"
    assert review_document(review)["preflight"][0]["cause"] == "lock_wait_timeout"

    outcome = service.redrive(ident, "staging", operator="bob", reviewed=review.token)
    assert outcome.redriven, outcome.reason
    (audit,) = audit_rows(service)
    assert audit["preflight_verdict"] == "likely_to_succeed"
    assert audit["ignore_preflight"] is False


def test_redrive_refuses_preflight_fails_and_the_override_is_audited(target, sqlite_url) -> None:
    service, ident = failed_apply(target, sqlite_url, DUPLICATE, ["a@x", "a@x"])
    review = service.review(ident, "staging")
    assert review.preflight_fails

    refused = service.redrive(ident, "staging", operator="bob", reviewed=review.token)
    assert (refused.status, refused.reason_code) == ("rejected", "preflight_fails")
    assert "will fail again" in refused.reason and "--ignore-preflight" in refused.reason
    assert audit_rows(service) == [] and apply_state(service) == "failed", "nothing written"

    outcome = service.redrive(
        ident, "staging", operator="bob", reviewed=review.token, ignore_preflight=True
    )
    assert outcome.redriven, outcome.reason
    (audit,) = audit_rows(service)
    assert audit["ignore_preflight"] is True
    assert audit["preflight_verdict"] == "will_fail_again"


def test_a_duplicate_inserted_after_the_review_is_caught_at_the_write(target, sqlite_url) -> None:
    service, ident = failed_apply(target, sqlite_url, DUPLICATE, ["a@x", "b@x"])
    review = service.review(ident, "staging")
    assert review.preflight is not None
    assert review.preflight.verdict.value == "likely_to_succeed", review.preflight.tables

    engine, _, _ = target
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users VALUES (3, 'a@x')"))
    # the override cannot hide it: the token binds what the operator saw
    outcome = service.redrive(
        ident, "staging", operator="bob", reviewed=review.token, ignore_preflight=True
    )
    assert outcome.status == "rejected"
    assert "pre-flight verdict changed likely_to_succeed -> will_fail_again" in outcome.reason
    assert audit_rows(service) == [] and apply_state(service) == "failed"


DEMO_ROWS = {
    "lock_held": [
        "INSERT INTO users (email) VALUES ('ops@acme.example'), ('ops@acme.example'), ('b@x')"
    ],
    "redrivable": [],
}


@pytest.mark.parametrize(
    ("key", "verdict"), [("lock_held", "will_fail_again"), ("redrivable", "likely_to_succeed")]
)
def test_the_demo_scenarios_on_a_live_mariadb_target(target, sqlite_url, key, verdict) -> None:
    """The demo's duplicate-key and lock-wait failures, with their own DDL and error texts, on
    a live target instead of the demo's snapshot folders (MySQL 8's collation name removed)."""
    from services.demo import SCENARIOS

    spec = next(s for s in SCENARIOS if s.key == key)
    (failed,) = [t for t in spec.tasks if t.state == "failed"]
    (table,) = [t for t in spec.namespaces[failed.namespace] if t.name == failed.table]
    engine, server, schema = target

    def mariadb(sql: str) -> str:
        return sql.replace(" COLLATE=utf8mb4_0900_ai_ci", "")

    with engine.begin() as conn:
        conn.execute(text("DROP TABLE users"))  # the fixture's own table is not the demo's
        conn.execute(text(mariadb(table.before)))
        for statement in DEMO_ROWS[key]:
            conn.execute(text(statement))
    desired = {schema: {f"{table.name}.sql": mariadb(table.after)}}
    source = LiveSchemaSource(server)
    planned = plan_schema(desired, source)
    source.dispose()
    plan_data = {
        schema: {"tables": [{"table": c.table, "ddl": c.ddl, "operation": c.operation}
                            for c in planned.changes]}
    }  # fmt: skip
    storage = open_storage(sqlite_url)
    task = {"table_name": table.name, "state": "failed", "namespace": schema,
            "error_message": failed.error}  # fmt: skip
    seeded = seed(storage, desired=desired, plan_data=plan_data, tasks=[task])
    service = RedriveService(storage, LiveTargets(server), operator="bob")

    review = service.review(seeded.apply_identifier, "staging")
    assert review.verdict is Verdict.MATCH, review.reason
    assert review.preflight is not None
    assert review.preflight.verdict.value == verdict, review.preflight.tables


def test_cli_redrive_refuses_preflight_fails_and_records_the_override(
    target, sqlite_url, tmp_path, capsys
) -> None:
    from app.cli import main

    engine, _, schema = target
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x')"))
    url = make_url(str(engine.url)).render_as_string(hide_password=False)
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        "databases:\n  testdb:\n    type: mysql\n    environments:\n"
        f'      staging:\n        dsn: "{url}"\n'
    )
    desired = {schema: {"users.sql": DESIRED}}
    source = LiveSchemaSource(url)
    planned = plan_schema(desired, source)
    source.dispose()
    plan_data = {
        schema: {"tables": [{"table": c.table, "ddl": c.ddl, "operation": c.operation}
                            for c in planned.changes]}
    }  # fmt: skip
    storage = open_storage(sqlite_url)
    route = {"deployment": "testdb"}
    task = {"table_name": "users", "state": "failed", "namespace": schema,
            "error_message": DUPLICATE}  # fmt: skip
    seeded = seed(storage, desired=desired, plan_data=plan_data, tasks=[task], plan=route,
                  apply=route)  # fmt: skip
    base = ["redrive", seeded.apply_identifier, "-e", "staging", "--config", str(config),
            "--storage-url", sqlite_url, "--operator", "bob", "--yes", "--json"]  # fmt: skip

    assert main(base) == 3
    refused = json.loads(capsys.readouterr().out)
    assert (refused["status"], refused["reason_code"]) == ("rejected", "preflight_fails")
    service = RedriveService(storage, LiveTargets(url))
    assert audit_rows(service) == [] and apply_state(service) == "failed"

    assert main([*base, "--ignore-preflight"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "redriven"
    (audit,) = audit_rows(service)
    assert audit["ignore_preflight"] is True
