"""``--deep`` end to end on the real MariaDB: a table over the (lowered) size threshold is "not
checked" by a plain review and checked by a deep one, through the CLI (``review --json``,
``redrive``) and through the service; the redrive's pre-flight under the lock runs as deep as
the request, and the review token binds the depth.

The target holds ``users`` (500 rows, analysed, so ``information_schema`` estimates about 500)
and the stored plan adds a UNIQUE key on ``email``; the threshold is lowered to 100 rows.
Storage is SQLite (the write path is the same on MariaDB storage).
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, make_url, select, text

from app.cli import main
from services.planner import plan_schema
from services.planner.sources import LiveSchemaSource
from services.redrive.model import Verdict
from services.redrive.service import RedriveService
from services.storage.schema import applies, apply_logs
from services.targets import Target
from tests.redrive.review_storage_support import open_storage, seed

THRESHOLD = 100
DUPLICATE = "Error 1062 (23000): Duplicate entry 'same@x' for key 'uq_email'"
DESIRED = (
    "CREATE TABLE users (id bigint NOT NULL, email varchar(64) NULL, PRIMARY KEY (id),"
    " UNIQUE KEY uq_email (email))"
)
NOT_CHECKED = re.compile(r"not checked \(([\d,]+) rows; use --deep\)")


class LiveTargets:
    def __init__(self, url: str) -> None:
        self.url = url

    def resolve(self, database: str, environment: str) -> Target:
        return Target(database, environment, "mysql", "testdb", "testdb", url=self.url)


@pytest.fixture
def users(mysql_database_url: str):
    """``users`` with 500 distinct emails on the target (no unique key yet); its engine."""
    engine = create_engine(mysql_database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id bigint NOT NULL, email varchar(64) NULL,"
                          " PRIMARY KEY (id))"))  # fmt: skip
        conn.execute(text("INSERT INTO users SELECT seq, CONCAT('u', seq, '@x') FROM seq_1_to_500"))
    analyse(engine)
    yield engine
    engine.dispose()


def analyse(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("ANALYZE TABLE users")).fetchall()


def add_duplicate(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET email = 'same@x' WHERE id IN (7, 8)"))


def failed_apply(engine, sqlite_url: str):
    """A failed apply adding ``uq_email`` to ``users``, whose task failed with a duplicate."""
    url = engine.url.render_as_string(hide_password=False)
    schema = make_url(url).database
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
    return storage, seeded.apply_identifier, url


def service_over(storage, url: str, *, deep: bool) -> RedriveService:
    service = RedriveService(storage, LiveTargets(url), operator="bob")
    service.preflight_size_threshold_rows = THRESHOLD
    service.preflight_deep = deep
    return service


def audit_rows(storage) -> list[dict]:
    with storage.engine.connect() as conn:
        rows = conn.execute(select(apply_logs.c.metadata).order_by(apply_logs.c.id)).all()
    decoded = [r[0] if isinstance(r[0], dict) else json.loads(r[0] or "null") for r in rows]
    return [m for m in decoded if isinstance(m, dict) and m.get("redrive")]


def apply_state(storage) -> str:
    with storage.engine.connect() as conn:
        return conn.execute(select(applies.c.state)).scalar_one()


# -- the CLI ---------------------------------------------------------------------------------


def write_config(tmp_path, url: str) -> str:
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        "databases:\n  testdb:\n    type: mysql\n    environments:\n"
        f'      staging:\n        dsn: "{url}"\n'
        f"redrive_console:\n  preflight_size_threshold_rows: {THRESHOLD}\n"
    )
    return str(config)


def cli(args: list[str], capsys) -> tuple[int, dict]:
    code = main(args)
    return code, json.loads(capsys.readouterr().out)


def test_review_json_checks_the_large_table_only_with_deep(users, sqlite_url, tmp_path, capsys):
    add_duplicate(users)
    _, ident, url = failed_apply(users, sqlite_url)
    base = ["review", ident, "-e", "staging", "--config", write_config(tmp_path, url),
            "--storage-url", sqlite_url, "--json"]  # fmt: skip

    code, plain = cli(base, capsys)
    assert code == 0, plain["reason"]
    assert (plain["preflight_verdict"], plain["preflight_deep"]) == ("unknown", False)
    (entry,) = plain["preflight"]
    (check,) = entry["checks"]
    assert check["status"] == "skipped" and check["count"] is None
    match = NOT_CHECKED.fullmatch(check["detail"])
    assert match is not None and int(match.group(1).replace(",", "")) > THRESHOLD
    assert entry["verdict"] == "unknown" and entry["reason"].endswith(check["detail"])

    code, deep = cli([*base, "--deep"], capsys)
    assert code == 0, deep["reason"]
    assert (deep["preflight_verdict"], deep["preflight_deep"]) == ("will_fail_again", True)
    (entry,) = deep["preflight"]
    assert (entry["verdict"], entry["count"]) == ("will_fail_again", 1)
    assert entry["examples"] == [{"values": ["same@x"], "rows": 2}]
    assert "uq_email" in entry["check"]
    assert deep["token"] != plain["token"], "the token binds the depth"


def test_redrive_refuses_preflight_fails_with_deep_and_not_without(
    users, sqlite_url, tmp_path, capsys
):
    add_duplicate(users)
    storage, ident, url = failed_apply(users, sqlite_url)
    base = ["redrive", ident, "-e", "staging", "--config", write_config(tmp_path, url),
            "--storage-url", sqlite_url, "--operator", "bob", "--yes", "--json"]  # fmt: skip

    code, refused = cli([*base, "--deep"], capsys)
    assert code == 3
    assert (refused["status"], refused["reason_code"]) == ("rejected", "preflight_fails")
    assert "duplicates for new UNIQUE uq_email" in refused["reason"]
    assert audit_rows(storage) == [] and apply_state(storage) == "failed", "nothing written"

    code, redriven = cli(base, capsys)  # the large table is not checked: unknown, not refused
    assert code == 0 and redriven["status"] == "redriven", redriven["reason"]
    (audit,) = audit_rows(storage)
    assert (audit["preflight_verdict"], audit["ignore_preflight"]) == ("unknown", False)


def test_redrive_refuses_a_deep_reviews_token_without_deep_before_asking(
    users, sqlite_url, tmp_path, capsys
):
    storage, ident, url = failed_apply(users, sqlite_url)
    config = write_config(tmp_path, url)
    connection = ["--config", config, "--storage-url", sqlite_url, "--json"]
    code, review = cli(["review", ident, "-e", "staging", "--deep", *connection], capsys)
    assert code == 0 and review["preflight_verdict"] == "likely_to_succeed", review["reason"]

    redrive = ["redrive", ident, "-e", "staging", "--token", review["token"], "--operator",
               "bob", *connection]  # fmt: skip
    code, refused = cli(redrive, capsys)  # no --yes: it would have asked, had it got that far
    assert (code, refused["status"]) == (3, "rejected")
    assert refused["reason"] == (
        "the review's pre-flight was deep and this one is not: redrive with --deep"
    )
    assert audit_rows(storage) == [] and apply_state(storage) == "failed"

    code, redriven = cli([*redrive, "--deep", "--yes"], capsys)
    assert code == 0 and redriven["status"] == "redriven", redriven["reason"]
    (audit,) = audit_rows(storage)
    assert audit["preflight_verdict"] == "likely_to_succeed"


# -- the service and the write under the lock ------------------------------------------------


def test_the_preflight_under_the_lock_runs_as_deep_as_the_request(users, sqlite_url):
    """No reviewed token: only the pre-flight re-run under the lock can refuse the write."""
    add_duplicate(users)
    storage, ident, url = failed_apply(users, sqlite_url)

    deep = service_over(storage, url, deep=True).redrive(ident, "staging", operator="bob")
    assert (deep.status, deep.reason_code) == ("rejected", "preflight_fails")
    assert "duplicates for new UNIQUE uq_email (email): 1 found" in deep.reason
    assert audit_rows(storage) == [] and apply_state(storage) == "failed"

    plain = service_over(storage, url, deep=False).redrive(ident, "staging", operator="bob")
    assert plain.redriven, plain.reason
    (audit,) = audit_rows(storage)
    assert audit["preflight_verdict"] == "unknown"


def test_a_duplicate_after_a_deep_review_is_found_by_the_deep_write(users, sqlite_url):
    storage, ident, url = failed_apply(users, sqlite_url)
    service = service_over(storage, url, deep=True)
    review = service.review(ident, "staging")
    assert review.verdict is Verdict.MATCH, review.reason
    assert review.preflight is not None and review.preflight.deep
    assert review.preflight.verdict.value == "likely_to_succeed", review.preflight.tables
    assert review.token is not None and review.token.preflight_deep

    add_duplicate(users)
    analyse(users)
    outcome = service.redrive(
        ident, "staging", operator="bob", reviewed=review.token, ignore_preflight=True
    )
    assert outcome.status == "rejected"
    assert "pre-flight verdict changed likely_to_succeed -> will_fail_again" in outcome.reason
    assert "deep" not in outcome.reason, "same depth: only the finding changed"
    assert audit_rows(storage) == [] and apply_state(storage) == "failed"


@pytest.mark.parametrize(
    ("review_deep", "message"),
    [
        (True, "the review's pre-flight was deep and this one is not: redrive with --deep"),
        (False, "the review's pre-flight was not deep and this one is: review with --deep first"),
    ],
)
def test_a_write_of_another_depth_than_the_review_is_refused(
    users, sqlite_url, review_deep, message
):
    storage, ident, url = failed_apply(users, sqlite_url)
    review = service_over(storage, url, deep=review_deep).review(ident, "staging")
    assert review.token is not None and review.token.preflight_deep is review_deep

    writer = service_over(storage, url, deep=not review_deep)
    outcome = writer.redrive(ident, "staging", operator="bob", reviewed=review.token)
    assert outcome.status == "rejected"
    assert message in outcome.reason
    assert audit_rows(storage) == [] and apply_state(storage) == "failed"
