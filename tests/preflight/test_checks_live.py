"""The live checks on the real MariaDB: duplicates, NULLs, narrowed types, orphans, and the
bounds (time limit, size threshold, read-only session)."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import text

from services.preflight import CheckStatus, PreflightLimits, Verdict
from services.preflight.session import TimeLimitExceeded, read_only_session
from tests.preflight.support import preflight, seed

DUPLICATE = "Error 1062 (23000): Duplicate entry 'a@x' for key 'uk_email'"


def _only(report):
    (table,) = report.tables
    return table


def _checks(report):
    return {c.check: c for c in _only(report).checks}


def test_duplicates_for_a_new_unique_key_use_an_existing_index(mysql_database_url, mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(64), KEY idx_email (email))",
        "INSERT INTO users VALUES (1,'a@x'),(2,'a@x'),(3,'a@x'),(4,'b@x'),(5,'b@x'),"
        "(6,'c@x'),(7,NULL),(8,NULL)",
    )
    report = preflight(
        mysql_database_url,
        "users",
        "ALTER TABLE `users` ADD UNIQUE INDEX `uk_email` (`email`);",
        DUPLICATE,
    )
    table = _only(report)
    (check,) = table.checks
    assert check.check == "duplicates for new UNIQUE uk_email (email)"
    assert (check.status, check.count, check.capped) == (CheckStatus.FOUND, 2, False)
    assert [(e.values, e.rows) for e in check.examples] == [(("a@x",), 3), (("b@x",), 2)]
    assert check.detail == "index-assisted (uses index idx_email)"
    assert table.verdict is Verdict.WILL_FAIL_AGAIN
    assert table.decisive == check


def test_a_composite_key_follows_the_index_column_order_and_cap_marks_a_lower_bound(
    mysql_database_url, mysql_engine
):
    seed(
        mysql_engine,
        "CREATE TABLE pairs (id int PRIMARY KEY, a int, b varchar(8), KEY idx_ba (b, a))",
        "INSERT INTO pairs VALUES (1,1,'x'),(2,1,'x'),(3,2,'x'),(4,2,'x'),(5,3,'y'),(6,3,'y')",
    )
    limits = PreflightLimits(row_cap=2)
    report = preflight(
        mysql_database_url,
        "pairs",
        "ALTER TABLE `pairs` ADD UNIQUE INDEX `uk_ab` (`a`, `b`)",
        limits=limits,
    )
    (check,) = _only(report).checks
    assert (check.status, check.count, check.capped) == (CheckStatus.FOUND, 2, True)
    assert check.detail == "index-assisted (uses index idx_ba)"
    assert [e.values for e in check.examples] == [("x", "1"), ("x", "2")]  # in index order


def test_without_a_covering_index_the_scan_is_reported_and_clean_data_is_clean(
    mysql_database_url, mysql_engine
):
    seed(
        mysql_engine,
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(64))",
        "INSERT INTO users VALUES (1,'a@x'),(2,'b@x'),(3,NULL),(4,NULL)",
    )
    report = preflight(
        mysql_database_url,
        "users",
        "ALTER TABLE `users` ADD UNIQUE INDEX `uk` (`email`)",
        DUPLICATE,
    )
    table = _only(report)
    (check,) = table.checks
    assert (check.status, check.count, check.examples) == (CheckStatus.CLEAN, 0, ())
    assert check.detail == "full scan (no covering index)"
    assert table.verdict is Verdict.LIKELY_TO_SUCCEED
    assert table.reason == "duplicates for new UNIQUE uk (email): none found"


def test_a_new_primary_key_counts_duplicates_and_nulls(mysql_database_url, mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE legacy (code varchar(8) NULL, note text)",
        "INSERT INTO legacy VALUES ('a','1'),('a','2'),(NULL,'3'),('b','4')",
    )
    report = preflight(
        mysql_database_url,
        "legacy",
        "ALTER TABLE `legacy` ADD PRIMARY KEY (`code`)",
        "Error 1138 (22004): Invalid use of NULL value",
    )
    checks = _checks(report)
    assert checks["duplicates for new PRIMARY KEY (code)"].count == 1
    nulls = checks["NULLs in code (new PRIMARY KEY column)"]
    assert (nulls.status, nulls.count, nulls.examples) == (CheckStatus.FOUND, 1, ())
    assert _only(report).verdict is Verdict.WILL_FAIL_AGAIN


def test_a_column_becoming_not_null_counts_its_nulls(mysql_database_url, mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE t (id int PRIMARY KEY, nick varchar(20) NULL)",
        "INSERT INTO t VALUES (1,NULL),(2,'x'),(3,NULL)",
    )
    report = preflight(
        mysql_database_url,
        "t",
        "ALTER TABLE `t` MODIFY COLUMN `nick` varchar(20) NOT NULL",
        "Error 1138 (22004): Invalid use of NULL value",
    )
    (check,) = _only(report).checks
    assert (check.check, check.status, check.count) == (
        "NULLs in nick (becomes NOT NULL)",
        CheckStatus.FOUND,
        2,
    )


NARROWING = [
    # (current column, new definition, offending values, fitting values, expected check)
    ("varchar(20)", "varchar(3)", ["abcd", "toolong"], ["abc", "é€$"],
     "values longer than 3 characters in c varchar(20) → varchar(3)"),
    ("text", "char(2)", ["abc"], ["ab"], "values longer than 2 characters in c text → char(2)"),
    ("varbinary(10)", "varbinary(2)", ["abc"], ["ab"],
     "values longer than 2 bytes in c varbinary(10) → varbinary(2)"),
    ("int", "tinyint", ["128", "-129"], ["127", "-128"],
     "values outside [-128, 127] in c int → tinyint"),
    ("int", "smallint unsigned", ["-1", "65536"], ["0", "65535"],
     "values outside [0, 65535] in c int → smallint unsigned"),
    ("decimal(10,2)", "decimal(5,2)", ["1000.00", "-1234.5"], ["999.99", "-999.99"],
     "values with more than 3 integer digits in c decimal(10,2) → decimal(5,2)"),
    ("bigint", "decimal(4,1)", ["1000"], ["999"],
     "values with more than 3 integer digits in c bigint → decimal(4,1)"),
    ("enum('a','b','c')", "enum('a','b')", ["c"], ["a", "b"],
     "removed ENUM members (c) in c enum → enum"),
    ("set('r','w','x')", "set('r','w')", ["x", "r,x"], ["r", "r,w"],
     "removed SET members (x) in c set → set"),
]  # fmt: skip


@pytest.mark.parametrize(("current", "new", "bad", "good", "label"), NARROWING)
def test_a_narrowed_type_counts_the_values_that_no_longer_fit(
    mysql_database_url, mysql_engine, current, new, bad, good, label
):
    seed(mysql_engine, f"CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, c {current} NULL)")
    for value in [*bad, *good, None]:
        seed(mysql_engine, "INSERT INTO t (c) VALUES (:v)", v=value)
    report = preflight(
        mysql_database_url,
        "t",
        f"ALTER TABLE `t` MODIFY COLUMN `c` {new} NULL",
        "Error 1265 (01000): Data truncated for column 'c' at row 1",
    )
    (check,) = _only(report).checks
    assert (check.check, check.status, check.count) == (label, CheckStatus.FOUND, len(bad))
    assert len(check.examples) == len(bad)
    assert _only(report).verdict is Verdict.WILL_FAIL_AGAIN


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("varchar(3)", "varchar(20)"),
        ("tinyint", "int"),
        ("decimal(5,2)", "decimal(10,2)"),
        ("enum('a','b')", "enum('a','b','c')"),
        ("varchar(10)", "text"),
    ],
)
def test_a_widened_type_needs_no_check(mysql_database_url, mysql_engine, current, new):
    seed(mysql_engine, f"CREATE TABLE t (id int PRIMARY KEY, c {current} NULL)")
    report = preflight(mysql_database_url, "t", f"ALTER TABLE `t` MODIFY `c` {new} NULL")
    assert _only(report).checks == ()
    assert _only(report).notes == ()


def test_an_unsupported_type_change_is_noted_not_guessed(mysql_database_url, mysql_engine):
    seed(mysql_engine, "CREATE TABLE t (id int PRIMARY KEY, c varchar(10) NULL)")
    report = preflight(
        mysql_database_url,
        "t",
        "ALTER TABLE `t` MODIFY `c` date NULL",
        "Error 1265 (01000): Data truncated for column 'c' at row 1",
    )
    table = _only(report)
    assert table.checks == ()
    assert table.notes == ("type change c varchar(10) → date not checked",)
    assert table.verdict is Verdict.UNKNOWN


def test_a_new_foreign_key_counts_orphans(mysql_database_url, mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE customers (id int PRIMARY KEY)",
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NULL)",
        "INSERT INTO customers VALUES (1),(2)",
        "INSERT INTO orders VALUES (1,1),(2,2),(3,9),(4,9),(5,7),(6,NULL)",
    )
    report = preflight(
        mysql_database_url,
        "orders",
        "ALTER TABLE `orders` ADD CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`)"
        " REFERENCES `customers` (`id`)",
        "Error 1452 (23000): Cannot add or update a child row: a foreign key constraint fails",
    )
    (check,) = _only(report).checks
    assert check.check == "orphans for new FOREIGN KEY fk_customer (customer_id) → customers"
    assert (check.status, check.count) == (CheckStatus.FOUND, 3)
    assert [(e.values, e.rows) for e in check.examples] == [(("7",), 1), (("9",), 2)]
    assert _only(report).verdict is Verdict.WILL_FAIL_AGAIN


HOSTILE = [
    "<b>bold</b>",
    "[bold red]markup[/]",
    "\x1b[31mred\x1b[0m",
    "tab\tnew\nline\r",
    "quote ' back ` slash \\ percent %s",
]


def test_hostile_values_come_back_literally_in_examples(mysql_database_url, mysql_engine):
    seed(mysql_engine, "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, v varchar(64))")
    for value in HOSTILE + HOSTILE:
        seed(mysql_engine, "INSERT INTO t (v) VALUES (:v)", v=value)
    report = preflight(mysql_database_url, "t", "ALTER TABLE `t` ADD UNIQUE INDEX `uk` (`v`)")
    (check,) = _only(report).checks
    assert check.count == len(HOSTILE)
    assert sorted(e.values[0] for e in check.examples) == sorted(HOSTILE)
    document = report.to_document()["preflight"][0]
    assert sorted(e["values"][0] for e in document["examples"]) == sorted(HOSTILE)


def test_identifiers_with_quotes_and_percent_signs_are_quoted(mysql_database_url, mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE `we%ird``t` (id int PRIMARY KEY, `co%l``x` int NULL)",
        "INSERT INTO `we%ird``t` VALUES (1, 5), (2, 5)",
    )
    report = preflight(
        mysql_database_url, "we%ird`t", "ALTER TABLE `we%ird``t` ADD UNIQUE INDEX `u` (`co%l``x`)"
    )
    (check,) = _only(report).checks
    assert (check.status, check.count) == (CheckStatus.FOUND, 1)


def test_the_time_limit_fires_on_a_slow_query_and_makes_the_result_unknown(
    mysql_database_url, mysql_engine
):
    seed(
        mysql_engine,
        "CREATE TABLE big (id int PRIMARY KEY, email varchar(64))",
        "INSERT INTO big SELECT seq, CONCAT('u', seq MOD 150000, '@example.com')"
        " FROM seq_1_to_300000",
    )
    limits = PreflightLimits(statement_seconds=0.3)
    started = time.monotonic()
    report = preflight(
        mysql_database_url,
        "big",
        "ALTER TABLE `big` ADD UNIQUE INDEX `uk` (`email`)",
        DUPLICATE,
        limits,
    )
    elapsed = time.monotonic() - started
    table = _only(report)
    (check,) = table.checks
    assert check.status is CheckStatus.TIME_LIMIT
    assert check.detail == "unknown: time limit of 0.3 s reached"
    assert table.verdict is Verdict.UNKNOWN
    assert elapsed < 3.0


def test_a_sleeping_select_is_stopped_at_the_time_limit(mysql_database_url):
    with read_only_session(mysql_database_url, 0.2) as session:
        started = time.monotonic()
        with pytest.raises(TimeLimitExceeded):
            session.select("SELECT SLEEP(3)")
        assert time.monotonic() - started < 2.0
        assert session.select("SELECT 1") == [(1,)]


def test_a_table_over_the_size_threshold_is_not_checked_unless_deep(
    mysql_database_url, mysql_engine
):
    seed(
        mysql_engine,
        "CREATE TABLE t (id int PRIMARY KEY, email varchar(64))",
        "INSERT INTO t SELECT seq, 'same' FROM seq_1_to_500",
    )
    with mysql_engine.connect() as conn:
        conn.execute(text("ANALYZE TABLE t")).fetchall()
    statement = "ALTER TABLE `t` ADD UNIQUE INDEX `uk` (`email`)"
    report = preflight(
        mysql_database_url, "t", statement, DUPLICATE, PreflightLimits(size_threshold_rows=100)
    )
    (check,) = _only(report).checks
    assert check.status is CheckStatus.SKIPPED
    match = re.fullmatch(r"not checked \(([\d,]+) rows; use --deep\)", check.detail)
    assert match is not None and int(match.group(1).replace(",", "")) > 100
    assert _only(report).verdict is Verdict.UNKNOWN
    deep = preflight(
        mysql_database_url,
        "t",
        statement,
        DUPLICATE,
        PreflightLimits(size_threshold_rows=100, deep=True),
    )
    assert _only(deep).checks[0].status is CheckStatus.FOUND


def test_the_session_is_read_only_and_never_poisons_the_callers_pool(mysql_engine):
    with read_only_session(mysql_engine, 1.0) as session:
        assert session.select("SELECT @@tx_read_only, @@in_transaction") == [(1, 1)]
        with pytest.raises(ValueError):
            session.select("DELETE FROM t")
    for _ in range(3):  # every pooled connection the engine hands out can still write
        with mysql_engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS w (a int)"))
            conn.execute(text("INSERT INTO w VALUES (1)"))
