"""Verdicts per table and overall on the real MariaDB, the JSON document and the fingerprint."""

from __future__ import annotations

import json

from sqlalchemy.engine import make_url

from services.preflight import PreflightInput, Verdict, run_preflight
from services.preflight.model import overall_verdict
from tests.preflight.support import NOW, preflight, schema_of, seed

UNIQUE = "ALTER TABLE `users` ADD UNIQUE INDEX `uk_email` (`email`)"
DUPLICATE = "Error 1062 (23000): Duplicate entry 'a@x' for key 'uk_email'"
LOCK_WAIT = "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"
CHECKSUM = (
    "checksum failed after several attempts. This is likely related to your statement adding a"
    " UNIQUE index on non-unique data"
)


def _users(engine, *emails):
    seed(engine, "CREATE TABLE users (id int PRIMARY KEY AUTO_INCREMENT, email varchar(64))")
    for email in emails:
        seed(engine, "INSERT INTO users (email) VALUES (:e)", e=email)


def _verdict(url, statement, error):
    (table,) = preflight(url, "users", statement, error).tables
    return table.verdict, table.reason


def test_a_transient_cause_is_likely_to_succeed(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x")
    verdict = _verdict(mysql_database_url, "ALTER TABLE `users` ADD INDEX `i` (`email`)", LOCK_WAIT)
    assert verdict == (Verdict.LIKELY_TO_SUCCEED, "transient cause (lock_wait_timeout)")


def test_a_check_that_finds_offending_rows_wins_over_a_transient_cause(
    mysql_database_url, mysql_engine
):
    _users(mysql_engine, "a@x", "a@x")
    verdict, reason = _verdict(mysql_database_url, UNIQUE, LOCK_WAIT)
    assert verdict is Verdict.WILL_FAIL_AGAIN
    assert reason == "duplicates for new UNIQUE uk_email (email): 1 found"


def test_a_checksum_mismatch_is_settled_by_the_unique_key_check(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x", "b@x")
    assert _verdict(mysql_database_url, UNIQUE, CHECKSUM)[0] is Verdict.LIKELY_TO_SUCCEED
    seed(mysql_engine, "INSERT INTO users (email) VALUES ('a@x')")
    assert _verdict(mysql_database_url, UNIQUE, CHECKSUM)[0] is Verdict.WILL_FAIL_AGAIN


def test_a_data_cause_without_a_matching_check_is_unknown(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x")
    verdict = _verdict(mysql_database_url, "ALTER TABLE `users` ADD INDEX `i` (`email`)", DUPLICATE)
    assert verdict == (
        Verdict.UNKNOWN,
        "the remaining statements give no check for duplicate_key",
    )


def test_unknown_and_resource_causes_are_unknown(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x")
    assert _verdict(mysql_database_url, UNIQUE, "apply failed") == (
        Verdict.UNKNOWN,
        "the failure cause is not recognised",
    )
    full = "Error 1114 (HY000): The table '_users_new' is full"
    assert _verdict(mysql_database_url, UNIQUE, full) == (
        Verdict.UNKNOWN,
        "no live check can confirm table_full",
    )


def test_a_sentinel_failure_fails_again_while_the_sentinel_exists(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x")
    seed(mysql_engine, "CREATE TABLE `_spirit_sentinel` (id int NOT NULL PRIMARY KEY)")
    sentinel = "timed out waiting for sentinel table to be dropped"
    statement = "ALTER TABLE `users` ADD INDEX `i` (`email`)"
    assert _verdict(mysql_database_url, statement, sentinel) == (
        Verdict.WILL_FAIL_AGAIN,
        "the sentinel table still exists",
    )
    seed(mysql_engine, "DROP TABLE `_spirit_sentinel`")
    assert _verdict(mysql_database_url, statement, sentinel)[0] is Verdict.LIKELY_TO_SUCCEED


def test_the_overall_verdict_is_the_worst_table(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x", "a@x")
    seed(mysql_engine, "CREATE TABLE other (id int PRIMARY KEY)")
    schema = schema_of(mysql_database_url)
    likely = PreflightInput(
        schema, "other", ("ALTER TABLE `other` ADD COLUMN `x` int",), (LOCK_WAIT,)
    )
    failing = PreflightInput(schema, "users", (UNIQUE,), (DUPLICATE,))
    unknown = PreflightInput(schema, "other", ("ALTER TABLE `other` ADD COLUMN `y` int",))

    def run(*items):
        return run_preflight(mysql_database_url, items, clock=lambda: NOW)

    assert run(likely, failing, unknown).verdict is Verdict.WILL_FAIL_AGAIN
    assert run(likely, failing).fails
    assert run(likely).verdict is Verdict.LIKELY_TO_SUCCEED
    assert run(likely, unknown).verdict is Verdict.UNKNOWN
    assert overall_verdict([]) is Verdict.UNKNOWN


def test_the_document_has_the_review_json_shape(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x", "a@x", "<i>b</i>", "<i>b</i>")
    report = preflight(mysql_database_url, "users", UNIQUE, DUPLICATE)
    document = json.loads(json.dumps(report.to_document()))
    assert document["verdict"] == "will_fail_again"
    (entry,) = document["preflight"]
    assert {"table", "cause", "error_code", "check", "count", "examples", "resume", "verdict"} <= (
        set(entry)
    )
    assert (entry["table"], entry["cause"], entry["error_code"]) == ("users", "duplicate_key", 1062)
    assert entry["matched"] == DUPLICATE
    assert entry["check"] == "duplicates for new UNIQUE uk_email (email)"
    assert entry["count"] == 2
    assert entry["examples"] == [
        {"values": ["<i>b</i>"], "rows": 2},
        {"values": ["a@x"], "rows": 2},
    ]
    assert (entry["resume"], entry["verdict"]) == ("restart", "will_fail_again")


def test_the_fingerprint_binds_outcomes_not_drifting_counts(mysql_database_url, mysql_engine):
    _users(mysql_engine, "a@x", "a@x")
    first = preflight(mysql_database_url, "users", UNIQUE, DUPLICATE).fingerprint()
    assert len(first) == 64
    assert preflight(mysql_database_url, "users", UNIQUE, DUPLICATE).fingerprint() == first
    seed(mysql_engine, "INSERT INTO users (email) VALUES ('b@x'), ('b@x')")  # 1 group → 2
    assert preflight(mysql_database_url, "users", UNIQUE, DUPLICATE).fingerprint() == first
    seed(mysql_engine, "DELETE FROM users WHERE id > 1")  # duplicates gone: the verdict changes
    assert preflight(mysql_database_url, "users", UNIQUE, DUPLICATE).fingerprint() != first


def test_an_unreachable_target_is_unknown_and_never_shows_the_password():
    url = make_url("mysql+pymysql://root:s3cret-pw@127.0.0.1:1/nowhere").render_as_string(
        hide_password=False
    )
    item = PreflightInput("nowhere", "users", (UNIQUE,), (DUPLICATE,))
    report = run_preflight(url, [item], clock=lambda: NOW)
    assert report.verdict is Verdict.UNKNOWN
    (table,) = report.tables
    assert table.verdict is Verdict.UNKNOWN
    assert table.classification.cause == "duplicate_key"
    assert report.notes[0].startswith("cannot reach the target:")
    assert "s3cret" not in json.dumps(report.to_document())
