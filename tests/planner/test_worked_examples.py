"""The worked examples of Spirit's diff_test.go, as exact text."""

from __future__ import annotations

import pytest

from services.planner import Flavour, plan_schema
from services.planner.sources import StaticSchemaSource, table_name_of

NS = "app"


def plan(current: dict[str, str], desired: dict[str, str]) -> list[tuple[str, str, str]]:
    files = {f"{name}.sql": sql for name, sql in desired.items()}
    result = plan_schema({NS: files}, StaticSchemaSource({NS: current}, Flavour.MYSQL))
    assert all(change.namespace == NS for change in result.changes)
    return [(change.table, change.operation, change.ddl) for change in result.changes]


def alters(current: str, desired: str) -> list[str]:
    name = table_name_of(current, "")
    changes = plan({name: current}, {name: desired})
    assert {operation for _, operation, _ in changes} <= {"alter"}
    return [ddl for _, _, ddl in changes]


def test_reorder_only() -> None:
    assert alters(
        "CREATE TABLE t1 (a INT, b INT, c INT)", "CREATE TABLE t1 (c INT, a INT, b INT)"
    ) == [
        "ALTER TABLE `t1` MODIFY COLUMN `c` int NULL FIRST, MODIFY COLUMN `a` int NULL AFTER `c`,"
        " MODIFY COLUMN `b` int NULL AFTER `a`;"
    ]


def test_multiple_changes_complex() -> None:
    assert alters(
        "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(100), price DECIMAL(10,2),"
        " old_column INT)",
        "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(200) NOT NULL,"
        " price DECIMAL(12,4), description TEXT, INDEX idx_name (name))",
    ) == [
        "ALTER TABLE `products` DROP COLUMN `old_column`, MODIFY COLUMN `name` varchar(200)"
        " NOT NULL, MODIFY COLUMN `price` decimal(12,4) NULL, ADD COLUMN `description` text NULL,"
        " ADD INDEX `idx_name` (`name`);"
    ]


def test_stored_generated_column() -> None:
    assert alters(
        "CREATE TABLE t1 (id INT, price DECIMAL(10,2), tax_rate DECIMAL(5,4))",
        "CREATE TABLE t1 (id INT, price DECIMAL(10,2), tax_rate DECIMAL(5,4),"
        " total DECIMAL(10,2) AS (price * (1 + tax_rate)) STORED)",
    ) == [
        "ALTER TABLE `t1` ADD COLUMN `total` decimal(10,2) GENERATED ALWAYS AS"
        " (`price`*(1+`tax_rate`)) STORED NULL;"
    ]


def test_timestamps() -> None:
    assert alters(
        "CREATE TABLE t1 (id INT, updated_at TIMESTAMP)",
        "CREATE TABLE t1 (id INT, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP"
        " ON UPDATE CURRENT_TIMESTAMP)",
    ) == [
        "ALTER TABLE `t1` MODIFY COLUMN `updated_at` timestamp NULL DEFAULT current_timestamp"
        " ON UPDATE current_timestamp;"
    ]


def test_fulltext_parser_is_two_statements() -> None:
    changes = plan(
        {"t1": "CREATE TABLE t1 (id INT, b TEXT, FULLTEXT KEY ft_b (b))"},
        {"t1": "CREATE TABLE t1 (id INT, b TEXT, FULLTEXT KEY ft_b (b) WITH PARSER ngram)"},
    )
    assert [ddl for _, _, ddl in changes] == [
        "ALTER TABLE `t1` DROP INDEX `ft_b`;",
        "ALTER TABLE `t1` ADD FULLTEXT INDEX `ft_b` (`b`) WITH PARSER ngram;",
    ]
    # lint violations go to the table's last statement only
    first, second = plan_schema(
        {NS: {"t1.sql": "CREATE TABLE t1 (id INT, b TEXT, FULLTEXT KEY ft_b (b) WITH PARSER x)"}},
        StaticSchemaSource({NS: {"t1": "CREATE TABLE t1 (id INT, b TEXT, FULLTEXT KEY ft_b (b))"}}),
    ).changes
    assert not first.is_unsafe
    assert second.is_unsafe and "ft_b" in second.unsafe_reason


@pytest.mark.parametrize(
    ("current", "desired", "expected"),
    [
        (
            "CREATE TABLE t1 (id INT, name VARCHAR(100)) DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE t1 (id INT, name VARCHAR(100)) DEFAULT CHARSET=latin1",
            "ALTER TABLE `t1` DEFAULT CHARSET=latin1;",
        ),
        (
            "CREATE TABLE t1 (id INT, name VARCHAR(100))",
            "CREATE TABLE t1 (id INT, name VARCHAR(100) CHARACTER SET latin1)",
            "ALTER TABLE `t1` MODIFY COLUMN `name` varchar(100) CHARACTER SET latin1 NULL;",
        ),
        (
            "CREATE TABLE t1 (id INT) COMMENT='old'",
            "CREATE TABLE t1 (id INT)",
            "ALTER TABLE `t1` COMMENT='';",
        ),
    ],
    ids=["change_charset", "column_charset_differs", "remove_table_comment"],
)
def test_charset_and_table_options(current: str, desired: str, expected: str) -> None:
    assert alters(current, desired) == [expected]


def test_engine_row_format_and_counter_give_nothing() -> None:
    assert (
        alters(
            "CREATE TABLE t1 (id INT) ENGINE=InnoDB ROW_FORMAT=DYNAMIC AUTO_INCREMENT=1",
            "CREATE TABLE t1 (id INT) ENGINE=MyISAM ROW_FORMAT=COMPACT AUTO_INCREMENT=100",
        )
        == []
    )


def test_unnamed_duplicate_indexes() -> None:
    assert alters(
        "CREATE TABLE t1 (a INT, b INT)", "CREATE TABLE t1 (a INT, b INT, INDEX (b), INDEX (b))"
    ) == ["ALTER TABLE `t1` ADD INDEX `b_2` (`b`), ADD INDEX `b` (`b`);"]


def test_across_tables_order() -> None:
    current = {
        "a_table": "CREATE TABLE a_table (id BIGINT PRIMARY KEY)",
        "b_table": "CREATE TABLE b_table (id BIGINT PRIMARY KEY)",
        "c_drop_me": "CREATE TABLE c_drop_me (id BIGINT PRIMARY KEY)",
        "d_drop_me": "CREATE TABLE d_drop_me (id BIGINT PRIMARY KEY)",
    }
    e_new = "CREATE TABLE e_new (\n  id BIGINT PRIMARY KEY\n)"
    desired = {
        "a_table": "CREATE TABLE a_table (id BIGINT PRIMARY KEY, note VARCHAR(10))",
        "b_table": current["b_table"],
        "e_new": e_new + ";\n",
    }
    assert plan(current, desired) == [
        ("e_new", "create", e_new + ";"),
        ("a_table", "alter", "ALTER TABLE `a_table` ADD COLUMN `note` varchar(10) NULL;"),
        ("c_drop_me", "drop", "DROP TABLE `c_drop_me`;"),
        ("d_drop_me", "drop", "DROP TABLE `d_drop_me`;"),
    ]
