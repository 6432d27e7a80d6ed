"""Rule-level parity with Spirit's linters: severities, emission order, quoting.

Spirit at SchemaBot's pin (9dd2b80e44ca, 2026-07-17) is not in the code index. block/spirit
holds only lint_unsafe.go, lint_rename_column.go and tests; the other linters were read from
morgo/spirit (the same code base), newest stored version each. Older stored versions word
some messages differently (``Index '%s' ...``, ``uses TIMESTAMP which ... DATETIME instead.``
without quotes, ``Unsafe operation detected: DROP COLUMN `c``` without %q); we follow the
newest, which is the one consistent with SchemaBot's stored ``Unsafe operation detected: %q``.
"""

from __future__ import annotations

import pytest

from services.planner import Flavour
from services.planner.lint import table_violations
from services.planner.lint_rules import Severity, TableView
from services.planner.lint_rules.auto_inc_capacity import table_auto_increment
from services.planner.lint_rules.quoting import backtick, go_quote
from services.planner.parse import parse_table


def table(sql: str):
    return parse_table(sql, Flavour.MYSQL)


def found(statements: list[str], current: str | None, desired: str | None):
    return [
        (v.linter, v.severity, v.message)
        for v in table_violations(
            "t",
            statements,
            table(current) if current else None,
            table(desired) if desired else None,
        )
    ]


# block/spirit pkg/lint/lint_unsafe.go @ 0957dae3408bd750fbf1cd6cbd50f0ae1c18281e:
# TruncateTableStmt/DropTableStmt/DropDatabaseStmt quote the statement text; the partition and
# tablespace clauses are named by AlterTableTypeToString (morgo/spirit pkg/lint/lint.go
# @ cfce03c32b1633b2208e505db57e60f95ee6a89a); DROP COLUMN adds sqlescape.EscapeIdentifier.
@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("TRUNCATE TABLE `t`", "TRUNCATE TABLE `t`"),
        ("DROP DATABASE `d`", "DROP DATABASE `d`"),
        ("ALTER TABLE `t` DROP PARTITION `p0`", "DROP PARTITION"),
        ("ALTER TABLE `t` TRUNCATE PARTITION `p0`", "TRUNCATE PARTITION"),
        ("ALTER TABLE `t` DISCARD PARTITION `p0` TABLESPACE", "DISCARD PARTITION TABLESPACE"),
        ("ALTER TABLE `t` DISCARD TABLESPACE", "DISCARD TABLESPACE"),
        ("ALTER TABLE `t` COALESCE PARTITION 2", "COALESCE PARTITION"),
        ("ALTER TABLE `t` DROP COLUMN `a``b`", "DROP COLUMN `a``b`"),
    ],
)
def test_unsafe_statement_kinds(statement: str, operation: str) -> None:
    assert found([statement], "CREATE TABLE t (id bigint PRIMARY KEY)", None) == [
        ("unsafe", Severity.ERROR, f"Unsafe operation detected: {go_quote(operation)}")
    ]


# lint_unsafe.go: removals that lose no rows are safe with includeNonLossyRemovals=false
@pytest.mark.parametrize(
    "clause",
    [
        "DROP FOREIGN KEY `fk`",
        "DROP CHECK `c`",
        "REMOVE PARTITIONING",
        "ENGINE=InnoDB",
        "MODIFY COLUMN `id` bigint",
        "ADD PARTITION PARTITIONS 2",
    ],
)
def test_lossless_clauses_are_safe(clause: str) -> None:
    statement = f"ALTER TABLE `t` {clause}"
    assert found([statement], "CREATE TABLE t (id bigint PRIMARY KEY)", None) == []


# morgo/spirit pkg/lint/lint_invisible_index.go @ 046f7c22109eb013e51ebd3838ec6bbbbaf0023e:
# EqualFold match against the pre-state; raiseError=true makes it an error
def test_invisible_index_match_is_case_insensitive() -> None:
    current = "CREATE TABLE t (id bigint PRIMARY KEY, a int, KEY Ka (a) INVISIBLE, KEY kb (a))"
    statement = "ALTER TABLE `t` DROP INDEX `kA`, DROP KEY `KB`"
    message = 'Index "KB" should be made invisible before dropping to ensure it\'s not needed'
    assert found([statement], current, current) == [
        ("invisible_index_before_drop", Severity.ERROR, message)
    ]


# morgo/spirit pkg/lint/lint_primary_key_type.go @ 1dedf2de954c836720bb41cdf34342dd517fed43:
# severity by source; binary-flagged CHAR/VARCHAR count as BINARY/VARBINARY
def test_primary_key_severity_by_source() -> None:
    legacy = "CREATE TABLE t (id int NOT NULL, a int, PRIMARY KEY (id))"
    assert found(
        ["ALTER TABLE `t` DROP COLUMN `a`"],
        legacy,
        "CREATE TABLE t (id int NOT NULL, PRIMARY KEY (id))",
    ) == [
        ("unsafe", Severity.ERROR, 'Unsafe operation detected: "DROP COLUMN `a`"'),
        ("primary_key", Severity.WARNING, 'Primary key column "id" has type "int"'),
    ]
    no_key = "CREATE TABLE t (a bigint, b int)"
    assert found(["ALTER TABLE `t` DROP COLUMN `b`"], no_key, "CREATE TABLE t (a bigint)")[1] == (
        "primary_key",
        Severity.WARNING,
        "No primary key defined",
    )
    binary_char = "CREATE TABLE t (id char(16) CHARACTER SET binary PRIMARY KEY)"
    assert found([binary_char], None, binary_char) == []


# primary key column added by the ALTER (not in the pre-state): error
def test_primary_key_on_an_added_column_is_an_error() -> None:
    current = "CREATE TABLE t (a bigint)"
    desired = "CREATE TABLE t (a bigint, id varchar(36) NOT NULL, PRIMARY KEY (id))"
    statement = "ALTER TABLE `t` ADD COLUMN `id` varchar(36) NOT NULL, ADD PRIMARY KEY (`id`)"
    assert found([statement], current, desired) == [
        ("primary_key", Severity.ERROR, 'Primary key column "id" has type "varchar"')
    ]


# morgo/spirit pkg/lint/post_state.go @ 1b735b6be6ed4ebe3a5d19769defe5bf9d04a6c2: ADD COLUMN
# appends whatever its position clause, MODIFY keeps its place; has_timestamp reports in that
# order (lint_has_timestamp.go @ 046f7c22109eb013e51ebd3838ec6bbbbaf0023e)
def test_has_timestamp_follows_post_state_order() -> None:
    current = "CREATE TABLE t (id bigint PRIMARY KEY, z timestamp NULL, old timestamp NULL)"
    desired = (
        "CREATE TABLE t (first_ts timestamp NULL, id bigint PRIMARY KEY, z timestamp NULL"
        " COMMENT 'c', old timestamp NULL)"
    )
    statement = (
        "ALTER TABLE `t` ADD COLUMN `first_ts` timestamp NULL FIRST,"
        " MODIFY COLUMN `z` timestamp NULL COMMENT 'c'"
    )
    text = (
        'Column "{}" uses "TIMESTAMP" which overflows on 2038-01-19.'
        ' Consider using "DATETIME" instead.'
    )
    assert found([statement], current, desired) == [
        ("has_timestamp", Severity.ERROR, text.format("z")),
        ("has_timestamp", Severity.ERROR, text.format("first_ts")),
        ("has_timestamp", Severity.WARNING, text.format("old")),
    ]


# morgo/spirit pkg/lint/violation.go @ cbb25938b3c92ccda605420b00b553f94d917afc: errors first,
# then linter name; ties keep emission order (Go's sort is an insertion sort up to 12 items)
def test_sorting_puts_errors_first_then_linter_name() -> None:
    current = "CREATE TABLE t (id int NOT NULL, a int, b int, KEY kb (b), PRIMARY KEY (id))"
    desired = "CREATE TABLE t (id int NOT NULL, PRIMARY KEY (id), at timestamp NULL)"
    statements = [
        "ALTER TABLE `t` DROP COLUMN `b`, DROP COLUMN `a`, DROP INDEX `kb`,"
        " ADD COLUMN `at` timestamp NULL"
    ]
    assert [(v[0], v[1]) for v in found(statements, current, desired)] == [
        ("has_timestamp", Severity.ERROR),
        ("invisible_index_before_drop", Severity.ERROR),
        ("unsafe", Severity.ERROR),
        ("unsafe", Severity.ERROR),
        ("primary_key", Severity.WARNING),
    ]
    assert found(statements, current, desired)[2][2].endswith('"DROP COLUMN `b`"')


# morgo/spirit pkg/lint/lint_auto_inc_capacity.go @ 26f8820f85847db6fefcf26abd7af916046d83ea:
# capacity 1<<bits - 1 (one bit less when signed), strict ">" against capacity*85/100
@pytest.mark.parametrize(
    ("column", "value", "capacity"),
    [
        ("tinyint", 108, 127),
        ("tinyint unsigned", 217, 255),
        ("smallint", 27852, 32767),
        ("mediumint unsigned", 14260633, 16777215),
        ("bigint", 7839866231326559436, 9223372036854775807),
        ("bigint unsigned", 15679732462653118873, 18446744073709551615),
    ],
)
def test_auto_increment_capacity_boundaries(column: str, value: int, capacity: int) -> None:
    type_name = column.split()[0]
    above = f"CREATE TABLE t (id {column} AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT={value}"
    at = f"CREATE TABLE t (id {column} AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT={value - 1}"
    message = (
        f"AUTO_INCREMENT value {value} is above 85% of the capacity ({capacity})"
        f" of the auto-inc column's {type_name} data type"
    )
    assert ("auto_inc_capacity", Severity.ERROR, message) in found([above], None, above)
    assert not [v for v in found([at], None, at) if v[0] == "auto_inc_capacity"]


def test_table_auto_increment_option_is_read_after_the_body() -> None:
    view = TableView(
        "t",
        ("CREATE TABLE t (id int AUTO_INCREMENT, KEY (id)) ENGINE=InnoDB AUTO_INCREMENT 42",),
        None,
        None,
    )
    assert table_auto_increment(view.statements[0]) == 42
    view = TableView("t", ("CREATE TABLE t (id int AUTO_INCREMENT, KEY (id))",), None, None)
    assert table_auto_increment(view.statements[0]) is None


# Go's %q (strconv.Quote) and sqlescape.EscapeIdentifier
def test_go_quote_and_backtick() -> None:
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("tab\there\x01") == '"tab\\there\\x01"'
    assert go_quote("café") == '"café"'
    assert backtick("we`ird") == "`we``ird`"
