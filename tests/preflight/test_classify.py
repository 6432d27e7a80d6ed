"""Failure classification on real error texts: server messages as the Go driver (Spirit,
SchemaBot), the mysql client and PyMySQL print them, and Spirit's own wrapped errors."""

from __future__ import annotations

import pytest

from services.preflight import Category, classify, classify_all

CASES = [
    # (error text, cause, category, error number, matched fragment)
    (
        "failed to copy chunk: Error 1062 (23000): Duplicate entry 'ann@example.com' for key"
        " '_users_new.uk_email'",
        "duplicate_key",
        Category.DATA,
        1062,
        "Error 1062 (23000): Duplicate entry 'ann@example.com' for key '_users_new.uk_email'",
    ),
    (
        "ERROR 1062 (23000) at line 1: Duplicate entry 'x' for key 'uk_email'",
        "duplicate_key",
        Category.DATA,
        1062,
        "ERROR 1062 (23000) at line 1: Duplicate entry 'x' for key 'uk_email'",
    ),
    (
        "(1062, \"Duplicate entry '7-a' for key 'uk_pair'\")",
        "duplicate_key",
        Category.DATA,
        1062,
        "(1062, \"Duplicate entry '7-a' for key 'uk_pair'",
    ),
    (
        "Duplicate entry 'x' for key 'PRIMARY'",
        "duplicate_key",
        Category.DATA,
        None,
        "Duplicate entry 'x' for key 'PRIMARY'",
    ),
    (
        "Error 1048 (23000): Column 'email' cannot be null",
        "invalid_null",
        Category.DATA,
        1048,
        "Error 1048 (23000): Column 'email' cannot be null",
    ),
    (
        "Error 1138 (22004): Invalid use of NULL value",
        "invalid_null",
        Category.DATA,
        1138,
        "Error 1138 (22004): Invalid use of NULL value",
    ),
    (
        "Error 1265 (01000): Data truncated for column 'status' at row 17",
        "truncation",
        Category.DATA,
        1265,
        "Error 1265 (01000): Data truncated for column 'status' at row 17",
    ),
    (
        "Error 1264 (22003): Out of range value for column 'qty' at row 1",
        "truncation",
        Category.DATA,
        1264,
        "Error 1264 (22003): Out of range value for column 'qty' at row 1",
    ),
    (
        "Error 1406 (22001): Data too long for column 'name' at row 3",
        "truncation",
        Category.DATA,
        1406,
        "Error 1406 (22001): Data too long for column 'name' at row 3",
    ),
    (
        "Error 1452 (23000): Cannot add or update a child row: a foreign key constraint fails"
        " (`shop`.`_orders_new`, CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`)"
        " REFERENCES `customers` (`id`))",
        "foreign_key",
        Category.DATA,
        1452,
        "Error 1452 (23000): Cannot add or update a child row: a foreign key constraint fails"
        " (`shop`.`_orders_new`, CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`)"
        " REFERENCES `customers` (`id`))",
    ),
    (
        "attempt 1: Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction\n"
        "attempt 2: Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
        "lock_wait_timeout",
        Category.TRANSIENT,
        1205,
        "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
    ),
    (
        "Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction",
        "deadlock",
        Category.TRANSIENT,
        1213,
        "Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction",
    ),
    (
        "cutover failed: timed out waiting for table metadata lock on `orders`",
        "metadata_lock_timeout",
        Category.TRANSIENT,
        None,
        "cutover failed: timed out waiting for table metadata lock on `orders`",
    ),
    (
        "Error 1040 (08004): Too many connections",
        "too_many_connections",
        Category.TRANSIENT,
        1040,
        "Error 1040 (08004): Too many connections",
    ),
    (
        "Error 2013 (HY000): Lost connection to MySQL server during query",
        "lost_connection",
        Category.TRANSIENT,
        2013,
        "Error 2013 (HY000): Lost connection to MySQL server during query",
    ),
    (
        "(2006, 'MySQL server has gone away')",
        "lost_connection",
        Category.TRANSIENT,
        2006,
        "(2006, 'MySQL server has gone away",
    ),
    (
        "driver: bad connection",
        "lost_connection",
        Category.TRANSIENT,
        None,
        "driver: bad connection",
    ),
    (
        "copy throttled: replication lag 45s is above replica-max-lag 10s",
        "replica_lag",
        Category.TRANSIENT,
        None,
        "copy throttled: replication lag 45s is above replica-max-lag 10s",
    ),
    (
        "Error 1114 (HY000): The table '_orders_new' is full",
        "table_full",
        Category.RESOURCE,
        1114,
        "Error 1114 (HY000): The table '_orders_new' is full",
    ),
    (
        "write /var/lib/mysql/#sql-1.ibd: No space left on device",
        "table_full",
        Category.RESOURCE,
        None,
        "No space left on device",
    ),
    (
        "checksum failed after several attempts. This is likely related to your statement"
        " adding a UNIQUE index on non-unique data",
        "checksum_mismatch",
        Category.SPIRIT,
        None,
        "checksum failed after several attempts. This is likely related to your statement"
        " adding a UNIQUE index on non-unique data",
    ),
    (
        "checksum failed: checksum mismatch",
        "checksum_mismatch",
        Category.SPIRIT,
        None,
        "checksum mismatch",
    ),
    (
        "alter statement in checkpoint table does not match the alter statement specified here",
        "checkpoint_refused",
        Category.SPIRIT,
        None,
        "alter statement in checkpoint table does not match the alter statement specified here",
    ),
    (
        "checkpoint is too old to safely resume: checkpoint is 80h0m0s old (max allowed: 72h0m0s)",
        "checkpoint_refused",
        Category.SPIRIT,
        None,
        "checkpoint is too old to safely resume: checkpoint is 80h0m0s old (max allowed: 72h0m0s)",
    ),
    (
        "timed out waiting for sentinel table to be dropped",
        "sentinel_present",
        Category.SPIRIT,
        None,
        "timed out waiting for sentinel table to be dropped",
    ),
]


@pytest.mark.parametrize(("text", "cause", "category", "code", "fragment"), CASES)
def test_real_error_texts_map_to_their_cause(text, cause, category, code, fragment):
    result = classify(text)
    assert (result.cause, result.category, result.error_code) == (cause, category, code)
    assert result.fragment == fragment


def test_a_translated_message_is_classified_by_its_error_number():
    result = classify("Error 1062 (23000): Doppelter Eintrag 'x' für Schlüssel 'uk_email'")
    assert (result.cause, result.error_code) == ("duplicate_key", 1062)
    assert result.fragment.startswith("Error 1062 (23000): Doppelter Eintrag")


def test_an_error_number_after_the_message_is_reported_but_not_shown_in_the_fragment():
    result = classify("Duplicate entry 'a' for key 'uk' (last: Error 1062)")
    assert (result.cause, result.error_code) == ("duplicate_key", 1062)
    assert result.fragment == "Duplicate entry 'a' for key 'uk'"


def test_a_checksum_failure_wrapping_a_lost_connection_is_transient():
    result = classify("checksum failed: Error 2013 (HY000): Lost connection to MySQL server")
    assert (result.cause, result.category, result.error_code) == (
        "lost_connection",
        Category.TRANSIENT,
        2013,
    )


@pytest.mark.parametrize("text", [None, "", "   ", "apply failed", "task 3 failed: oops"])
def test_unrecognised_texts_are_unknown(text):
    result = classify(text)
    assert (result.cause, result.category, result.error_code, result.fragment) == (
        "unknown",
        Category.UNKNOWN,
        None,
        "",
    )


def test_markup_and_control_characters_stay_literal_in_the_fragment():
    text = "Error 1062 (23000): Duplicate entry '<b>[red]x\x1b[0m' for key 'uk'"
    assert classify(text).fragment == text


def test_the_most_telling_of_several_texts_wins():
    texts = (
        "apply failed",
        "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
        "Error 1062 (23000): Duplicate entry 'x' for key 'uk'",
    )
    assert classify_all(texts).cause == "duplicate_key"
    assert classify_all(texts[:2]).cause == "lock_wait_timeout"
    assert classify_all(()).cause == "unknown"
